"""Reads of the classes area (classes, lessons, enrolments, lesson attendance, results),
always through portal.access. Whether a class counts is `in_plan_q`, the one rule."""

import datetime
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower

from portal.access import Action, get_visible_or_404, reach_of, restrict
from portal.models import Organization, Person, Position
from training.models import (
    Certificate,
    ClassType,
    ClassTypeRule,
    Enrollment,
    Lecturer,
    Lesson,
    LessonAttendance,
    PlanLine,
    TrainingClass,
    TrainingPlan,
    in_plan_q,
)

Status = LessonAttendance.Status


def with_in_plan(classes: QuerySet, prefix: str = "") -> QuerySet:
    """`in_plan` on each row: whether the class counts (`in_plan_q`), in the same query."""
    return classes.annotate(in_plan=Case(When(in_plan_q(prefix), then=Value(True)), default=Value(False),
                                         output_field=BooleanField()))


# --- Class types and their rules ---------------------------------------------------------------


def rules_in_force(on) -> QuerySet[ClassTypeRule]:
    """Rules in force on `on`: a date, or an expression such as OuterRef("starts_on") for
    the rule of each class in SQL; the latest first."""
    return (ClassTypeRule.objects.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .order_by("-valid_from"))


def rule_in_force(class_type: ClassType, on: datetime.date) -> ClassTypeRule | None:
    """The rule of `class_type` in force on `on` (the class's start date), or None."""
    return (rules_in_force(on).filter(class_type=class_type)
            .prefetch_related("eligible_statuses", "eligible_roles").first())


def class_type_choices() -> QuerySet[ClassType]:
    """Types a class may be opened for: those taught locally (not external)."""
    return ClassType.objects.in_force().filter(external=False).order_by("sort_order", "name")


# --- Classes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassFilter:
    organization: Organization | None = None  # the organizer's whole subtree
    year: int | None = None
    class_type: ClassType | None = None
    in_plan: bool | None = None  # True: counted; False: "ngoài kế hoạch"
    query: str = ""


def classes_visible_to(user) -> QuerySet[TrainingClass]:
    return restrict(TrainingClass.objects.all(), user)


def class_list(user, filters: ClassFilter = ClassFilter()) -> QuerySet[TrainingClass]:
    """Classes the user may see, newest first, with their type, organizer, whether they
    count and how many learners they have."""
    classes = classes_visible_to(user).select_related("class_type", "organizer")
    if filters.organization is not None:
        classes = classes.filter(organizer__path__startswith=filters.organization.path)
    if filters.year:
        classes = classes.filter(starts_on__year=filters.year)
    if filters.class_type is not None:
        classes = classes.filter(class_type=filters.class_type)
    if filters.in_plan is True:
        classes = classes.in_plan()
    elif filters.in_plan is False:
        classes = classes.outside_plan()
    if filters.query:
        classes = classes.filter(name__icontains=filters.query)
    return with_in_plan(classes).annotate(n_learners=Count("enrollments", distinct=True)).order_by(
        "-starts_on", "-id")


def class_by_id(user, pk) -> TrainingClass:
    classes = with_in_plan(TrainingClass.objects.select_related(
        "class_type", "organizer", "plan_line__plan__organization", "plan_line__class_type", "created_by"))
    return get_visible_or_404(classes, user, pk=pk)


def class_lessons(training_class: TrainingClass) -> QuerySet[Lesson]:
    return training_class.lessons.select_related("lecturer__person").annotate(
        n_present=Count("attendance", filter=Q(attendance__status=Status.PRESENT)),
        n_marked=Count("attendance")).order_by("number")


def enrollment_count(training_class: TrainingClass) -> int:
    return Enrollment.objects.filter(training_class=training_class).count()


def plan_line_choices(user) -> QuerySet[PlanLine]:
    """Lines of approved plans of the units where the user may open classes."""
    return (restrict(PlanLine.objects.filter(plan__status=TrainingPlan.Status.APPROVED), user, Action.TRAIN)
            .select_related("plan__organization", "class_type").order_by("-plan__year", "plan__organization__path",
                                                                           "quarter", "id"))


def lecturer_choices(user) -> QuerySet[Lecturer]:
    return restrict(Lecturer.objects.filter(ended_on__isnull=True), user).select_related(
        "person", "organization").order_by("person__sort_key", "id")


# --- Enrolments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrollmentFilter:
    training_class: TrainingClass | None = None
    organization: Organization | None = None  # the learner's unit's whole subtree
    year: int | None = None  # the class's start year
    class_type: ClassType | None = None
    result: str | None = None  # "dat", "khong_dat", or "none" (not recorded)
    certified: bool | None = None  # holds a valid (not revoked) certificate
    in_plan: bool | None = None
    query: str = ""


def certified_q() -> Q:
    return Q(Exists(Certificate.objects.filter(enrollment=OuterRef("pk"), revoked_on__isnull=True)))


def enrollment_list(user, filters: EnrollmentFilter = EnrollmentFilter()) -> QuerySet[Enrollment]:
    rows = restrict(Enrollment.objects.all(), user).select_related(
        "person", "learner_organization", "training_class__class_type", "training_class__organizer")
    if filters.training_class is not None:
        rows = rows.filter(training_class=filters.training_class)
    if filters.organization is not None:
        rows = rows.filter(learner_organization__path__startswith=filters.organization.path)
    if filters.year:
        rows = rows.filter(training_class__starts_on__year=filters.year)
    if filters.class_type is not None:
        rows = rows.filter(training_class__class_type=filters.class_type)
    if filters.result == "none":
        rows = rows.filter(result="")
    elif filters.result in Enrollment.Result.values:
        rows = rows.filter(result=filters.result)
    if filters.certified is not None:
        rows = rows.filter(certified_q() if filters.certified else ~certified_q())
    if filters.in_plan is True:
        rows = rows.filter(in_plan_q("training_class__"))
    elif filters.in_plan is False:
        rows = rows.exclude(in_plan_q("training_class__"))
    if filters.query:
        rows = rows.filter(person__in=Person.objects.search(filters.query))
    rows = with_in_plan(rows, "training_class__").annotate(certified=certified_q())
    return rows.order_by("-training_class__starts_on", "training_class_id", "person__sort_key", "id")


