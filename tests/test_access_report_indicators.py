"""Access to a report's figures (`/api/v1/indicators/`): every demo role gets the figures of
exactly the units it reaches, 404 elsewhere as for a unit that does not exist."""

import pytest
from rest_framework.test import APIClient

from tests.test_access_matrix import ALL_UNITS, ROLES, UNITS

CHECKED_URLS = {"reports-api:indicator-list"}
YEAR = 2025


@pytest.mark.parametrize("role", ROLES)
def test_figures_of_the_units_in_reach_only(role, province):
    client = APIClient()
    client.force_authenticate(province["users"][role])
    for code in [*sorted(ALL_UNITS), "KHONG-CO"]:
        response = client.get("/api/v1/indicators/", {"unit": code, "year": YEAR, "kind": "kl01"})
        expected = 200 if code in UNITS[role] else 404
        assert response.status_code == expected, (role, code, response.status_code)
        if expected == 200:
            assert response.json()["unit"]["code"] == code
