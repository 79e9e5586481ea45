"""Pages of the commitments area (under /study/): a member's own commitments and the
secretary's page of a unit. Thin: forms read the input, services decide, selectors read."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.access import can_manage
from portal.selectors import own_person
from portal.spreadsheets.export import export_view
from resolutions.filters import commitment_year
from resolutions.models import Commitment, RatingLevel
from resolutions.selectors import commitments as selectors
from resolutions.selectors.commitments import SECTION_FIELDS
from resolutions.services import commitments as services

# What each section asks for (DOMAIN.md §4), shown under its field.
SECTION_HINTS = {
    "political_ideology": gettext_lazy("Kiên định lập trường, chấp hành đường lối của Đảng, chính sách, pháp luật "
                                       "của Nhà nước; đấu tranh với quan điểm sai trái."),
    "ethics_lifestyle": gettext_lazy("Giữ gìn phẩm chất, lối sống giản dị; phòng chống suy thoái, "
                                     "“tự diễn biến”, “tự chuyển hóa”."),
    "duties": gettext_lazy("Những việc cụ thể sẽ làm để hoàn thành nhiệm vụ được giao trong năm."),
    "exemplary_conduct": gettext_lazy("Nêu gương ở cơ quan, nơi cư trú và trong gia đình."),
    "study": gettext_lazy("Học tập nghị quyết, chuyên đề; nâng cao trình độ chuyên môn, lý luận chính trị."),
    "concrete_deed": gettext_lazy("Một việc làm cụ thể làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh "
                                  "gắn với chuyên đề năm."),
}


class CommitmentForm(forms.Form):
    theme = forms.ModelChoiceField(label=gettext_lazy("Chuyên đề năm"), queryset=None, required=False)

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        themes = selectors.year_themes(year)
        self.fields["theme"].queryset = themes
        self.fields["theme"].empty_label = None if themes.exists() else _("Chưa có chuyên đề năm %(year)d") % {
            "year": year}
        for name in SECTION_FIELDS:
            self.fields[name] = forms.CharField(
                label=Commitment._meta.get_field(name).verbose_name.capitalize(), help_text=SECTION_HINTS[name],
                required=False, widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}))
        self.fields["theme"].widget.attrs["class"] = "form-select"

    def sections(self) -> dict:
        return {name: self.cleaned_data[name] for name in SECTION_FIELDS}


class ReviewForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("Ý kiến của bí thư"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))


class SelfAssessmentForm(forms.Form):
    self_assessment = forms.CharField(label=gettext_lazy("Tự đánh giá việc thực hiện cam kết"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}))
    self_rating = forms.ModelChoiceField(label=gettext_lazy("Tự xếp loại"), queryset=RatingLevel.objects.none(),
                                         required=False, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["self_rating"].queryset = selectors.rating_levels(year)


class RatingForm(forms.Form):
    rating = forms.ModelChoiceField(label=gettext_lazy("Xếp loại của chi bộ"), queryset=RatingLevel.objects.none(),
                                    required=False, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].queryset = selectors.rating_levels(year)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's errors on the form's fields, or above the form for the others."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
@require_GET
def home(request):
    """The member's own page: this year's commitment, the past years; links to the units he follows."""
    person = own_person(request.user)
    year = timezone.localdate().year
    commitments = selectors.own_commitments(person) if person else []
    current = next((c for c in commitments if c.year == year), None)
    return render(request, "resolutions/commitments/home.html", {
        "person": person,
        "year": year,
        "current": current,
        "upcoming": [c for c in commitments if c.year > year],
        "past": [c for c in commitments if c.year < year],
        "next_year_open": timezone.localdate() >= selectors.evaluation_opens_on(year)
        and not any(c.year == year + 1 for c in commitments),
        "year_themes": selectors.year_themes(year),
        "term_theme": selectors.term_theme(year),
        "units": selectors.units_to_review(request.user),
    })


def _render_form(request, form, *, year, commitment=None, status=200):
    return render(request, "resolutions/commitments/form.html", {
        "form": form, "year": year, "commitment": commitment, "term_theme": selectors.term_theme(year),
        "section_fields": [form[name] for name in SECTION_FIELDS],
    }, status=status)


def _save_and_maybe_submit(request, form, commitment, year):
    """After a valid save: submit when asked; on a refused submit, show the saved draft with why."""
    if request.POST.get("action") != "submit":
        messages.success(request, _("Đã lưu bản nháp. Bạn có thể sửa tiếp bất cứ lúc nào trước khi nộp."))
        return redirect("commitment_detail", commitment.pk)
    try:
        services.submit_commitment(commitment, by=request.user)
    except ValidationError as exc:
        _add_errors(form, exc)
        messages.warning(request, _("Đã lưu bản nháp nhưng chưa nộp được: xem các mục cần bổ sung."))
        return _render_form(request, form, year=year, commitment=commitment)
    messages.success(request, _("Đã nộp bản cam kết. Bí thư chi bộ sẽ xem xét."))
    return redirect("commitment_detail", commitment.pk)


@login_required
def create(request):
    person = own_person(request.user)
    if person is None:
        messages.warning(request, _("Tài khoản của bạn chưa gắn với hồ sơ cá nhân nên chưa lập được bản cam kết. "
                                    "Hãy nhờ quản trị viên gắn tài khoản vào hồ sơ."))
        return redirect("commitment_home")
    year = commitment_year(request.GET)
    existing = person.commitments.filter(year=year).first()
    if existing is not None and request.method == "GET":
        messages.info(request, _("Bạn đã có bản cam kết năm %(year)d.") % {"year": year})
        return redirect("commitment_detail", existing.pk)
    form = CommitmentForm(request.POST or None, year=year,
                          initial={"theme": selectors.year_themes(year).first()})
    if request.method == "POST" and form.is_valid():
        try:
            commitment = services.create_commitment(person=person, year=year, by=request.user,
                                                    theme=form.cleaned_data["theme"], **form.sections())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _save_and_maybe_submit(request, form, commitment, year)
    return _render_form(request, form, year=year)


@login_required
def edit(request, pk):
    commitment = selectors.commitment_by_id(request.user, pk)
    if commitment.person.user_id != request.user.pk:
        raise PermissionDenied(_("Chỉ người viết bản cam kết mới được sửa bản cam kết này."))
    if commitment.status not in (Commitment.Status.DRAFT, Commitment.Status.RETURNED):
        messages.warning(request, _("Bản cam kết đã nộp: chỉ sửa được khi bí thư trả lại."))
        return redirect("commitment_detail", commitment.pk)
    initial = {"theme": commitment.theme, **{name: getattr(commitment, name) for name in SECTION_FIELDS}}
    form = CommitmentForm(request.POST or None, year=commitment.year, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_commitment(commitment, by=request.user, theme=form.cleaned_data["theme"],
                                       **form.sections())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _save_and_maybe_submit(request, form, commitment, commitment.year)
    return _render_form(request, form, year=commitment.year, commitment=commitment)


def _render_detail(request, commitment, status=200, **forms_given):
    user = request.user
    is_owner = commitment.person.user_id == user.pk
    may_review = not is_owner and can_manage(user, commitment.person.organization)
    accepted = commitment.status == Commitment.Status.ACCEPTED
    evaluation = accepted and selectors.evaluation_open(commitment.year)
    context = {
        "commitment": commitment,
        "sections": [(Commitment._meta.get_field(name).verbose_name, getattr(commitment, name))
                     for name in SECTION_FIELDS],
        "is_owner": is_owner,
        "may_review": may_review,
        "editable": is_owner and commitment.status in (Commitment.Status.DRAFT, Commitment.Status.RETURNED),
        "history": selectors.status_history(commitment),
        "term_theme": selectors.term_theme(commitment.year),
        "evaluation_opens_on": selectors.evaluation_opens_on(commitment.year),
        "evaluation": evaluation,
        # Refusals that concern no field (a wrong state, the window not open) go above everything.
        "errors": [error for form in forms_given.values() for error in form.non_field_errors()],
    }
    if may_review and commitment.status == Commitment.Status.SUBMITTED:
        context["review_form"] = forms_given.get("review_form") or ReviewForm()
    if evaluation and is_owner and commitment.rating_id is None:
        context["self_form"] = forms_given.get("self_form") or SelfAssessmentForm(year=commitment.year, initial={
            "self_assessment": commitment.self_assessment, "self_rating": commitment.self_rating})
    if evaluation and may_review:
        context["rating_form"] = forms_given.get("rating_form") or RatingForm(
            year=commitment.year, initial={"rating": commitment.rating or commitment.self_rating})
    return render(request, "resolutions/commitments/detail.html", context, status=status)


@login_required
@require_GET
def detail(request, pk):
    return _render_detail(request, selectors.commitment_by_id(request.user, pk))


@login_required
@require_POST
def submit(request, pk):
    commitment = selectors.commitment_by_id(request.user, pk)
    try:
        services.submit_commitment(commitment, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages) if not hasattr(exc, "error_dict")
                       else _("Cần viết đủ các mục trước khi nộp."))
        return redirect("commitment_edit" if commitment.status in (Commitment.Status.DRAFT, Commitment.Status.RETURNED)
                        else "commitment_detail", commitment.pk)
    messages.success(request, _("Đã nộp bản cam kết. Bí thư chi bộ sẽ xem xét."))
    return redirect("commitment_detail", commitment.pk)


@login_required
@require_POST
def review(request, pk):
    commitment = selectors.commitment_by_id(request.user, pk)
    form = ReviewForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            services.accept_commitment(commitment, by=request.user, comment=comment)
            messages.success(request, _("Đã duyệt bản cam kết của %(name)s.") % {"name": commitment.person})
        elif decision == "return":
            services.return_commitment(commitment, by=request.user, comment=comment)
            messages.success(request, _("Đã trả lại bản cam kết của %(name)s để sửa.") % {"name": commitment.person})
        else:
            raise ValidationError(_("Chọn “Duyệt” hoặc “Trả lại để sửa”."))
    except ValidationError as exc:
        _add_errors(form, exc)
        return _render_detail(request, selectors.commitment_by_id(request.user, pk), review_form=form)
    return redirect(_next_url(request, reverse("commitment_detail", args=[commitment.pk])))


@login_required
@require_POST
def self_assessment(request, pk):
    commitment = selectors.commitment_by_id(request.user, pk)
    form = SelfAssessmentForm(request.POST, year=commitment.year)
    form.is_valid()
    try:
        services.self_assess(commitment, by=request.user, self_assessment=form.cleaned_data.get("self_assessment", ""),
                             self_rating=form.cleaned_data.get("self_rating"))
    except ValidationError as exc:
        _add_errors(form, exc)
        return _render_detail(request, commitment, self_form=form)
    messages.success(request, _("Đã lưu phần tự đánh giá cuối năm."))
    return redirect("commitment_detail", commitment.pk)


@login_required
@require_POST
def rate(request, pk):
    commitment = selectors.commitment_by_id(request.user, pk)
    form = RatingForm(request.POST, year=commitment.year)
    form.is_valid()
    try:
        services.rate_commitment(commitment, by=request.user, rating=form.cleaned_data.get("rating"))
    except ValidationError as exc:
        _add_errors(form, exc)
        return _render_detail(request, commitment, rating_form=form)
    messages.success(request, _("Đã xếp loại %(name)s: %(level)s.") % {
        "name": commitment.person, "level": form.cleaned_data["rating"]})
    return redirect(_next_url(request, reverse("commitment_detail", args=[commitment.pk])))


@login_required
@require_GET
def unit(request, code):
    """The secretary's page: every person expected to file in the unit, and where each stands."""
    organization = selectors.unit_by_code(request.user, code)
    year = commitment_year(request.GET)
    roster = selectors.unit_roster(organization, year)
    manages = can_manage(request.user, organization)
    evaluation = manages and selectors.evaluation_open(year)
    return render(request, "resolutions/commitments/unit.html", {
        "unit": organization,
        "year": year,
        "roster": roster,
        "missing": roster.missing,
        "statuses": [(value, label, roster.counts[value]) for value, label in Commitment.Status.choices],
        "manages": manages,
        "evaluation": evaluation,
        "evaluation_opens_on": selectors.evaluation_opens_on(year),
        "levels": list(selectors.rating_levels(year)) if evaluation else [],
        "year_themes": selectors.year_themes(year),
        "children": selectors.child_units(request.user, organization),
    })