def enrollment_by_id(user, pk) -> Enrollment:
    return get_visible_or_404(Enrollment.objects.select_related(
        "person", "learner_organization", "training_class__class_type", "training_class__organizer"), user, pk=pk)


def class_roll(user, training_class: TrainingClass) -> QuerySet[Enrollment]:
    """The learners of a class the user may see (the organizer's reach sees all of them,
    a unit's reach its own people), in name order."""
    return (restrict(Enrollment.objects.filter(training_class=training_class), user)
            .select_related("person__party_status", "learner_organization", "training_class__organizer")
            .annotate(certified=certified_q(),
                      n_present=Count("attendance", filter=Q(attendance__status=Status.PRESENT)))
            .order_by("person__sort_key", "id"))


def _nominable(user, training_class: TrainingClass):
    """People the user may nominate (he may update their records or train at their unit)
    who are not in the class yet; None when there are none."""
    reach = reach_of(user)
    people = Person.objects.select_related("organization", "party_status")
    if not reach.everything:
        paths = reach.paths_for(Action.MANAGE) + reach.paths_for(Action.TRAIN)
        if not paths:
            return None
        condition = Q()
        for path in paths:
            condition |= Q(organization__path__startswith=path)
        people = people.filter(condition)
    return people.exclude(enrollments__training_class=training_class)


def nomination_candidates(user, training_class: TrainingClass, query: str = "", limit: int = 50) -> list[Person]:
    """Those the user may nominate to the class, found by name or party card number."""
    people = _nominable(user, training_class)
    if people is None:
        return []
    if query:
        people = people.filter(Q(pk__in=Person.objects.search(query)) | Q(party_card_number=query.strip()))
    return list(people.order_by("sort_key", "id")[:limit])


def candidates_named(user, training_class: TrainingClass, lines: list[str]) -> dict[str, list[Person]]:
    """For each line (a party card number or a full name), those the user may nominate whom
    it names exactly, in one query whatever the number of lines."""
    people = _nominable(user, training_class)
    named = {line: [] for line in lines}
    if people is None or not lines:
        return named
    folded = {line.casefold() for line in lines}
    for person in people.annotate(folded_name=Lower("full_name")).filter(
            Q(party_card_number__in=lines) | Q(folded_name__in=folded)).order_by("sort_key", "id"):
        for line in lines:
            if person.party_card_number == line or person.full_name.casefold() == line.casefold():
                named[line].append(person)
    return named


# --- Attendance and results sheets -------------------------------------------------------------


@dataclass
class AttendanceRow:
    enrollment_id: int
    full_name: str
    unit: str
    status: str
    reason: str
    recorded: bool


def attendance_sheet(training_class: TrainingClass, lesson: Lesson) -> list[AttendanceRow]:
    """Every learner of the class (the organizer's sheet) with his mark for `lesson`;
    nothing recorded reads as present (the screen's default). Two queries."""
    marks = dict(
        (row[0], row[1:]) for row in LessonAttendance.objects.filter(lesson=lesson)
        .values_list("enrollment_id", "status", "reason"))
    rows = []
    for pk, name, unit in (Enrollment.objects.filter(training_class=training_class)
                           .order_by("person__sort_key", "id")
                           .values_list("pk", "person__full_name", "learner_organization__name")):
        status, reason = marks.get(pk, (Status.PRESENT, ""))
        rows.append(AttendanceRow(pk, name, unit, status, reason, pk in marks))
    return rows


def sheet_summary(statuses) -> dict[str, int]:
    statuses = list(statuses)
    return {"present": statuses.count(Status.PRESENT), "excused": statuses.count(Status.EXCUSED),
            "absent": statuses.count(Status.ABSENT), "total": len(statuses)}


@dataclass
class ResultRow:
    enrollment_id: int
    full_name: str
    unit: str
    score_text: str  # as the screen shows it: "7,5"
    result: str
    certified: bool
    n_present: int


def score_text(score) -> str:
    """A score as the screen shows it: "7,5", "10", blank for none."""
    if score is None:
        return ""
    text = f"{score:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text).replace(".", ",")


def results_sheet(training_class: TrainingClass) -> list[ResultRow]:
    """Every learner of the class with his score, result, lessons attended and whether he
    holds a valid certificate, in name order: one query, plain rows."""
    rows = (Enrollment.objects.filter(training_class=training_class)
            .annotate(certified=certified_q(),
                      n_present=Count("attendance", filter=Q(attendance__status=Status.PRESENT)))
            .order_by("person__sort_key", "id")
            .values_list("pk", "person__full_name", "learner_organization__name", "score", "result", "certified",
                         "n_present"))
    return [ResultRow(pk, name, unit, score_text(score), result, certified, present)
            for pk, name, unit, score, result, certified, present in rows]


def eligible_roles_held(person_ids, roles, on: datetime.date) -> set[int]:
    """Which of the people hold, on `on`, a position with one of `roles`."""
    return set(Position.objects.current(on).filter(person_id__in=person_ids, role__in=roles)
               .values_list("person_id", flat=True))


def lesson_by_number(training_class: TrainingClass, number) -> Lesson | None:
    try:
        number = int(number)
    except (TypeError, ValueError):
        return None
    if not 0 < number < 32768:
        return None
    return training_class.lessons.filter(number=number).first()
