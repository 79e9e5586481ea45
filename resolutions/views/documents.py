"""Pages of the documents area under /study/: the catalogue of documents with their PDF
attachments, themes, study campaigns and their follow-up, the member's own view, commend
and remind. Views are thin: forms check the input's shape, services decide and write,
selectors read through the access rule."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import person_sections
from portal import selectors as core
from portal.access import Action, can_manage, may, reach_of, units_where
from portal.forms import VietnameseDateField
from portal.inputs import id_or, year_or
from resolutions import exports
from resolutions.models import Audience, Document, DocumentKind, StudyCampaign, Theme
from resolutions.selectors import documents as selectors
from resolutions.selectors.documents import DocumentFilter
from resolutions.services import documents as services
from resolutions.services.commitments import COMMITMENTS_SINCE

PAGE_SIZE = 30


class Styled:
    """Bootstrap classes on every widget, so templates render fields with one partial."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for bound in self.visible_fields():
            widget = bound.field.widget
            css = ("form-select" if isinstance(widget, forms.Select)
                   else "form-check-input" if isinstance(widget, forms.CheckboxInput) else "form-control")
            widget.attrs["class"] = css
            if bound.help_text:
                widget.attrs["aria-describedby"] = f"{bound.auto_id}-help"

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-errors"


def _apply_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError shown on the form's fields (or above it)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------


class DocumentFilterForm(Styled, forms.Form):
    q = forms.CharField(label=gettext_lazy("Tìm theo số, ký hiệu, trích yếu, cơ quan"), required=False,
                        max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), required=False)
    year = forms.TypedChoiceField(label=gettext_lazy("Năm ban hành"), required=False, coerce=int, empty_value=None)
    theme = forms.TypedChoiceField(label=gettext_lazy("Chuyên đề"), required=False, coerce=int, empty_value=None)

    def __init__(self, data, *, kinds, years, themes):
        super().__init__(data)
        everything = gettext_lazy("Tất cả")
        self.fields["kind"].choices = [("", everything), *((k.code, k.name) for k in kinds)]
        self.fields["year"].choices = [("", everything), *((y, y) for y in years)]
        self.fields["theme"].choices = [("", everything), *((t.pk, str(t)) for t in themes)]

    def filters(self) -> DocumentFilter:
        self.is_valid()  # a stale or foreign choice is dropped, not an error
        data = self.cleaned_data
        return DocumentFilter(query=data.get("q", ""), kind=data.get("kind", ""), year=data.get("year"),
                              theme=data.get("theme"))


