"""Pages of the lecturers area under /training/lecturers/: the list with lectures given in a
year (filters org, kind, standard, year), one lecturer with his lessons, registering and
editing (where the user may TRAIN), and the bí thư and phó bí thư of each đảng bộ cơ sở
who have not lectured in the year (seed 002: at least once a year)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from portal.access import Action, get_visible_or_404, may, units_where
from portal.asof import Period
from portal.forms import StyledForm, VietnameseDateField
from portal.inputs import year_or
from portal.models import Organization
from portal.pagination import CachedCountPaginator
from portal.selectors import filter_units
from training.models import Lecturer
from training.selectors import indicators
from training.selectors import lecturers as selectors
from training.services import lecturers as services

PAGE_SIZE = 30


class LecturerForm(StyledForm):
    person = forms.CharField(label=gettext_lazy("Người"), max_length=150,
                             help_text=gettext_lazy("Số thẻ đảng viên, hoặc họ và tên đầy đủ."))
    organization = forms.ModelChoiceField(label=gettext_lazy("Đơn vị quản lý"), queryset=Organization.objects.none(),
                                          to_field_name="code")
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), choices=Lecturer.Kind.choices, widget=forms.RadioSelect,
                             initial=Lecturer.Kind.PART_TIME)
    qualification = forms.CharField(label=gettext_lazy("Trình độ, chuyên môn"), max_length=200, required=False)
    meets_standard = forms.BooleanField(label=gettext_lazy("Đạt chuẩn giảng viên"), required=False)
    standard_checked_on = VietnameseDateField(label=gettext_lazy("Ngày công nhận đạt chuẩn"), required=False)
    started_on = VietnameseDateField(label=gettext_lazy("Từ ngày"))
    ended_on = VietnameseDateField(label=gettext_lazy("Đến ngày"), required=False,
                                   help_text=gettext_lazy("Để trống khi còn làm giảng viên."))

    def __init__(self, *args, user, lecturer: Lecturer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.lecturer = user, lecturer
        self.fields["organization"].queryset = units_where(user, Action.TRAIN).filter(level__is_cell=False)
        if lecturer is not None:
            del self.fields["person"]  # the person stays; register another person anew
        else:
            self.initial.setdefault("started_on", timezone.localdate())
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.RadioSelect):
                continue
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            else:
                field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if name == "person":
                field.widget.attrs["autocomplete"] = "off"

    def clean_person(self):
        text = self.cleaned_data["person"]
        found = selectors.person_matches(self.user, text)
        if not found:
            raise ValidationError(_("Không tìm thấy “%(text)s” trong phạm vi bạn được xem: nhập số thẻ đảng viên "
                                    "hoặc họ và tên đầy đủ.") % {"text": text})
        if len(found) > 1:
            raise ValidationError(_("Có nhiều người tên “%(text)s”: hãy nhập số thẻ đảng viên.") % {"text": text})
        return found[0]

    def save(self) -> Lecturer | None:
        """Through the service; its refusals become the form's errors (None is returned)."""
        data = dict(self.cleaned_data)
        try:
            if self.lecturer is None:
                return services.create_lecturer(by=self.user, **data)
            return services.update_lecturer(self.lecturer, by=self.user, **data)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        except PermissionDenied as error:
            self.add_error("organization", str(error))
        return None


def _this_year() -> int:
    return timezone.localdate().year


@login_required
@require_GET
def lecturer_list(request):
    user = request.user
    code = request.GET.get("org", "").strip()
    units = filter_units(user, code)
    unit = next((u for u in units if u.code == code), None)
    year = year_or(request.GET.get("year", ""), _this_year())
    kind = request.GET.get("kind", "")
    kind = kind if kind in Lecturer.Kind.values else ""
    standard = {"1": True, "0": False}.get(request.GET.get("standard", ""))
    lecturers = selectors.lecturer_list(user, year=year, unit=unit, kind=kind or None, standard=standard)
    page = CachedCountPaginator(lecturers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/lecturers/list.html", {
        "page": page, "units": units, "unit": unit, "year": year, "kind": kind, "kinds": Lecturer.Kind.choices,
        "standard": request.GET.get("standard", ""), "years": range(_this_year(), _this_year() - 6, -1),
        "may_create": selectors.may_register_anywhere(user),
        "filtered": bool(unit or kind or standard is not None or year != _this_year())})


