"""What the training staff's home (/training/) and their card on / list: classes running
today, plans to submit or to decide, classes whose results are not entered, certificates to
issue. Each list is what the user may TRAIN on (plans to decide: what he may APPROVE), in
a fixed number of queries whatever the size of his reach."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from portal.access import Action, reach_of, restrict
from training.models import Enrollment, TrainingClass, TrainingPlan
from training.selectors.classes import rules_in_force
from training.selectors.plans import waiting_for_decision

LISTED = 8  # rows a list shows; its footer links to the full list


def trains(user) -> bool:
    return reach_of(user).allows_anywhere(Action.TRAIN)


def approves(user) -> bool:
    return reach_of(user).allows_anywhere(Action.APPROVE)


def has_training_home(user) -> bool:
    """Training staff and the committees that approve the plans of the units below them."""
    return trains(user) or approves(user)


def with_certifies(classes: QuerySet[TrainingClass]) -> QuerySet[TrainingClass]:
    """`certifies` on each class: whether the rule of its type in force on its first day
    gives certificates (the rule of selectors.classes.rule_in_force, in SQL)."""
    rule = rules_in_force(OuterRef("starts_on")).filter(class_type_id=OuterRef("class_type_id"))
    return classes.annotate(certifies=Subquery(rule.values("certifies")[:1]))


@dataclass
class Listing:
    """The first rows of a list and how many there are in all."""

    rows: list
    total: int


def _listing(queryset: QuerySet, limit: int = LISTED) -> Listing:
    rows = list(queryset[:limit])
    return Listing(rows, len(rows) if len(rows) < limit else queryset.count())


def _trained_classes(user) -> QuerySet[TrainingClass]:
    return restrict(TrainingClass.objects.all(), user, Action.TRAIN).select_related("class_type", "organizer")


def running_classes(user, today: datetime.date) -> QuerySet[TrainingClass]:
    """Classes under way today (first day passed, last day not), ending soonest first."""
    return (_trained_classes(user).filter(starts_on__lte=today, ends_on__gte=today)
            .annotate(n_learners=Count("enrollments")).order_by("ends_on", "id"))


def classes_without_results(user, today: datetime.date) -> QuerySet[TrainingClass]:
    """Classes that have ended with learners whose result is not entered, oldest first."""
    return (_trained_classes(user).filter(ends_on__lt=today)
            .annotate(n_missing=Count("enrollments", filter=Q(enrollments__result="")))
            .filter(n_missing__gt=0).order_by("ends_on", "id"))


def classes_with_certificates_to_issue(user) -> QuerySet[TrainingClass]:
    """Classes of a certifying type whose passed learners have no certificate yet."""
    return (with_certifies(_trained_classes(user)).filter(certifies=True)
            .annotate(n_to_issue=Count("enrollments", filter=Q(enrollments__result=Enrollment.Result.PASSED,
                                                               enrollments__certificate__isnull=True)))
            .filter(n_to_issue__gt=0).order_by("ends_on", "id"))


def plans_to_submit(user) -> QuerySet[TrainingPlan]:
    """Plans in draft or returned, of the units where the user may train."""
    return (restrict(TrainingPlan.objects.all(), user, Action.TRAIN)
            .filter(status__in=[TrainingPlan.Status.DRAFT, TrainingPlan.Status.RETURNED])
            .select_related("organization").order_by("year", "organization__path", "version"))


def training_home(user, today: datetime.date) -> dict:
    """Every list of the home, those of the user's roles only."""
    context = {"trains": trains(user), "approves": approves(user), "today": today}
    if context["trains"]:
        context.update(running=_listing(running_classes(user, today)),
                       without_results=_listing(classes_without_results(user, today)),
                       to_issue=_listing(classes_with_certificates_to_issue(user)),
                       to_submit=_listing(plans_to_submit(user)))
    if context["approves"]:
        # Submitted plans of the units below those where the user may approve.
        context["to_decide"] = _listing(waiting_for_decision(user))
    return context


def work_counts(user, today: datetime.date) -> dict[str, int]:
    """How many of each: the card on the home page."""
    return {"running": running_classes(user, today).count(),
            "without_results": classes_without_results(user, today).count(),
            "to_issue": classes_with_certificates_to_issue(user).count(),
            "to_submit": plans_to_submit(user).count()}
