"""The study indicators of a report (DESIGN.md §4, indicators 5, 7 and 8) for a unit's
subtree over a period, counted as of that period by the rule of `portal.asof`: sessions
belong to the unit that held them and its superiors as the tree stood on their day,
members are those of the subtree on the period's snapshot day.

Each figure is one SQL aggregate grouped by the child unit that held the row
(`portal.asof.child_in_path` of the row's unit's path that day), so the subtree's total
and its breakdown come from one pass; the people behind a figure are plain querysets
(`commend_people`, `remind_people`, `document_readers`) and the figure is their count, so
list and figure cannot disagree.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.db.models.query import RawQuerySet

from portal.asof import (
    Period,
    child_in_path,
    children_during,
    members_on,
    people_on,
    period_on,
    units_on,
    within_on,
)
from portal.figures import Breakdown, Share
from portal.models import Organization, OrganizationPeriod, Person
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


def sql_of(queryset: QuerySet) -> tuple[str, list]:
    """A queryset's SQL to compose into a statement, without its ordering (Person is
    ordered by name: a sort of every member for nothing)."""
    sql, params = queryset.order_by().query.sql_with_params()
    return sql, list(params)


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Sessions and attendance (indicator 5) ----------------------------------------------------


def sessions_in(unit: Organization, period: Period) -> QuerySet[StudySession]:
    """Study sessions held within the period by a unit of the subtree as it stood that day
    (each joined to that day's tree, `unit_then`: a hash join, not a lookup per session)."""
    return (StudySession.objects.filter(held_on__gte=period.start, held_on__lte=period.end)
            .annotate(unit_then=period_on("organization", "held_on")).filter(within_on(unit, "unit_then")))


# The sessions (portal.asof picks them and their child) joined to their attendance counted
# once per session, summed by (child, kind, format).
_SESSIONS_SQL = """
WITH sessions AS MATERIALIZED ({sessions})
SELECT s.child, s.kind, s.format, count(*), coalesce(sum(a.n), 0)::int, coalesce(sum(a.present), 0)::int
  FROM sessions s LEFT JOIN (
       SELECT session_id, count(*) AS n, count(*) FILTER (WHERE status = %s) AS present
         FROM resolutions_attendance {among} GROUP BY session_id
  ) a ON a.session_id = s.id
 GROUP BY s.child, s.kind, s.format
"""


def _session_and_attendance(unit: Organization, period: Period, *, small: bool = True):
    """Sessions by (child, kind, format) with their attendance rows, present and all: one
    aggregate. A `small` subtree reads its sessions' rows only; a large one the period's rows
    in one parallel scan (see SMALL_SUBTREE_UNITS)."""
    sessions, params = sql_of(sessions_in(unit, period).annotate(child=child_in_path(unit, "unit_then__path"))
                            .values("id", "kind", "format", "child"))
    if small:
        among, among_params = "WHERE session_id IN (SELECT id FROM sessions)", []
    else:
        among = ("a JOIN resolutions_studysession x ON x.id = a.session_id "
                 "WHERE x.held_on BETWEEN %s AND %s")
        among_params = [period.start, period.end]
    counts, attendance = [], []
    for child, kind, format_, n, rows, present in _fetch(_SESSIONS_SQL.format(sessions=sessions, among=among),
                                                         [*params, PRESENT, *among_params]):
        counts.append((child, SessionCounts(n, Counter({kind: n}), Counter({format_: n}))))
        attendance.append((child, Share(present, rows)))
    return _breakdown(counts, SessionCounts()), _breakdown(attendance, Share())


# --- Per member on the snapshot day (indicators 5 per document, 7 and 8) ------------------------

# Documents a session is on: its own, and its campaign's.
_SESSION_DOCUMENTS = """
    SELECT studysession_id AS session_id, document_id FROM resolutions_studysession_documents
    UNION ALL
    SELECT s.id, c.document_id FROM resolutions_studysession s JOIN resolutions_studycampaign c ON c.id = s.campaign_id
     WHERE c.document_id IS NOT NULL"""

# THE rule of indicator 8, written once: one row per member of the subtree on the snapshot
# day (portal.asof.members_on) with his attendance rows of the period at any unit's session,
# his unit's threshold that day (the nearest unit above it, itself included, that set one),
# and whether he is to commend (present at every session he has a row for, one at least)
# or to remind (unexcused absences above the threshold). In the same pass over his
# attendance, for each document asked, `read_<id>`: whether he was present at a session on
# it (its own or its campaign's) within the period, anywhere (indicator 5's reach).
_MARKS_SQL = """
WITH people AS MATERIALIZED ({people}),
members AS MATERIALIZED (
       SELECT p.* FROM people p JOIN portal_partystatus ps ON ps.id = p.status_then
        WHERE ps.is_member AND (p.admitted_on IS NULL OR p.admitted_on <= %s))
SELECT m.id, m.child_then AS child, m.unit_then AS unit, ps.expected_at_meetings AS expected,
       coalesce(k.n, 0) AS n, coalesce(k.present, 0) AS present, coalesce(k.absent, 0) AS absent,
       coalesce(t.threshold, %s) AS threshold,
       coalesce(k.n, 0) > 0 AND k.present = k.n AS to_commend,
       coalesce(k.absent, 0) > coalesce(t.threshold, %s) AS to_remind{read_columns}
  FROM members m JOIN portal_partystatus ps ON ps.id = m.status_then
  LEFT JOIN (
       SELECT a.person_id, count(*) AS n, count(*) FILTER (WHERE a.status = %s) AS present,
              count(*) FILTER (WHERE a.status = %s) AS absent{read_aggregates}
         FROM resolutions_attendance a JOIN resolutions_studysession s ON s.id = a.session_id
        WHERE s.held_on BETWEEN %s AND %s{among} GROUP BY a.person_id
  ) k ON k.person_id = m.id
  LEFT JOIN (
       SELECT op.organization_id, (
              SELECT u.unexcused_absence_threshold FROM resolutions_unitstudysettings u
               WHERE strpos(op.path, '/' || u.organization_id || '/') > 0
               ORDER BY strpos(op.path, '/' || u.organization_id || '/') DESC LIMIT 1) AS threshold
         FROM portal_organizationperiod op
        WHERE op.valid_from <= %s AND (op.valid_to IS NULL OR op.valid_to > %s) AND strpos(op.path, %s) > 0
  ) t ON t.organization_id = m.unit_then"""


# Above this many units, a subtree's attendance is read by one parallel scan of the period's
# rows; below it, by its members' or sessions' rows only (an index lookup each). PostgreSQL
# cannot choose itself: a scan that reads a CTE runs without parallel workers (a province:
# 0.8 s parallel, 5.8 s restricted; a cell: 0.2 s restricted, 6 s scanning the province's).
SMALL_SUBTREE_UNITS = 200


def _is_small(unit: Organization, day: datetime.date) -> bool:
    return units_on(unit, day)[:SMALL_SUBTREE_UNITS + 1].count() <= SMALL_SUBTREE_UNITS


def _marks(unit: Organization, period: Period, documents: list[int] = (), *,
           members_only: bool = True) -> tuple[str, list]:
    """Members of the subtree on the snapshot day (portal.asof.members_on's rule: everyone
    there that day, `people_on`, whose status then was a member's and who was admitted by
    then) with their attendance of the period, each member's unit and status looked up
    once, and `read_<id>` for each of `documents`; with `members_only`, only the members'
    attendance rows are read."""
    day = period.snapshot_day(unit)
    people, params = sql_of(people_on(unit, day).values("id", "child_then", "unit_then", "status_then", "admitted_on"))
    ids = [int(pk) for pk in documents]
    sql = _MARKS_SQL.format(
        people=people, among=" AND a.person_id IN (SELECT id FROM members)" if members_only else "",
        read_columns="".join(f", coalesce(k.read_{pk}, false) AS read_{pk}" for pk in ids),
        # The sessions on a document, a hashed set each: a probe per row, neither an array nor
        # the documents of every session aggregated (30 ms even for a cell of twenty).
        read_aggregates="".join(f", bool_or(a.status = %s AND s.id IN (SELECT session_id FROM ({_SESSION_DOCUMENTS}) d"
                                f" WHERE document_id = {pk})) AS read_{pk}" for pk in ids))
    return sql, [*params, day, DEFAULT_ABSENCE_THRESHOLD, DEFAULT_ABSENCE_THRESHOLD, PRESENT, ABSENT,
                 *[PRESENT] * len(ids), period.start, period.end, day, day, f"/{unit.pk}/"]


def _people(sql: str, params: list) -> QuerySet[Person]:
    return Person.objects.filter(pk__in=RawSQL(sql, params))


def commend_people(unit: Organization, period: Period) -> QuerySet[Person]:
    """Indicator 8, to commend: members present at every session they have an attendance
    row for in the period (one at least)."""
    marks, params = _marks(unit, period)
    return _people(f"SELECT id FROM ({marks}) m WHERE to_commend", params)


def remind_people(unit: Organization, period: Period) -> QuerySet[Person]:
    """Indicator 8, to remind: more unexcused absences in the period than their unit's threshold."""
    marks, params = _marks(unit, period)
    return _people(f"SELECT id FROM ({marks}) m WHERE to_remind", params)


def marked_people(unit: Organization, period: Period, among: QuerySet[Person]) -> RawQuerySet:
    """Those of `among` to commend or to remind, each with `n`, `present`, `absent`,
    `threshold`, `to_commend`, `to_remind` and `unit_name` (his unit's name on the snapshot
    day), in name order: the secretary's page, in one query."""
    marks, params = _marks(unit, period)
    among_sql, among_params = sql_of(among.values("pk"))
    day = period.snapshot_day(unit)
    return Person.objects.raw(
        f"""SELECT p.*, m.n, m.present, m.absent, m.threshold, m.to_commend, m.to_remind, op.name AS unit_name
              FROM portal_person p JOIN ({marks}) m ON m.id = p.id
              LEFT JOIN portal_organizationperiod op ON op.organization_id = m.unit AND op.valid_from <= %s
                   AND (op.valid_to IS NULL OR op.valid_to > %s)
             WHERE (m.to_commend OR m.to_remind) AND p.id IN ({among_sql})
             ORDER BY p.sort_key, p.id""", [*params, day, day, *among_params])


def _documents_studied(unit: Organization, period: Period) -> QuerySet[Document]:
    sessions = sessions_in(unit, period)
    return (Document.objects.filter(Q(Exists(sessions.filter(documents=OuterRef("pk"))))
                                    | Q(Exists(sessions.filter(campaign__document=OuterRef("pk")))))
            .select_related("kind").order_by("-issued_on", "number_symbol"))


def document_readers(unit: Organization, period: Period, document: Document) -> QuerySet[Person]:
    """The members counted as having studied `document` (see DocumentReach)."""
    marks, params = _marks(unit, period, [document.pk])
    return _people(f"SELECT m.id FROM ({marks}) m WHERE m.expected AND m.read_{int(document.pk)}", params)


# --- Commitments (indicator 7) ----------------------------------------------------------------


def commitment_days(unit: Organization, period: Period) -> list[tuple[int, datetime.date]]:
    """(year, day members are counted for that year's commitments): 31/12, or the snapshot
    day when earlier (a year under way, a unit dissolved); years after it are not counted."""
    last = period.snapshot_day(unit)
    return [(year, min(datetime.date(year, 12, 31), last)) for year in range(period.first_year, last.year + 1)]


def commitment_filers(unit: Organization, day: datetime.date) -> QuerySet[Person]:
    """Members who had to file for the year `day` closes: those expected at meetings that day."""
    return members_on(unit, day, expected_at_meetings=True)


# Commitments of the members who had to file (`members`: rows of id, child), grouped by
# (child, status, rating); a member without one is counted with a NULL status.
_COMMITMENTS_SQL = """
SELECT m.child, c.status, r.code, count(*)
  FROM ({members}) m LEFT JOIN resolutions_commitment c ON c.person_id = m.id AND c.year = %s
  LEFT JOIN resolutions_ratinglevel r ON r.id = c.rating_id
 GROUP BY m.child, c.status, r.code"""


def _commitment_counts(rows) -> list:
    counts = []
    for child, status, rating, n in rows:
        accepted = n if status == Commitment.Status.ACCEPTED else 0
        counts.append((child, CommitmentCounts(
            expected=n, filed=n if status in FILED else 0, accepted=accepted,
            ratings=Counter({rating: n}) if accepted and rating else Counter())))
    return counts


def _earlier_commitments(unit: Organization, years: list[tuple[int, datetime.date]]) -> list:
    """The commitments of the years before the snapshot day's (multi-year periods): one query."""
    if not years:
        return []
    parts, params = [], []
    for year, day in years:
        members, member_params = sql_of(commitment_filers(unit, day).values("pk", "child_then"))
        parts.append(_COMMITMENTS_SQL.format(members=f"SELECT pk AS id, child_then AS child FROM ({members}) f"))
        params += [*member_params, year]
    return _commitment_counts(_fetch(" UNION ALL ".join(parts), params))


# --- All of them --------------------------------------------------------------------------------

# The members' pass: indicator 8, each document's reach, and the last year's commitments
# over the same members (those expected at meetings on the snapshot day).
_MEMBERS_PASS_SQL = """
WITH marks AS MATERIALIZED ({marks})
SELECT 'members', child, NULL, NULL, count(*) FILTER (WHERE expected), count(*) FILTER (WHERE to_commend),
       count(*) FILTER (WHERE to_remind)
  FROM marks GROUP BY child{reads}
UNION ALL
SELECT 'commitments', f.child, f.status, f.code, f.count, 0, 0 FROM ({commitments}) f"""
_READS_SQL = """
UNION ALL
SELECT 'read', child, '{pk}', NULL, count(*) FILTER (WHERE expected AND read_{pk}), 0, 0 FROM marks GROUP BY child"""


# Settings of the members' pass, for that statement alone when it runs on its own (its
# implicit transaction), else for the rest of the caller's transaction:
# - work_mem: it holds one hash entry per member of the subtree (some 20 MB for the 100,000 of
#   the province); with the default 4 MB it spilled to disk and sorted the workers' parts
#   before merging them;
# - random_page_cost: the database is read from memory, yet at the default cost of a random
#   page (4, for disks that seek) the planner read the whole attendance table, two years of it,
#   rather than the period's sessions' rows from the index that carries their status
#   (the province: 0.96 → 0.81 s).
MEMBERS_PASS_SETTINGS = "SET LOCAL work_mem = '32MB'; SET LOCAL random_page_cost = 1.1;"


def _member_figures(unit: Organization, period: Period, documents: list[Document], last_year: int, *,
                    members_only: bool = True):
    ids = [int(document.pk) for document in documents]
    marks, params = _marks(unit, period, ids, members_only=members_only)
    sql = _MEMBERS_PASS_SQL.format(
        marks=marks, reads="".join(_READS_SQL.format(pk=pk) for pk in ids),
        commitments=_COMMITMENTS_SQL.format(members="SELECT id, child FROM marks WHERE expected"))
    expected, commend, remind, reads_by, commitments = [], [], [], {}, []
    rows = _fetch(f"{MEMBERS_PASS_SETTINGS} {sql}", [*params, last_year])
    for kind, child, key, rating, n, to_commend, to_remind in rows:
        if kind == "members":
            expected.append((child, n))
            commend.append((child, to_commend))
            remind.append((child, to_remind))
        elif kind == "read":
            reads_by[(int(key), child)] = n
        else:
            commitments.append((child, key, rating, n))
    reach = [DocumentReach(document, _breakdown(
        ((child, Share(reads_by.get((document.pk, child), 0), n)) for child, n in expected), Share()))
        for document in documents]
    return reach, _breakdown(commend, 0), _breakdown(remind, 0), _commitment_counts(commitments)


def study_figures(unit: Organization, period: Period) -> StudyFigures:
    """Indicators 5, 7 and 8 for `unit`'s subtree over `period`. A fixed number of queries
    whatever the subtree: the children, sessions with attendance, the documents, the
    members' pass, and for a period of several years the earlier years' commitments."""
    small = _is_small(unit, period.snapshot_day(unit))
    sessions, attendance = _session_and_attendance(unit, period, small=small)
    documents = list(_documents_studied(unit, period))
    years = commitment_days(unit, period)
    reach, commend, remind, commitments = _member_figures(unit, period, documents, years[-1][0] if years else 0,
                                                          members_only=small)
    if not years:  # the unit ended before the period: nobody had to file
        commitments = []
    commitments += _earlier_commitments(unit, years[:-1])
    return StudyFigures(
        unit=unit, period=period, snapshot_day=period.snapshot_day(unit), children=children_during(unit, period),
        sessions=sessions, attendance=attendance, documents=reach,
        commitments=_breakdown(commitments, CommitmentCounts()), commend=commend, remind=remind)
