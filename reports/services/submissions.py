"""State changes of a unit's report on its way up the tree (issue 9, point 6).

A submission is opened by the calendar (chưa làm), written by the unit (đang soạn: the
narrative saved as one types, history kept), submitted to the superior with its figures
and files frozen in a run (đã nộp), then accepted (đã nhận) or returned with a comment
(trả lại) and submitted again. Each step locks the row, checks the state it starts from
and who acts, and writes nothing when either is wrong: ValidationError for a wrong state
or input, PermissionDenied for a user in reach who may not act (out of reach is 404,
decided before these functions are called).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.access import Action, reach_of
from portal.models import Grant, Organization, Position, User
from portal.notifications import Email, notify
from portal.printing import format_number
from reports.models import NarrativeRevision, Submission, SubmissionEvent
from reports.submission_selectors import effective_narrative, report_url, section_codes

Status = Submission.Status
# Saves of one section by one author closer together than this are one revision: typing
# saves every few seconds, and the history should show drafts, not keystrokes.
REVISION_COALESCE = datetime.timedelta(minutes=2)
NARRATIVE_MAX_CHARS = 50_000
NUMBER_MAX_CHARS = Submission._meta.get_field("number").max_length
PLACE_MAX_CHARS = Submission._meta.get_field("place").max_length


# --- Who may do what ---------------------------------------------------------------------------


def may_write(user, submission: Submission) -> bool:
    """Those who report for the unit (REPORT over it) write and submit its report."""
    return reach_of(user).allows(Action.REPORT, submission.organization.path)


def _require_writer(user, submission: Submission) -> None:
    if not may_write(user, submission):
        raise PermissionDenied(_("Chỉ người được giao lập báo cáo của “%(unit)s” mới được soạn và nộp báo cáo "
                                 "này.") % {"unit": submission.organization.name})


def decision_refusal(user, submission: Submission) -> str | None:
    """Why `user` may not accept or return `submission` (None: he may). The superior
    decides: REPORT over the unit's parent; nobody decides on a report he submitted."""
    unit = submission.organization
    reach = reach_of(user)
    if unit.parent_id is None:
        if not reach.everything:
            return _("“%(unit)s” không có cấp trên trong hệ thống: chỉ quản trị hệ thống nhận hoặc trả lại báo cáo "
                     "của đơn vị này.") % {"unit": unit.name}
    elif not reach.allows(Action.REPORT, unit.parent.path):
        return _("Chỉ cấp trên của “%(unit)s” mới được nhận hoặc trả lại báo cáo của đơn vị này.") % {
            "unit": unit.name}
    if submission.submitted_by_id is not None and submission.submitted_by_id == getattr(user, "pk", None):
        return _("Người nộp báo cáo không được tự nhận hoặc trả lại báo cáo đó.")
    return None


def may_decide(user, submission: Submission) -> bool:
    return decision_refusal(user, submission) is None


def _require_decider(user, submission: Submission) -> None:
    if (reason := decision_refusal(user, submission)) is not None:
        raise PermissionDenied(reason)


def reporters(unit_id: int) -> QuerySet[User]:
    """The people who report for a unit: active accounts holding, at the unit itself, a
    current position or grant whose role may REPORT (not everyone above who could)."""
    today = timezone.localdate()
    report = [Action.REPORT.value]
    positions = Position.objects.current(today).filter(
        organization_id=unit_id, role__manages_subtree=True, role__actions__contains=report).values("person_id")
    grants = Grant.objects.current(today).filter(organization_id=unit_id, role__actions__contains=report)
    return User.objects.filter(is_active=True).filter(Q(person__in=positions) | Q(pk__in=grants.values("user_id")))


# --- Locks and checks --------------------------------------------------------------------------


def _locked(submission: Submission) -> Submission:
    return (Submission.objects.select_for_update(of=("self",))
            .select_related("kind", "organization__parent").get(pk=submission.pk))


