"""Reads of the commitments area, always through portal.access."""

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from portal.access import get_visible_or_404, restrict
from portal.models import Organization, Person, RowHistory
from portal.selectors import grants_held, positions_held
from resolutions.models import Commitment, RatingLevel, Theme

# The status code of people outside the Party (quần chúng): the non-party cán bộ,
# công chức and đoàn viên who write a commitment too when they have an account.
NON_PARTY_STATUS = "quan-chung"
# The year-end evaluation opens on this day (month, day) of the commitment's year;
# settings.COMMITMENT_EVALUATION_OPENS overrides it.
EVALUATION_OPENS = (11, 1)

SECTION_FIELDS = ["political_ideology", "ethics_lifestyle", "duties", "exemplary_conduct", "study", "concrete_deed"]


def evaluation_opens_on(year: int) -> datetime.date:
    month, day = getattr(settings, "COMMITMENT_EVALUATION_OPENS", EVALUATION_OPENS)
    return datetime.date(year, month, day)


def evaluation_open(year: int, today: datetime.date | None = None) -> bool:
    return (today or timezone.localdate()) >= evaluation_opens_on(year)


def rules_date(year: int) -> datetime.date:
    """The day whose rules (rating levels) apply to a year's evaluation: today, or the
    year's last day when the evaluation is done after the year has ended."""
    return min(timezone.localdate(), datetime.date(year, 12, 31))


def rating_levels(year: int) -> QuerySet[RatingLevel]:
    return RatingLevel.objects.in_force(rules_date(year)).order_by("sort_order", "name")


def year_themes(year: int) -> QuerySet[Theme]:
    """The chuyên đề hằng năm of a year (usually one)."""
    return Theme.objects.filter(kind=Theme.Kind.YEAR, year=year).order_by("title")


_YEARS = re.compile(r"(\d{4})\D+(\d{4})")


def term_theme(year: int) -> Theme | None:
    """The chuyên đề toàn khóa whose term ("XIII (2021–2026)") spans the year, else the latest."""
    themes = list(Theme.objects.filter(kind=Theme.Kind.TERM).order_by("-id"))
    for theme in themes:
        match = _YEARS.search(theme.term)
        if match and int(match.group(1)) <= year <= int(match.group(2)):
            return theme
    return themes[0] if themes else None


def commitments_visible_to(user) -> QuerySet[Commitment]:
    return restrict(Commitment.objects.all(), user).select_related(
        "person", "person__organization", "theme", "self_rating", "rating", "reviewed_by__person", "rated_by__person")


def commitment_by_id(user, pk) -> Commitment:
    return get_visible_or_404(commitments_visible_to(user).select_related("person__user"), user, pk=pk)


def commitment_list(user, *, year: int | None = None, unit: Organization | None = None,
                    status: str = "") -> QuerySet[Commitment]:
    commitments = commitments_visible_to(user)
    if year is not None:
        commitments = commitments.filter(year=year)
    if unit is not None:
        commitments = commitments.filter(person__organization__path__startswith=unit.path)
    if status:
        commitments = commitments.filter(status=status)
    return commitments.order_by("-year", "person__sort_key", "id")


def own_commitments(person: Person) -> list[Commitment]:
    """A person's commitments, newest year first."""
    return list(person.commitments.select_related("theme", "rating", "self_rating").order_by("-year"))


def status_history(commitment: Commitment) -> list[RowHistory]:
    """The changes of status written by the row-history trigger, oldest first."""
    return list(
        RowHistory.objects.filter(table_name=Commitment._meta.db_table, row_id=commitment.pk)
        .filter(Q(action="I") | Q(new__has_key="status"))
        .select_related("actor__person").order_by("changed_at", "id"))


def expected_filers(unit: Organization, year: int) -> QuerySet[Person]:
    """People of the unit itself (not its subtree) who are expected to file for `year`:
    members in activity, non-party staff with an active account, and anyone who has
    filed for that year already."""
    return Person.objects.filter(organization=unit).filter(
        Q(party_status__expected_at_meetings=True)
        | Q(party_status__code=NON_PARTY_STATUS, user__isnull=False, user__is_active=True)
        | Q(commitments__year=year)
    ).distinct()


@dataclass
class Roster:
    """The secretary's page: every expected person with his commitment of the year, if any."""

    rows: list[Person]  # each with `.commitment` (Commitment or None)
    counts: dict[str, int] = field(default_factory=dict)  # by status, plus "missing"

    @property
    def missing(self) -> list[Person]:
        return [person for person in self.rows if person.commitment is None
                or person.commitment.status == Commitment.Status.DRAFT]


def unit_roster(unit: Organization, year: int) -> Roster:
    """Two queries whatever the unit's size."""
    people = list(
        expected_filers(unit, year).select_related("party_status", "user")
        .prefetch_related(Prefetch(
            "commitments", to_attr="year_commitments",
            queryset=Commitment.objects.filter(year=year).select_related("rating", "self_rating")))
        .order_by("sort_key", "id"))
    counts = {status: 0 for status in Commitment.Status.values} | {"missing": 0}
    for person in people:
        person.commitment = person.year_commitments[0] if person.year_commitments else None
        counts[person.commitment.status if person.commitment else "missing"] += 1
    return Roster(rows=people, counts=counts)


def units_to_review(user) -> list[Organization]:
    """The units whose commitments the user follows: where he holds a managing position
    or a staff grant (the tops of the tree for an administrator)."""
    if user.is_superuser:
        return list(Organization.objects.filter(parent__isnull=True, active=True).order_by("sort_order", "name"))
    units = {position.organization for position in positions_held(user)}
    units |= {grant.organization for grant in grants_held(user)}
    return sorted(units, key=lambda unit: unit.path)


def unit_by_code(user, code: str) -> Organization:
    return get_visible_or_404(Organization.objects.select_related("level"), user, code=code)


def child_units(user, unit: Organization) -> QuerySet[Organization]:
    return restrict(Organization.objects.filter(parent=unit, active=True), user).order_by("sort_order", "name")
