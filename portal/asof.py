"""Figures of a past period: people and units where and as they were then (DESIGN.md §5).

Every indicator of a report counts through these few expressions, so that the same
report regenerated after later transfers, status changes and reorganisations gives the
same figures. The rule of attribution, written once (README "Báo cáo" and the report's
notes say the same):

- **Activities** (a study session, a class, an enrolment, a lecture) belong to the unit
  that held them and to that unit's superiors *as the tree stood on the day they took
  place* (`OrganizationPeriod`). A cell merged into another on 1 July counts its first
  half-year under its old superior, the merged cell the rest under its own. A class's
  organizer or a learner's unit that had already ended (merged, dissolved) by the class's
  first day counts where it last stood (`period_on(..., or_last=True)`).
- **Head counts** (members, committee members, lecturers, commitments) are taken on one
  day, the period's `snapshot_day`: its last day, today for a period under way, and for
  a unit dissolved or merged within the period, its last day of existence.
- **A person's unit on a day** is the unit he left by his first transfer after that day,
  else his current unit (`Transfer.transferred_on` is his first day in the new unit; a
  merger records a transfer for each member). **His status on a day** is the last
  `PartyStatusChange` on or before it; someone whose recorded history starts later was not
  a member then; someone with no recorded change at all has his current status throughout.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone
from django.utils.formats import date_format

from portal.models import Organization, OrganizationPeriod, PartyStatusChange, Person, Transfer


@dataclass(frozen=True)
class Period:
    """A reporting period, both ends included: a calendar year or several (sơ kết 3 năm,
    tổng kết 5 năm)."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @classmethod
    def years(cls, last_year: int, count: int = 1) -> "Period":
        return cls(datetime.date(last_year - count + 1, 1, 1), datetime.date(last_year, 12, 31))

    @property
    def first_year(self) -> int:
        return self.start.year

    @property
    def last_year(self) -> int:
        return self.end.year

    @property
    def label(self) -> str:
        if self.start.year == self.end.year:
            return str(self.end.year)
        return f"{self.start.year}–{self.end.year}"

    def __str__(self) -> str:
        return f"{date_format(self.start, 'SHORT_DATE_FORMAT')} – {date_format(self.end, 'SHORT_DATE_FORMAT')}"

    def previous(self) -> "Period":
        span = self.end.year - self.start.year + 1
        return Period.years(self.end.year - span, span)

    def snapshot_day(self, unit: Organization | None = None) -> datetime.date:
        """The day head counts are taken (see the module's rule)."""
        day = min(self.end, timezone.localdate())
        if unit is not None and unit.dissolved_on and unit.dissolved_on <= day:
            day = max(self.start, unit.dissolved_on - datetime.timedelta(days=1))
        return day


def covering(day_ref, relation: str = "") -> Q:
    """OrganizationPeriod rows (at `relation`, "" for the model itself) in force on
    `day_ref` (a date, an outer reference or an expression)."""
    prefix = f"{relation}__" if relation else ""
    return Q(**{f"{prefix}valid_from__lte": day_ref}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day_ref}))


def overlapping(start: datetime.date, end: datetime.date) -> Q:
    """OrganizationPeriod rows in force on some day between `start` and `end`."""
    return Q(valid_from__lte=end) & (Q(valid_to__isnull=True) | Q(valid_to__gt=start))


def units_on(unit: Organization, day: datetime.date) -> QuerySet[OrganizationPeriod]:
    """`unit` and the units below it as the tree stood on `day`, one row each."""
    return OrganizationPeriod.objects.filter(covering(day), path__contains=f"/{unit.pk}/")


def _ref(ref):
    return OuterRef(ref) if isinstance(ref, str) else ref


def in_subtree_on(unit: Organization, org_ref: str, day_ref) -> Exists:
    """SQL: the organization at `org_ref` was `unit` or below it on the day `day_ref`
    (a field name of the outer query, or a date)."""
    return Exists(
        OrganizationPeriod.objects.filter(
            covering(_ref(day_ref)), organization_id=OuterRef(org_ref), path__contains=f"/{unit.pk}/",
        )
    )


def child_in_path(unit: Organization, path_ref: str) -> Cast:
    """SQL: id of the child of `unit` on the materialised path at `path_ref` (a path the
    tree had on some day: "/1/7/42/" gives 7 for unit 1); NULL for `unit` itself."""
    after = Func(F(path_ref), Value(f"/{unit.pk}/"), Value(2), function="split_part", output_field=CharField())
    segment = Func(after, Value("/"), Value(1), function="split_part", output_field=CharField())
    return Cast(NullIf(segment, Value("")), IntegerField())


def path_on(org_ref: str, day_ref) -> Subquery:
    """SQL: the materialised path of the organization at `org_ref` as the tree stood on
    `day_ref`; NULL if it did not exist then. One row covers a day, so no ordering: the
    model's would join Organization and sort per row."""
    return Subquery(
        OrganizationPeriod.objects.filter(covering(_ref(day_ref)), organization_id=OuterRef(org_ref))
        .order_by().values("path")[:1],
        output_field=CharField(),
    )


