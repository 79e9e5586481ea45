"""Access to the units' reports, pages and API, for every demo role: a unit's report page
and its submission exist for those whose reach covers the unit (404 for the rest, as for a
missing one); writing needs REPORT over the unit, deciding REPORT over its superior."""

import pytest

from portal.asof import Period
from reports.models import ReportKind, Submission
from reports.services import calendar
from tests.test_access_matrix import ALL_UNITS, ROLES, UNITS

CHECKED_URLS = {
    "report_submissions", "report_unit", "report_open", "report_run_start", "report_narrative", "report_submit",
    "report_accept", "report_return",
    "reports-api:report-submission-list", "reports-api:report-submission-detail", "reports-api:report-submission-submit",
    "reports-api:report-submission-accept", "reports-api:report-submission-return",
}
YEAR = 2026
# Where each role may write (REPORT over the unit: positions and grants of the fixture).
WRITES = {
    "admin": ALL_UNITS,
    "tuyengiao": ALL_UNITS,
    "daotao": {"DBK", "CS1", "CB1", "CB2"},
    "bithu": {"CB1"},
    "dangvien": set(),
}


@pytest.fixture
def opened(province):
    kind = ReportKind.objects.get(code="ct17")
    return {code: calendar.open_submission(kind, unit, Period.year(YEAR)) for code, unit in province["units"].items()}


@pytest.mark.parametrize("role", ROLES)
def test_report_pages_and_submissions_follow_the_reach(role, province, opened, client):
    client.force_login(province["users"][role])
    for code in ALL_UNITS:
        expected = 200 if code in UNITS[role] else 404
        assert client.get(f"/reports/units/{code}/ct17/{YEAR}/").status_code == expected, code
        assert client.get(f"/api/v1/report-submissions/{opened[code].pk}/").status_code == expected, code
    listed = {row["unit"]["code"] for row in client.get("/api/v1/report-submissions/?page_size=100").json()["results"]}
    assert listed == UNITS[role]
    assert client.get("/reports/submissions/").status_code == 200
    missing = Submission.objects.order_by("-pk").first().pk + 1000
    assert client.get(f"/api/v1/report-submissions/{missing}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_writes_need_report_over_the_unit(role, province, opened, client):
    client.force_login(province["users"][role])
    for code in ALL_UNITS:
        submission = opened[code]
        response = client.post(f"/reports/submissions/{submission.pk}/narrative/", {"text_limits": f"{role} viết"})
        if code not in UNITS[role]:
            assert response.status_code == 404, code
            assert client.post(f"/reports/units/{code}/ct17/{YEAR}/open/").status_code == 404
            assert client.post(f"/api/v1/report-submissions/{submission.pk}/submit/").status_code == 404
            assert client.post(f"/api/v1/report-submissions/{submission.pk}/accept/").status_code == 404
            continue
        written = Submission.objects.get(pk=submission.pk).narrative.get("limits") == f"{role} viết"
        assert written == (code in WRITES[role]), code
        api = client.patch(f"/api/v1/report-submissions/{submission.pk}/", {"narrative": {"limits": "API"}},
                           content_type="application/json")
        assert api.status_code == (200 if code in WRITES[role] else 403), (code, api.content)
