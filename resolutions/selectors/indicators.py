"""The study indicators of a report (DESIGN.md §4, indicators 5, 7 and 8) for a unit's
subtree over a period, counted as of that period by the rule of `portal.asof`: sessions
belong to the unit that held them and its superiors as the tree stood on their day,
members are those of the subtree on the period's snapshot day.

Each figure is one SQL aggregate grouped by the child unit that held the row
(`portal.asof.child_on`), so the subtree's total and its breakdown come from one pass;
the people behind a figure are plain querysets (`commend_people`, `remind_people`,
`document_readers`) and the figure is their count, so list and figure cannot disagree.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat, StrIndex

from portal.asof import Period, child_on, children_during, in_subtree_on, members_on
from portal.figures import Breakdown, Share
from portal.models import Organization, OrganizationPeriod, PartyStatus, Person
from resolutions.models import Attendance, Commitment, Document, StudySession, UnitStudySettings

PRESENT, ABSENT = Attendance.Status.PRESENT, Attendance.Status.ABSENT
FILED = [Commitment.Status.SUBMITTED, Commitment.Status.RETURNED, Commitment.Status.ACCEPTED]
DEFAULT_ABSENCE_THRESHOLD = UnitStudySettings._meta.get_field("unexcused_absence_threshold").default


@dataclass(frozen=True)
class SessionCounts:
    total: int = 0
    by_kind: Counter = field(default_factory=Counter)  # StudySession.Kind code → sessions
    by_format: Counter = field(default_factory=Counter)  # StudySession.Format code → sessions

    def __add__(self, other: "SessionCounts") -> "SessionCounts":
        return SessionCounts(self.total + other.total, self.by_kind + other.by_kind, self.by_format + other.by_format)


@dataclass(frozen=True)
class CommitmentCounts:
    expected: int = 0  # members who had to file, summed over the period's years
    filed: int = 0  # handed in (submitted, returned for changes or accepted)
    accepted: int = 0
    ratings: Counter = field(default_factory=Counter)  # RatingLevel code → accepted commitments so rated

    @property
    def filed_share(self) -> Share:
        return Share(self.filed, self.expected)

    @property
    def accepted_share(self) -> Share:
        return Share(self.accepted, self.expected)

    def __add__(self, other: "CommitmentCounts") -> "CommitmentCounts":
        return CommitmentCounts(self.expected + other.expected, self.filed + other.filed,
                                self.accepted + other.accepted, self.ratings + other.ratings)


@dataclass(frozen=True)
class DocumentReach:
    """Of the members expected at meetings on the snapshot day, those present at one
    session at least on the document within the period, wherever it was held."""

    document: Document
    share: Breakdown[Share]


@dataclass
class StudyFigures:
    unit: Organization
    period: Period
    snapshot_day: datetime.date
    children: list[OrganizationPeriod]  # children_during(unit, period), the keys of every by_child
    sessions: Breakdown[SessionCounts]
    attendance: Breakdown[Share]
    documents: list[DocumentReach]
    commitments: Breakdown[CommitmentCounts]
    commend: Breakdown[int]
    remind: Breakdown[int]


def _breakdown(rows, empty):
    """Breakdown from (child id, value) pairs, several per child allowed: summed."""
    by_child = {}
    for child, value in rows:
        by_child[child] = by_child.get(child, empty) + value
    total = empty
    for value in by_child.values():
        total = total + value
    return Breakdown(total, by_child)


# --- Sessions and attendance (indicator 5) ----------------------------------------------------


def sessions_in(unit: Organization, period: Period) -> QuerySet[StudySession]:
    """Study sessions held within the period by a unit of the subtree as it stood that day."""
    return StudySession.objects.filter(held_on__gte=period.start, held_on__lte=period.end).filter(
        in_subtree_on(unit, "organization_id", "held_on"))


def _rows_of_session(**conditions) -> Subquery:
    rows = Attendance.objects.filter(session_id=OuterRef("pk"), **conditions).order_by()
    return Coalesce(Subquery(rows.values("session_id").annotate(n=Count("pk")).values("n")),
                    Value(0), output_field=IntegerField())


def _session_and_attendance(unit: Organization, period: Period):
    """Sessions by (child, kind, format) with their attendance rows, present and all: one
    aggregate (the attendance is counted per session, then summed per group)."""
    rows = (sessions_in(unit, period)
            .annotate(child=child_on(unit, "organization_id", "held_on"), rows=_rows_of_session(),
                      present=_rows_of_session(status=PRESENT))
            .values("child", "kind", "format")
            .annotate(n=Count("pk"), all_rows=Sum("rows"), present_rows=Sum("present"))
            .order_by())
    sessions, attendance = [], []
    for row in rows:
        sessions.append((row["child"], SessionCounts(row["n"], Counter({row["kind"]: row["n"]}),
                                                     Counter({row["format"]: row["n"]}))))
        attendance.append((row["child"], Share(row["present_rows"] or 0, row["all_rows"] or 0)))
    return _breakdown(sessions, SessionCounts()), _breakdown(attendance, Share())


# --- Per member on the snapshot day (indicators 5 per document, and 8) ------------------------


def _attendance_of_person(period: Period, **conditions) -> Coalesce:
    """SQL: the outer person's attendance rows in the period, at any unit's session."""
    rows = Attendance.objects.filter(person_id=OuterRef("pk"), session__held_on__gte=period.start,
                                     session__held_on__lte=period.end, **conditions).order_by()
    return Coalesce(Subquery(rows.values("person_id").annotate(n=Count("pk")).values("n")),
                    Value(0), output_field=IntegerField())


def threshold_on(day: datetime.date, unit_ref: str = "unit_then") -> Coalesce:
    """SQL: the unexcused-absence threshold of the unit at `unit_ref` on `day`: the one set
    by the nearest unit above it (itself included) as the tree stood that day, else the
    default."""
    path_then = OrganizationPeriod.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day), valid_from__lte=day,
        organization_id=OuterRef(OuterRef(unit_ref))).values("path")[:1]
    nearest = (UnitStudySettings.objects
               .annotate(at=StrIndex(Subquery(path_then), Concat(Value("/"), F("organization_id"), Value("/"),
                                                                 output_field=CharField())))
               .filter(at__gt=0).order_by("-at").values("unexcused_absence_threshold")[:1])
    return Coalesce(Subquery(nearest, output_field=IntegerField()), Value(DEFAULT_ABSENCE_THRESHOLD))


def members_with_attendance(unit: Organization, period: Period) -> QuerySet[Person]:
    """Members of the subtree on the snapshot day (`members_on`), each with his attendance
    rows of the period (`rows`, `present`, `absent`: unexcused) and his unit's `threshold`."""
    day = period.snapshot_day(unit)
    return members_on(unit, day).annotate(
        rows=_attendance_of_person(period), present=_attendance_of_person(period, status=PRESENT),
        absent=_attendance_of_person(period, status=ABSENT), threshold=threshold_on(day))


