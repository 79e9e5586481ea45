"""Pages of the sessions area under /study/: the session list and form, the attendance
screen, the apology of a member, and QR check-in. Thin: selectors read, services write."""

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import can_manage, reach_of, restrict_to_managed
from portal.forms import StyledForm, VietnameseDateField
from portal.models import Organization
from portal.selectors import own_person
from portal.spreadsheets.export import export_view
from resolutions.filters import session_filters
from resolutions.models import Attendance, StudySession
from resolutions.selectors import sessions as selectors
from resolutions.services import sessions as services

PAGE_SIZE = 20


# --- Forms -----------------------------------------------------------------------------------


class SessionForm(StyledForm):
    organization = forms.ModelChoiceField(label=gettext_lazy("Đơn vị"), queryset=Organization.objects.none(),
                                          to_field_name="code")
    kind = forms.ChoiceField(label=gettext_lazy("Loại buổi"), choices=StudySession.Kind.choices,
                             widget=forms.RadioSelect, initial=StudySession.Kind.REGULAR)
    held_on = VietnameseDateField(label=gettext_lazy("Ngày"))
    starts_at = forms.TimeField(
        label=gettext_lazy("Giờ bắt đầu"), required=False, input_formats=["%H:%M", "%H%M", "%Hh%M", "%Hh", "%H.%M"],
        error_messages={"invalid": gettext_lazy("Nhập giờ theo dạng giờ:phút, ví dụ 14:00.")},
        widget=forms.TimeInput(format="%H:%M", attrs={"placeholder": "hh:mm", "inputmode": "numeric"}))
    format = forms.ChoiceField(label=gettext_lazy("Hình thức"), choices=StudySession.Format.choices,
                               widget=forms.RadioSelect, initial=StudySession.Format.IN_PERSON)
    place = forms.CharField(label=gettext_lazy("Địa điểm"), max_length=200, required=False,
                            help_text=gettext_lazy("Bắt buộc với buổi tập trung."))
    bridge_points = forms.IntegerField(label=gettext_lazy("Số điểm cầu"), required=False, min_value=1,
                                       max_value=10000, help_text=gettext_lazy("Bắt buộc với buổi trực tuyến."))
    presenter = forms.CharField(label=gettext_lazy("Người trình bày"), max_length=150, required=False)
    documents = forms.ModelMultipleChoiceField(label=gettext_lazy("Văn bản học tập"), required=False,
                                               queryset=None, widget=forms.CheckboxSelectMultiple)
    campaign = forms.ModelChoiceField(label=gettext_lazy("Thuộc đợt học tập"), required=False, queryset=None,
                                      empty_label=gettext_lazy("— Không thuộc đợt nào —"))
    notes = forms.CharField(label=gettext_lazy("Ghi chú, biên bản tóm tắt"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = self.fields["organization"].queryset = restrict_to_managed(
            Organization.objects.filter(active=True), user).order_by("path")
        only = list(units[:2])
        if len(only) == 1:  # a secretary of one cell has nothing to choose
            self.fields["organization"].empty_label = None
            self.initial.setdefault("organization", only[0].code)
        self.initial.setdefault("held_on", timezone.localdate())  # most sessions are logged on their day
        self.fields["documents"].queryset = selectors.document_choices(user)
        self.fields["campaign"].queryset = selectors.campaign_choices(user)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) \
                    else "form-control"

    def save(self, *, user, session: StudySession | None = None) -> StudySession | None:
        """Through the service; its refusals become the form's errors (None is returned)."""
        data = dict(self.cleaned_data)
        documents = data.pop("documents")
        data["place"], data["presenter"] = data["place"].strip(), data["presenter"].strip()
        try:
            if session is None:
                return services.create_session(user=user, documents=documents, **data)
            return services.update_session(session, user=user, documents=documents, **data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)
            return None


class ApologyForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Lý do xin vắng"), max_length=300,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))


# --- Helpers ---------------------------------------------------------------------------------


def _forbidden(request, session, message):
    """Seen but not managed: say so (an id outside the reach is a 404 before this)."""
    return render(request, "resolutions/sessions/forbidden.html", {"session": session, "message": message},
                  status=403)


def _managed_session(request, pk):
    """(session, None) when the user manages its unit, else (None, the 403 answer)."""
    session = selectors.session_by_id(request.user, pk)
    if not can_manage(request.user, session.organization):
        return None, _forbidden(request, session, _("Chỉ bí thư, cấp ủy của %(unit)s mới làm được việc này.")
                                % {"unit": session.organization.name})
    return session, None


# --- Sessions --------------------------------------------------------------------------------


@login_required
@require_GET
def session_list(request):
    user = request.user
    chosen = session_filters(user, request.GET)
    sessions = selectors.session_list(user, chosen.filters)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    reach = reach_of(user)
    for session in page:
        session.manageable = reach.manages_path(session.organization.path)
    this_year = timezone.localdate().year
    return render(request, "resolutions/sessions/list.html", {
        "page": page, "units": chosen.units, "unit": chosen.filters.organization, "year": chosen.filters.year,
        "years": range(this_year + 1, this_year - 5, -1),
        "may_create": reach.everything or bool(reach.manage_paths),
        "filtered": chosen.filtered, "today": timezone.localdate(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    user = request.user
    initial = {"organization": request.GET["unit"]} if request.GET.get("unit") else {}
    form = SessionForm(request.POST or None, user=user, initial=initial)
    if not form.fields["organization"].queryset.exists():
        return _forbidden(request, None, _("Chỉ bí thư, cấp ủy của một đơn vị mới tạo được buổi sinh hoạt."))
    if request.method == "POST" and form.is_valid():
        session = form.save(user=user)
        if session is not None:
            messages.success(request, _("Đã tạo buổi sinh hoạt. Bây giờ có thể điểm danh."))
            return redirect("session_detail", pk=session.pk)
    return render(request, "resolutions/sessions/form.html", {"form": form, "session": None})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session, refused = _managed_session(request, pk)
    if refused:
        return refused
    initial = {name: getattr(session, name) for name in services.SESSION_FIELDS}
    initial["organization"] = session.organization.code
    initial["documents"] = list(session.documents.values_list("pk", flat=True))
    form = SessionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid() and form.save(user=request.user, session=session):
        messages.success(request, _("Đã lưu thay đổi của buổi sinh hoạt."))
        return redirect("session_detail", pk=session.pk)
    return render(request, "resolutions/sessions/form.html", {"form": form, "session": session})


@login_required
@require_GET
def session_detail(request, pk):
    user = request.user
    session = selectors.session_by_id(user, pk)
    person = own_person(user)
    mine = selectors.own_attendance(session, person)
    is_member_here = person is not None and person.organization_id == session.organization_id
    return render(request, "resolutions/sessions/detail.html", {
        "session": session,
        "documents": selectors.session_documents(session),
        "manageable": can_manage(user, session.organization),
        "mine": mine,
        "may_apologise": (is_member_here and not selectors.has_started(session)
                          and selectors.is_expected(session, person)),
        "apology_form": ApologyForm(initial={"reason": mine.reason if mine and mine.reason else ""}),
        "start": selectors.session_start(session),
        "started": selectors.has_started(session),
    })


# --- Attendance ------------------------------------------------------------------------------


def _posted_marks(post) -> list[services.Mark]:
    """The sheet as posted: one `person` value per line, its `status-<id>` and `reason-<id>`."""
    return [services.Mark(pid, post.get(f"status-{pid}", ""), post.get(f"reason-{pid}", ""))
            for pid in post.getlist("person")]


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request, pk):
    session, refused = _managed_session(request, pk)
    if refused:
        return refused
    rows = selectors.attendance_sheet(session)
    errors, culprits = [], set()
    if request.method == "POST":
        marks = _posted_marks(request.POST)
        try:
            summary = services.record_attendance(session=session, by=request.user, marks=marks)
        except services.SheetError as exc:
            errors, culprits = exc.messages, exc.people
            # Show what was posted, so nothing typed is lost.
            posted = {str(m.person): m for m in marks}
            for row in rows:
                if (mark := posted.get(str(row.person_id))) is not None:
                    row.reason = mark.reason
                    if mark.status in Attendance.Status.values:
                        row.status = mark.status
        else:
            messages.success(request, _("Đã lưu điểm danh: %(present)d có mặt, %(excused)d vắng có lý do, "
                                        "%(absent)d vắng không lý do.") % summary)
            return redirect("session_detail", pk=session.pk)
    return render(request, "resolutions/sessions/attendance.html", {
        "session": session, "rows": rows, "summary": selectors.sheet_summary(rows), "errors": errors,
        "culprits": culprits, "statuses": Attendance.Status, "may_record": not session.held_on > timezone.localdate(),
    })


@login_required
@require_POST
def session_apology(request, pk):
    session = selectors.session_by_id(request.user, pk)
    form = ApologyForm(request.POST)
    if form.is_valid():
        try:
            services.send_apology(session=session, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Đã gửi xin vắng. Bí thư chi bộ sẽ thấy lý do của bạn."))
    else:
        messages.error(request, _("Ghi lý do xin vắng (tối đa 300 ký tự)."))
    return redirect("session_detail", pk=session.pk)


# --- QR check-in -----------------------------------------------------------------------------


def _qr_context(request, session) -> dict:
    url = request.build_absolute_uri(reverse("checkin_scan", args=[services.checkin_token(session)]))
    svg = segno.make(url, error="m").svg_inline(scale=6, border=2, omitsize=True, title=_("Mã QR điểm danh"))
    return {
        "session": session, "checkin_url": url,
        "qr_svg": mark_safe(svg),  # drawn here by segno from our own URL
        "refresh_seconds": services.qr_slot_seconds(),
        "lifetime_seconds": int(services.qr_lifetime().total_seconds()),
    }


def _scans_context(session) -> dict:
    return {"session": session, "checkins": selectors.qr_checkins(session),
            "refused_scans": selectors.refused_scans(session)}


@login_required
@require_GET
def session_checkin(request, pk):
    session, refused = _managed_session(request, pk)
    if refused:
        return refused
    context = {**_scans_context(session), "open": services.may_open_checkin(session)}
    if context["open"]:
        context.update(_qr_context(request, session))
    return render(request, "resolutions/sessions/checkin.html", context)


@login_required
@require_GET
def session_checkin_code(request, pk):
    """The htmx partial that replaces the code with the next one."""
    session, refused = _managed_session(request, pk)
    if refused:
        return refused
    if not services.may_open_checkin(session):
        return render(request, "resolutions/sessions/_checkin_closed.html", {"session": session})
    return render(request, "resolutions/sessions/_checkin_code.html", _qr_context(request, session))


@login_required
@require_GET
def session_checkin_present(request, pk):
    """The htmx partial polled for who has checked in so far, and whose scan was refused."""
    session, refused = _managed_session(request, pk)
    if refused:
        return refused
    return render(request, "resolutions/sessions/_checkin_present.html", _scans_context(session))


def _checkin_refused(request, messages_list, status=400):
    return render(request, "resolutions/sessions/checkin_result.html",
                  {"ok": False, "messages_list": messages_list}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def checkin_scan(request, token):
    """Opened from the QR code on a member's phone. The GET only shows the session and a
    button (a browser's prefetch or a link preview writes nothing); the button's POST
    records the check-in."""
    try:
        code = services.read_checkin_code(token=token, user=request.user)
    except ValidationError as exc:
        return _checkin_refused(request, exc.messages)
    if request.method == "GET":
        mine = selectors.own_attendance(code.session, code.person)
        if mine is not None and mine.status == Attendance.Status.PRESENT:
            return render(request, "resolutions/sessions/checkin_result.html",
                          {"ok": True, "already": True, "attendance": mine, "session": code.session})
        return render(request, "resolutions/sessions/checkin_confirm.html",
                      {"session": code.session, "start": selectors.session_start(code.session)})
    try:
        scan = services.check_in_by_qr(token=token, user=request.user)
    except ValidationError as exc:  # the code expired between the page and the button
        return _checkin_refused(request, exc.messages)
    if scan.outcome is services.ScanOutcome.REFUSED:
        return _checkin_refused(request, [
            _("Bí thư đã ghi bạn %(status)s ở buổi này; quét mã không thay đổi được. Bí thư sẽ thấy lần quét "
              "của bạn; nếu bạn có mặt, hãy báo trực tiếp với bí thư.")
            % {"status": scan.attendance.get_status_display().lower()}], status=409)
    return render(request, "resolutions/sessions/checkin_result.html", {
        "ok": True, "already": scan.outcome is services.ScanOutcome.ALREADY_PRESENT,
        "attendance": scan.attendance, "session": scan.attendance.session})


urlpatterns = [
    path("sessions/", session_list, name="session_list"),
    path("sessions/export.<sheet:ext>", export_view("sessions"), name="session_list_export"),
    path("sessions/new/", session_create, name="session_create"),
    path("sessions/<int:pk>/", session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", session_edit, name="session_edit"),
    path("sessions/<int:pk>/attendance/", session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/attendance.<sheet:ext>", export_view("attendance"), name="session_attendance_export"),
    path("sessions/<int:pk>/apology/", session_apology, name="session_apology"),
    path("sessions/<int:pk>/checkin/", session_checkin, name="session_checkin"),
    path("sessions/<int:pk>/checkin/code/", session_checkin_code, name="session_checkin_code"),
    path("sessions/<int:pk>/checkin/present/", session_checkin_present, name="session_checkin_present"),
    path("checkin/<str:token>/", checkin_scan, name="checkin_scan"),
]
