"""Access to the report dashboard and to report runs: every demo role sees the figures and the
runs of exactly the units it reaches, 404 elsewhere as for a unit or run that does not exist."""

import datetime

import pytest
from rest_framework.test import APIClient

from reports.models import ReportKind, ReportRun
from tests.test_access_matrix import ALL_UNITS, ROLES, UNITS

CHECKED_URLS = {"report_dashboard", "reports-api:report-run-list", "reports-api:report-run-detail"}
YEAR = 2025


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_of_the_units_in_reach_only(role, province, client):
    client.force_login(province["users"][role])
    for code in [*sorted(ALL_UNITS), "KHONG-CO"]:
        response = client.get("/reports/", {"unit": code, "year": YEAR, "kind": "ct17"})
        # The dashboard follows the reach of reporting: a member without one has no dashboard.
        expected = 200 if code in UNITS[role] else 404
        assert response.status_code == expected, (role, code, response.status_code)


@pytest.fixture
def runs(province):
    kind = ReportKind.objects.get(code="ct17")
    return {code: ReportRun.objects.create(kind=kind, organization=unit, period_start=datetime.date(YEAR, 1, 1),
                                           period_end=datetime.date(YEAR, 12, 31))
            for code, unit in province["units"].items()}


@pytest.mark.parametrize("role", ROLES)
def test_runs_of_the_units_in_reach_only(role, province, runs):
    client = APIClient()
    client.force_authenticate(province["users"][role])
    listed = client.get("/api/v1/report-runs/", {"page_size": 100})
    assert listed.status_code == 200
    items = listed.json()["results"] if isinstance(listed.json(), dict) else listed.json()
    assert {item["organization"]["code"] for item in items} == UNITS[role], role
    for code, run in runs.items():
        response = client.get(f"/api/v1/report-runs/{run.pk}/")
        assert response.status_code == (200 if code in UNITS[role] else 404), (role, code)
    assert client.get("/api/v1/report-runs/999999/").status_code == 404
