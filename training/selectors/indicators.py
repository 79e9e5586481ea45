"""Every training figure of a unit's subtree for a year (DESIGN.md §4 points 1–4 and 6),
each one SQL aggregate, whole and broken down by the unit's children in the same pass.

One rule of counting (seed 003): only classes in an approved plan count
(`training.models.in_plan_q`); classes outside it are listed apart. A class belongs to the
year it starts in and to its organizer's subtree; a learner (lượt học viên: one enrolment)
belongs to `Enrollment.learner_organization`, his unit when nominated. People holding
positions and lecturers are taken as they stand at `as_of(year)` (31/12 of the year, or
today for the year under way).

A `Breakdown` holds a figure for the whole subtree (`total`) and per child unit
(`by_child`, keyed by the child's id; `None` is the unit itself). Child rows come from the
materialised path (`/1/7/42/`: the segment after the unit's path is the child's id), so
one grouped query serves every child whatever their number.

Reports, the targets page, the lecturers page and the plan pages read these; none of them
counts on its own.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf, Substr
from django.utils import timezone

from portal.figures import Breakdown, Share
from portal.models import Organization, Person, Position
from training.models import Enrollment, Lecturer, Lesson, PlanLine, TrainingClass, in_plan_q

ADMISSION = "nhan-thuc-ve-dang"  # bồi dưỡng nhận thức về Đảng (kết nạp)
NEW_MEMBERS = "dang-vien-moi"
CERTIFIED_TYPES = (ADMISSION, NEW_MEMBERS)
PARTY_WORK = "nghiep-vu-cong-tac-dang"
UBKT_ROLES = ("chu-nhiem-ubkt", "uy-vien-ubkt")
SECRETARY_ROLES = ("bi-thu", "pho-bi-thu")
GRASSROOTS_COMMITTEE_LEVEL = "dang-bo-co-so"  # đảng bộ cơ sở: its bí thư, phó bí thư lecture yearly (seed 002)

# The term (nhiệm kỳ) within which a committee member must have been trained in nghiệp vụ
# công tác Đảng: the five calendar years ending with the year asked (a congress term is
# five years; seed 002 counts 2020–2025 that way).
TERM_YEARS = 5

def term_years(year: int) -> tuple[int, int]:
    """First and last year of the term that ends with `year`."""
    return year - TERM_YEARS + 1, year


def as_of(year: int) -> datetime.date:
    """The day positions and lecturers are taken as they stand: 31/12, or today within the year."""
    return min(datetime.date(year, 12, 31), timezone.localdate())


def child_of(unit: Organization, path_lookup: str):
    """SQL: id of the child of `unit` whose subtree holds the organization whose path is at
    `path_lookup` (NULL for `unit` itself)."""
    tail = Substr(F(path_lookup), len(unit.path) + 1)
    segment = Func(tail, Value("/"), Value(1), function="split_part", output_field=CharField())
    return Cast(NullIf(segment, Value("")), IntegerField())


def in_subtree(unit: Organization, path_lookup: str) -> Q:
    return Q(**{f"{path_lookup}__startswith": unit.path})


# --- Classes -------------------------------------------------------------------------------------


def classes_of_year(unit: Organization, year: int) -> QuerySet[TrainingClass]:
    """Every class organised in `unit`'s subtree that starts in `year`, counted or not."""
    return TrainingClass.objects.filter(in_subtree(unit, "organizer__path"), starts_on__year=year)


def counted_classes(unit: Organization, year: int) -> QuerySet[TrainingClass]:
    return classes_of_year(unit, year).filter(in_plan_q())


def outside_plan_classes(unit: Organization, year: int) -> QuerySet[TrainingClass]:
    """"Ngoài kế hoạch": listed apart, counted nowhere."""
    return classes_of_year(unit, year).exclude(in_plan_q())


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