@login_required
@require_GET
def document_list(request):
    user = request.user
    themes = selectors.themes_list()
    form = DocumentFilterForm(request.GET, kinds=selectors.document_kinds(), years=selectors.document_years(user),
                              themes=themes)
    filters = form.filters()
    page = Paginator(selectors.documents_list(user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "resolutions/documents/document_list.html", {
        "form": form, "page": page, "filtered": any(form.cleaned_data.values()),
        "themes_found": selectors.themes_list(query=filters.query) if filters.query else [],
        "can_create": reach_of(user).allows_anywhere(Action.PUBLISH),
        # Documents are imported into the catalogue of the top unit he publishes to.
        "import_unit": units_where(user, Action.PUBLISH).only("code").first(),
    })


class DocumentForm(Styled, forms.ModelForm):
    attachment = forms.FileField(label=gettext_lazy("Tệp PDF đính kèm"), required=False,
                                 widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))

    class Meta:
        model = Document
        fields = ["kind", "number_symbol", "issued_on", "issuing_body", "title", "summary", "themes",
                  "organization"]
        field_classes = {"issued_on": VietnameseDateField}
        widgets = {"summary": forms.Textarea(attrs={"rows": 4}),
                   "number_symbol": forms.TextInput(attrs={"placeholder": "05-CT/TW", "autocapitalize": "characters"}),
                   "themes": forms.SelectMultiple(attrs={"size": 4})}
        help_texts = {"number_symbol": gettext_lazy("Ghi đúng như trên văn bản: 35-NQ/TW, 17-CT/TU, 195-KH/ĐU; "
                                                    "văn bản nhà nước: 27/CT-TTg."),
                      "organization": gettext_lazy("Văn bản đến được toàn bộ đảng viên của đơn vị này và cấp dưới."),
                      "themes": gettext_lazy("Giữ Ctrl (hoặc ⌘) để chọn nhiều chuyên đề.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = units_where(user, Action.PUBLISH)
        self.fields["organization"].label_from_instance = lambda unit: f"{unit.name} ({unit.code})"
        self.fields["kind"].queryset = DocumentKind.objects.order_by("sort_order", "name")
        self.fields["themes"].required = False
        self.fields["attachment"].help_text = _("Chỉ nhận tệp PDF, tối đa %(n)d MB.") % {
            "n": settings.DOCUMENT_MAX_UPLOAD_MB}

    def _post_clean(self):
        pass  # the service validates the model, with the number-symbol rule and the access check


def _document_form_page(request, document=None):
    user = request.user
    if document is not None and not may(user, Action.PUBLISH, document.organization):
        raise PermissionDenied
    if document is None and not reach_of(user).allows_anywhere(Action.PUBLISH):
        raise PermissionDenied
    form = DocumentForm(request.POST or None, request.FILES or None, instance=document, user=user)
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name not in {"themes", "attachment"}}
        try:
            if form.cleaned_data.get("attachment"):
                services.check_pdf(form.cleaned_data["attachment"])  # refused before anything is written
            saved = services.save_document(by=user, document=document, themes=form.cleaned_data["themes"], **data)
            if form.cleaned_data.get("attachment"):
                services.add_attachment(by=user, document=saved, upload=form.cleaned_data["attachment"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu văn bản %(symbol)s.") % {"symbol": saved.number_symbol})
            return redirect("study_document_detail", saved.pk)
    return render(request, "resolutions/documents/document_form.html", {"form": form, "document": document})


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request):
    return _document_form_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, pk):
    return _document_form_page(request, selectors.document_by_id(request.user, pk))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp PDF"), widget=forms.ClearableFileInput(
        attrs={"accept": "application/pdf,.pdf", "class": "form-control"}))


@login_required
@require_GET
def document_detail(request, pk):
    context = selectors.document_detail(request.user, pk)
    return render(request, "resolutions/documents/document_detail.html", {
        **context, "upload_form": AttachmentForm(), "max_mb": settings.DOCUMENT_MAX_UPLOAD_MB})


