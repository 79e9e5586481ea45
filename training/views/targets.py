"""Pages of training targets under /training/targets/: a unit's yearly targets (the seed 002
ones offered pre-filled, its own per class type besides), actual against target over its
subtree with the child units that lag, each figure linking to the rows behind it; and the
grassroots organisations that held no counted class. Thin: forms read, services decide,
selectors read."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from portal.access import Action, get_visible_or_404, may
from portal.asof import Period
from portal.inputs import year_or
from portal.models import Organization
from portal.selectors import filter_units
from training.models import Lecturer, TargetIndicator
from training.selectors import indicators
from training.selectors import targets as selectors
from training.services import plans as plan_services
from training.services import targets as services
from training.views.plans import forbidden

I = TargetIndicator  # noqa: E741
EXTRA_OWN = 2  # blank rows for the unit's own targets per class type
PAGE_SIZE = 50


class TargetRowForm(forms.Form):
    indicator = forms.ChoiceField(choices=TargetIndicator.choices)
    enabled = forms.BooleanField(required=False)
    class_type = forms.ModelChoiceField(queryset=None, required=False, empty_label=gettext_lazy("— Loại lớp —"))
    value = forms.DecimalField(label=gettext_lazy("Mức tối thiểu"), required=False, min_value=0, max_digits=8,
                               decimal_places=2)
    upper = forms.DecimalField(label=gettext_lazy("Mức tối đa"), required=False, min_value=0, max_digits=8,
                               decimal_places=2)
    note = forms.CharField(label=gettext_lazy("Ghi chú"), required=False, max_length=300)

    def __init__(self, *args, types=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_type"].queryset = types
        self.fields["indicator"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["class_type"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["enabled"].widget.attrs["class"] = "form-check-input"
        for name in ("value", "upper"):
            self.fields[name].widget.attrs.update({"class": "form-control form-control-sm num", "inputmode": "decimal"})
        self.fields["note"].widget.attrs["class"] = "form-control form-control-sm"

    @property
    def is_seed(self) -> bool:
        return self.initial.get("indicator") in selectors.SEED_TARGETS

    def clean(self):
        data = super().clean()
        if not self.is_seed and data.get("class_type") is not None:
            data["enabled"] = True  # an own row counts once its class type is chosen
        if data.get("enabled") and data.get("value") is None:
            self.add_error("value", _("Nhập mức chỉ tiêu."))
        return data

    def row(self) -> services.TargetInput:
        data = self.cleaned_data
        return services.TargetInput(indicator=data["indicator"], value=data["value"], upper=data.get("upper"),
                                    class_type=data.get("class_type"), note=data.get("note") or "")


TargetFormSet = forms.formset_factory(TargetRowForm, extra=0, max_num=100, absolute_max=100)


def _plain(value: Decimal | None) -> Decimal | None:
    """100.00 shown as 100, 92.50 as 92.5."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _initial_rows(targets) -> list[dict]:
    """The seed rows first (the unit's value when set, else the seed's, checked when the unit
    has set nothing yet), then the unit's own rows per class type, then blank ones."""
    existing = {(t.indicator, t.class_type_id): t for t in targets}
    fresh = not existing
    rows = []
    for indicator, (value, upper) in selectors.SEED_TARGETS.items():
        target = existing.get((indicator, None))
        rows.append({"indicator": indicator, "enabled": fresh or target is not None,
                     "value": _plain(target.value if target else value),
                     "upper": _plain(target.upper if target else upper),
                     "note": target.note if target else ""})
    for target in targets:
        if target.indicator in selectors.PER_TYPE:
            rows.append({"indicator": target.indicator, "enabled": True, "class_type": target.class_type_id,
                         "value": _plain(target.value), "upper": _plain(target.upper), "note": target.note})
    rows += [{"indicator": I.CLASSES_OF_TYPE, "enabled": False}] * EXTRA_OWN
    return rows


