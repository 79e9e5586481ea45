"""The access matrix of the sessions area, HTML and API, for every demo role: outside the
reach 404 (like a missing id); inside it exactly the reach; members see their own cell's
sessions but change nothing; only those who manage a unit write about it. The expected
reach is written out by hand from the `province` fixture."""

import datetime
import re

import pytest
from django.utils import timezone

from resolutions.models import Attendance, StudySession
from resolutions.services import sessions as services
from tests.test_access_matrix import ROLES, api_results
from tests.test_sessions import make_session

CHECKED_URLS = {
    "session_list", "session_create", "session_detail", "session_edit", "session_attendance", "session_apology",
    "session_checkin", "session_checkin_code", "session_checkin_present", "checkin_scan",
    "study-api:study-session-list", "study-api:study-session-detail", "study-api:study-session-attendance",
}

CELLS = ["CB1", "CB2", "CB3"]
SEES = {"admin": {"CB1", "CB2", "CB3"}, "tuyengiao": {"CB1", "CB2", "CB3"}, "daotao": {"CB1", "CB2"},
        "bithu": {"CB1"}, "dangvien": {"CB1"}}  # dangvien: his own cell's schedule
MANAGES = {"admin": {"CB1", "CB2", "CB3"}, "tuyengiao": set(), "daotao": set(), "bithu": {"CB1"}, "dangvien": set()}
# Who may read a whole attendance sheet (the unit's people): the reach, not a member.
READS_SHEET = {**SEES, "dangvien": set()}
MANAGER_PAGES = ["/study/sessions/{pk}/edit/", "/study/sessions/{pk}/attendance/", "/study/sessions/{pk}/checkin/",
                 "/study/sessions/{pk}/checkin/code/", "/study/sessions/{pk}/checkin/present/"]
HELD = datetime.date(2025, 10, 10)


@pytest.fixture
def sessions(province):
    today = timezone.localdate()
    return {code: make_session(province["units"][code], today) for code in CELLS}


def missing_pk():
    return StudySession.objects.order_by("-pk").first().pk + 1000


@pytest.mark.parametrize("role", ROLES)
def test_session_pages(role, sessions, logged_in):
    client = logged_in(role)
    for code, session in sessions.items():
        response = client.get(f"/study/sessions/{session.pk}/")
        assert response.status_code == (200 if code in SEES[role] else 404), (code, response.status_code)
        for template in MANAGER_PAGES:
            expected = 200 if code in MANAGES[role] else 403 if code in SEES[role] else 404
            response = client.get(template.format(pk=session.pk))
            assert response.status_code == expected, (template, code, response.status_code)
    for template in ["/study/sessions/{pk}/", *MANAGER_PAGES]:
        assert client.get(template.format(pk=missing_pk())).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_session_lists(role, sessions, logged_in):
    client = logged_in(role)
    by_pk = {session.pk: code for code, session in sessions.items()}
    body = client.get("/study/sessions/").content.decode()
    shown = {by_pk[int(pk)] for pk in re.findall(r'href="/study/sessions/(\d+)/"', body)}
    assert shown == SEES[role]
    api = {by_pk[row["id"]] for row in api_results(client, "/api/v1/study-sessions/")}
    assert api == SEES[role]
    # The unit filter of the API narrows within the reach, never beyond it.
    narrowed = {by_pk[row["id"]] for row in api_results(client, "/api/v1/study-sessions/?unit=CS1")}
    assert narrowed == SEES[role] & {"CB1", "CB2"}
    assert api_results(client, "/api/v1/study-sessions/?unit=KHONG-CO") == []


@pytest.mark.parametrize("role", ROLES)
def test_session_create_page(role, logged_in):
    response = logged_in(role).get("/study/sessions/new/")
    assert response.status_code == (200 if MANAGES[role] else 403)
    if MANAGES[role]:
        offered = set(re.findall(r'<option value="([A-Z0-9]+)"', response.content.decode()))
        assert offered >= MANAGES[role] and (role == "admin" or offered == MANAGES[role])


