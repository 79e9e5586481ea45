"""Reads of the plans area, always through portal.access."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce

from portal.access import Action, get_visible_or_404, org_q, restrict, units_where
from portal.models import Organization
from training.models import PlanLine, TrainingPlan
from training.selectors.indicators import with_actuals

Status = TrainingPlan.Status


@dataclass(frozen=True)
class PlanFilter:
    organization: Organization | None = None  # its whole subtree
    year: int | None = None
    status: str = ""


def plans_visible_to(user) -> QuerySet[TrainingPlan]:
    return restrict(TrainingPlan.objects.all(), user)


def _with_totals(plans: QuerySet[TrainingPlan]) -> QuerySet[TrainingPlan]:
    return plans.annotate(n_lines=Count("lines"),
                          planned_classes=Coalesce(Sum("lines__planned_classes"), 0),
                          planned_learners=Coalesce(Sum("lines__planned_learners"), 0))


def plan_list(user, filters: PlanFilter = PlanFilter()) -> QuerySet[TrainingPlan]:
    """Plans the user may see, newest year first, in tree order, latest version first, with
    their line totals (one query)."""
    plans = plans_visible_to(user).select_related("organization")
    if filters.organization is not None:
        plans = plans.filter(organization__path__startswith=filters.organization.path)
    if filters.year:
        plans = plans.filter(year=filters.year)
    if filters.status:
        plans = plans.filter(status=filters.status)
    return _with_totals(plans).order_by("-year", "organization__path", "-version")


def plan_by_id(user, pk) -> TrainingPlan:
    return get_visible_or_404(
        TrainingPlan.objects.select_related("organization__parent", "amends", "created_by", "submitted_by",
                                            "decided_by"), user, pk=pk)


def plan_lines(plan: TrainingPlan) -> QuerySet[PlanLine]:
    """The plan's lines with what was done on each (`actual_classes`, `actual_learners`)."""
    return with_actuals(plan.lines.select_related("class_type")).order_by("quarter", "id")


def other_versions(plan: TrainingPlan) -> QuerySet[TrainingPlan]:
    return (TrainingPlan.objects.filter(organization_id=plan.organization_id, year=plan.year)
            .exclude(pk=plan.pk).order_by("-version"))


def trainable_units(user) -> QuerySet[Organization]:
    """Units whose plan the user may draft."""
    return units_where(user, Action.TRAIN)


def waiting_for_decision(user) -> QuerySet[TrainingPlan]:
    """Submitted plans of units whose parent lies where the user may APPROVE (the training
    home lists them); `services.plans.approval_refusal` still has the last word."""
    condition = org_q(user, Action.APPROVE, "organization__parent")
    plans = TrainingPlan.objects.filter(status=Status.SUBMITTED, organization__parent__isnull=False)
    if condition is not None:
        plans = plans.filter(condition)
    return plans.select_related("organization").order_by("submitted_at", "id")