@login_required
@require_POST
def remind(request, code):
    organization = selectors.unit_by_code(request.user, code)
    year = commitment_year(request.GET)
    services.request_reminders(unit=organization, year=year, by=request.user)
    messages.success(request, _("Đã gửi yêu cầu nhắc nhở. Những người chưa nộp bản cam kết năm %(year)d sẽ nhận "
                                "thông báo trên cổng và thư điện tử (nếu có) trong ít phút; mỗi người chỉ được "
                                "nhắc một lần.") % {"year": year})
    return redirect(f"{reverse('commitment_unit', args=[organization.code])}?year={year}")


urlpatterns = [
    path("commitments/", home, name="commitment_home"),
    path("commitments/new/", create, name="commitment_create"),
    path("commitments/<int:pk>/", detail, name="commitment_detail"),
    path("commitments/<int:pk>/edit/", edit, name="commitment_edit"),
    path("commitments/<int:pk>/submit/", submit, name="commitment_submit"),
    path("commitments/<int:pk>/review/", review, name="commitment_review"),
    path("commitments/<int:pk>/self-assessment/", self_assessment, name="commitment_self_assessment"),
    path("commitments/<int:pk>/rate/", rate, name="commitment_rate"),
    path("commitments/units/<str:code>/", unit, name="commitment_unit"),
    path("commitments/units/<str:code>/export.<sheet:ext>", export_view("commitments"), name="commitment_unit_export"),
    path("commitments/units/<str:code>/remind/", remind, name="commitment_remind"),
]