def class_counts(unit: Organization, year: int) -> Breakdown[ClassCounts]:
    """Classes held (counted, by type) and classes outside the plan: one grouped query."""
    rows = (classes_of_year(unit, year)
            .annotate(child=child_of(unit, "organizer__path"))
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


def counted_enrollments(unit: Organization, year: int) -> QuerySet[Enrollment]:
    """Lượt học viên of `year` counted for `unit`: enrolments of counted classes that start in
    the year, of learners whose unit at nomination lies in the subtree."""
    return Enrollment.objects.filter(in_subtree(unit, "learner_organization__path"), in_plan_q("training_class__"),
                                     training_class__starts_on__year=year)


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


def learner_counts(unit: Organization, year: int) -> Breakdown[LearnerCounts]:
    rows = (counted_enrollments(unit, year)
            .annotate(child=child_of(unit, "learner_organization__path"))
            .values("child", "training_class__class_type__code")
            .annotate(learners=Count("id"),
                      women=Count("id", filter=Q(person__gender=Person.Gender.FEMALE)),
                      minority=Count("id", filter=Q(person__ethnicity__is_minority=True)),
                      passed=Count("id", filter=Q(result=Enrollment.Result.PASSED)),
                      certified=Count("certificate__id", filter=Q(certificate__revoked_on__isnull=True))))
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


def committee_positions(unit: Organization, year: int) -> QuerySet[Position]:
    """Current positions (at `as_of(year)`) of cấp ủy viên (every role marked a committee
    member: bí thư, phó bí thư, ủy viên ban thường vụ, cấp ủy viên) and UBKT members in the subtree."""
    return (Position.objects.current(as_of(year))
            .filter(in_subtree(unit, "organization__path"), organization__active=True)
            .filter(Q(role__is_committee_member=True) | Q(role__code__in=UBKT_ROLES)))


def party_work_trained_q(year: int, person_ref: str = "person_id") -> ExpressionWrapper:
    """The person at `person_ref` passed a counted nghiệp vụ công tác Đảng class that started
    within the term ending with `year` (one hashed set of people, not a lookup per row)."""
    first, last = term_years(year)
    trained = Enrollment.objects.filter(
        in_plan_q("training_class__"), result=Enrollment.Result.PASSED, training_class__class_type__code=PARTY_WORK,
        training_class__starts_on__year__gte=first, training_class__starts_on__year__lte=last,
    ).order_by().values("person_id")
    return ExpressionWrapper(Q(**{f"{person_ref}__in": trained}), output_field=BooleanField())


def party_work_trained(unit: Organization, year: int) -> Breakdown[Share]:
    """People (each once, whatever positions he holds) of `committee_positions` trained in
    nghiệp vụ công tác Đảng within the term. Per child a person counts in each child where
    he holds such a position; the total counts him once."""
    positions = committee_positions(unit, year).annotate(trained=party_work_trained_q(year))
    people = Count("person_id", distinct=True)
    trained = Count("person_id", distinct=True, filter=Q(trained=True))
    rows = (positions.annotate(child=child_of(unit, "organization__path")).values("child")
            .annotate(done=trained, total=people))
    whole = positions.aggregate(done=trained, total=people)
    return Breakdown(Share(whole["done"], whole["total"]),
                     {row["child"]: Share(row["done"], row["total"]) for row in rows})


# --- Lecturers ------------------------------------------------------------------------------------


def part_time_lecturers(unit: Organization, year: int) -> QuerySet[Lecturer]:
    """Giảng viên kiêm chức registered with a unit of the subtree at `as_of(year)`."""
    on = as_of(year)
    return Lecturer.objects.filter(
        in_subtree(unit, "organization__path"), kind=Lecturer.Kind.PART_TIME, started_on__lte=on,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))


def lecturers_meeting_standard(unit: Organization, year: int) -> Breakdown[Share]:
    rows = (part_time_lecturers(unit, year).annotate(child=child_of(unit, "organization__path")).values("child")
            .annotate(done=Count("id", filter=Q(meets_standard=True)), total=Count("id")))
    return _additive(rows)


# --- Secretaries of đảng bộ cơ sở who lecture -----------------------------------------------------


def lectured_q(year: int, person_ref: str = "person_id") -> ExpressionWrapper:
    """The person at `person_ref` gave a lesson of a counted class in `year`."""
    lecturers = (Lesson.objects.filter(in_plan_q("training_class__"), held_on__year=year, lecturer__isnull=False)
                 .order_by().values("lecturer__person_id"))
    return ExpressionWrapper(Q(**{f"{person_ref}__in": lecturers}), output_field=BooleanField())