COMMEND = Q(rows__gt=0, present=F("rows"))
REMIND = Q(absent__gt=F("threshold"))


def commend_people(unit: Organization, period: Period) -> QuerySet[Person]:
    """Indicator 8, to commend: present at every session he has an attendance row for in
    the period (one at least)."""
    return members_with_attendance(unit, period).filter(COMMEND)


def remind_people(unit: Organization, period: Period) -> QuerySet[Person]:
    """Indicator 8, to remind: more unexcused absences in the period than his unit's threshold."""
    return members_with_attendance(unit, period).filter(REMIND)


def _documents_studied(unit: Organization, period: Period) -> QuerySet[Document]:
    sessions = sessions_in(unit, period)
    return (Document.objects.filter(Q(Exists(sessions.filter(documents=OuterRef("pk"))))
                                    | Q(Exists(sessions.filter(campaign__document=OuterRef("pk")))))
            .select_related("kind").order_by("-issued_on", "number_symbol"))


def _documents_present_at(period: Period) -> ArraySubquery:
    """SQL: ids of the documents of the sessions (directly or by their campaign) the outer
    person was present at within the period; an id may repeat."""
    rows = Attendance.objects.filter(person_id=OuterRef("pk"), status=PRESENT, session__held_on__gte=period.start,
                                     session__held_on__lte=period.end)
    direct = rows.filter(session__documents__isnull=False).values("session__documents")
    by_campaign = rows.filter(session__campaign__document__isnull=False).values("session__campaign__document")
    return ArraySubquery(direct.union(by_campaign, all=True))


