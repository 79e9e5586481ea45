"""Access to the commitments area, for every demo role (see test_access_matrix.py).

Reading follows the access rule: a commitment is seen by its owner and by whoever's
reach covers the owner's unit; outside, 404. Reviewing and rating need `can_manage` on
the owner's unit and someone else's commitment; writing the text needs to be its owner.
The expected sets are written out by hand from the `province` fixture."""

import re

import pytest

from resolutions.models import Commitment
from tests.test_access_matrix import ROLES, UNITS

CHECKED_URLS = {
    "commitment_home", "commitment_create", "commitment_detail", "commitment_edit", "commitment_submit",
    "commitment_review", "commitment_self_assessment", "commitment_rate", "commitment_unit", "commitment_remind",
    "study-api:commitment-list", "study-api:commitment-detail", "study-api:commitment-submit",
    "study-api:commitment-return", "study-api:commitment-accept", "study-api:commitment-rate",
    "study-api:commitment-self-assessment",
}

# Commitments of the fixture's people (secretary and member in CB1, cb2 in CB2, cb3 in CB3).
ALL = {"secretary", "member", "cb2", "cb3"}
SEES = {
    "admin": ALL,
    "tuyengiao": ALL,
    "daotao": {"secretary", "member", "cb2"},
    "bithu": {"secretary", "member"},
    "dangvien": {"member"},
}
# Who may review (return / accept) each one: those who manage the unit, never the owner.
REVIEWS = {
    "admin": ALL,
    "tuyengiao": set(),
    "daotao": set(),
    "bithu": {"member"},
    "dangvien": set(),
}
# Units whose page lists a "send reminders" button, and whose reminders the role may send.
MANAGES = {"admin": set(UNITS["admin"]), "tuyengiao": set(), "daotao": set(), "bithu": {"CB1"}, "dangvien": set()}
OWNER = {"bithu": "secretary", "dangvien": "member"}


@pytest.fixture
def commitments(province):
    people = {"secretary": province["secretary"], "member": province["member"],
              "cb2": province["others"]["cb2"], "cb3": province["others"]["cb3"]}
    return {key: Commitment.objects.create(person=person, year=2026, status=Commitment.Status.SUBMITTED)
            for key, person in people.items()}


def keys_of(commitments, ids):
    by_id = {c.pk: key for key, c in commitments.items()}
    return {by_id[int(i)] for i in ids}


