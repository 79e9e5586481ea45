"""Pages of yearly training plans under /training/plans/: the list, a new draft, the lines
on one keyboard-friendly screen, submit, the superior committee's approval or return, and
amendments. Thin: forms read the input, services decide, selectors read."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import Action, may
from portal.inputs import year_or
from portal.models import Organization
from portal.selectors import filter_units
from training.models import ClassType, PriorityGroup, TrainingPlan
from training.selectors import plans as selectors
from training.services import plans as services

PAGE_SIZE = 20
EXTRA_LINES = 3  # blank rows offered at the end of the lines screen
Status = TrainingPlan.Status


# --- Forms -----------------------------------------------------------------------------------


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class PlanForm(forms.Form):
    organization = forms.ModelChoiceField(label=gettext_lazy("Đơn vị"), queryset=Organization.objects.none(),
                                          to_field_name="code")
    year = forms.TypedChoiceField(label=gettext_lazy("Năm"), coerce=int)
    title = forms.CharField(label=gettext_lazy("Tên kế hoạch"), max_length=300, required=False,
                            help_text=gettext_lazy("Để trống: “Kế hoạch đào tạo, bồi dưỡng năm …”."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = self.fields["organization"].queryset = selectors.trainable_units(user)
        if len(list(units[:2])) == 1:
            self.fields["organization"].empty_label = None
        years = services.allowed_years()
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.initial.setdefault("year", timezone.localdate().year)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"


class TitleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tên kế hoạch"), max_length=300, required=False,
                            widget=forms.TextInput(attrs={"class": "form-control"}))


class LineForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    class_type = forms.ModelChoiceField(label=gettext_lazy("Loại lớp"), queryset=ClassType.objects.none(),
                                        required=False, empty_label=gettext_lazy("— Chọn loại lớp —"))
    planned_classes = forms.IntegerField(label=gettext_lazy("Số lớp"), required=False, min_value=1, max_value=1000)
    planned_learners = forms.IntegerField(label=gettext_lazy("Số học viên"), required=False, min_value=1,
                                          max_value=1_000_000)
    quarter = forms.TypedChoiceField(label=gettext_lazy("Quý"), required=False, coerce=int, empty_value=None,
                                     choices=[("", "—"), (1, "I"), (2, "II"), (3, "III"), (4, "IV")])
    priority_groups = forms.MultipleChoiceField(label=gettext_lazy("Đối tượng ưu tiên"), required=False,
                                                choices=PriorityGroup.choices, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=gettext_lazy("Ghi chú"), max_length=300, required=False)

    def __init__(self, *args, types=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_type"].queryset = types
        self.fields["class_type"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["quarter"].widget.attrs["class"] = "form-select form-select-sm"
        for name in ("planned_classes", "planned_learners"):
            self.fields[name].widget.attrs.update({"class": "form-control form-control-sm num", "inputmode": "numeric"})
        self.fields["note"].widget.attrs["class"] = "form-control form-control-sm"

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("id") or data.get("class_type") or data.get("planned_classes")
                    or data.get("planned_learners"))

    def clean(self):
        data = super().clean()
        if self.errors or self.is_blank or data.get("DELETE"):
            return data
        for name in ("class_type", "planned_classes", "planned_learners"):
            if not data.get(name):
                self.add_error(name, _("Cần nhập."))
        return data

    def line(self) -> services.LineInput:
        data = self.cleaned_data
        return services.LineInput(id=data.get("id"), class_type=data["class_type"],
                                  planned_classes=data["planned_classes"], planned_learners=data["planned_learners"],
                                  quarter=data.get("quarter"), priority_groups=data.get("priority_groups") or [],
                                  note=data.get("note") or "")


LineFormSet = forms.formset_factory(LineForm, extra=EXTRA_LINES, can_delete=True, max_num=200, absolute_max=200)


def _line_initial(line) -> dict:
    return {"id": line.pk, "class_type": line.class_type_id, "planned_classes": line.planned_classes,
            "planned_learners": line.planned_learners, "quarter": line.quarter,
            "priority_groups": list(line.priority_groups), "note": line.note}


def _lines_from(formset) -> list[services.LineInput]:
    return [form.line() for form in formset.forms if not form.cleaned_data.get("DELETE") and not form.is_blank]


def _url_or_none(name: str) -> str | None:
    """The list page of another area of training, once that area has it."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# --- Pages -----------------------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request):
    user = request.user
    code = request.GET.get("org", "").strip()
    units = filter_units(user, code)
    unit = next((u for u in units if u.code == code), None)
    year = year_or(request.GET.get("year", ""), None)
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    plans = selectors.plan_list(user, selectors.PlanFilter(organization=unit, year=year, status=status))
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    this_year = timezone.localdate().year
    return render(request, "training/plans/list.html", {
        "page": page, "units": units, "unit": unit, "year": year, "status": status,
        "statuses": Status.choices, "years": range(this_year + 2, this_year - 5, -1),
        "may_create": selectors.trainable_units(user).exists(),
        "filtered": bool(unit or year or status),
    })


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    user = request.user
    initial = {"organization": request.GET["org"]} if request.GET.get("org") else {}
    form = PlanForm(request.POST or None, user=user, initial=initial)
    if not form.fields["organization"].queryset.exists():
        return forbidden(request, _("Chỉ cán bộ đào tạo của một đơn vị mới lập được kế hoạch đào tạo, bồi dưỡng."))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(by=user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Đã lập dự thảo kế hoạch. Nhập các dòng kế hoạch rồi trình duyệt."))
            return redirect("training_plan_edit", pk=plan.pk)
    return render(request, "training/plans/form.html", {"form": form})


@login_required
@require_GET
def plan_detail(request, pk):
    user = request.user
    plan = selectors.plan_by_id(user, pk)
    lines = list(selectors.plan_lines(plan))
    for line in lines:
        line.priority_labels = [PriorityGroup(group).label for group in line.priority_groups]
    trainer = may(user, Action.TRAIN, plan.organization)
    refusal = services.approval_refusal(user, plan) if plan.status == Status.SUBMITTED else None
    may_decide = plan.status == Status.SUBMITTED and refusal is None
    return render(request, "training/plans/detail.html", {
        "plan": plan, "lines": lines,
        "totals": {name: sum(getattr(line, name) for line in lines)
                   for name in ("planned_classes", "planned_learners", "actual_classes", "actual_learners")},
        "versions": selectors.other_versions(plan).select_related("organization"),
        "may_edit": trainer and plan.status in services.EDITABLE,
        "may_amend": trainer and plan.status == Status.APPROVED,
        "may_decide": may_decide,
        "left_outside": services.classes_left_outside(plan) if plan.status in services.OPEN else [],
        "classes_url": _url_or_none("training_class_list"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    user = request.user
    plan = selectors.plan_by_id(user, pk)
    if not may(user, Action.TRAIN, plan.organization):
        return forbidden(request, _("Chỉ cán bộ đào tạo của “%(unit)s” hoặc cấp trên mới được sửa kế hoạch này.")
                         % {"unit": plan.organization.name}, plan)
    if plan.status not in services.EDITABLE:
        messages.warning(request, _("Kế hoạch đã được phê duyệt nên không sửa được nữa; dùng “Điều chỉnh” để lập "
                                    "bản điều chỉnh.") if plan.status in (Status.APPROVED, Status.SUPERSEDED)
                         else _("Kế hoạch đang chờ cấp trên phê duyệt: chỉ sửa được khi bị trả lại."))
        return redirect("training_plan_detail", pk=plan.pk)
    types = services.plannable_types(plan.year)
    title_form = TitleForm(request.POST or None, initial={"title": plan.title})
    formset = LineFormSet(request.POST or None, initial=[_line_initial(line) for line in plan.lines.all()],
                          form_kwargs={"types": types}, prefix="lines")
    service_errors = []
    if request.method == "POST" and title_form.is_valid() and formset.is_valid():
        try:
            services.update_plan(plan, by=user, title=title_form.cleaned_data["title"], lines=_lines_from(formset))
            if request.POST.get("action") == "submit":
                services.submit_plan(plan, by=user)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for name, texts in errors.items():
                for text in texts:
                    if name == "title":
                        title_form.add_error("title", text)
                    else:
                        service_errors.append(text)
        else:
            if request.POST.get("action") == "submit":
                messages.success(request, _("Đã trình kế hoạch lên cấp ủy cấp trên."))
                return redirect("training_plan_detail", pk=plan.pk)
            messages.success(request, _("Đã lưu kế hoạch."))
            return redirect("training_plan_edit", pk=plan.pk)
    return render(request, "training/plans/edit.html", {
        "plan": plan, "title_form": title_form, "formset": formset, "service_errors": service_errors,
    }, status=400 if request.method == "POST" else 200)


def forbidden(request, message: str, plan: TrainingPlan | None = None):
    """Seen but not allowed: say why (a plan outside the reach is a 404 before this)."""
    return render(request, "training/plans/forbidden.html", {"message": message, "plan": plan}, status=403)


def _act(request, pk, action, done_message: str, done_url=None):
    """A button of the detail page: the service decides; a refusal of the person is a 403
    saying why, a refusal of the state or the input goes back to the plan with the message."""
    plan = selectors.plan_by_id(request.user, pk)
    try:
        result = action(plan)
    except PermissionDenied as exc:
        return forbidden(request, str(exc), plan)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("training_plan_detail", pk=plan.pk)
    messages.success(request, done_message)
    return redirect(done_url(result) if done_url else reverse("training_plan_detail", args=[plan.pk]))


@login_required
@require_POST
def plan_submit(request, pk):
    return _act(request, pk, lambda plan: services.submit_plan(plan, by=request.user),
                _("Đã trình kế hoạch lên cấp ủy cấp trên."))


@login_required
@require_POST
def plan_approve(request, pk):
    comment = request.POST.get("comment", "")
    return _act(request, pk, lambda plan: services.approve_plan(plan, by=request.user, comment=comment),
                _("Đã phê duyệt kế hoạch."))


@login_required
@require_POST
def plan_return(request, pk):
    comment = request.POST.get("comment", "")
    return _act(request, pk, lambda plan: services.return_plan(plan, by=request.user, comment=comment),
                _("Đã trả lại kế hoạch cho đơn vị."))


@login_required
@require_POST
def plan_amend(request, pk):
    return _act(request, pk, lambda plan: services.amend_plan(plan, by=request.user),
                _("Đã lập bản điều chỉnh. Sửa các dòng rồi trình duyệt lại."),
                done_url=lambda amendment: reverse("training_plan_edit", args=[amendment.pk]))


urlpatterns = [
    path("plans/", plan_list, name="training_plan_list"),
    path("plans/new/", plan_create, name="training_plan_create"),
    path("plans/<int:pk>/", plan_detail, name="training_plan_detail"),
    path("plans/<int:pk>/edit/", plan_edit, name="training_plan_edit"),
    path("plans/<int:pk>/submit/", plan_submit, name="training_plan_submit"),
    path("plans/<int:pk>/approve/", plan_approve, name="training_plan_approve"),
    path("plans/<int:pk>/return/", plan_return, name="training_plan_return"),
    path("plans/<int:pk>/amend/", plan_amend, name="training_plan_amend"),
]