@pytest.mark.parametrize("role", ROLES)
def test_api_details_and_sheets(role, sessions, logged_in):
    client = logged_in(role)
    for code, session in sessions.items():
        response = client.get(f"/api/v1/study-sessions/{session.pk}/")
        assert response.status_code == (200 if code in SEES[role] else 404), (code, response.status_code)
        response = client.get(f"/api/v1/study-sessions/{session.pk}/attendance/")
        expected = 200 if code in READS_SHEET[role] else 403 if code in SEES[role] else 404
        assert response.status_code == expected, (code, response.status_code)
    assert client.get(f"/api/v1/study-sessions/{missing_pk()}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_writes_only_where_managed(role, province, sessions, logged_in):
    client = logged_in(role)
    for code, session in sessions.items():
        people = list(session.organization.people.all())
        rows = [{"person": p.pk, "status": "co_mat"} for p in people]
        api = client.put(f"/api/v1/study-sessions/{session.pk}/attendance/", {"rows": rows},
                         content_type="application/json")
        html = client.post(f"/study/sessions/{session.pk}/attendance/",
                           {"person": [p.pk for p in people], **{f"status-{p.pk}": "co_mat" for p in people}})
        patch = client.patch(f"/api/v1/study-sessions/{session.pk}/", {"presenter": "Đổi người"},
                             content_type="application/json")
        if code in MANAGES[role]:
            assert (api.status_code, html.status_code, patch.status_code) == (200, 302, 200), code
        else:
            expected = 403 if code in SEES[role] else 404
            assert (api.status_code, html.status_code, patch.status_code) == (expected,) * 3, code
            assert not Attendance.objects.filter(session=session).exists()
            session.refresh_from_db()
            assert session.presenter == ""


@pytest.mark.parametrize("role", ROLES)
def test_api_create_only_in_managed_units(role, logged_in):
    client = logged_in(role)
    for code in CELLS:
        response = client.post("/api/v1/study-sessions/", {"organization": code, "held_on": str(HELD),
                                                            "place": "Hội trường"}, content_type="application/json")
        created = StudySession.objects.filter(organization__code=code, held_on=HELD).exists()
        assert (response.status_code, created) == ((201, True) if code in MANAGES[role] else (400, False)), code


@pytest.mark.parametrize("role", ROLES)
def test_apology_only_by_a_member_of_the_unit(role, province, logged_in):
    client = logged_in(role)
    upcoming = {code: make_session(province["units"][code], timezone.localdate() + datetime.timedelta(days=5))
                for code in CELLS}
    # The users with a person record in the fixture: bithu (secretary) and dangvien, both of CB1.
    members_of = {"bithu": "CB1", "dangvien": "CB1"}
    for code, session in upcoming.items():
        response = client.post(f"/study/sessions/{session.pk}/apology/", {"reason": "Đi công tác"})
        written = Attendance.objects.filter(session=session).exists()
        if code not in SEES[role]:
            assert response.status_code == 404 and not written
        else:
            assert response.status_code == 302
            assert written == (members_of.get(role) == code), (code, written)


@pytest.mark.parametrize("role", ROLES)
def test_qr_scan_marks_only_members_of_the_unit(role, sessions, logged_in):
    session = sessions["CB1"]
    url = f"/study/checkin/{services.checkin_token(session)}/"
    client = logged_in(role)
    opened = client.get(url)  # the page with the button writes nothing
    assert not Attendance.objects.filter(session=session).exists()
    response = client.post(url)
    written = Attendance.objects.filter(session=session, method=Attendance.Method.QR).exists()
    if role in {"bithu", "dangvien"}:  # both sinh hoạt at CB1
        assert (opened.status_code, response.status_code, written) == (200, 200, True)
    else:
        assert (opened.status_code, response.status_code, written) == (400, 400, False)