def _require_editable(submission: Submission) -> None:
    if submission.status == Status.ACCEPTED:
        raise ValidationError(_("Báo cáo đã được cấp trên nhận nên không sửa hoặc nộp lại được nữa."),
                              code="accepted")
    if submission.status == Status.SUBMITTED:
        raise ValidationError(_("Báo cáo đã nộp, đang chờ cấp trên xem xét: không sửa được. Nếu cần sửa, đề nghị "
                                "cấp trên trả lại báo cáo."), code="submitted")


def _require_submitted(submission: Submission, action: str) -> None:
    if submission.status != Status.SUBMITTED:
        raise ValidationError(_("Không thể %(action)s: báo cáo đang ở trạng thái “%(status)s”.")
                              % {"action": action, "status": submission.get_status_display()}, code="wrong_state")


def _event(submission: Submission, action: str, *, by=None, comment: str = "", at=None) -> SubmissionEvent:
    return SubmissionEvent.objects.create(submission=submission, action=action, comment=comment,
                                          by=by if getattr(by, "is_authenticated", False) else None,
                                          at=at or timezone.now())


# --- Writing -----------------------------------------------------------------------------------


@transaction.atomic
def save_narrative(submission: Submission, *, user, section: str, text: str) -> Submission:
    """Keep the text of one section as typed. Saves of the same author and section within
    REVISION_COALESCE update the latest revision instead of adding one."""
    _require_writer(user, submission)
    text = (text or "").replace("\r\n", "\n")
    if section not in section_codes(submission.kind):
        raise ValidationError({"section": _("Báo cáo này không có phần “%(section)s”.") % {"section": section}})
    if len(text) > NARRATIVE_MAX_CHARS:
        raise ValidationError({"text": _("Mỗi phần dài tối đa %(n)s ký tự.") % {
            "n": format_number(NARRATIVE_MAX_CHARS)}})
    submission = _locked(submission)
    _require_editable(submission)
    if effective_narrative(submission).get(section) == text:
        return submission
    now = timezone.now()
    submission.narrative = {**submission.narrative, section: text}
    if submission.status == Status.OPEN:
        submission.status = Status.DRAFTING
    submission.save(update_fields=["narrative", "status", "updated_at"])
    latest = submission.revisions.filter(section=section).order_by("-saved_at", "-id").first()
    if latest is not None and latest.author_id == user.pk and now - latest.saved_at < REVISION_COALESCE:
        latest.text, latest.saved_at = text, now
        latest.save(update_fields=["text", "saved_at"])
    else:
        NarrativeRevision.objects.create(submission=submission, section=section, text=text, author=user, saved_at=now)
    return submission


@transaction.atomic
def save_heading(submission: Submission, *, user, number: str, place: str) -> Submission:
    """The number-symbol (Số …-BC/…) and the place the document is dated at."""
    _require_writer(user, submission)
    number, place = (number or "").strip(), (place or "").strip()
    errors = {}
    if len(number) > NUMBER_MAX_CHARS:
        errors["number"] = _("Số báo cáo dài tối đa %(n)d ký tự.") % {"n": NUMBER_MAX_CHARS}
    if len(place) > PLACE_MAX_CHARS:
        errors["place"] = _("Địa danh dài tối đa %(n)d ký tự.") % {"n": PLACE_MAX_CHARS}
    if errors:
        raise ValidationError(errors)
    submission = _locked(submission)
    _require_editable(submission)
    if (submission.number, submission.place) != (number, place):
        submission.number, submission.place = number, place
        if submission.status == Status.OPEN:
            submission.status = Status.DRAFTING
        submission.save(update_fields=["number", "place", "status", "updated_at"])
    return submission


