"""The filters of the area's list pages, read from the query string once: a page and its
export (resolutions.list_exports) read them through these functions, so a file holds what
the page lists."""

from dataclasses import dataclass

from django.http import QueryDict
from django.utils import timezone

from portal.inputs import year_or
from portal.models import Organization
from portal.selectors import filter_units
from resolutions.selectors.sessions import SessionFilter
from resolutions.services.commitments import COMMITMENTS_SINCE


@dataclass
class SessionListFilters:
    filters: SessionFilter
    units: list[Organization]  # the units the filter offers

    @property
    def filtered(self) -> bool:
        return bool(self.filters.organization or self.filters.year)


def session_filters(user, query: QueryDict) -> SessionListFilters:
    """The session list's unit (a code among those offered, else none) and year."""
    code = query.get("unit", "").strip()
    units = filter_units(user, code)
    unit = next((u for u in units if u.code == code), None)
    return SessionListFilters(SessionFilter(organization=unit, year=year_or(query.get("year", ""), None)), units)


def commitment_year(query: QueryDict) -> int:
    """The year of the commitments pages: this year unless a valid one is asked for."""
    return year_or(query.get("year", ""), timezone.localdate().year, first=COMMITMENTS_SINCE)
