"""The OpenAPI schema says what the API answers: nullable fields, the progress list, the
time format, where catalogue codes come from, and a root that lists every endpoint."""

import datetime

import pytest
from django.utils import timezone

from resolutions.models import StudyCampaign, StudySession, Theme
from tests.test_api import client_for

pytestmark = pytest.mark.django_db

NULLABLE = {
    "Campaign": ["document", "theme"],
    "Organization": ["parent", "established_on", "dissolved_on"],
    "ChildUnit": ["parent"],
    "Commitment": ["theme", "submitted_at", "reviewed_by", "reviewed_at", "self_rating", "rating", "rated_by",
                   "rated_at"],
    "Person": ["birth_date", "party_status_since", "party_card_number", "admitted_on", "official_on",
               "theory_level"],
    "Position": ["ended_on"],
    "Job": ["organization", "started_at", "finished_at"],
    "ImportBatch": ["rejected_file", "job", "created_by", "applied_at"],
    "Session": ["starts_at", "bridge_points", "campaign"],
    "SheetRow": ["method", "checked_in_at"],
    "Theme": ["year"],
    "UnitProgress": ["parent_id", "first_held_on", "subtree_share", "dissolved_on"],
}

CATALOGUE_CODES = {  # schema, field: the admin catalogue its codes come from
    ("Organization", "level"): "/admin/portal/orglevel/",
    ("Person", "ethnicity"): "/admin/portal/ethnicity/",
    ("Person", "party_status"): "/admin/portal/partystatus/",
    ("Person", "theory_level"): "/admin/portal/theorylevel/",
    ("Position", "role"): "/admin/portal/positionrole/",
    ("PersonWrite", "ethnicity"): "/admin/portal/ethnicity/",
    ("PersonWrite", "party_status"): "/admin/portal/partystatus/",
    ("PersonWrite", "theory_level"): "/admin/portal/theorylevel/",
    ("PositionWrite", "role"): "/admin/portal/positionrole/",
    ("Kind", "code"): "/admin/resolutions/documentkind/",
    ("DocumentWrite", "kind"): "/admin/resolutions/documentkind/",
    ("Commitment", "rating"): "/admin/resolutions/ratinglevel/",
    ("Commitment", "self_rating"): "/admin/resolutions/ratinglevel/",
    ("Rate", "rating"): "/admin/resolutions/ratinglevel/",
    ("SelfAssessment", "self_rating"): "/admin/resolutions/ratinglevel/",
}


@pytest.fixture
def schema(client):
    return client.get("/api/v1/schema/?format=json").json()


def test_fields_that_can_be_null_are_nullable(schema):
    components = schema["components"]["schemas"]
    not_nullable = [f"{name}.{field}" for name, fields in NULLABLE.items() for field in fields
                    if not components[name]["properties"][field].get("nullable")]
    assert not_nullable == []


def test_campaign_progress_is_a_plain_list_of_unit_rows(schema):
    answer = schema["paths"]["/api/v1/study-campaigns/{id}/progress/"]["get"]["responses"]["200"]
    body = answer["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert body["items"] == {"$ref": "#/components/schemas/UnitProgress"}
    unit = schema["components"]["schemas"]["UnitProgress"]["properties"]
    assert {"code", "name", "level", "subtree_share", "late"} <= set(unit)
    assert unit["subtree_share"]["type"] == "number"
    assert unit["late"]["type"] == "boolean"


def test_progress_answers_a_list_of_the_schema_s_unit_rows(schema, province):
    theme = Theme.objects.create(kind=Theme.Kind.TERM, title="Tư tưởng, đạo đức", term="XIII")
    campaign = StudyCampaign.objects.create(title="Học tập chuyên đề", theme=theme, organization=province["units"]["TINH"],
                                            starts_on=timezone.localdate(), deadline=timezone.localdate())
    rows = client_for(province["users"]["tuyengiao"]).get(f"/api/v1/study-campaigns/{campaign.pk}/progress/").json()
    assert isinstance(rows, list) and {row["code"] for row in rows} >= {"TINH", "CB1"}
    fields = set(schema["components"]["schemas"]["UnitProgress"]["properties"])
    assert all(set(row) == fields for row in rows)


def test_session_time_is_documented_and_answered_as_a_time_with_offset(schema, province):
    for name in ("Session", "SessionWrite"):
        assert schema["components"]["schemas"][name]["properties"]["starts_at"]["format"] == "time"
    client = client_for(province["users"]["bithu"])
    answers = [client.post("/api/v1/study-sessions/", {"organization": "CB1", "held_on": str(timezone.localdate()),
                                                       "starts_at": sent, "place": "Hội trường"}, format="json")
               for sent in ("14:00", "01:30:00Z", "08:15:00+07:00")]
    assert [a.status_code for a in answers] == [201, 201, 201], answers[0].json()
    assert [a.json()["starts_at"] for a in answers] == ["14:00:00+07:00", "08:30:00+07:00", "08:15:00+07:00"]
    assert StudySession.objects.get(pk=answers[1].json()["id"]).starts_at == datetime.time(8, 30)
    refused = client.post("/api/v1/study-sessions/", {"organization": "CB1", "held_on": str(timezone.localdate()),
                                                      "starts_at": "8 giờ", "place": "Hội trường"}, format="json")
    assert refused.status_code == 400 and "08:00:00+07:00" in refused.json()["starts_at"][0]


def test_root_lists_every_list_endpoint_of_every_app(province):
    body = client_for(province["users"]["dangvien"]).get("/api/v1/").json()
    training = {"training-plans", "training-classes", "enrollments", "training-targets",
                "certificates", "lecturers"}
    reports = {"indicators", "report-runs", "report-submissions"}
    assert set(body) == {"organizations", "people", "positions", "jobs", "imports", "study-sessions", "documents",
                         "themes", "study-campaigns", "commitments", "token", "schema", "docs"} | training | reports
    assert body["commitments"] == "http://testserver/api/v1/commitments/"


def test_an_import_is_uploaded_as_a_form_and_its_template_is_a_file(schema):
    upload = schema["paths"]["/api/v1/imports/"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    assert set(upload["responses"]) >= {"200", "201", "202", "400", "404"}
    assert upload["responses"]["202"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Job"}
    detail = schema["components"]["schemas"]["ImportBatchDetail"]["properties"]
    assert detail["preview"] == {"allOf": [{"$ref": "#/components/schemas/ImportPreview"}], "readOnly": True,
                                 "description": detail["preview"]["description"]}
    template = schema["paths"]["/api/v1/imports/templates/{code}/"]["get"]["responses"]["200"]["content"]
    assert template == {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                        {"schema": {"type": "string", "format": "binary"}}}


def test_catalogue_codes_say_where_they_come_from(schema):
    components = schema["components"]["schemas"]
    for (name, field), admin in CATALOGUE_CODES.items():
        description = components[name]["properties"][field]["description"]
        assert admin in description and "ví dụ" in description, (name, field)
    people = schema["paths"]["/api/v1/people/"]["get"]
    ethnicity = next(p for p in people["parameters"] if p["name"] == "ethnicity")
    assert "/admin/portal/ethnicity/" in ethnicity["description"]


def test_choices_that_are_enums_are_enumerated(schema):
    components = schema["components"]["schemas"]
    assert components["ThemeKindEnum"]["enum"] == ["toan_khoa", "hang_nam"]
    assert components["SheetRow"]["properties"]["status"] == {"$ref": "#/components/schemas/AttendanceStatusEnum"}
    assert components["AttendanceStatusEnum"]["enum"] == ["co_mat", "vang_co_ly_do", "vang_khong_ly_do"]
