"""Every training figure of a unit's subtree for a period (DESIGN.md §4 points 1–4 and 6),
each one SQL aggregate, whole and broken down by the unit's children in the same pass.

One rule of counting (seed 003): only classes in an approved plan count
(`training.models.in_plan_q`); classes outside it are listed apart. A class belongs to the
period it starts in.

Figures of a past period count units and people where and as they were then, by the rule
of `portal.asof` (so the same report regenerated after later transfers and
reorganisations gives the same figures):

- a class belongs to its organizer and the units above it *as the tree stood on the
  class's first day*; a learner (lượt học viên: one enrolment) to
  `Enrollment.learner_organization` (his unit when nominated) and the units above it on
  that same day; a unit that had ended (merged, dissolved) by then, as it last stood;
- positions (committee members, secretaries), lecturers and grassroots units are taken as
  they stood on the period's `snapshot_day`, in the subtree as it stood that day.

A `Breakdown` holds a figure for the whole subtree (`total`) and per child unit
(`by_child`, keyed by the child's id; `None` is the unit itself). The child is the one
that held the row on the row's day, read from the path its unit had then (each row joined
to its `OrganizationPeriod` of that day: `portal.asof.period_on`, one hash join, not a
lookup per row), so a cell moved from one đảng bộ to another on 1 July counts its first
half-year under the first; the children listed (`TrainingFigures.children`) are those of
some day of the period.

Reports, the targets page, the lecturers page and the plan pages read these; none of them
counts on its own.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from portal.asof import Period, child_in_path, children_during, grassroots_on, period_on, within_on
from portal.figures import Breakdown, Share
from portal.models import Organization, OrganizationPeriod, Person, Position
from training.models import Enrollment, Lecturer, Lesson, PlanLine, TrainingClass, in_plan_q

ADMISSION = "nhan-thuc-ve-dang"  # bồi dưỡng nhận thức về Đảng (kết nạp)
NEW_MEMBERS = "dang-vien-moi"
CERTIFIED_TYPES = (ADMISSION, NEW_MEMBERS)
PARTY_WORK = "nghiep-vu-cong-tac-dang"
UBKT_ROLES = ("chu-nhiem-ubkt", "uy-vien-ubkt")
SECRETARY_ROLES = ("bi-thu", "pho-bi-thu")
GRASSROOTS_COMMITTEE_LEVEL = "dang-bo-co-so"  # đảng bộ cơ sở: its bí thư, phó bí thư lecture yearly (seed 002)

# The term (nhiệm kỳ) within which a committee member must have been trained in nghiệp vụ
# công tác Đảng: the five calendar years ending with the period's last year (a congress
# term is five years; seed 002 counts 2020–2025 that way).
TERM_YEARS = 5


def term_of(period: Period) -> Period:
    """The term that ends with the period's last year."""
    return Period.years(period.last_year, TERM_YEARS)


def _within(period: Period, field_name: str) -> Q:
    """The date at `field_name` lies within `period` (a range the date indexes serve)."""
    return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lte": period.end})


# --- Classes -------------------------------------------------------------------------------------


def classes_of_period(unit: Organization, period: Period) -> QuerySet[TrainingClass]:
    """Every class that starts within `period` organised in `unit`'s subtree as it stood on
    the class's first day, counted or not."""
    return (TrainingClass.objects.annotate(organizer_then=period_on("organizer", "starts_on", or_last=True))
            .filter(_within(period, "starts_on"), within_on(unit, "organizer_then")))


@dataclass
class ClassCounts:
    by_type: Counter = field(default_factory=Counter)  # class type code → counted classes
    outside_plan: int = 0

    @property
    def counted(self) -> int:
        return sum(self.by_type.values())

    def add(self, other: "ClassCounts") -> None:
        self.by_type.update(other.by_type)
        self.outside_plan += other.outside_plan


def class_counts(unit: Organization, period: Period) -> Breakdown[ClassCounts]:
    """Classes held (counted, by type) and classes outside the plan: one grouped query."""
    rows = (classes_of_period(unit, period)
            .annotate(child=child_in_path(unit, "organizer_then__path"))
            .values("child", "class_type__code")
            .annotate(counted=Count("id", filter=in_plan_q()), outside=Count("id", filter=~in_plan_q())))
    result = Breakdown(ClassCounts())
    for row in rows:
        part = result.by_child.setdefault(row["child"], ClassCounts())
        if row["counted"]:
            part.by_type[row["class_type__code"]] += row["counted"]
        part.outside_plan += row["outside"]
    for part in result.by_child.values():
        result.total.add(part)
    return result


