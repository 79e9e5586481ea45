"""The access matrix of the training home and of external results, for every demo role:
the home for those who may train or approve (404 for the rest, like a missing page); the
external result form for a person in reach (404 outside it), only for whoever may update
his record or train at his unit (403 otherwise), nothing written when refused. The person
record's enrolments follow the reach (tests/test_person_training.py). Expected outcomes are
written out by hand from the `province` fixture."""

import pytest

from portal.models import Person
from tests.test_access_matrix import ROLES
from training.models import ClassType, ExternalResult

CHECKED_URLS = {"training_home", "training_external_result_create"}

HOME = {"admin": 200, "tuyengiao": 404, "daotao": 200, "bithu": 200, "dangvien": 404}
# The form of a person: 200 may record, 403 sees him but may not, 404 does not see him.
# Keys: the fixture's people (see tests/test_access_matrix.py PEOPLE).
RECORDS = {
    "admin": {"member": 200, "cb2": 200, "cb3": 200},
    "tuyengiao": {"member": 403, "cb2": 403, "cb3": 403},  # reads everyone, records nothing
    "daotao": {"member": 200, "cb2": 200, "cb3": 404},  # trains in DBK
    "bithu": {"member": 200, "cb2": 404, "cb3": 404},  # manages CB1
    "dangvien": {"member": 403, "cb2": 404, "cb3": 404},  # sees himself only
}


def person(province, key) -> Person:
    return province["member"] if key == "member" else province["others"][key]


@pytest.mark.parametrize("role", ROLES)
def test_training_home(role, province, client):
    client.force_login(province["users"][role])
    assert client.get("/training/").status_code == HOME[role]
    assert client.post("/training/").status_code == 405


@pytest.mark.parametrize("role", ROLES)
def test_external_result_form(role, province, client):
    client.force_login(province["users"][role])
    program = ClassType.objects.get(code="trung-cap-llct")
    for key, expected in RECORDS[role].items():
        url = f"/training/people/{person(province, key).pk}/external-results/"
        assert client.get(url).status_code == expected, (key, "GET")
        response = client.post(url, {"class_type": program.pk, "institution": "Trường Chính trị tỉnh",
                                     "completed_on": "01/06/2025"})
        assert response.status_code == (302 if expected == 200 else expected), (key, "POST")
        assert ExternalResult.objects.filter(person=person(province, key)).exists() == (expected == 200), key
    missing = Person.objects.order_by("-pk").first().pk + 1000
    assert client.get(f"/training/people/{missing}/external-results/").status_code == 404


def test_anonymous_is_sent_to_login(client, province):
    for url in ["/training/", f"/training/people/{province['member'].pk}/external-results/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
