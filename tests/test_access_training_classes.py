"""The access matrix of the classes area, HTML and API, for every demo role: a class is
seen from its organizer's reach and by the units below the organizer (they nominate to
it); outside, 404 like a missing id. Running a class (edit, attendance, results) needs
TRAIN at its organizer (403 when only seen); nominating needs MANAGE or TRAIN somewhere;
an enrolment is seen from the organizer's reach, the learner's unit's reach and by the
learner. The expected sets are written out by hand from the `province` fixture."""

import re

import pytest

from tests.test_access_matrix import ROLES, api_results
from tests.test_training_classes import make_class
from training.models import Enrollment

CHECKED_URLS = {
    "training_class_list", "training_class_create", "training_class_detail", "training_class_edit",
    "training_class_nominate", "training_class_attendance", "training_class_results", "training_enrollment_list",
    "training_enrollment_withdraw",
    "training-api:training-class-list", "training-api:training-class-detail",
    "training-api:training-class-attendance", "training-api:training-class-results",
    "training-api:enrollment-list", "training-api:enrollment-detail",
}

ORGANIZERS = ["DBK", "CB2", "DBX"]
SEES = {"admin": {"DBK", "CB2", "DBX"}, "tuyengiao": {"DBK", "CB2", "DBX"}, "daotao": {"DBK", "CB2"},
        "bithu": {"DBK"}, "dangvien": {"DBK"}}  # below DBK: its classes are open to CB1
TRAINS = {"admin": {"DBK", "CB2", "DBX"}, "tuyengiao": set(), "daotao": {"DBK", "CB2"}, "bithu": set(),
          "dangvien": set()}
NOMINATES = {"admin", "daotao", "bithu"}
RUN_PAGES = ["/training/classes/{pk}/edit/", "/training/classes/{pk}/attendance/", "/training/classes/{pk}/results/"]
# Enrolments by key: (organizer, learner): the learner's unit's reach and the learner see it too.
ENROLMENTS = {"dbk-cb1": ("DBK", "cb1"), "dbk-member": ("DBK", "member"), "dbx-cb3": ("DBX", "cb3"),
              "cb2-cb2": ("CB2", "cb2")}
SEES_ENROLMENT = {"admin": set(ENROLMENTS), "tuyengiao": set(ENROLMENTS),
                  "daotao": {"dbk-cb1", "dbk-member", "cb2-cb2"}, "bithu": {"dbk-cb1", "dbk-member"},
                  "dangvien": {"dbk-member"}}
WITHDRAWS = {"admin": {"dbk-cb1", "dbk-member", "cb2-cb2", "dbx-cb3"}, "tuyengiao": set(),
             "daotao": {"dbk-cb1", "dbk-member", "cb2-cb2"}, "bithu": {"dbk-cb1", "dbk-member"}, "dangvien": set()}


@pytest.fixture
def classes(province):
    return {code: make_class(province["units"][code], type_code="chuyen-de", name=f"Lớp của {code}")
            for code in ORGANIZERS}


@pytest.fixture
def enrolments(province, classes):
    people = {**province["others"], "member": province["member"]}
    return {key: Enrollment.objects.create(training_class=classes[org], person=people[who],
                                           learner_organization=people[who].organization)
            for key, (org, who) in ENROLMENTS.items()}


def missing_pk(model):
    return model.objects.order_by("-pk").first().pk + 1000


