"""Reads of the core data, always through the access rule. Pages, the API and exports
call these, so a list shows the same people wherever it is asked for."""

import os
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet

from portal.access import Action, get_visible_or_404, reach_of, restrict
from portal.figures_cache import remember
from portal.models import Grant, Organization, Person, Position


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
    """Members of the unit's whole subtree, by party status, in one aggregate (counted at
    most once a minute: portal.figures_cache)."""
    def count():
        rows = (
            Person.objects.filter(organization__path__startswith=unit.path, party_status__is_member=True)
            .values("party_status__name").annotate(n=Count("id")).order_by("party_status__name")
        )
        return {row["party_status__name"]: row["n"] for row in rows}

    return remember(count, "members-by-status", unit.path)


def current_positions(unit: Organization) -> QuerySet[Position]:
    return Position.objects.current().filter(organization=unit).select_related("person", "role").order_by(
        "role__sort_order", "person__sort_key"
    )


def positions_list(user, organization: Organization | None = None, current: bool = False) -> QuerySet[Position]:
    """Positions the user may see, optionally of one unit and only those held today."""
    positions = restrict(Position.objects.all(), user).select_related("person", "organization", "role")
    if organization is not None:
        positions = positions.filter(organization=organization)
    if current:
        positions = positions.current()
    return positions.order_by("organization__path", "role__sort_order", "person__sort_key", "id")


def position_by_id(user, pk) -> Position:
    return get_visible_or_404(Position.objects.select_related("person", "organization", "role"), user, pk=pk)


# ---------------------------------------------------------------------------
# Pages: dashboard, unit tree, unit and person pages
# ---------------------------------------------------------------------------


# People per unit under a common ancestor, then summed into every listed unit that the
# unit's path names: the ids in a materialised path are exactly its ancestors.
_SUBTREE_COUNTS_SQL = """
    WITH per_unit AS (
        SELECT o.path, count(*) FILTER (WHERE ps.is_member) AS members, count(*) AS people
          FROM portal_person pe
          JOIN portal_organization o ON o.id = pe.organization_id
          JOIN portal_partystatus ps ON ps.id = pe.party_status_id
         WHERE o.path LIKE %(prefix)s
         GROUP BY o.path
    )
    SELECT ancestor.id::bigint, sum(per_unit.members)::bigint, sum(per_unit.people)::bigint
      FROM per_unit, unnest(string_to_array(trim(BOTH '/' FROM per_unit.path), '/')) AS ancestor(id)
     WHERE ancestor.id = ANY(%(ids)s)
     GROUP BY ancestor.id
"""


def _common_prefix(paths: list[str]) -> str:
    prefix = os.path.commonprefix(paths)
    return prefix[: prefix.rfind("/") + 1]


def with_subtree_counts(units) -> list[Organization]:
    """The units, each with `member_count` (đảng viên) and `people_count` of its whole
    subtree: one query that counts people per unit under the units' common ancestor
    (an indexed prefix scan) and sums those rows into each unit's subtree; counted at
    most once a minute (portal.figures_cache)."""
    units = list(units)
    if not units:
        return units
    params = {"prefix": _common_prefix([u.path for u in units]) + "%", "ids": sorted(str(u.id) for u in units)}

    def count():
        with connection.cursor() as cursor:
            cursor.execute(_SUBTREE_COUNTS_SQL, params)
            return {unit_id: (members, people) for unit_id, members, people in cursor.fetchall()}

    counts = remember(count, "subtree-counts", params)
    for unit in units:
        unit.member_count, unit.people_count = counts.get(unit.id, (0, 0))
    return units


def positions_held(user) -> QuerySet[Position]:
    """The user's own current positions that manage a subtree (bí thư, phó bí thư…)."""
    if not user.is_authenticated:
        return Position.objects.none()
    return (
        Position.objects.current().filter(person__user=user, role__manages_subtree=True, organization__active=True)
        .select_related("organization", "organization__level", "role").order_by("organization__path")
    )


