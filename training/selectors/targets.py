"""Reads of the targets area: a unit's yearly targets (chỉ tiêu) and how far its subtree has
come, composed from the indicator selectors (`training.selectors.indicators`), each figure
computed once for the whole page whatever the number of targets and children."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, IntegerField, QuerySet, Value, When

from portal.access import Action, get_visible_or_404, reach_of, restrict, units_where
from portal.asof import Period
from portal.models import Organization
from training.models import TargetIndicator, TrainingTarget
from training.selectors import indicators
from training.selectors.indicators import ClassCounts, LearnerCounts, Share, TrainingFigures

I = TargetIndicator  # noqa: E741 - the short name keeps the tables below readable

# Figures that are a share of people or units (in %); the others are counts.
SHARES = {I.CERTIFIED_SHARE, I.PARTY_WORK_TRAINED_SHARE, I.LECTURER_STANDARD_SHARE, I.SECRETARIES_LECTURED_SHARE,
          I.GRASSROOTS_WITH_CLASS_SHARE}
PER_TYPE = {I.CLASSES_OF_TYPE, I.LEARNERS_OF_TYPE}

# Seed 002 (2020–2025): offered, pre-filled, to every unit that sets its targets:
# indicator → (at least, at most).
SEED_TARGETS = {
    I.CERTIFIED_SHARE: (Decimal(100), None),
    I.PARTY_WORK_TRAINED_SHARE: (Decimal(90), None),
    I.LECTURER_STANDARD_SHARE: (Decimal(100), None),
    I.CLASSES: (Decimal(6), Decimal(10)),
    I.GRASSROOTS_WITH_CLASS_SHARE: (Decimal(100), None),
    I.SECRETARIES_LECTURED_SHARE: (Decimal(100), None),
}

_TOTAL = object()  # "the whole subtree", as opposed to a child (whose key may be None: the unit itself)


# Targets in the order of the indicators' list (seed 002's first), not by their codes.
INDICATOR_ORDER = Case(*[When(indicator=value, then=Value(i)) for i, value in enumerate(TargetIndicator.values)],
                       output_field=IntegerField())


def targets_of(unit: Organization, year: int) -> QuerySet[TrainingTarget]:
    return (TrainingTarget.objects.filter(organization=unit, year=year).select_related("class_type")
            .order_by(INDICATOR_ORDER, "class_type__sort_order"))


def targets_visible_to(user) -> QuerySet[TrainingTarget]:
    return restrict(TrainingTarget.objects.all(), user)


def target_list(user, *, organization: Organization | None = None, year: int | None = None
                ) -> QuerySet[TrainingTarget]:
    targets = targets_visible_to(user).select_related("organization", "class_type")
    if organization is not None:
        targets = targets.filter(organization=organization)
    if year:
        targets = targets.filter(year=year)
    return targets.order_by("-year", "organization__path", INDICATOR_ORDER, "class_type__sort_order")


def target_by_id(user, pk) -> TrainingTarget:
    return get_visible_or_404(TrainingTarget.objects.select_related("organization", "class_type"), user, pk=pk)


def default_unit(user) -> Organization | None:
    """The unit the targets page opens on: the first where the user sets targets, else the
    top of what he sees."""
    unit = units_where(user, Action.TRAIN).first()
    if unit is not None:
        return unit
    reach = reach_of(user)
    units = Organization.objects.filter(active=True)
    if not reach.everything:
        units = units.filter(path__in=reach.paths)
    return units.order_by("path").first()


def figure_of(figures: TrainingFigures, indicator: str, class_type_code: str | None, child=_TOTAL) -> Share | int:
    """The figure a target of `indicator` is measured on, for the whole subtree or one child."""

    def part(breakdown, empty):
        return breakdown.total if child is _TOTAL else breakdown.of(child, empty)

    match indicator:
        case I.CERTIFIED_SHARE:
            return part(figures.learners, LearnerCounts()).certified_share
        case I.PARTY_WORK_TRAINED_SHARE:
            return part(figures.party_work_trained, Share())
        case I.LECTURER_STANDARD_SHARE:
            return part(figures.lecturers_standard, Share())
        case I.SECRETARIES_LECTURED_SHARE:
            return part(figures.secretaries_lectured, Share())
        case I.GRASSROOTS_WITH_CLASS_SHARE:
            return part(figures.grassroots_with_class, Share())
        case I.CLASSES:
            return part(figures.classes, ClassCounts()).counted
        case I.CLASSES_OF_TYPE:
            return part(figures.classes, ClassCounts()).by_type[class_type_code]
        case I.LEARNERS_OF_TYPE:
            return part(figures.learners, LearnerCounts()).learners[class_type_code]
    raise ValueError(f"unknown indicator {indicator!r}")


def _measure(figure: Share | int) -> Decimal | None:
    """What is compared with the target: the percentage of a share, the count itself."""
    return figure.percent if isinstance(figure, Share) else Decimal(figure)


def _meets(actual: Decimal | None, value: Decimal, upper: Decimal | None) -> bool | None:
    if actual is None:
        return None  # nobody to count
    return actual >= value and (upper is None or actual <= upper)


@dataclass(frozen=True)
class UnitThen:
    """A child unit as it was named within the period (it may have been renamed, merged or
    dissolved since)."""

    id: int
    code: str
    name: str


@dataclass
class ChildProgress:
    unit: UnitThen
    figure: Share | int
    actual: Decimal | None
    lagging: bool


@dataclass
class Progress:
    target: TrainingTarget
    figure: Share | int  # a Share (done of total) or a count
    actual: Decimal | None  # the percentage of a share, or the count
    met: bool | None  # None: nobody to count yet
    children: list[ChildProgress] = field(default_factory=list)

    @property
    def is_share(self) -> bool:
        return isinstance(self.figure, Share)

    @property
    def bar(self) -> int:
        """How far towards the target, 0–100, for the progress bar."""
        if self.actual is None or not self.target.value:
            return 100 if self.actual is not None else 0
        return int(min(Decimal(100), self.actual * 100 / self.target.value))

    @property
    def over_upper(self) -> bool:
        return self.actual is not None and self.target.upper is not None and self.actual > self.target.upper

    @property
    def lagging(self) -> list[ChildProgress]:
        return [child for child in self.children if child.lagging]


def progress_of(figures: TrainingFigures, targets) -> list[Progress]:
    """Actual against target for each of `targets` (of `figures.unit` and period). A share
    target applies to each child unit too (each unit that was a child within the period):
    the children below it lag. A count target (classes, learners) is the unit's as a whole:
    its children are shown, none lags."""
    units = [UnitThen(child.organization_id, child.organization.code, child.name) for child in figures.children]
    rows = []
    for target in targets:
        code = target.class_type.code if target.class_type_id else None
        figure = figure_of(figures, target.indicator, code)
        actual = _measure(figure)
        children = []
        for child in units:
            child_figure = figure_of(figures, target.indicator, code, child.id)
            child_actual = _measure(child_figure)
            lags = target.indicator in SHARES and child_actual is not None and child_actual < target.value
            children.append(ChildProgress(child, child_figure, child_actual, lags))
        rows.append(Progress(target, figure, actual, _meets(actual, target.value, target.upper), children))
    return rows


def target_progress(unit: Organization, year: int) -> list[Progress]:
    """The unit's targets of `year`, each with its actual over the subtree and the child
    units that lag: the indicator queries once, plus the targets."""
    return progress_of(indicators.training_figures(unit, Period.year(year)), list(targets_of(unit, year)))