def _expected_at_meetings() -> Q:
    return Q(status_then__in=PartyStatus.objects.filter(expected_at_meetings=True).values("pk"))


def document_readers(unit: Organization, period: Period, document: Document) -> QuerySet[Person]:
    """The members counted as having studied `document` (see DocumentReach)."""
    day = period.snapshot_day(unit)
    return members_on(unit, day, expected_at_meetings=True).annotate(
        studied=_documents_present_at(period)).filter(studied__contains=[document.pk])


def _member_figures(unit: Organization, period: Period, documents: list[Document]):
    """Commend, remind and the reach of each document, by child: one aggregate over the
    members of the snapshot day."""
    expected = _expected_at_meetings()
    members = members_with_attendance(unit, period)
    if documents:
        members = members.annotate(studied=_documents_present_at(period))
    per_document = {f"read_{document.pk}": Count("pk", filter=expected & Q(studied__contains=[document.pk]))
                    for document in documents}
    rows = list(members.values("child_then").annotate(
        expected=Count("pk", filter=expected), commend=Count("pk", filter=COMMEND),
        remind=Count("pk", filter=REMIND), **per_document).order_by())
    reach = [DocumentReach(document, _breakdown(
        ((row["child_then"], Share(row[f"read_{document.pk}"], row["expected"])) for row in rows), Share()))
        for document in documents]
    return (reach, _breakdown(((row["child_then"], row["commend"]) for row in rows), 0),
            _breakdown(((row["child_then"], row["remind"]) for row in rows), 0))


# --- Commitments (indicator 7) ----------------------------------------------------------------


def commitment_days(unit: Organization, period: Period) -> list[tuple[int, datetime.date]]:
    """(year, day members are counted for that year's commitments): 31/12, or the snapshot
    day when earlier (a year under way, a unit dissolved); years after it are not counted."""
    last = period.snapshot_day(unit)
    return [(year, min(datetime.date(year, 12, 31), last)) for year in range(period.first_year, last.year + 1)]


def commitment_filers(unit: Organization, year: int, day: datetime.date) -> QuerySet[Person]:
    """Members who had to file for `year` (expected at meetings on `day`), each with his
    commitment's `commitment_status` and `rating_code` (None when none)."""
    commitment = Commitment.objects.filter(person_id=OuterRef("pk"), year=year)
    return members_on(unit, day, expected_at_meetings=True).annotate(
        commitment_status=Subquery(commitment.values("status")[:1]),
        rating_code=Subquery(commitment.values("rating__code")[:1]))


def _commitments(unit: Organization, period: Period) -> Breakdown[CommitmentCounts]:
    grouped = [commitment_filers(unit, year, day).values("child_then", "commitment_status", "rating_code")
               .annotate(n=Count("pk")).order_by() for year, day in commitment_days(unit, period)]
    if not grouped:
        return Breakdown(CommitmentCounts())
    rows = grouped[0].union(*grouped[1:], all=True) if len(grouped) > 1 else grouped[0]
    counts = []
    for row in rows:
        n, status = row["n"], row["commitment_status"]
        accepted = n if status == Commitment.Status.ACCEPTED else 0
        counts.append((row["child_then"], CommitmentCounts(
            expected=n, filed=n if status in FILED else 0, accepted=accepted,
            ratings=Counter({row["rating_code"]: n}) if accepted and row["rating_code"] else Counter())))
    return _breakdown(counts, CommitmentCounts())


# --- All of them --------------------------------------------------------------------------------


def study_figures(unit: Organization, period: Period) -> StudyFigures:
    """Indicators 5, 7 and 8 for `unit`'s subtree over `period`. A fixed number of queries
    whatever the subtree (the children, sessions with attendance, the documents, the
    members' pass, the commitments)."""
    sessions, attendance = _session_and_attendance(unit, period)
    documents = list(_documents_studied(unit, period))
    reach, commend, remind = _member_figures(unit, period, documents)
    return StudyFigures(
        unit=unit, period=period, snapshot_day=period.snapshot_day(unit), children=children_during(unit, period),
        sessions=sessions, attendance=attendance, documents=reach, commitments=_commitments(unit, period),
        commend=commend, remind=remind)
