"""Forms of the classes area: the class with its lessons, and the filters of the lists.
Thin: the rules are the services'; their refusals come back as the forms' errors."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.access import Action, units_where
from portal.forms import StyledForm, VietnameseDateField
from training.models import TrainingClass
from training.selectors import classes as selectors
from training.services import classes as services


class PlanLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line):
        plan = line.plan
        return _("%(year)s · %(unit)s · %(type)s: %(classes)s lớp, %(learners)s học viên") % {
            "year": plan.year, "unit": plan.organization.name, "type": line.class_type.name,
            "classes": line.planned_classes, "learners": line.planned_learners}


class ClassForm(StyledForm):
    class_type = forms.ModelChoiceField(label=_("Loại lớp"), queryset=None, to_field_name="code")
    organizer = forms.ModelChoiceField(label=_("Đơn vị tổ chức"), queryset=None, to_field_name="code")
    plan_line = PlanLineChoiceField(
        label=_("Thuộc kế hoạch"), queryset=None, required=False,
        empty_label=_("— Ngoài kế hoạch (lớp không được tính vào kết quả) —"),
        help_text=_("Dòng của kế hoạch đã được phê duyệt của đơn vị tổ chức, cùng năm và cùng loại lớp."))
    name = forms.CharField(label=_("Tên lớp"), max_length=300)
    starts_on = VietnameseDateField(label=_("Khai giảng"))
    ends_on = VietnameseDateField(label=_("Bế giảng"))
    format = forms.ChoiceField(label=_("Hình thức"), choices=TrainingClass.Format.choices, widget=forms.RadioSelect,
                               initial=TrainingClass.Format.IN_PERSON)
    place = forms.CharField(label=_("Địa điểm"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Số học viên tối đa"), min_value=1, max_value=100000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_type"].queryset = selectors.class_type_choices()
        units = self.fields["organizer"].queryset = units_where(user, Action.TRAIN)
        only = list(units[:2])
        if len(only) == 1:
            self.fields["organizer"].empty_label = None
            self.initial.setdefault("organizer", only[0].code)
        self.fields["plan_line"].queryset = selectors.plan_line_choices(user)
        self.style()


class LessonForm(StyledForm):
    number = forms.IntegerField(label=_("Bài số"), min_value=1, max_value=999)
    title = forms.CharField(label=_("Tên bài"), max_length=300)
    held_on = VietnameseDateField(label=_("Ngày học"), required=False,
                                  help_text=_("Để trống: ngày khai giảng."))
    periods = forms.IntegerField(label=_("Số tiết"), min_value=1, max_value=100)
    lecturer = forms.ModelChoiceField(label=_("Giảng viên"), queryset=None, required=False,
                                      empty_label=_("— Chưa phân công —"))

    def __init__(self, *args, lecturers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lecturer"].queryset = lecturers
        self.style()


class BaseLessonFormSet(forms.BaseFormSet):
    def __init__(self, *args, user, **kwargs):
        self.lecturers = selectors.lecturer_choices(user)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "lecturers": self.lecturers}

    def lessons(self, starts_on) -> list[services.LessonData]:
        return [services.LessonData(f.cleaned_data["number"], f.cleaned_data["title"].strip(),
                                    f.cleaned_data["held_on"] or starts_on, f.cleaned_data["periods"],
                                    f.cleaned_data.get("lecturer"))
                for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


LessonFormSet = forms.formset_factory(LessonForm, formset=BaseLessonFormSet, extra=0, can_delete=True,
                                      max_num=200, validate_max=True)


def save_class(form: ClassForm, lessons: BaseLessonFormSet, *, user, training_class=None):
    """Through the service; its refusals become the form's errors (None is returned)."""
    data = dict(form.cleaned_data)
    data["place"], data["name"] = data["place"].strip(), data["name"].strip()
    planned = lessons.lessons(data["starts_on"])
    try:
        if training_class is None:
            return services.create_class(user=user, lessons=planned, **data)
        return services.update_class(training_class, user=user, lessons=planned, **data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None