def grants_held(user) -> QuerySet[Grant]:
    if not user.is_authenticated:
        return Grant.objects.none()
    return (
        Grant.objects.current().filter(user=user, organization__active=True)
        .select_related("organization", "organization__level", "role").order_by("organization__path")
    )


def own_person(user) -> Person | None:
    """The person record of the account, if it has one."""
    if not user.is_authenticated:
        return None
    return (
        Person.objects.select_related("organization", "party_status", "ethnicity", "theory_level")
        .filter(user=user).first()
    )


def visible_ancestors(user, unit: Organization, action: Action = Action.VIEW) -> QuerySet[Organization]:
    """The unit's ancestors where the user may do `action`, top first: a breadcrumb never shows more."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1]]
    return restrict(Organization.objects.filter(id__in=ids), user, action).order_by("depth")


def unit_members(user, unit: Organization) -> QuerySet[Person]:
    """People whose party cell is this very unit (not its subtree), in name order."""
    return (
        people_visible_to(user).filter(organization=unit)
        .select_related("party_status", "ethnicity").order_by("sort_key", "id")
    )


def overview_counts(user) -> dict:
    """Totals over the user's whole reach: units, people, members by party status."""
    units = units_visible_to(user).filter(active=True).count()
    by_status = (
        people_visible_to(user).values("party_status__name", "party_status__is_member", "party_status__sort_order")
        .annotate(n=Count("id")).order_by("party_status__sort_order")
    )
    rows = [(row["party_status__name"], row["n"], row["party_status__is_member"]) for row in by_status]
    return {
        "units": units,
        "people": sum(n for _, n, _ in rows),
        "members": sum(n for _, n, member in rows if member),
        "by_status": [(name, n) for name, n, _ in rows],
    }


def person_history(person: Person) -> dict:
    """Positions, party status changes and transfers of one (already visible) person."""
    return {
        "positions": person.positions.select_related("organization", "role").order_by("-started_on"),
        "status_changes": person.status_changes.select_related("status").order_by("-effective_on", "-id"),
        "transfers": person.transfers.select_related("from_organization", "to_organization")
        .order_by("-transferred_on"),
    }


def unit_choices(user, selected_code: str = "") -> list[tuple[str, str]]:
    """(code, indented name) of the units a filter offers, in tree order: the tops of the
    reach and every unit that has cells under it, not the thousands of chi bộ themselves
    (a chi bộ is reached from its unit page), plus `selected_code` when it is in reach."""
    reach = reach_of(user)
    # The same for everyone with the same reach; reused for a minute like the counts.
    return remember(lambda: [(unit.code, unit.label) for unit in filter_units(user, selected_code)],
                    "unit-choice-labels", reach.everything, reach.paths, reach.person_id, selected_code)


def visible_unit(user, code: str) -> Organization | None:
    """The unit with this code if the user may see it, else None (a filter ignores it)."""
    return units_visible_to(user).filter(code=code).first() if code else None


def children_of(user, parent_ids) -> QuerySet[Organization]:
    """Active children of several units at once, in display order."""
    return (
        units_visible_to(user).filter(parent_id__in=parent_ids, active=True)
        .select_related("level").order_by("sort_order", "name")
    )


def filter_units(user, selected_code: str = "") -> list[Organization]:
    """Units a list may be narrowed to (each with its subtree): the tops of the reach and
    the units above the cells, not every cell of a province, plus the selected one; each
    with its `label`, indented by its depth below the first."""
    reach = reach_of(user)
    offered = Q(level__is_cell=False) | Q(path__in=reach.paths)
    if selected_code:
        offered |= Q(code=selected_code)
    units = list(restrict(Organization.objects.filter(offered, active=True), user)
                 .only("code", "name", "depth", "path").order_by("path"))
    top = min((unit.depth for unit in units), default=0)
    for unit in units:
        unit.label = "\u2003" * (unit.depth - top) + unit.name
    return units