@login_required
@require_GET
def lecturer_detail(request, pk):
    lecturer = selectors.lecturer_by_id(request.user, pk)
    year = year_or(request.GET.get("year", ""), None)
    lessons = CachedCountPaginator(selectors.lessons_given(request.user, lecturer, year), PAGE_SIZE)
    return render(request, "training/lecturers/detail.html", {
        "lecturer": lecturer, "per_year": selectors.lectures_per_year(lecturer), "year": year,
        "page": lessons.get_page(request.GET.get("page")),
        "may_edit": may(request.user, Action.TRAIN, lecturer.organization)})


@login_required
@require_http_methods(["GET", "POST"])
def lecturer_create(request):
    if not selectors.may_register_anywhere(request.user):
        return render(request, "training/lecturers/forbidden.html", {
            "message": _("Chỉ cán bộ đào tạo (hoặc người có quyền mở lớp) mới đăng ký được giảng viên.")}, status=403)
    form = LecturerForm(request.POST or None, user=request.user,
                        initial={"organization": request.GET.get("org", "")} if request.GET.get("org") else None)
    if request.method == "POST" and form.is_valid():
        lecturer = form.save()
        if lecturer is not None:
            messages.success(request, _("Đã đăng ký %(name)s là %(kind)s.")
                             % {"name": lecturer.person.full_name, "kind": lecturer.get_kind_display().lower()})
            return redirect("training_lecturer_detail", lecturer.pk)
    return render(request, "training/lecturers/form.html", {"form": form, "lecturer": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def lecturer_edit(request, pk):
    lecturer = selectors.lecturer_by_id(request.user, pk)
    if not may(request.user, Action.TRAIN, lecturer.organization):
        return render(request, "training/lecturers/forbidden.html", {
            "lecturer": lecturer, "message": _("Chỉ cán bộ đào tạo của %(unit)s mới sửa được giảng viên này.")
            % {"unit": lecturer.organization.name}}, status=403)
    initial = {name: getattr(lecturer, name) for name in services.FIELDS}
    initial["organization"] = lecturer.organization.code
    form = LecturerForm(request.POST or None, user=request.user, lecturer=lecturer, initial=initial)
    if request.method == "POST" and form.is_valid():
        if form.save() is not None:
            messages.success(request, _("Đã lưu thông tin giảng viên."))
            return redirect("training_lecturer_detail", lecturer.pk)
    return render(request, "training/lecturers/form.html", {"form": form, "lecturer": lecturer},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def secretaries_not_lectured(request):
    """Bí thư and phó bí thư of each đảng bộ cơ sở of a unit's subtree who gave no lesson of a
    counted class in the year (training.selectors.indicators, the figure of the report)."""
    user = request.user
    code = request.GET.get("org", "").strip()
    units = filter_units(user, code)
    if code:
        unit = get_visible_or_404(Organization.objects.all(), user, code=code)
    else:
        unit = next((u for u in units if may(user, Action.VIEW, u)), None)
    if unit is not None and not may(user, Action.VIEW, unit):
        unit = None  # his own cell seen as a member: its officers are not his to list
    year = year_or(request.GET.get("year", ""), _this_year())
    positions = list(indicators.secretaries_without_lecture(unit, Period.year(year))) if unit is not None else []
    return render(request, "training/lecturers/not_lectured.html", {
        "positions": positions, "unit": unit, "units": [u for u in units if may(user, Action.VIEW, u)],
        "year": year, "years": range(_this_year(), _this_year() - 6, -1)})


urlpatterns = [
    path("lecturers/", lecturer_list, name="training_lecturer_list"),
    path("lecturers/new/", lecturer_create, name="training_lecturer_create"),
    path("lecturers/<int:pk>/", lecturer_detail, name="training_lecturer_detail"),
    path("lecturers/<int:pk>/edit/", lecturer_edit, name="training_lecturer_edit"),
    path("lecturers/not-lectured/", secretaries_not_lectured, name="training_secretaries_not_lectured"),
]
