"""The reporting calendar driven by its beat task with the clock at chosen days: the 2025
reports (due 22/02/2026) are opened, reminded 30, 10 and 3 days before the deadline and
marked late the day after, once each however often the beat runs (issue 9, point 6)."""

import datetime

import pytest
from django.core import mail

from portal.models import Notification
from reports.models import ReportKind, Submission, SubmissionEvent
from reports.services import calendar
from reports.tasks import run_reporting_calendar

DUE = datetime.date(2026, 2, 22)
UNITS = {"TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"}


@pytest.fixture
def reporting(province, settings):
    """The province fixture's reporters, with email addresses: bithu (CB1's secretary),
    tuyengiao (grant at TINH), daotao (grant at DBK). Only ct17 is in force, so each unit
    has one report a year."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    for name in ("bithu", "tuyengiao", "daotao", "dangvien"):
        user = province["users"][name]
        user.email = f"{name}@example.org"
        user.save()
    ReportKind.objects.exclude(code="ct17").update(valid_to=datetime.date(2020, 1, 1))
    return province


def beat(day: datetime.date, django_capture_on_commit_callbacks, times: int = 2) -> list[dict]:
    """The daily task as the beat sends it, run `times` on the same day (a beat delivered twice)."""
    results = []
    for _ in range(times):
        with django_capture_on_commit_callbacks(execute=True):
            results.append(run_reporting_calendar(day.isoformat()))
    return results


def notified() -> dict[str, list[str]]:
    """Notification keys' kinds by username: "reminder-30", "late", "late-superior"."""
    by_user: dict[str, list[str]] = {}
    for username, key in Notification.objects.filter(key__startswith="report-").order_by("id").values_list(
            "user__username", "key"):
        by_user.setdefault(username, []).append(key.split("-", 2)[2])
    return by_user


def mailed() -> list[tuple[str, str]]:
    return sorted((message.to[0].split("@")[0], message.subject) for message in mail.outbox)


def events(action) -> dict[str, int]:
    rows = SubmissionEvent.objects.filter(action=action).values_list("submission__organization__code", flat=True)
    counts: dict[str, int] = {}
    for code in rows:
        counts[code] = counts.get(code, 0) + 1
    return counts


