"""Reads of the lecturers area: the lecturers a user may see with the lectures each gave
in a year (one aggregate query over the lessons), one lecturer with his lessons, the people
a lecturer may be registered for."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear

from portal.access import Action, get_visible_or_404, reach_of, restrict
from portal.models import Organization, Person
from training.models import Lecturer, Lesson, in_plan_q


def year_q(year: int, prefix: str = "") -> Q:
    """Held in `year`, as a range on the date (the lesson_lecturer_date index serves it)."""
    return Q(**{f"{prefix}held_on__gte": datetime.date(year, 1, 1), f"{prefix}held_on__lte": datetime.date(year, 12, 31)})


def with_lectures(queryset: QuerySet[Lecturer], year: int) -> QuerySet[Lecturer]:
    """Each lecturer's lectures (lessons he gave) in `year`, counted by the database:
    `lectures` in every class, `lectures_counted` in classes of an approved plan (those the
    report's figures count)."""
    held = year_q(year, "lessons__")
    return queryset.annotate(lectures=Count("lessons", filter=held),
                             lectures_counted=Count("lessons", filter=held & in_plan_q("lessons__training_class__")))


def lecturer_list(user, *, year: int, unit: Organization | None = None, kind: str | None = None,
                  standard: bool | None = None, current_only: bool = True) -> QuerySet[Lecturer]:
    queryset = restrict(Lecturer.objects.all(), user)
    if unit is not None:
        queryset = queryset.filter(organization__path__startswith=unit.path)
    if kind:
        queryset = queryset.filter(kind=kind)
    if standard is not None:
        queryset = queryset.filter(meets_standard=standard)
    if current_only:  # registered for at least part of the year
        queryset = queryset.filter(started_on__lte=datetime.date(year, 12, 31)).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=datetime.date(year, 1, 1)))
    return with_lectures(queryset.select_related("person", "organization"), year).order_by(
        "organization__path", "person__sort_key", "id")


def lecturer_by_id(user, pk: int) -> Lecturer:
    return get_visible_or_404(Lecturer.objects.select_related("person", "organization"), user, pk=pk)


def lectures_per_year(lecturer: Lecturer) -> list[dict]:
    """[{"year": 2026, "lectures": 4}, …], latest first: one grouped query."""
    return list(Lesson.objects.filter(lecturer=lecturer).annotate(year=ExtractYear("held_on"))
                .values("year").annotate(lectures=Count("pk")).order_by("-year"))


def lessons_given(user, lecturer: Lecturer, year: int | None = None) -> QuerySet[Lesson]:
    """His lessons in classes the user may see, latest first."""
    lessons = restrict(Lesson.objects.filter(lecturer=lecturer), user)
    if year is not None:
        lessons = lessons.filter(year_q(year))
    return lessons.select_related("training_class__organizer").order_by("-held_on", "training_class_id", "number")


def may_register_anywhere(user) -> bool:
    reach = reach_of(user)
    return reach.everything or bool(reach.paths_for(Action.TRAIN))


def person_matches(user, text: str, limit: int = 3) -> list[Person]:
    """People the user may see named by `text`: a party card number, or a full name (any
    accents) that names them."""
    text = text.strip()
    if not text:
        return []
    people = restrict(Person.objects.select_related("organization"), user)
    by_card = list(people.filter(party_card_number=text)[:limit])
    if by_card:
        return by_card
    named = people.filter(pk__in=Person.objects.search(text))
    exact = [p for p in named.order_by("sort_key", "id")[:50] if p.full_name.casefold() == text.casefold()]
    return exact[:limit] or list(named.order_by("sort_key", "id")[:limit])
