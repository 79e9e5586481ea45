"""Reads of the sessions area, always through portal.access.

`expected_members` is the one definition of who is expected at a session (DOMAIN.md §3);
the attendance screen, the API, the QR check-in and other areas' follow-ups call it.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.utils import timezone

from portal.access import get_visible_or_404, restrict
from portal.models import Organization, Person
from resolutions.models import Attendance, Document, StudyCampaign, StudySession

Status = Attendance.Status


@dataclass(frozen=True)
class SessionFilter:
    organization: Organization | None = None  # its whole subtree
    year: int | None = None


def expected_q(held_on, prefix: str = "") -> Q:
    """People expected at a session held on `held_on` (a date or an expression), as a
    filter on Person (or on a relation to it, with `prefix` such as "person__"): their
    status requires attending meetings (not quần chúng, not excused from activity, not
    transferred out) and they were not admitted after that day."""
    return Q(**{f"{prefix}party_status__expected_at_meetings": True}) & (
        Q(**{f"{prefix}admitted_on__isnull": True}) | Q(**{f"{prefix}admitted_on__lte": held_on}))


def expected_members(session: StudySession) -> QuerySet[Person]:
    """The people of the session's unit expected at it, in Vietnamese name order."""
    return (Person.objects.filter(expected_q(session.held_on), organization_id=session.organization_id)
            .order_by("sort_key", "id"))


def is_expected(session: StudySession, person: Person) -> bool:
    return expected_members(session).filter(pk=person.pk).exists()


def _with_counts(sessions: QuerySet[StudySession]) -> QuerySet[StudySession]:
    """Attendance figures of each session, counted in the same query as the sessions."""
    return sessions.annotate(
        n_present=Count("attendance", filter=Q(attendance__status=Status.PRESENT)),
        n_excused=Count("attendance", filter=Q(attendance__status=Status.EXCUSED)),
        n_absent=Count("attendance", filter=Q(attendance__status=Status.ABSENT)),
        n_rows=Count("attendance"),
    )


def without_attendance(sessions: QuerySet[StudySession]) -> QuerySet[StudySession]:
    """Sessions where nobody has recorded attendance: a member's apology is not a record."""
    recorded = Attendance.objects.filter(session=OuterRef("pk")).exclude(method=Attendance.Method.APOLOGY)
    return sessions.filter(~Exists(recorded))


def sessions_visible_to(user) -> QuerySet[StudySession]:
    return restrict(StudySession.objects.all(), user)


def session_list(user, filters: SessionFilter = SessionFilter()) -> QuerySet[StudySession]:
    """Sessions the user may see, newest first, with their unit and attendance figures."""
    sessions = sessions_visible_to(user).select_related("organization")
    if filters.organization is not None:
        sessions = sessions.filter(organization__path__startswith=filters.organization.path)
    if filters.year:
        sessions = sessions.filter(held_on__year=filters.year)
    return _with_counts(sessions).order_by("-held_on", "-starts_at", "-id")


def session_by_id(user, pk) -> StudySession:
    return get_visible_or_404(
        _with_counts(StudySession.objects.select_related("organization", "campaign", "created_by")), user, pk=pk)


def session_documents(session: StudySession) -> QuerySet[Document]:
    return session.documents.select_related("kind").order_by("-issued_on", "number_symbol")


def unit_by_code(user, code: str) -> Organization:
    return get_visible_or_404(Organization.objects.all(), user, code=code)


def document_choices(user) -> QuerySet[Document]:
    return restrict(Document.objects.all(), user).order_by("-issued_on", "number_symbol")


def campaign_choices(user) -> QuerySet[StudyCampaign]:
    return restrict(StudyCampaign.objects.all(), user).order_by("-starts_on", "title")


@dataclass
class SheetRow:
    """One line of the attendance screen: an expected person and what is recorded."""

    person_id: int
    full_name: str
    status: str
    reason: str
    method: str | None  # None: nothing recorded yet (the screen offers "có mặt")
    checked_in_at: datetime.datetime | None
    # Who he is beyond his name, for the sheet's export (imported again, it finds him by these)
    birth_date: datetime.date | None = None
    party_card_number: str | None = None

    @property
    def is_apology(self) -> bool:
        return self.method == Attendance.Method.APOLOGY

    @property
    def is_qr(self) -> bool:
        return self.method == Attendance.Method.QR