def test_the_year_opens_reminds_and_marks_late_once_each(reporting, django_capture_on_commit_callbacks):
    # Before the window (120 days before the deadline) nothing opens.
    assert beat(datetime.date(2025, 10, 1), django_capture_on_commit_callbacks)[0]["opened"] == 0
    assert not Submission.objects.exists()

    # 23 January: every unit's report is open, 30 days left: the first reminder.
    first, second = beat(datetime.date(2026, 1, 23), django_capture_on_commit_callbacks)
    assert first == {"opened": 7, "reminded": 7, "late": 0}
    assert second == {"opened": 0, "reminded": 0, "late": 0}
    submissions = Submission.objects.select_related("organization")
    assert {s.organization.code for s in submissions} == UNITS
    assert {(s.period_start, s.period_end, s.due_on, s.status) for s in submissions} == {
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), DUE, Submission.Status.OPEN)}
    # The people who report for a unit: at the unit itself (a position or a grant), not above it.
    assert notified() == {"bithu": ["reminder-30"], "tuyengiao": ["reminder-30"], "daotao": ["reminder-30"]}
    assert len(mail.outbox) == 3
    assert {to for to, _subject in mailed()} == {"bithu", "tuyengiao", "daotao"}
    text = Notification.objects.get(user__username="bithu").text
    assert "Còn 30 ngày" in text and "22/02/2026" in text and "Chi bộ Văn phòng" in text
    assert Notification.objects.get(user__username="bithu").link == "/reports/units/CB1/ct17/2025/"

    # CB1 submits in time: it is reminded no more and never late.
    Submission.objects.filter(organization__code="CB1").update(status=Submission.Status.SUBMITTED)

    # 12 February: 10 days left.
    first, second = beat(datetime.date(2026, 2, 12), django_capture_on_commit_callbacks)
    assert (first["reminded"], second["reminded"]) == (6, 0)
    assert notified() == {"bithu": ["reminder-30"], "tuyengiao": ["reminder-30", "reminder-10"],
                          "daotao": ["reminder-30", "reminder-10"]}
    # A day between reminder days sends nothing.
    assert beat(datetime.date(2026, 2, 13), django_capture_on_commit_callbacks)[0]["reminded"] == 0

    # 19 February: 3 days left.
    beat(datetime.date(2026, 2, 19), django_capture_on_commit_callbacks)
    assert notified()["tuyengiao"] == ["reminder-30", "reminder-10", "reminder-3"]
    assert notified()["daotao"] == ["reminder-30", "reminder-10", "reminder-3"]
    assert len(mail.outbox) == 3 + 2 + 2
    assert Submission.objects.get(organization__code="DBX").reminders_sent == [30, 10, 3]
    assert events(SubmissionEvent.Action.REMINDED) == {code: (1 if code == "CB1" else 3) for code in UNITS}

    # 22 February, the deadline itself: not late yet.
    assert beat(DUE, django_capture_on_commit_callbacks)[0]["late"] == 0

    # 23 February: the six never submitted are late; each unit's reporters and its superior's are told.
    first, second = beat(datetime.date(2026, 2, 23), django_capture_on_commit_callbacks)
    assert (first["late"], second["late"]) == (6, 0)
    late = set(Submission.objects.filter(late=True).values_list("organization__code", flat=True))
    assert late == UNITS - {"CB1"}
    assert events(SubmissionEvent.Action.MARKED_LATE) == {code: 1 for code in UNITS - {"CB1"}}
    assert notified() == {
        "bithu": ["reminder-30"],
        # TINH's own report, and those of DBK and DBX below it.
        "tuyengiao": ["reminder-30", "reminder-10", "reminder-3", "late", "late-superior", "late-superior"],
        # DBK's own report, and CS1's below it.
        "daotao": ["reminder-30", "reminder-10", "reminder-3", "late", "late-superior"],
    }
    # Mail goes to the late unit's own reporters only.
    assert len(mail.outbox) == 3 + 2 + 2 + 2
    late_text = Notification.objects.get(user__username="daotao", key__endswith="-late-superior").text
    assert "Đảng bộ Sở Giáo dục" in late_text and "quá hạn 22/02/2026" in late_text

    # The days after change nothing.
    assert beat(datetime.date(2026, 2, 24), django_capture_on_commit_callbacks)[0] == {
        "opened": 0, "reminded": 0, "late": 0}
    assert len(mail.outbox) == 9


def test_a_missed_beat_still_reminds_once(reporting, django_capture_on_commit_callbacks):
    """The beat did not run between the 30- and 10-day marks' days: on 15 February one
    reminder (the nearest passed day) stands for both, then the 3-day one comes as usual."""
    beat(datetime.date(2026, 2, 15), django_capture_on_commit_callbacks)
    assert notified()["bithu"] == ["reminder-10"]
    assert Submission.objects.get(organization__code="CB1").reminders_sent == [30, 10]
    beat(datetime.date(2026, 2, 16), django_capture_on_commit_callbacks)
    assert notified()["bithu"] == ["reminder-10"]
    beat(datetime.date(2026, 2, 20), django_capture_on_commit_callbacks)
    assert notified()["bithu"] == ["reminder-10", "reminder-3"]
    assert len([m for m in mail.outbox if m.to == ["bithu@example.org"]]) == 2


def test_opening_keeps_what_units_wrote_and_skips_units_not_yet_founded(reporting,
                                                                       django_capture_on_commit_callbacks):
    from tests.factories import make_unit

    make_unit("Chi bộ mới thành lập", parent=reporting["units"]["CS1"], code="CBMOI",
              established_on=datetime.date(2026, 1, 5))
    calendar.open_reports(datetime.date(2026, 1, 2))
    Submission.objects.filter(organization__code="CB1").update(narrative={"situation": "Đã viết"})
    assert calendar.open_reports(datetime.date(2026, 1, 10)) == 0
    assert Submission.objects.get(organization__code="CB1").narrative == {"situation": "Đã viết"}
    assert not Submission.objects.filter(organization__code="CBMOI").exists()


def test_inactive_units_and_kinds_out_of_force_open_nothing(reporting):
    ReportKind.objects.filter(code="ct17").update(valid_to=datetime.date(2025, 12, 31))
    assert calendar.open_reports(datetime.date(2026, 1, 23)) == 0
    ReportKind.objects.filter(code="ct17").update(valid_to=None)
    from portal.models import Organization

    Organization.objects.filter(code="CB3").update(active=False)
    assert calendar.open_reports(datetime.date(2026, 1, 23)) == 6