def grassroots_secretaries(unit: Organization, year: int) -> QuerySet[Position]:
    """Bí thư and phó bí thư positions (at `as_of(year)`) of each active đảng bộ cơ sở in the
    subtree, each with `lectured`: whether its holder gave a lesson of a counted class in the year."""
    return (Position.objects.current(as_of(year))
            .filter(in_subtree(unit, "organization__path"), organization__active=True,
                    organization__level__code=GRASSROOTS_COMMITTEE_LEVEL, role__code__in=SECRETARY_ROLES)
            .annotate(lectured=lectured_q(year)))


def secretaries_without_lecture(unit: Organization, year: int) -> QuerySet[Position]:
    """The bí thư / phó bí thư positions of the subtree's đảng bộ cơ sở whose holder gave no
    lesson (of a counted class) in `year` (seed 002: at least once a year), in tree order."""
    return (grassroots_secretaries(unit, year).filter(lectured=False)
            .select_related("person", "organization", "role")
            .order_by("organization__path", "role__sort_order", "person__sort_key"))


def secretaries_lectured(unit: Organization, year: int) -> Breakdown[Share]:
    rows = (grassroots_secretaries(unit, year).annotate(child=child_of(unit, "organization__path")).values("child")
            .annotate(done=Count("id", filter=Q(lectured=True)), total=Count("id")))
    return _additive(rows)


# --- Grassroots organisations that held a class --------------------------------------------------


class PathIds(Func):
    """SQL: the ids of a unit and of every unit above it, one row each, read from its
    materialised path ("/1/7/42/" → 1, 7, 42)."""

    template = "unnest(string_to_array(trim(both '/' from %(expressions)s), '/'))::bigint"
    output_field = BigIntegerField()


def grassroots_units(unit: Organization, year: int) -> QuerySet[Organization]:
    """Active tổ chức cơ sở đảng (đảng bộ cơ sở, chi bộ cơ sở) of the subtree, each with
    `held_class`: a counted class of `year` organised by it or by a unit below it. The units
    that held one are the organizers of the year's counted classes and every unit above
    them: one hashed set, not a prefix match per unit (2.4 s → 0.02 s for a province)."""
    held = (TrainingClass.objects.filter(in_plan_q(), starts_on__year=year).order_by()
            .annotate(unit_id=PathIds(F("organizer__path"))).values("unit_id"))
    return (Organization.objects.filter(in_subtree(unit, "path"), active=True, level__is_grassroots=True)
            .annotate(held_class=ExpressionWrapper(Q(pk__in=held), output_field=BooleanField())))


def grassroots_without_class(unit: Organization, year: int) -> QuerySet[Organization]:
    return grassroots_units(unit, year).filter(held_class=False).select_related("level").order_by("path")


def grassroots_with_class(unit: Organization, year: int) -> Breakdown[Share]:
    rows = (grassroots_units(unit, year).annotate(child=child_of(unit, "path")).values("child")
            .annotate(done=Count("id", filter=Q(held_class=True)), total=Count("id")))
    return _additive(rows)


def _additive(rows) -> Breakdown[Share]:
    """Shares whose rows each belong to one child: the total is their sum."""
    by_child = {row["child"]: Share(row["done"], row["total"]) for row in rows}
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
    year: int
    classes: Breakdown[ClassCounts]
    learners: Breakdown[LearnerCounts]
    party_work_trained: Breakdown[Share]
    lecturers_standard: Breakdown[Share]
    secretaries_lectured: Breakdown[Share]
    grassroots_with_class: Breakdown[Share]
    children: list[Organization]

    @property
    def certified_share(self) -> Share:
        return self.learners.total.certified_share


def children_of(unit: Organization) -> list[Organization]:
    return list(unit.children.filter(active=True).order_by("sort_order", "name"))


def training_figures(unit: Organization, year: int) -> TrainingFigures:
    """Every figure above for `unit` and `year`, each computed once: a constant number of
    queries (eight) whatever the size of the subtree."""
    return TrainingFigures(
        unit=unit, year=year,
        classes=class_counts(unit, year),
        learners=learner_counts(unit, year),
        party_work_trained=party_work_trained(unit, year),
        lecturers_standard=lecturers_meeting_standard(unit, year),
        secretaries_lectured=secretaries_lectured(unit, year),
        grassroots_with_class=grassroots_with_class(unit, year),
        children=children_of(unit),
    )
