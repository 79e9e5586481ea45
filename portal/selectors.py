"""Reads of the core data, always through the access rule. Pages, the API and exports
call these, so a list shows the same people wherever it is asked for."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from portal.access import get_visible_or_404, restrict
from portal.models import Organization, Person, Position


@dataclass(frozen=True)
class PeopleFilter:
    query: str = ""
    organization: Organization | None = None  # its whole subtree
    party_status: str = ""  # PartyStatus.code
    gender: str = ""
    ethnicity: str = ""  # Ethnicity.code
    theory_level: str = ""  # TheoryLevel.code
    minorities_only: bool = False


def people_visible_to(user) -> QuerySet[Person]:
    return restrict(Person.objects.all(), user)


def people_list(user, filters: PeopleFilter = PeopleFilter()) -> QuerySet[Person]:
    """People the user may see, filtered, in Vietnamese name order, with what a list shows."""
    people = people_visible_to(user).select_related(
        "organization", "party_status", "ethnicity", "theory_level"
    )
    if filters.query:
        people = people.search(filters.query)
    if filters.organization is not None:
        people = people.filter(organization__path__startswith=filters.organization.path)
    if filters.party_status:
        people = people.filter(party_status__code=filters.party_status)
    if filters.gender:
        people = people.filter(gender=filters.gender)
    if filters.ethnicity:
        people = people.filter(ethnicity__code=filters.ethnicity)
    if filters.minorities_only:
        people = people.filter(ethnicity__is_minority=True)
    if filters.theory_level:
        people = people.filter(theory_level__code=filters.theory_level)
    return people.order_by("sort_key", "id")


def units_visible_to(user) -> QuerySet[Organization]:
    return restrict(Organization.objects.all(), user)


def unit_by_code(user, code: str) -> Organization:
    return get_visible_or_404(Organization.objects.select_related("level", "parent", "successor"), user, code=code)


def person_by_id(user, pk) -> Person:
    return get_visible_or_404(
        Person.objects.select_related("organization", "party_status", "ethnicity", "theory_level", "user"),
        user, pk=pk,
    )


def child_units(user, parent: Organization | None) -> QuerySet[Organization]:
    """Children of `parent` (or the tops of the user's reach), with member and child counts."""
    units = units_visible_to(user).filter(active=True)
    if parent is None:
        visible = units.values_list("path", flat=True)
        # The tops of the reach: visible units whose parent is not visible.
        units = units.exclude(parent__path__in=visible)
    else:
        units = units.filter(parent=parent)
    return units.select_related("level").annotate(
        child_count=Count("children", filter=Q(children__active=True), distinct=True),
    ).order_by("sort_order", "name")


def subtree_member_counts(unit: Organization) -> dict:
    """Members of the unit's whole subtree, by party status, in one aggregate."""
    rows = (
        Person.objects.filter(organization__path__startswith=unit.path, party_status__is_member=True)
        .values("party_status__name").annotate(n=Count("id")).order_by("party_status__name")
    )
    return {row["party_status__name"]: row["n"] for row in rows}


def current_positions(unit: Organization) -> QuerySet[Position]:
    return Position.objects.current().filter(organization=unit).select_related("person", "role").order_by(
        "role__sort_order", "person__sort_key"
    )