def attendance_sheet(session: StudySession) -> list[SheetRow]:
    """Every expected member with his recorded attendance, default present: one query."""
    people = (
        expected_members(session)
        .annotate(mark=FilteredRelation("attendance", condition=Q(attendance__session_id=session.pk)))
        .values_list("id", "full_name", "mark__status", "mark__reason", "mark__method", "mark__checked_in_at",
                     "birth_date", "party_card_number")
    )
    return [SheetRow(pid, name, status or Status.PRESENT, reason or "", method, checked_in_at, birth_date, card)
            for pid, name, status, reason, method, checked_in_at, birth_date, card in people]


def sheet_summary(rows) -> dict[str, int]:
    counts = {Status.PRESENT: 0, Status.EXCUSED: 0, Status.ABSENT: 0}
    for row in rows:
        counts[row.status] += 1
    return {"present": counts[Status.PRESENT], "excused": counts[Status.EXCUSED],
            "absent": counts[Status.ABSENT], "total": sum(counts.values())}


def qr_checkins(session: StudySession) -> QuerySet[Attendance]:
    """Who has checked in by QR so far, latest first."""
    return (session.attendance.filter(method=Attendance.Method.QR).select_related("person")
            .order_by("-checked_in_at", "-id"))


def refused_scans(session: StudySession) -> QuerySet[Attendance]:
    """Members who scanned the code while the secretary had marked them absent (a mark a
    scan does not change), latest first: for the secretary to settle."""
    return (session.attendance.filter(refused_scan_at__isnull=False).exclude(status=Status.PRESENT)
            .select_related("person").order_by("-refused_scan_at", "-id"))


def own_attendance(session: StudySession, person: Person | None) -> Attendance | None:
    if person is None:
        return None
    return session.attendance.filter(person=person).first()


def session_start(session: StudySession) -> datetime.datetime:
    """When the session begins (its day's first minute when no time is set), local time."""
    return timezone.make_aware(datetime.datetime.combine(session.held_on, session.starts_at or datetime.time.min))


def has_started(session: StudySession, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) >= session_start(session)


# --- For the member's part of the dashboard (another area calls these) --------------------------


def sessions_of_member(person: Person, year: int) -> QuerySet[StudySession]:
    """Sessions of `year` that concern `person`: those with an attendance row of his, and
    those of his current unit at which he is expected. Each carries his `my_status`,
    `my_reason` and `my_method` (None when nothing is recorded), oldest first."""
    concerns = Q(mine__id__isnull=False)
    if person.party_status.expected_at_meetings:
        own_unit = Q(organization_id=person.organization_id)
        if person.admitted_on:
            own_unit &= Q(held_on__gte=person.admitted_on)
        concerns |= own_unit
    return (
        StudySession.objects.filter(held_on__year=year)
        .annotate(mine=FilteredRelation("attendance", condition=Q(attendance__person_id=person.pk)))
        .filter(concerns)
        .annotate(my_status=F("mine__status"), my_reason=F("mine__reason"), my_method=F("mine__method"))
        .select_related("organization").order_by("held_on", "starts_at", "id")
    )


@dataclass(frozen=True)
class AttendanceRate:
    present: int
    excused: int
    absent: int
    expected: int  # attendance rows of sessions already held

    @property
    def rate(self) -> float | None:
        """Share present of the sessions he was expected at (None when there were none)."""
        return self.present / self.expected if self.expected else None


def attendance_rate(person: Person, year: int) -> AttendanceRate:
    """Present rows over expected rows of `person` in `year`, up to today: one aggregate.
    Rows exist only for expected people, so every row counts (an apology for a session
    not yet held does not)."""
    figures = Attendance.objects.filter(
        person=person, session__held_on__year=year, session__held_on__lte=timezone.localdate(),
    ).aggregate(
        present=Count("id", filter=Q(status=Status.PRESENT)),
        excused=Count("id", filter=Q(status=Status.EXCUSED)),
        absent=Count("id", filter=Q(status=Status.ABSENT)),
        expected=Count("id"),
    )
    return AttendanceRate(**figures)