def _url(name: str, **params) -> str | None:
    """A list page of another area of training with its filters, once that area has it."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode({k: v for k, v in params.items() if v is not None})}"


def _links(target, unit, year) -> list[tuple[str, str]]:
    """The rows behind a target's figure: (label, url) of the list pages with their filters."""
    org = unit.code
    code = target.class_type.code if target.class_type_id else None
    match target.indicator:
        case I.CERTIFIED_SHARE:
            links = [(_("Học viên lớp kết nạp chưa có giấy chứng nhận"),
                      _url("training_enrollment_list", org=org, year=year, type=indicators.ADMISSION, plan="in",
                           certified=0)),
                     (_("Học viên lớp đảng viên mới chưa có giấy chứng nhận"),
                      _url("training_enrollment_list", org=org, year=year, type=indicators.NEW_MEMBERS, plan="in",
                           certified=0))]
        case I.PARTY_WORK_TRAINED_SHARE:
            links = [(_("Học viên đạt lớp nghiệp vụ công tác Đảng"),
                      _url("training_enrollment_list", org=org, year=year, type=indicators.PARTY_WORK, plan="in",
                           result="dat"))]
        case I.LECTURER_STANDARD_SHARE:
            links = [(_("Giảng viên kiêm chức chưa đạt chuẩn"),
                      _url("training_lecturer_list", org=org, kind=Lecturer.Kind.PART_TIME, standard=0))]
        case I.SECRETARIES_LECTURED_SHARE:
            links = [(_("Bí thư, phó bí thư chưa lên lớp"), _url("training_secretaries_not_lectured", org=org,
                                                                 year=year))]
        case I.GRASSROOTS_WITH_CLASS_SHARE:
            links = [(_("Tổ chức cơ sở đảng chưa tổ chức lớp"), _url("training_grassroots_without_class", org=org,
                                                                     year=year))]
        case I.CLASSES:
            links = [(_("Lớp trong kế hoạch"), _url("training_class_list", org=org, year=year, plan="in")),
                     (_("Lớp ngoài kế hoạch"), _url("training_class_list", org=org, year=year, plan="out"))]
        case I.CLASSES_OF_TYPE:
            links = [(_("Các lớp"), _url("training_class_list", org=org, year=year, type=code, plan="in"))]
        case _:
            links = [(_("Các học viên"), _url("training_enrollment_list", org=org, year=year, type=code, plan="in"))]
    return [(label, url) for label, url in links if url]


def _unit_and_year(request):
    user = request.user
    code = request.GET.get("org", "").strip()
    unit = get_visible_or_404(Organization.objects.all(), user, code=code) if code else selectors.default_unit(user)
    if unit is None:
        raise Http404
    return unit, year_or(request.GET.get("year", ""), timezone.localdate().year)


@login_required
@require_http_methods(["GET", "POST"])
def target_page(request):
    user = request.user
    unit, year = _unit_and_year(request)
    may_set = may(user, Action.TRAIN, unit) and year in plan_services.allowed_years()
    targets = list(selectors.targets_of(unit, year))
    formset = None
    if may_set:
        types = plan_services.plannable_types(year)
        formset = TargetFormSet(request.POST if request.method == "POST" else None, initial=_initial_rows(targets),
                                form_kwargs={"types": types}, prefix="targets")
    elif request.method == "POST":
        return forbidden(request, _("Chỉ cán bộ đào tạo của “%(unit)s” hoặc cấp trên mới được đặt chỉ tiêu đào tạo "
                                    "của đơn vị này.") % {"unit": unit.name})
    service_errors = []
    if request.method == "POST" and formset.is_valid():
        rows = [form.row() for form in formset.forms if form.cleaned_data.get("enabled")]
        try:
            services.set_targets(organization=unit, year=year, by=user, rows=rows)
        except ValidationError as exc:
            service_errors = exc.messages
        else:
            messages.success(request, _("Đã lưu chỉ tiêu năm %(year)d.") % {"year": year})
            return redirect(f"{reverse('training_targets')}?{urlencode({'org': unit.code, 'year': year})}")
    figures = indicators.training_figures(unit, Period.year(year))
    progress = selectors.progress_of(figures, targets)
    for row in progress:
        row.links = _links(row.target, unit, year)
    this_year = timezone.localdate().year
    return render(request, "training/targets/page.html", {
        "unit": unit, "year": year, "progress": progress, "figures": figures, "formset": formset,
        "service_errors": service_errors, "units": filter_units(user, unit.code),
        "years": range(this_year + 2, this_year - 6, -1), "shares": selectors.SHARES,
        "learners_total": figures.learners.total.total("learners"),
        "certificates_total": figures.learners.total.total("certified"),
        "outside_url": _url("training_class_list", org=unit.code, year=year, plan="out"),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def grassroots_without_class(request):
    """The tổ chức cơ sở đảng of a subtree that organised no counted class in the year."""
    unit, year = _unit_and_year(request)
    period = Period.year(year)
    units = indicators.grassroots_without_class(unit, period)
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/targets/grassroots.html", {
        "unit": unit, "year": year, "page": page,
        "share": indicators.grassroots_with_class(unit, period).total,
    })


urlpatterns = [
    path("targets/", target_page, name="training_targets"),
    path("targets/grassroots-without-class/", grassroots_without_class, name="training_grassroots_without_class"),
]