def period_on(org_relation: str, day_ref, *, or_last: bool = False) -> FilteredRelation:
    """A join to the `OrganizationPeriod` row in force on `day_ref` (a field of the query, or
    a date) of the organization at `org_relation` ("organizer", "learner_organization"…):
    `in_subtree_on` and `path_on` as one join, for aggregates over many rows (a hash join,
    not a lookup per row). At most one row per row: a unit's periods do not overlap.
    Annotate it as NAME, then filter `within_on(unit, NAME)` and group by
    `child_in_path(unit, "NAME__path")`.

    With `or_last`, for activities: a unit that had ended (merged, dissolved) by `day_ref`
    is taken as it last stood, so that a learner nominated from a cell merged before his
    class began still counts, where his cell last was, instead of nowhere."""
    relation = f"{org_relation}__periods"
    day = F(day_ref) if isinstance(day_ref, str) else Value(day_ref)
    condition = covering(day, relation)
    if or_last:
        ended = F(f"{org_relation}__dissolved_on")
        condition |= Q(**{f"{relation}__valid_to": ended}) & Q(**{f"{relation}__valid_to__lte": day})
    return FilteredRelation(relation, condition=condition)


def within_on(unit: Organization, period_alias: str) -> Q:
    """The row's unit lay in `unit`'s subtree on its day (joined by `period_on` as `period_alias`)."""
    return Q(**{f"{period_alias}__path__contains": f"/{unit.pk}/"})


def unit_of_person_on(day, person_ref: str = "pk") -> Case:
    """SQL: the organization id a person belonged to on `day` (see the module's rule).
    Only those transferred after `day`, a hashed set, look up their first transfer: the
    others, nearly everyone, are where they are now."""
    later = Transfer.objects.filter(transferred_on__gt=day)
    left_later = later.filter(person_id=OuterRef(person_ref))
    first_from = Subquery(left_later.order_by("transferred_on", "id").values("from_organization_id")[:1])
    current = F("organization_id") if person_ref == "pk" else F(person_ref.replace("_id", "") + "__organization_id")
    return Case(When(Q(**{f"{person_ref}__in": later.values("person_id")}), then=first_from), default=current,
                output_field=IntegerField())


def status_of_person_on(day, person_ref: str = "pk") -> Coalesce:
    """SQL: the PartyStatus id a person had on `day`: his last change on or before it; for
    a person with no recorded change at all (entered before the history was kept), his
    current status; NULL when his recorded history starts after `day`."""
    changes = PartyStatusChange.objects.filter(person_id=OuterRef(person_ref))
    current = F("party_status_id") if person_ref == "pk" else F(person_ref.replace("_id", "") + "__party_status_id")
    return Coalesce(
        Subquery(changes.filter(effective_on__lte=day).order_by("-effective_on", "-id").values("status_id")[:1]),
        Case(When(~Exists(changes), then=current)),
        output_field=IntegerField(),
    )


def people_on(unit: Organization, day: datetime.date) -> QuerySet[Person]:
    """Everyone in `unit`'s subtree on `day`, whatever his status, annotated with
    `unit_then` (his unit on that day), `child_then` (the child of `unit` that held it, None
    for `unit` itself) and `status_then` (his PartyStatus id then, None if none yet).

    Candidates are narrowed in SQL before the per-person lookups: people whose current unit,
    or a unit they were transferred from, was in the subtree during the day's tree. Where
    their unit stood that day is one join for those who have stayed since (nearly everyone),
    a lookup for those transferred after `day`."""
    unit_ids = units_on(unit, day).values("organization_id")
    moved_later = Transfer.objects.filter(transferred_on__gt=day)
    moved_out = moved_later.filter(from_organization_id__in=unit_ids).values("person_id")
    return (
        Person.objects.filter(Q(organization_id__in=unit_ids) | Q(pk__in=moved_out))
        .annotate(unit_then=unit_of_person_on(day), stayed_in=FilteredRelation(
            "organization__periods", condition=covering(day, "organization__periods")))
        .annotate(path_then=Case(When(pk__in=moved_later.values("person_id"), then=path_on("unit_then", day)),
                                 default=F("stayed_in__path")))
        .filter(path_then__contains=f"/{unit.pk}/")
        .annotate(child_then=child_in_path(unit, "path_then"), status_then=status_of_person_on(day))
    )


def members_on(unit: Organization, day: datetime.date, *, expected_at_meetings: bool = False) -> QuerySet[Person]:
    """Party members (status `is_member` on `day`, admitted by then) of `unit`'s subtree on
    `day`, annotated as `people_on`. With `expected_at_meetings`, only those whose status
    then required attending meetings (not miễn sinh hoạt)."""
    from portal.models import PartyStatus

    statuses = PartyStatus.objects.filter(is_member=True)
    if expected_at_meetings:
        statuses = statuses.filter(expected_at_meetings=True)
    return (
        people_on(unit, day)
        .filter(status_then__in=statuses.values("pk"))
        .filter(Q(admitted_on__isnull=True) | Q(admitted_on__lte=day))
    )


def children_during(unit: Organization, period: Period) -> list[OrganizationPeriod]:
    """The units that were children of `unit` at some time within `period`, each with the
    name it had last within the period (a child dissolved on 1 July is listed by its name
    then), ordered as the tree is. One query."""
    rows = (
        OrganizationPeriod.objects.filter(overlapping(period.start, period.end), parent=unit)
        .select_related("organization")
        .order_by("organization_id", "-valid_from")
        .distinct("organization_id")
    )
    return sorted(rows, key=lambda period_row: (period_row.organization.sort_order, period_row.name))


def existed_during(unit: Organization, period: Period) -> bool:
    return OrganizationPeriod.objects.filter(overlapping(period.start, period.end), organization=unit).exists()


def grassroots_on(unit: Organization, day: datetime.date) -> QuerySet[OrganizationPeriod]:
    """Tổ chức cơ sở đảng (đảng bộ cơ sở, chi bộ cơ sở) of `unit`'s subtree on `day`,
    annotated with `child_then`."""
    return units_on(unit, day).filter(level__is_grassroots=True).annotate(child_then=child_in_path(unit, "path"))