@pytest.mark.parametrize("role", ROLES)
def test_class_pages(role, classes, logged_in):
    client = logged_in(role)
    for code, training_class in classes.items():
        seen = code in SEES[role]
        assert client.get(f"/training/classes/{training_class.pk}/").status_code == (200 if seen else 404), code
        for template in RUN_PAGES:
            expected = 200 if code in TRAINS[role] else 403 if seen else 404
            assert client.get(template.format(pk=training_class.pk)).status_code == expected, (template, code)
        expected = (200 if role in NOMINATES else 403) if seen else 404
        assert client.get(f"/training/classes/{training_class.pk}/nominate/").status_code == expected, code
    assert client.get("/training/classes/new/").status_code == (200 if TRAINS[role] else 403)
    missing = missing_pk(type(classes["DBK"]))
    for template in ["/training/classes/{pk}/", "/training/classes/{pk}/nominate/", *RUN_PAGES]:
        assert client.get(template.format(pk=missing)).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_class_lists(role, classes, logged_in):
    client = logged_in(role)
    by_pk = {c.pk: code for code, c in classes.items()}
    body = client.get("/training/classes/").content.decode()
    assert {by_pk[int(pk)] for pk in re.findall(r'href="/training/classes/(\d+)/"', body)} == SEES[role]
    assert {by_pk[row["id"]] for row in api_results(client, "/api/v1/training-classes/")} == SEES[role]
    narrowed = {by_pk[row["id"]] for row in api_results(client, "/api/v1/training-classes/?org=CS1")}
    assert narrowed == SEES[role] & {"CB2"}
    for code, training_class in classes.items():
        response = client.get(f"/api/v1/training-classes/{training_class.pk}/")
        assert response.status_code == (200 if code in SEES[role] else 404)
        expected = 200 if code in TRAINS[role] else 403 if code in SEES[role] else 404
        assert client.get(f"/api/v1/training-classes/{training_class.pk}/attendance/?lesson=1").status_code \
            == expected
        response = client.post(f"/api/v1/training-classes/{training_class.pk}/results/", {"rows": []},
                               content_type="application/json")
        assert response.status_code == expected, (code, response.content)


@pytest.mark.parametrize("role", ROLES)
def test_enrolment_lists_and_details(role, enrolments, logged_in):
    client = logged_in(role)
    by_pk = {e.pk: key for key, e in enrolments.items()}
    api = {by_pk[row["id"]] for row in api_results(client, "/api/v1/enrollments/")}
    assert api == SEES_ENROLMENT[role]
    body = client.get("/training/enrollments/").content.decode()
    names = {key for key, e in enrolments.items() if f"Lớp của {e.training_class.organizer.code}" in body
             and e.person.full_name in body}
    assert names >= SEES_ENROLMENT[role]
    for key, enrollment in enrolments.items():
        response = client.get(f"/api/v1/enrollments/{enrollment.pk}/")
        assert response.status_code == (200 if key in SEES_ENROLMENT[role] else 404), key
    assert client.get(f"/api/v1/enrollments/{missing_pk(Enrollment)}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_withdraw(role, enrolments, logged_in):
    client = logged_in(role)
    for key, enrollment in enrolments.items():
        response = client.post(f"/training/enrollments/{enrollment.pk}/withdraw/")
        assert response.status_code == (302 if key in SEES_ENROLMENT[role] else 404), key
    assert set(enrolments) - {key for key, e in enrolments.items() if Enrollment.objects.filter(pk=e.pk).exists()} \
        == WITHDRAWS[role]
    assert client.post(f"/training/enrollments/{missing_pk(Enrollment) if Enrollment.objects.exists() else 1}"
                       "/withdraw/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_api_writes(role, province, classes, logged_in):
    client = logged_in(role)
    person = province["others"]["cb2"]
    for code, training_class in classes.items():
        response = client.post("/api/v1/enrollments/", {"training_class": training_class.pk, "person": person.pk},
                               content_type="application/json")
        allowed = code in SEES[role] and role in {"admin", "daotao"}  # only they may nominate a CB2 person
        assert response.status_code == (201 if allowed else 400), (code, response.content)
    response = client.patch(f"/api/v1/training-classes/{classes['DBK'].pk}/", {"capacity": 60},
                            content_type="application/json")
    assert response.status_code == (200 if "DBK" in TRAINS[role] else 403 if "DBK" in SEES[role] else 404)