# --- Learners --------------------------------------------------------------------------------------


def counted_enrollments(unit: Organization, period: Period) -> QuerySet[Enrollment]:
    """Lượt học viên of `period` counted for `unit`: enrolments of counted classes that start
    within it, of learners whose unit at nomination lay in the subtree on the class's first day."""
    learner_then = period_on("learner_organization", "training_class__starts_on", or_last=True)
    return (Enrollment.objects.annotate(learner_then=learner_then)
            .filter(in_plan_q("training_class__"), _within(period, "training_class__starts_on"),
                    within_on(unit, "learner_then")))


@dataclass
class LearnerCounts:
    """Per class type code: learners, of whom women, ethnic minority, passed, holding a valid
    (not revoked) certificate."""

    learners: Counter = field(default_factory=Counter)
    women: Counter = field(default_factory=Counter)
    minority: Counter = field(default_factory=Counter)
    passed: Counter = field(default_factory=Counter)
    certified: Counter = field(default_factory=Counter)

    def add(self, other: "LearnerCounts") -> None:
        for name in ("learners", "women", "minority", "passed", "certified"):
            getattr(self, name).update(getattr(other, name))

    @property
    def certified_share(self) -> Share:
        """Learners of the kết nạp and đảng viên mới classes holding a valid certificate."""
        return Share(sum(self.certified[code] for code in CERTIFIED_TYPES),
                     sum(self.learners[code] for code in CERTIFIED_TYPES))

    def total(self, name: str) -> int:
        return sum(getattr(self, name).values())


def learner_counts(unit: Organization, period: Period) -> Breakdown[LearnerCounts]:
    """A certificate counts unless it was revoked by the period's snapshot day: revoking it
    later does not change a past report (results of the period's classes count as recorded,
    those entered after the year's end included)."""
    day = period.snapshot_day(unit)
    valid = Q(certificate__revoked_on__isnull=True) | Q(certificate__revoked_on__gt=day)
    rows = (counted_enrollments(unit, period)
            .annotate(child=child_in_path(unit, "learner_then__path"))
            .values("child", "training_class__class_type__code")
            .annotate(learners=Count("id"),
                      women=Count("id", filter=Q(person__gender=Person.Gender.FEMALE)),
                      minority=Count("id", filter=Q(person__ethnicity__is_minority=True)),
                      passed=Count("id", filter=Q(result=Enrollment.Result.PASSED)),
                      certified=Count("certificate__id", filter=valid)))
    result = Breakdown(LearnerCounts())
    for row in rows:
        part = result.by_child.setdefault(row["child"], LearnerCounts())
        code = row["training_class__class_type__code"]
        for name in ("learners", "women", "minority", "passed", "certified"):
            if row[name]:
                getattr(part, name)[code] += row[name]
    for part in result.by_child.values():
        result.total.add(part)
    return result


# --- Committee members trained in nghiệp vụ công tác Đảng ----------------------------------------


def positions_on(unit: Organization, day: datetime.date) -> QuerySet[Position]:
    """Positions held on `day` at a unit of the subtree as it stood that day (`unit_then`:
    its OrganizationPeriod), each with `child`: the child of `unit` that held it then."""
    return (Position.objects.current(day).annotate(unit_then=period_on("organization", day))
            .filter(within_on(unit, "unit_then")).annotate(child=child_in_path(unit, "unit_then__path")))


def committee_positions(unit: Organization, period: Period) -> QuerySet[Position]:
    """Positions held on the period's snapshot day by cấp ủy viên (every role marked a
    committee member: bí thư, phó bí thư, ủy viên ban thường vụ, cấp ủy viên) and UBKT
    members in the subtree as it stood that day."""
    return (positions_on(unit, period.snapshot_day(unit))
            .filter(Q(role__is_committee_member=True) | Q(role__code__in=UBKT_ROLES)))


