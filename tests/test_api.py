"""The REST API: the access rule on every endpoint, writes through the services,
token auth and its throttle, the schema and docs, and constant query counts."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portal.models import (
    Ethnicity,
    PartyStatus,
    PartyStatusChange,
    Person,
    PersonReadLog,
    Position,
    PositionRole,
    RowHistory,
)
from tests.factories import UserFactory, give_grant, give_position, make_unit

ALL_UNITS = {"TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"}
DUPLICATE_CARD = "Số thẻ đảng viên này đã được cấp cho người khác."
OFFICIAL_BEFORE_ADMISSION = "Ngày chính thức phải sau ngày vào Đảng."


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters live in the (Redis) cache: each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(province):
    """The province, plus an inspection committee member (no reach) in CB1, a secretary in
    CB3, and `tochuc`: organisation-board staff whose grant on DBK may edit records."""
    give_position(province["member"], province["units"]["CB1"], "uy-vien-ubkt")
    give_position(province["others"]["cb3"], province["units"]["CB3"], "bi-thu")
    province["users"]["tochuc"] = UserFactory(username="tochuc")
    give_grant(province["users"]["tochuc"], province["units"]["DBK"], "tochuc")
    return province


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def fetch_all(client, url, **params) -> list[dict]:
    rows, page = [], 1
    while True:
        response = client.get(url, {**params, "page": page})
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        if not response.json()["next"]:
            return rows
        page += 1


def people_names(world, *keys) -> set[str]:
    lookup = {"secretary": world["secretary"], "member": world["member"], **world["others"]}
    return {lookup[k].full_name for k in keys}


def person_payload(world, **overrides) -> dict:
    payload = {
        "full_name": "Đỗ Thị Mới", "gender": "nu", "birth_date": "1990-04-30", "ethnicity": "tay",
        "party_status": "du-bi", "admitted_on": "2025-03-02", "party_card_number": "99000001",
        "organization": "CB1",
    }
    return {**payload, **overrides}


# --- Reach: every list is exactly the user's reach ----------------------------------------

ORG_REACH = {
    "admin": ALL_UNITS,
    "tuyengiao": ALL_UNITS,
    "daotao": {"DBK", "CS1", "CB1", "CB2"},
    "bithu": {"CB1"},
    "dangvien": set(),
}
PEOPLE_REACH = {
    "admin": ("secretary", "member", "cb1", "cb2", "cb3"),
    "tuyengiao": ("secretary", "member", "cb1", "cb2", "cb3"),
    "daotao": ("secretary", "member", "cb1", "cb2"),
    "bithu": ("secretary", "member", "cb1"),
    "dangvien": ("member",),
}
POSITION_REACH = {  # (person, unit) pairs
    "admin": {("secretary", "CB1"), ("member", "CB1"), ("cb3", "CB3")},
    "tuyengiao": {("secretary", "CB1"), ("member", "CB1"), ("cb3", "CB3")},
    "daotao": {("secretary", "CB1"), ("member", "CB1")},
    "bithu": {("secretary", "CB1"), ("member", "CB1")},
    "dangvien": {("member", "CB1")},  # his own record only
}


@pytest.mark.parametrize("role", sorted(ORG_REACH))
def test_lists_are_exactly_the_reach(world, role):
    client = client_for(world["users"][role])
    assert {o["code"] for o in fetch_all(client, "/api/v1/organizations/")} == ORG_REACH[role]
    assert {p["full_name"] for p in fetch_all(client, "/api/v1/people/")} == people_names(world, *PEOPLE_REACH[role])
    names = {"secretary": world["secretary"], "member": world["member"], "cb3": world["others"]["cb3"]}
    expected = {(names[p].full_name, unit) for p, unit in POSITION_REACH[role]}
    got = {(p["person"]["full_name"], p["organization"]["code"]) for p in fetch_all(client, "/api/v1/positions/")}
    assert got == expected


@pytest.mark.parametrize("role", sorted(ORG_REACH))
def test_details_inside_answer_and_outside_are_404(world, role):
    client = client_for(world["users"][role])
    units = world["units"]
    for code in ALL_UNITS:
        expected = 200 if code in ORG_REACH[role] else 404
        assert client.get(f"/api/v1/organizations/{code}/").status_code == expected, code
        assert client.get(f"/api/v1/organizations/{code}/children/").status_code == expected, code
    assert client.get("/api/v1/organizations/KHONG-CO/").status_code == 404

    everyone = {"secretary": world["secretary"], "member": world["member"], **world["others"]}
    for key, person in everyone.items():
        expected = 200 if key in PEOPLE_REACH[role] else 404
        assert client.get(f"/api/v1/people/{person.pk}/").status_code == expected, key
    assert client.get("/api/v1/people/999999/").status_code == 404

    for position in Position.objects.select_related("person", "organization"):
        mine = any(everyone[p] == position.person and u == position.organization.code
                   for p, u in POSITION_REACH[role])
        assert client.get(f"/api/v1/positions/{position.pk}/").status_code == (200 if mine else 404)
    assert client.get("/api/v1/positions/999999/").status_code == 404

    # A filter naming a unit outside the reach is a 404 too, not an empty list.
    status = 200 if "CB3" in ORG_REACH[role] else 404
    assert client.get("/api/v1/people/", {"unit": "CB3"}).status_code == status
    assert client.get("/api/v1/positions/", {"organization": units["CB3"].code}).status_code == status


def test_anonymous_gets_nothing(world):
    client = APIClient()
    for url in ["/api/v1/", "/api/v1/organizations/", "/api/v1/people/", "/api/v1/positions/",
                f"/api/v1/people/{world['member'].pk}/", "/api/v1/organizations/TINH/"]:
        assert client.get(url).status_code in (401, 403), url


def test_root_lists_the_endpoints(world):
    body = client_for(world["users"]["bithu"]).get("/api/v1/").json()
    assert set(body) == {"organizations", "people", "positions", "jobs", "imports", "study-sessions", "documents",
                         "themes", "study-campaigns", "commitments", "training-plans", "training-classes", "enrollments",
                         "certificates", "lecturers", "training-targets", "indicators", "report-runs",
                         "report-submissions", "token", "schema", "docs"}
    assert body["people"].endswith("/api/v1/people/")
    assert body["study-sessions"].endswith("/api/v1/study-sessions/")


def test_children_lists_active_children_in_reach(world):
    client = client_for(world["users"]["daotao"])
    body = client.get("/api/v1/organizations/CS1/children/").json()
    assert {u["code"] for u in body["results"]} == {"CB1", "CB2"}
    assert all(u["child_count"] == 0 for u in body["results"])
    assert {u["code"] for u in client.get("/api/v1/organizations/DBK/children/").json()["results"]} == {"CS1"}


def test_people_search_and_filters_match_the_selector(world):
    client = client_for(world["users"]["tuyengiao"])
    hit = client.get("/api/v1/people/", {"q": "hoang van xa"}).json()
    assert [p["full_name"] for p in hit["results"]] == ["Hoàng Văn Xa"]
    in_cs1 = fetch_all(client, "/api/v1/people/", unit="CS1")
    assert {p["full_name"] for p in in_cs1} == people_names(world, "secretary", "member", "cb1", "cb2")
    women = fetch_all(client, "/api/v1/people/", gender="nu")
    assert {p["full_name"] for p in women} == {p.full_name for p in Person.objects.filter(gender="nu")}
    Person.objects.filter(pk=world["others"]["cb2"].pk).update(ethnicity=Ethnicity.objects.get(code="tay"))
    minorities = fetch_all(client, "/api/v1/people/", minorities_only="true")
    assert [p["full_name"] for p in minorities] == ["Phạm Thị Khác"]


def test_people_are_in_vietnamese_name_order(world):
    names = [p["full_name"] for p in fetch_all(client_for(world["users"]["tuyengiao"]), "/api/v1/people/")]
    # By given name first: Bí, Cùng, Đảng, Khác, Xa.
    assert names == ["Nguyễn Văn Bí", "Lê Văn Cùng", "Trần Thị Đảng", "Phạm Thị Khác", "Hoàng Văn Xa"]


def test_reading_a_person_is_logged(world):
    user = world["users"]["bithu"]
    person = world["others"]["cb1"]
    client_for(user).get(f"/api/v1/people/{person.pk}/")
    log = PersonReadLog.objects.get(person=person)
    assert (log.user, log.via) == (user, "api")
    client_for(user).get("/api/v1/people/")
    assert PersonReadLog.objects.count() == 1  # a list is not a read of each record


# --- Token --------------------------------------------------------------------------------


def test_token_auth(world):
    anonymous = APIClient()
    response = anonymous.post("/api/v1/auth/token/", {"username": "bithu", "password": "demo12345"})
    assert response.status_code == 200
    token = response.json()["token"]
    with_token = APIClient()
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert {o["code"] for o in with_token.get("/api/v1/organizations/").json()["results"]} == {"CB1"}
    # Only a digest is kept, so a second request issues a second token; both work.
    again = anonymous.post("/api/v1/auth/token/", {"username": "bithu", "password": "demo12345"}).json()["token"]
    assert again != token
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {again}")
    assert with_token.get("/api/v1/organizations/").status_code == 200


def test_writes_with_a_token_are_attributed_to_its_user(world):
    token = APIClient().post("/api/v1/auth/token/", {"username": "bithu", "password": "demo12345"}).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.post("/api/v1/people/", person_payload(world), format="json")
    assert response.status_code == 201
    row = RowHistory.objects.get(table_name="portal_person", row_id=response.json()["id"], action="I")
    assert row.actor == world["users"]["bithu"]
    assert row.context == "POST /api/v1/people/"


def test_wrong_credentials_get_a_vietnamese_error(world):
    response = APIClient().post("/api/v1/auth/token/", {"username": "bithu", "password": "sai-mat-khau"})
    assert response.status_code == 400
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.json()["non_field_errors"]
    assert "token" not in response.json()


def test_token_endpoint_is_throttled(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "token": "3/minute"}}
    client = APIClient()
    responses = [client.post("/api/v1/auth/token/", {"username": "bithu", "password": "demo12345"})
                 for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert "Quá nhiều lần yêu cầu token" in responses[-1].json()["detail"]
    assert int(responses[-1]["Retry-After"]) > 0


# --- Schema and docs ------------------------------------------------------------------------


def test_schema_and_docs(db):
    client = APIClient()
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ["/api/v1/people/", "/api/v1/people/{id}/", "/api/v1/organizations/{code}/children/",
                 "/api/v1/positions/{id}/end/", "/api/v1/auth/token/"]:
        assert path in paths
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn." not in html  # units run on closed networks


# --- Writes: people -------------------------------------------------------------------------


def test_manager_creates_a_person_through_the_service(world):
    response = client_for(world["users"]["bithu"]).post("/api/v1/people/", person_payload(world), format="json")
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert (person.organization.code, person.search_key, person.ethnicity.code) == ("CB1", "do thi moi", "tay")
    # The service also starts the status history.
    assert PartyStatusChange.objects.filter(person=person, status__code="du-bi").count() == 1
    assert response.json()["organization"]["code"] == "CB1"


def test_posting_by_unit_id_works_too(world):
    payload = person_payload(world, organization=world["units"]["CB2"].pk)
    response = client_for(world["users"]["tochuc"]).post("/api/v1/people/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["organization"]["code"] == "CB2"


def test_duplicate_party_card_is_refused_in_vietnamese(world):
    before = Person.objects.count()
    payload = person_payload(world, party_card_number=world["member"].party_card_number)
    response = client_for(world["users"]["tochuc"]).post("/api/v1/people/", payload, format="json")
    assert response.status_code == 400
    assert DUPLICATE_CARD in response.content.decode()
    assert Person.objects.count() == before
    assert not PartyStatusChange.objects.filter(person__full_name="Đỗ Thị Mới").exists()


def test_official_before_admission_is_refused_in_vietnamese(world):
    before = Person.objects.count()
    payload = person_payload(world, party_status="chinh-thuc", admitted_on="2020-05-01", official_on="2020-01-01")
    response = client_for(world["users"]["tochuc"]).post("/api/v1/people/", payload, format="json")
    assert response.status_code == 400
    assert OFFICIAL_BEFORE_ADMISSION in response.content.decode()
    assert Person.objects.count() == before


@pytest.mark.parametrize("role, unit", [("bithu", "CB2"), ("bithu", "CS1"), ("bithu", "CB3"), ("tochuc", "CB3"),
                                        ("tochuc", "TINH"), ("dangvien", "CB1"),
                                        # Read-only grants: they see the unit but do not edit its records.
                                        ("tuyengiao", "CB1"), ("daotao", "CB2")])
def test_no_person_created_outside_the_managed_subtree(world, role, unit):
    before = Person.objects.count()
    client = client_for(world["users"][role])
    for value in (unit, world["units"][unit].pk):  # by code and by id
        response = client.post("/api/v1/people/", person_payload(world, organization=value), format="json")
        assert response.status_code == 400
        assert "trong phạm vi bạn quản lý" in response.json()["organization"][0]
    assert Person.objects.count() == before


def test_missing_and_malformed_fields_are_explained_in_vietnamese(world):
    payload = person_payload(world, birth_date="30/04/1990")
    del payload["full_name"]
    response = client_for(world["users"]["tochuc"]).post("/api/v1/people/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["full_name"] == ["Trường này là bắt buộc."]
    assert "Ngày không đúng định dạng" in response.json()["birth_date"][0]


def test_unknown_catalogue_code_is_refused(world):
    response = client_for(world["users"]["tochuc"]).post(
        "/api/v1/people/", person_payload(world, ethnicity="khong-co"), format="json")
    assert response.status_code == 400
    assert "khong-co" in response.json()["ethnicity"][0]


def test_update_person(world):
    client = client_for(world["users"]["bithu"])
    person = world["others"]["cb1"]
    response = client.patch(f"/api/v1/people/{person.pk}/", {"full_name": "Lê Văn Cùng Mới",
                                                              "party_status": "mien-sinh-hoat"}, format="json")
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert (person.full_name, person.given_name, person.party_status.code) == ("Lê Văn Cùng Mới", "Mới",
                                                                                "mien-sinh-hoat")
    assert PartyStatusChange.objects.filter(person=person, status__code="mien-sinh-hoat").exists()


def test_update_outside_reach_is_404_and_move_out_is_400(world):
    client = client_for(world["users"]["bithu"])
    outsider = world["others"]["cb2"]
    assert client.patch(f"/api/v1/people/{outsider.pk}/", {"job_title": "x"}, format="json").status_code == 404
    insider = world["others"]["cb1"]
    response = client.patch(f"/api/v1/people/{insider.pk}/", {"organization": "CB2"}, format="json")
    assert response.status_code == 400
    insider.refresh_from_db()
    assert insider.organization.code == "CB1"


def test_update_with_bad_dates_writes_nothing(world):
    person = world["others"]["cb1"]
    response = client_for(world["users"]["bithu"]).patch(
        f"/api/v1/people/{person.pk}/", {"official_on": "2000-01-01", "job_title": "Mới"}, format="json")
    assert response.status_code == 400
    assert OFFICIAL_BEFORE_ADMISSION in response.content.decode()
    person.refresh_from_db()
    assert (person.official_on, person.job_title) == (datetime.date(2011, 3, 2), "")


def test_read_only_grant_may_not_update(world):
    person = world["others"]["cb1"]
    response = client_for(world["users"]["tuyengiao"]).patch(f"/api/v1/people/{person.pk}/", {"job_title": "x"},
                                                             format="json")
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.job_title == ""


def test_member_reads_himself_but_may_not_write(world):
    client = client_for(world["users"]["dangvien"])
    me = world["member"]
    assert client.get(f"/api/v1/people/{me.pk}/").status_code == 200
    response = client.patch(f"/api/v1/people/{me.pk}/", {"job_title": "Tự sửa"}, format="json")
    assert response.status_code == 403
    assert "không có quyền" in response.json()["detail"]
    me.refresh_from_db()
    assert me.job_title == ""


# --- Writes: positions ----------------------------------------------------------------------


def test_create_and_end_a_position(world):
    client = client_for(world["users"]["bithu"])
    person = world["others"]["cb1"]
    response = client.post("/api/v1/positions/", {"person": person.pk, "organization": "CB1",
                                                  "role": "pho-bi-thu", "started_on": "2025-10-01"}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert Position.objects.get(pk=pk).role.code == "pho-bi-thu"
    assert client.get("/api/v1/positions/", {"organization": "CB1", "current": "1"}).json()["count"] == 3

    backwards = client.post(f"/api/v1/positions/{pk}/end/", {"ended_on": "2025-01-01"}, format="json")
    assert backwards.status_code == 400
    assert "Ngày kết thúc phải sau ngày bắt đầu." in backwards.content.decode()
    assert Position.objects.get(pk=pk).ended_on is None

    ended = client.post(f"/api/v1/positions/{pk}/end/", {"ended_on": "2025-12-31"}, format="json")
    assert ended.status_code == 200
    assert ended.json()["ended_on"] == "2025-12-31"
    twice = client.post(f"/api/v1/positions/{pk}/end/", {"ended_on": "2026-01-31"}, format="json")
    assert twice.status_code == 400
    assert "đã kết thúc ngày 31/12/2025" in twice.json()["ended_on"][0]


def test_positions_outside_the_managed_subtree_are_refused(world):
    client = client_for(world["users"]["bithu"])
    before = Position.objects.count()
    outsider = world["others"]["cb2"]
    response = client.post("/api/v1/positions/", {"person": outsider.pk, "organization": "CB1",
                                                  "role": "cap-uy-vien", "started_on": "2025-10-01"}, format="json")
    assert response.status_code == 400 and "person" in response.json()
    response = client.post("/api/v1/positions/", {"person": world["others"]["cb1"].pk, "organization": "CS1",
                                                  "role": "cap-uy-vien", "started_on": "2025-10-01"}, format="json")
    assert response.status_code == 400 and "organization" in response.json()
    assert Position.objects.count() == before
    cb3_secretary = Position.objects.get(organization__code="CB3")
    assert client.post(f"/api/v1/positions/{cb3_secretary.pk}/end/", {"ended_on": "2025-12-31"},
                       format="json").status_code == 404
    # A member sees his own position but may not end it.
    mine = Position.objects.get(person=world["member"])
    response = client_for(world["users"]["dangvien"]).post(f"/api/v1/positions/{mine.pk}/end/",
                                                           {"ended_on": "2025-12-31"}, format="json")
    assert response.status_code == 403
    assert Position.objects.get(pk=mine.pk).ended_on is None


# --- Constant queries -----------------------------------------------------------------------


def add_people(unit, n: int, start: int) -> None:
    status, kinh = PartyStatus.objects.get(code="chinh-thuc"), Ethnicity.objects.get(code="kinh")
    people = []
    for i in range(start, start + n):
        person = Person(full_name=f"Nguyễn Văn Số {i}", gender="nam", ethnicity=kinh, party_status=status,
                        organization=unit, party_card_number=f"{80000000 + i}")
        person.refresh_derived_names()
        people.append(person)
    role = PositionRole.objects.get(code="cap-uy-vien")
    Position.objects.bulk_create(Position(person=p, organization=unit, role=role, started_on=datetime.date(2024, 1, 1))
                                 for p in Person.objects.bulk_create(people))


def query_counts(client) -> dict[str, int]:
    counts = {}
    for url in ["/api/v1/people/", "/api/v1/organizations/", "/api/v1/positions/",
                "/api/v1/organizations/CS1/children/", "/api/v1/people/?q=nguyen&unit=CS1"]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.json()["results"]) > 0, url
        counts[url] = len(ctx.captured_queries)
    return counts


def test_list_queries_do_not_grow_with_the_data(world, django_assert_max_num_queries):
    client = client_for(world["users"]["tuyengiao"])
    add_people(world["units"]["CB2"], 10, 0)
    small = query_counts(client)
    add_people(world["units"]["CB1"], 990, 10)
    for i in range(30):
        add_people(make_unit(parent=world["units"]["CS1"]), 1, 1000 + i)
    assert Person.objects.count() > 1000
    assert query_counts(client) == small
    for url in small:
        with django_assert_max_num_queries(6):
            client.get(url)


def test_fast_person_json_equals_drf_field_by_field(world, rf):
    """The list's hand-built person JSON is exactly what the declared fields render."""
    from rest_framework.request import Request
    from rest_framework.serializers import ModelSerializer

    from portal.api.serializers import PersonSerializer

    def field_by_field(person):  # DRF's own rendering of the declared fields
        return ModelSerializer.to_representation(serializer, person)

    request = Request(rf.get("/api/v1/people/"))
    people = Person.objects.select_related("organization", "ethnicity", "party_status", "theory_level")
    serializer = PersonSerializer(context={"request": request})
    assert people.count() >= 5
    for person in people:
        assert serializer.to_representation(person) == field_by_field(person)
    without = people.first()
    without.theory_level = None
    without.birth_date = None
    assert serializer.to_representation(without) == field_by_field(without)