@login_required
@require_POST
def attachment_upload(request, pk):
    user = request.user
    context = selectors.document_detail(user, pk)
    if not context["can_edit"]:
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(by=user, document=context["document"], upload=form.cleaned_data["file"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Đã đính kèm tệp %(name)s.") % {"name": form.cleaned_data["file"].name})
            return redirect("study_document_detail", pk)
    return render(request, "resolutions/documents/document_detail.html", {
        **context, "upload_form": form, "max_mb": settings.DOCUMENT_MAX_UPLOAD_MB}, status=400)


@login_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    attachment = selectors.attachment_by_id(request.user, pk, attachment_pk)
    services.delete_attachment(by=request.user, attachment=attachment)
    messages.success(request, _("Đã xóa tệp %(name)s.") % {"name": attachment.original_name})
    return redirect("study_document_detail", pk)


# ---------------------------------------------------------------------------
# Themes
# ---------------------------------------------------------------------------


@login_required
@require_GET
def theme_list(request):
    return render(request, "resolutions/documents/theme_list.html", {
        "themes": selectors.themes_list(), "year": timezone.localdate().year,
        "can_edit": selectors.can_edit_themes(request.user)})


class ThemeForm(Styled, forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["kind", "title", "term", "year", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5}), "title": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"year": gettext_lazy("Chỉ ghi với chuyên đề hằng năm.")}

    def _post_clean(self):
        pass  # validated by the service


@login_required
@require_http_methods(["GET", "POST"])
def theme_form(request, pk=None):
    if not selectors.can_edit_themes(request.user):
        raise PermissionDenied
    theme = selectors.theme_by_id(request.user, pk) if pk is not None else None
    form = ThemeForm(request.POST or None, instance=theme)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_theme(by=request.user, theme=theme, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu chuyên đề."))
            return redirect("study_theme_list")
    return render(request, "resolutions/documents/theme_form.html", {"form": form, "theme": theme})


# ---------------------------------------------------------------------------
# Study campaigns
# ---------------------------------------------------------------------------


@login_required
@require_GET
def campaign_list(request):
    show_all = request.GET.get("all") == "1"
    page = Paginator(selectors.campaigns_list(request.user, current_only=not show_all), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "resolutions/documents/campaign_list.html", {
        "page": page, "show_all": show_all, "today": timezone.localdate(),
        "can_create": reach_of(request.user).allows_anywhere(Action.PUBLISH)})


class CampaignForm(Styled, forms.ModelForm):
    class Meta:
        model = StudyCampaign
        fields = ["title", "organization", "document", "theme", "audience", "starts_on", "deadline"]
        field_classes = {"starts_on": VietnameseDateField, "deadline": VietnameseDateField}
        help_texts = {"organization": gettext_lazy("Đơn vị này và toàn bộ cấp dưới tổ chức học tập."),
                      "document": gettext_lazy("Chọn văn bản hoặc chuyên đề (hoặc cả hai).")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = units_where(user, Action.PUBLISH)
        self.fields["organization"].label_from_instance = lambda unit: f"{unit.name} ({unit.code})"
        self.fields["document"].queryset = selectors.documents_visible_to(user).select_related("organization") \
            .order_by("-issued_on", "number_symbol")
        self.fields["audience"].choices = Audience.choices
        if not self.instance.pk:
            self.initial.setdefault("starts_on", timezone.localdate())

    def _post_clean(self):
        pass  # validated by the service


@login_required
@require_http_methods(["GET", "POST"])
def campaign_form(request, pk=None):
    user = request.user
    campaign = selectors.campaign_by_id(user, pk) if pk is not None else None
    allowed = (may(user, Action.PUBLISH, campaign.organization) if campaign
               else reach_of(user).allows_anywhere(Action.PUBLISH))
    if not allowed:
        raise PermissionDenied
    initial = {}
    document_id = id_or(request.GET.get("document", ""))
    if campaign is None and document_id:
        document = selectors.documents_visible_to(user).filter(pk=document_id).first()
        if document is not None:
            initial = {"document": document, "title": _("Học tập, quán triệt %(doc)s") % {
                "doc": document.number_symbol}}
    form = CampaignForm(request.POST or None, instance=campaign, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_campaign(by=user, campaign=campaign, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu đợt học tập “%(title)s”.") % {"title": saved.title})
            return redirect("study_campaign_detail", saved.pk)
    return render(request, "resolutions/documents/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
@require_GET
def campaign_detail(request, pk):
    user = request.user
    campaign = selectors.campaign_by_id(user, pk)
    rows = selectors.campaign_progress(campaign=campaign, viewer=user)
    today = timezone.localdate()
    ids = {row.id for row in rows}
    tops = [row for row in rows if row.parent_id not in ids]  # the tops of what the user may see
    expected, attended = sum(r.subtree_expected for r in tops), sum(r.subtree_attended for r in tops)
    totals = {"expected": expected, "attended": attended, "percent": round(100 * attended / expected) if expected else 0,
              "units": sum(r.subtree_units for r in tops), "done": sum(r.subtree_done for r in tops),
              "late": sum(r.subtree_late for r in tops)}
    return render(request, "resolutions/documents/campaign_detail.html", {
        "campaign": campaign, "tops": tops, "totals": totals, "today": today,
        "counted_on": selectors.campaign_day(campaign, today),
        "past_deadline": today > campaign.deadline,
        "can_edit": may(user, Action.PUBLISH, campaign.organization)})


@login_required
@require_POST
def campaign_export(request, pk):
    """"Xuất Excel" / "Xuất PDF": a background job, followed on its page."""
    campaign = selectors.campaign_by_id(request.user, pk)
    try:
        job = exports.start_export(by=request.user, campaign=campaign, file_format=request.POST.get("format", ""),
                                   unit_code=request.POST.get("unit") or None)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("study_campaign_detail", pk)
    return redirect("job_detail", job.pk)


# ---------------------------------------------------------------------------
# The member's own view; commend and remind
# ---------------------------------------------------------------------------


@login_required
@require_GET
def my_study(request):
    overview = selectors.member_overview(request.user)
    person = overview["person"]
    # What the other apps keep on the member (his training record…), as on his person page.
    sections = person_sections.sections_for(request.user, person) if person else []
    return render(request, "resolutions/documents/my_study.html", {
        **overview, "sections": sections, "today": timezone.localdate()})


class ThresholdForm(Styled, forms.Form):
    threshold = forms.IntegerField(label=gettext_lazy("Nhắc nhở khi vắng không lý do nhiều hơn (buổi/năm)"),
                                   min_value=0, max_value=50)


def _year(value) -> int:
    today = timezone.localdate()
    return year_or(value or "", today.year, first=COMMITMENTS_SINCE, last=today.year + 1)


@login_required
@require_http_methods(["GET", "POST"])
def commend_remind(request, code):
    user = request.user
    unit = core.unit_by_code(user, code)
    year = _year(request.GET.get("year"))
    may_manage = can_manage(user, unit)
    form = ThresholdForm(request.POST or None, initial={"threshold": selectors.absence_threshold(unit)})
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            services.set_absence_threshold(by=user, unit=unit, threshold=form.cleaned_data["threshold"])
            messages.success(request, _("Đã lưu ngưỡng nhắc nhở."))
            return redirect(f"{reverse('study_commend_remind', args=[unit.code])}?year={year}")
    lists = selectors.commend_remind(user, unit, year)
    this_year = timezone.localdate().year
    return render(request, "resolutions/documents/commend_remind.html", {
        "unit": unit, "year": year, "years": range(this_year, this_year - 6, -1), "form": form,
        "can_manage": may_manage, **lists}, status=400 if form.errors else 200)


urlpatterns = [
    path("documents/", document_list, name="study_document_list"),
    path("documents/new/", document_create, name="study_document_create"),
    path("documents/<int:pk>/", document_detail, name="study_document_detail"),
    path("documents/<int:pk>/edit/", document_edit, name="study_document_edit"),
    path("documents/<int:pk>/attachments/", attachment_upload, name="study_attachment_upload"),
    path("documents/<int:pk>/attachments/<int:attachment_pk>/delete/", attachment_delete,
         name="study_attachment_delete"),
    path("themes/", theme_list, name="study_theme_list"),
    path("themes/new/", theme_form, name="study_theme_create"),
    path("themes/<int:pk>/edit/", theme_form, name="study_theme_edit"),
    path("campaigns/", campaign_list, name="study_campaign_list"),
    path("campaigns/new/", campaign_form, name="study_campaign_create"),
    path("campaigns/<int:pk>/", campaign_detail, name="study_campaign_detail"),
    path("campaigns/<int:pk>/edit/", campaign_form, name="study_campaign_edit"),
    path("campaigns/<int:pk>/export/", campaign_export, name="study_campaign_export"),
    path("me/", my_study, name="study_me"),
    path("units/<str:code>/commend-remind/", commend_remind, name="study_commend_remind"),
]