def party_work_trained_q(period: Period, person_ref: str = "person_id") -> ExpressionWrapper:
    """The person at `person_ref` passed a counted nghiệp vụ công tác Đảng class that started
    within the term ending with the period (one hashed set of people, not a lookup per row)."""
    trained = Enrollment.objects.filter(
        in_plan_q("training_class__"), _within(term_of(period), "training_class__starts_on"),
        result=Enrollment.Result.PASSED, training_class__class_type__code=PARTY_WORK,
    ).order_by().values("person_id")
    return ExpressionWrapper(Q(**{f"{person_ref}__in": trained}), output_field=BooleanField())


def party_work_trained(unit: Organization, period: Period) -> Breakdown[Share]:
    """People (each once, whatever positions he holds) of `committee_positions` trained in
    nghiệp vụ công tác Đảng within the term. Per child a person counts in each child where
    he holds such a position; the total counts him once."""
    positions = committee_positions(unit, period).annotate(trained=party_work_trained_q(period))
    people = Count("person_id", distinct=True)
    trained = Count("person_id", distinct=True, filter=Q(trained=True))
    rows = positions.values("child").annotate(done=trained, total=people)
    whole = positions.aggregate(done=trained, total=people)
    return Breakdown(Share(whole["done"], whole["total"]),
                     {row["child"]: Share(row["done"], row["total"]) for row in rows})


# --- Lecturers ------------------------------------------------------------------------------------


def part_time_lecturers(unit: Organization, period: Period) -> QuerySet[Lecturer]:
    """Giảng viên kiêm chức registered, on the period's snapshot day, with a unit of the
    subtree as it stood that day; each with `child`."""
    day = period.snapshot_day(unit)
    return (Lecturer.objects.annotate(unit_then=period_on("organization", day))
            .filter(within_on(unit, "unit_then"), kind=Lecturer.Kind.PART_TIME, started_on__lte=day)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
            .annotate(child=child_in_path(unit, "unit_then__path")))


def lecturers_meeting_standard(unit: Organization, period: Period) -> Breakdown[Share]:
    """Meeting the standard on the snapshot day: recognised (standard_checked_on) by then."""
    day = period.snapshot_day(unit)
    standard = Q(meets_standard=True) & (Q(standard_checked_on__isnull=True) | Q(standard_checked_on__lte=day))
    rows = (part_time_lecturers(unit, period).values("child")
            .annotate(done=Count("id", filter=standard), total=Count("id")))
    return _additive(rows)


# --- Secretaries of đảng bộ cơ sở who lecture -----------------------------------------------------


def lectured_q(period: Period, person_ref: str = "person_id") -> ExpressionWrapper:
    """The person at `person_ref` gave a lesson of a counted class within `period`."""
    lecturers = (Lesson.objects.filter(in_plan_q("training_class__"), _within(period, "held_on"),
                                       lecturer__isnull=False)
                 .order_by().values("lecturer__person_id"))
    return ExpressionWrapper(Q(**{f"{person_ref}__in": lecturers}), output_field=BooleanField())


def grassroots_secretaries(unit: Organization, period: Period) -> QuerySet[Position]:
    """Bí thư and phó bí thư positions held on the period's snapshot day at each đảng bộ cơ
    sở of the subtree as it stood that day, each with `lectured`: whether its holder gave a
    lesson of a counted class within the period."""
    return (positions_on(unit, period.snapshot_day(unit))
            .filter(unit_then__level__code=GRASSROOTS_COMMITTEE_LEVEL, role__code__in=SECRETARY_ROLES)
            .annotate(lectured=lectured_q(period)))


def secretaries_without_lecture(unit: Organization, period: Period) -> QuerySet[Position]:
    """The bí thư / phó bí thư positions of the subtree's đảng bộ cơ sở whose holder gave no
    lesson (of a counted class) within `period` (seed 002: at least once a year), in tree order."""
    return (grassroots_secretaries(unit, period).filter(lectured=False)
            .select_related("person", "organization", "role")
            .order_by("organization__path", "role__sort_order", "person__sort_key"))


def secretaries_lectured(unit: Organization, period: Period) -> Breakdown[Share]:
    rows = (grassroots_secretaries(unit, period).values("child")
            .annotate(done=Count("id", filter=Q(lectured=True)), total=Count("id")))
    return _additive(rows)


# --- Grassroots organisations that held a class --------------------------------------------------