@pytest.mark.parametrize("role", ROLES)
def test_commitment_details(role, commitments, logged_in):
    client = logged_in(role)
    for key, commitment in commitments.items():
        expected = 200 if key in SEES[role] else 404
        for url in (f"/study/commitments/{commitment.pk}/", f"/api/v1/commitments/{commitment.pk}/"):
            assert client.get(url).status_code == expected, (url, key)
    missing = max(c.pk for c in commitments.values()) + 1000
    assert client.get(f"/study/commitments/{missing}/").status_code == 404
    assert client.get(f"/api/v1/commitments/{missing}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_commitment_api_list(role, commitments, logged_in):
    ids = [row["id"] for row in logged_in(role).get("/api/v1/commitments/").json()["results"]]
    assert keys_of(commitments, ids) == SEES[role]


@pytest.mark.parametrize("role", ROLES)
def test_unit_pages(role, commitments, logged_in):
    client = logged_in(role)
    for code in UNITS["admin"]:
        response = client.get(f"/study/commitments/units/{code}/?year=2026")
        assert response.status_code == (200 if code in UNITS[role] else 404), code
        if response.status_code == 200:
            assert ("Gửi nhắc nhở" in response.content.decode()) == (code in MANAGES[role] and code == "CB1"), code
            links = set(re.findall(r'href="/study/commitments/(\d+)/"', response.content.decode()))
            assert keys_of(commitments, links) <= SEES[role]
    assert client.get("/study/commitments/units/KHONG-CO/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_reviewing(role, commitments, logged_in):
    """Accept through the page, return through the API: only where the role may review;
    elsewhere 404 outside the reach, 403 inside it, and nothing changes."""
    client = logged_in(role)
    for key, commitment in commitments.items():
        page = client.post(f"/study/commitments/{commitment.pk}/review/", {"decision": "accept"})
        api = client.post(f"/api/v1/commitments/{commitment.pk}/return/", {"comment": "Sửa"},
                          content_type="application/json")
        commitment.refresh_from_db()
        if key in REVIEWS[role]:
            assert page.status_code == 302 and api.status_code == 400, key  # accepted, then not returnable
            assert commitment.status == Commitment.Status.ACCEPTED
        else:
            expected = 403 if key in SEES[role] else 404
            assert (page.status_code, api.status_code) == (expected, expected), key
            assert commitment.status == Commitment.Status.SUBMITTED


@pytest.mark.parametrize("role", ROLES)
def test_owner_only_writes(role, commitments, logged_in, settings):
    """Edit, submit and the self-assessment belong to the owner: every other role in reach
    gets 403, out of reach 404. (The owner's own success is in test_commitments.py.)"""
    settings.COMMITMENT_EVALUATION_OPENS = (1, 1)
    client = logged_in(role)
    for key, commitment in commitments.items():
        if OWNER.get(role) == key:
            continue
        expected = 403 if key in SEES[role] else 404
        assert client.get(f"/study/commitments/{commitment.pk}/edit/").status_code == expected, key
        Commitment.objects.filter(pk=commitment.pk).update(status=Commitment.Status.RETURNED)
        for url, data in [("edit/", {"duties": "x"}), ("submit/", {})]:
            assert client.post(f"/study/commitments/{commitment.pk}/{url}", data).status_code == expected, (url, key)
        assert client.patch(f"/api/v1/commitments/{commitment.pk}/", {"duties": "x"},
                            content_type="application/json").status_code == expected
        assert client.post(f"/api/v1/commitments/{commitment.pk}/submit/").status_code == expected
        Commitment.objects.filter(pk=commitment.pk).update(status=Commitment.Status.ACCEPTED)
        assert client.post(f"/study/commitments/{commitment.pk}/self-assessment/",
                           {"self_assessment": "x"}).status_code == expected
        assert client.post(f"/api/v1/commitments/{commitment.pk}/self-assessment/",
                           {"self_assessment": "x", "self_rating": "tot"},
                           content_type="application/json").status_code == expected
        commitment.refresh_from_db()
        assert commitment.duties == "" and commitment.self_assessment == ""


@pytest.mark.parametrize("role", ROLES)
def test_rating(role, commitments, logged_in, settings):
    settings.COMMITMENT_EVALUATION_OPENS = (1, 1)
    Commitment.objects.update(status=Commitment.Status.ACCEPTED)
    client = logged_in(role)
    for key, commitment in commitments.items():
        page = client.post(f"/study/commitments/{commitment.pk}/rate/", {"rating": ""})
        api = client.post(f"/api/v1/commitments/{commitment.pk}/rate/", {"rating": "tot"},
                          content_type="application/json")
        commitment.refresh_from_db()
        if key in REVIEWS[role]:
            assert (page.status_code, api.status_code) == (200, 200), key  # an empty choice is refused on the page
            assert commitment.rating.code == "tot"
        else:
            expected = 403 if key in SEES[role] else 404
            assert (page.status_code, api.status_code) == (expected, expected), key
            assert commitment.rating is None


@pytest.mark.parametrize("role", ROLES)
def test_reminders(role, commitments, logged_in, django_capture_on_commit_callbacks):
    client = logged_in(role)
    for code in UNITS["admin"]:
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post(f"/study/commitments/units/{code}/remind/?year=2026")
        if code in MANAGES[role]:
            assert response.status_code == 302 and len(callbacks) == 1, code
        else:
            assert response.status_code == (403 if code in UNITS[role] else 404), code
            assert not callbacks


@pytest.mark.parametrize("role", ROLES)
def test_own_pages(role, province, logged_in):
    client = logged_in(role)
    assert client.get("/study/commitments/").status_code == 200
    create = client.get("/study/commitments/new/")
    # Only accounts with a person record write a commitment; the others are told why.
    assert create.status_code == (200 if role in OWNER else 302)