@transaction.atomic
def submit(submission: Submission, *, user) -> Submission:
    """Send the report to the superior: its narrative as it stands and figures computed
    now are frozen in a new run, whose files the superior reads. Submitting after the
    deadline marks it late (a report returned after an on-time submission is not late)."""
    from reports.services import runs

    _require_writer(user, submission)
    submission = _locked(submission)
    _require_editable(submission)
    job = runs.start_run(user=user, kind=submission.kind, unit=submission.organization, period=submission.period,
                         narrative=effective_narrative(submission), number=submission.number,
                         place=submission.place)
    now = timezone.now()
    if submission.status != Status.RETURNED and timezone.localdate() > submission.due_on:
        submission.late = True
    submission.status = Status.SUBMITTED
    submission.run = job.report_run
    submission.submitted_at, submission.submitted_by = now, user
    submission.decided_at, submission.decided_by, submission.return_comment = None, None, ""
    submission.save(update_fields=["status", "late", "run", "submitted_at", "submitted_by", "decided_at",
                                   "decided_by", "return_comment", "updated_at"])
    _event(submission, SubmissionEvent.Action.SUBMITTED, by=user, at=now)
    unit = submission.organization
    if unit.parent_id is not None:
        _notify(reporters(unit.parent_id), submission, "submitted",
                lambda: _("%(unit)s đã nộp %(report)s, chờ cấp trên xem xét.") % {
                    "unit": unit.name, "report": report_name(submission)})
    return submission


@transaction.atomic
def accept(submission: Submission, *, user) -> Submission:
    """The superior accepts a submitted report: it is final."""
    _require_decider(user, submission)
    submission = _locked(submission)
    _require_submitted(submission, _("nhận báo cáo"))
    _require_decider(user, submission)  # as it stands now that it is locked
    now = timezone.now()
    submission.status = Status.ACCEPTED
    submission.decided_at, submission.decided_by = now, user
    submission.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    _event(submission, SubmissionEvent.Action.ACCEPTED, by=user, at=now)
    _notify(reporters(submission.organization_id), submission, "accepted",
            lambda: _("Cấp trên đã nhận %(report)s của %(unit)s.") % {
                "report": report_name(submission), "unit": submission.organization.name})
    return submission


@transaction.atomic
def return_submission(submission: Submission, *, user, comment: str) -> Submission:
    """The superior sends a submitted report back, saying what to change."""
    _require_decider(user, submission)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Ghi rõ ý kiến khi trả lại báo cáo để đơn vị biết cần sửa gì.")})
    if len(comment) > NARRATIVE_MAX_CHARS:
        raise ValidationError({"comment": _("Ý kiến quá dài.")})
    submission = _locked(submission)
    _require_submitted(submission, _("trả lại báo cáo"))
    _require_decider(user, submission)
    now = timezone.now()
    submission.status = Status.RETURNED
    submission.decided_at, submission.decided_by, submission.return_comment = now, user, comment
    submission.save(update_fields=["status", "decided_at", "decided_by", "return_comment", "updated_at"])
    _event(submission, SubmissionEvent.Action.RETURNED, by=user, comment=comment, at=now)
    _notify(reporters(submission.organization_id), submission, "returned",
            lambda: _("Cấp trên trả lại %(report)s của %(unit)s: %(comment)s") % {
                "report": report_name(submission), "unit": submission.organization.name,
                "comment": comment[:300]})
    return submission


# --- Notifications -----------------------------------------------------------------------------


def report_name(submission: Submission) -> str:
    return _("báo cáo “%(kind)s” kỳ %(period)s") % {"kind": submission.kind.name, "period": submission.period.label}


def notify_reporting(users, submission: Submission, key: str, text_of, *, email: bool = False) -> int:
    """Notify `users` once per `key` of what happened to `submission`. The text is built by
    `text_of()` in the site's language: it is read later by others, whatever the language
    of the request that caused it."""
    with translation.override(settings.LANGUAGE_CODE):
        text = text_of()
        link = report_url(submission)
        mail = Email(text[:150], _("%(text)s\n\nXem báo cáo trên cổng thông tin: %(url)s") % {
            "text": text, "url": settings.PORTAL_BASE_URL + link}) if email else None
    return notify(users, text, link=link, key=key, email=mail)


def _notify(users, submission: Submission, occasion: str, text_of) -> int:
    # Each submission and decision is its own occasion: a report returned twice is notified twice.
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return notify_reporting(users, submission, f"report-{submission.pk}-{occasion}-{stamp}", text_of)


def superior_reporters(unit: Organization) -> QuerySet[User] | list:
    return reporters(unit.parent_id) if unit.parent_id is not None else []