class PathIds(Func):
    """SQL: the ids of a unit and of every unit above it, one row each, read from its
    materialised path ("/1/7/42/" → 1, 7, 42)."""

    template = "unnest(string_to_array(trim(both '/' from %(expressions)s), '/'))::bigint"
    output_field = BigIntegerField()


def units_that_held_a_class(period: Period) -> QuerySet[TrainingClass]:
    """Ids of the units that held a counted class of `period`: its organizer and every unit
    above it as the tree stood on the class's first day. One hashed set, not a prefix match
    per unit (2.4 s → 0.02 s for a province)."""
    return (TrainingClass.objects.annotate(organizer_then=period_on("organizer", "starts_on", or_last=True))
            .filter(in_plan_q(), _within(period, "starts_on")).order_by()
            .annotate(unit_id=PathIds(F("organizer_then__path"))).values("unit_id"))


def grassroots_units(unit: Organization, period: Period) -> QuerySet[OrganizationPeriod]:
    """Tổ chức cơ sở đảng (đảng bộ cơ sở, chi bộ cơ sở) of the subtree as it stood on the
    period's snapshot day (`OrganizationPeriod` rows then, with `child_then`), each with
    `held_class`: a counted class of the period organised by it or by a unit below it."""
    return grassroots_on(unit, period.snapshot_day(unit)).annotate(held_class=ExpressionWrapper(
        Q(organization_id__in=units_that_held_a_class(period)), output_field=BooleanField()))


def grassroots_without_class(unit: Organization, period: Period) -> QuerySet[OrganizationPeriod]:
    return (grassroots_units(unit, period).filter(held_class=False).select_related("organization", "level")
            .order_by("path"))


def grassroots_with_class(unit: Organization, period: Period) -> Breakdown[Share]:
    rows = (grassroots_units(unit, period).values("child_then")
            .annotate(done=Count("id", filter=Q(held_class=True)), total=Count("id")))
    return _additive(rows, "child_then")


def _additive(rows, child: str = "child") -> Breakdown[Share]:
    """Shares whose rows each belong to one child (at `child`): the total is their sum."""
    by_child = {row[child]: Share(row["done"], row["total"]) for row in rows}
    return Breakdown(sum(by_child.values(), Share()), by_child)


# --- Plans: planned against actual -----------------------------------------------------------------


def with_actuals(lines: QuerySet[PlanLine]) -> QuerySet[PlanLine]:
    """Plan lines with `actual_classes` (classes attached to the line) and `actual_learners`
    (their enrolments), each a subquery so neither multiplies the other."""
    classes = (TrainingClass.objects.filter(plan_line=OuterRef("pk")).order_by().values("plan_line")
               .annotate(n=Count("id")).values("n"))
    learners = (Enrollment.objects.filter(training_class__plan_line=OuterRef("pk")).order_by()
                .values("training_class__plan_line").annotate(n=Count("id")).values("n"))
    return lines.annotate(actual_classes=Coalesce(Subquery(classes), 0),
                          actual_learners=Coalesce(Subquery(learners), 0))


# --- Everything at once ----------------------------------------------------------------------------


@dataclass
class TrainingFigures:
    unit: Organization
    period: Period
    classes: Breakdown[ClassCounts]
    learners: Breakdown[LearnerCounts]
    party_work_trained: Breakdown[Share]
    lecturers_standard: Breakdown[Share]
    secretaries_lectured: Breakdown[Share]
    grassroots_with_class: Breakdown[Share]
    children: list[OrganizationPeriod]  # children at some time in the period (`.organization_id`, `.name`)

    @property
    def certified_share(self) -> Share:
        return self.learners.total.certified_share


def training_figures(unit: Organization, period: Period) -> TrainingFigures:
    """Every figure above for `unit` and `period`, each computed once: a constant number of
    queries (eight) whatever the size of the subtree."""
    return TrainingFigures(
        unit=unit, period=period,
        classes=class_counts(unit, period),
        learners=learner_counts(unit, period),
        party_work_trained=party_work_trained(unit, period),
        lecturers_standard=lecturers_meeting_standard(unit, period),
        secretaries_lectured=secretaries_lectured(unit, period),
        grassroots_with_class=grassroots_with_class(unit, period),
        children=children_during(unit, period),
    )
