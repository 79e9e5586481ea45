"""The reporting calendar (issue 9, point 6): each day the beat opens the reports whose
time has come, reminds the units that have not submitted at the days the kind sets, and
marks late those the deadline passed by. Every function takes the day it runs for, is safe
to run twice or at once (rows are claimed under a lock, each notification key is sent once)
and writes nothing a second time.

Only yearly reports open by themselves: the sơ kết and tổng kết of several years follow
the term of each directive, so they are opened by whoever reports (`open_submission`).
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.asof import Period
from portal.models import Organization
from reports.models import ReportKind, Submission, SubmissionEvent
from reports.services.submissions import notify_reporting, report_name, reporters, superior_reporters

Status = Submission.Status
NOT_SUBMITTED = [Status.OPEN, Status.DRAFTING, Status.RETURNED]
# Never submitted: what the deadline makes late (a report returned after an on-time
# submission is being corrected, not late).
NEVER_SUBMITTED = [Status.OPEN, Status.DRAFTING]


def open_periods(kind: ReportKind, today: datetime.date) -> list[Period]:
    """The yearly periods of `kind` whose report is open on `today`: from
    `opens_days_before` the deadline up to the deadline."""
    if 1 not in (kind.spans or [1]):
        return []
    periods = []
    # A report opens at most a year and a bit before its deadline, in the year after its period.
    for year in range(today.year - 1, today.year + 1):
        period = Period.year(year)
        due = kind.due_on(period)
        if due - datetime.timedelta(days=kind.opens_days_before) <= today <= due:
            periods.append(period)
    return periods


def units_that_report(kind: ReportKind, period: Period):
    """Active units of the kind's reporting levels that existed in the period."""
    return (Organization.objects.filter(active=True, level__in=kind.reporting_levels.all())
            .filter(Q(established_on__isnull=True) | Q(established_on__lte=period.end)))


def open_reports(today: datetime.date) -> int:
    """Create the submissions of every unit that must report, for each kind whose yearly
    report is open today. Existing ones are left as they are. Returns how many were opened."""
    opened = 0
    for kind in ReportKind.objects.in_force(today).prefetch_related("reporting_levels"):
        for period in open_periods(kind, today):
            due = kind.due_on(period)
            existing = Submission.objects.filter(kind=kind, period_start=period.start, period_end=period.end)
            missing = units_that_report(kind, period).exclude(pk__in=existing.values("organization_id"))
            # Units whose report a concurrent run opened meanwhile are skipped by the unique constraint.
            created = Submission.objects.bulk_create(
                [Submission(kind=kind, organization_id=unit_id, period_start=period.start, period_end=period.end,
                            due_on=due, narrative={}) for unit_id in missing.values_list("pk", flat=True)],
                ignore_conflicts=True)
            opened += len(created)
    return opened


def open_submission(kind: ReportKind, unit: Organization, period: Period) -> Submission:
    """The unit's submission for a period (a multi-year report opened on demand)."""
    submission, _created = Submission.objects.get_or_create(
        kind=kind, organization=unit, period_start=period.start, period_end=period.end,
        defaults={"due_on": kind.due_on(period), "narrative": {}})
    return submission


def _pending():
    """Submissions claimed by this run: a concurrent run skips them rather than wait."""
    return (Submission.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("kind", "organization").order_by("pk"))


def reminder_due(submission: Submission, today: datetime.date) -> int | None:
    """The reminder day (days before the deadline) to send today, or None. When a beat
    was missed, the nearest day that has passed is sent once, in place of all passed."""
    days_left = (submission.due_on - today).days
    if days_left < 0:
        return None
    passed = [day for day in submission.kind.reminder_days if day >= days_left]
    if not passed or set(passed) <= set(submission.reminders_sent):
        return None
    return min(passed)


def _reminder_text(submission: Submission, days_left: int) -> str:
    due = date_format(submission.due_on, "SHORT_DATE_FORMAT")
    if days_left == 0:
        return _("Hôm nay (%(due)s) là hạn nộp %(report)s của %(unit)s.") % {
            "due": due, "report": report_name(submission), "unit": submission.organization.name}
    return ngettext("Còn %(days)d ngày đến hạn nộp %(report)s của %(unit)s (hạn %(due)s).",
                    "Còn %(days)d ngày đến hạn nộp %(report)s của %(unit)s (hạn %(due)s).", days_left) % {
        "days": days_left, "report": report_name(submission), "unit": submission.organization.name, "due": due}


def send_reminders(today: datetime.date) -> int:
    """On screen and by email, to the people who report for each unit whose report is
    not submitted, at the kind's reminder days. Returns how many reports were reminded."""
    reminded = 0
    with transaction.atomic():
        rows = _pending().filter(status__in=NOT_SUBMITTED, due_on__gte=today)
        now = timezone.now()
        events = []
        for submission in rows:
            day = reminder_due(submission, today)
            if day is None:
                continue
            days_left = (submission.due_on - today).days
            notify_reporting(reporters(submission.organization_id), submission,
                             f"report-{submission.pk}-reminder-{day}",
                             lambda s=submission, d=days_left: _reminder_text(s, d), email=True)
            submission.reminders_sent = sorted({*submission.reminders_sent,
                                                *(d for d in submission.kind.reminder_days if d >= days_left)},
                                               reverse=True)
            submission.save(update_fields=["reminders_sent", "updated_at"])
            events.append(SubmissionEvent(submission=submission, action=SubmissionEvent.Action.REMINDED, at=now,
                                          comment=reminder_comment(day)))
            reminded += 1
        SubmissionEvent.objects.bulk_create(events)
    return reminded


def reminder_comment(day: int) -> str:
    return ngettext("Nhắc trước hạn %(days)d ngày", "Nhắc trước hạn %(days)d ngày", day) % {"days": day}


def mark_late(today: datetime.date) -> int:
    """The reports never submitted by their deadline: late, once each; the unit and its
    superior are told. Returns how many were marked."""
    with transaction.atomic():
        rows = list(_pending().filter(status__in=NEVER_SUBMITTED, late=False, due_on__lt=today))
        if not rows:
            return 0
        Submission.objects.filter(pk__in=[row.pk for row in rows]).update(late=True, updated_at=timezone.now())
        now = timezone.now()
        SubmissionEvent.objects.bulk_create(
            SubmissionEvent(submission=row, action=SubmissionEvent.Action.MARKED_LATE, at=now) for row in rows)
        for submission in rows:
            text = lambda s=submission: _("%(unit)s chưa nộp %(report)s: đã quá hạn %(due)s.") % {  # noqa: E731
                "unit": s.organization.name, "report": report_name(s),
                "due": date_format(s.due_on, "SHORT_DATE_FORMAT")}
            notify_reporting(reporters(submission.organization_id), submission, f"report-{submission.pk}-late", text,
                             email=True)
            notify_reporting(superior_reporters(submission.organization), submission,
                             f"report-{submission.pk}-late-superior", text)
    return len(rows)


def run_day(today: datetime.date) -> dict[str, int]:
    """The day's calendar, in order: open, remind, mark late."""
    return {"opened": open_reports(today), "reminded": send_reminders(today), "late": mark_late(today)}

