"""The access matrix of the certificates and lecturers areas, pages and API, for the five
demo roles: outside the reach 404 (like a missing id); a certificate is seen by the learner
himself, the organizer's reach and the learner's unit's reach; only who may TRAIN at the
organizer issues and revokes; the verification page is the same for everyone (see
tests/test_certificate_verify.py). The expected reach is written out from the `province` fixture."""

import datetime

import pytest

from portal.jobs.models import Job
from tests.factories import PersonFactory
from tests.test_access_matrix import ROLES, api_results
from tests.test_training_certificates import files, make_class  # noqa: F401 - private files of the tests
from training.models import Certificate, Enrollment, Lecturer
from training.services import certificates as services

pytestmark = pytest.mark.django_db

CHECKED_URLS = {
    "training_certificate_list", "training_certificate_detail", "training_certificate_revoke",
    "training_class_issue_certificates", "certificate_verify",
    "training_lecturer_list", "training_lecturer_create", "training_lecturer_detail", "training_lecturer_edit",
    "training_secretaries_not_lectured",
    "training-api:certificate-list", "training-api:certificate-detail", "training-api:certificate-revoke",
    "training-api:training-class-certificates", "training-api:lecturer-list", "training-api:lecturer-detail",
}

# Certificates: "cb1" is dangvien's own (CS1's class), "cb2" a CB2 learner of CS1's class, "cb3" DBX's.
SEES = {"admin": {"cb1", "cb2", "cb3"}, "tuyengiao": {"cb1", "cb2", "cb3"}, "daotao": {"cb1", "cb2"},
        "bithu": {"cb1"}, "dangvien": {"cb1"}}
TRAINS = {"admin": {"cb1", "cb2", "cb3"}, "tuyengiao": set(), "daotao": {"cb1", "cb2"}, "bithu": set(),
          "dangvien": set()}
# Lecturers: "cs1" and "self" (dangvien himself, a báo cáo viên) are CS1's, "dbx" DBX's.
SEES_LECTURERS = {"admin": {"cs1", "dbx", "self"}, "tuyengiao": {"cs1", "dbx", "self"}, "daotao": {"cs1", "self"},
                  "bithu": set(), "dangvien": {"self"}}
EDITS_LECTURERS = {"admin": {"cs1", "dbx", "self"}, "tuyengiao": set(), "daotao": {"cs1", "self"}, "bithu": set(),
                   "dangvien": set()}
REGISTERS = {"admin", "daotao"}


@pytest.fixture
def world(province):
    units, others = province["units"], province["others"]
    cs1_class = make_class(units["CS1"], learners=0, name="Lớp của CS1")
    dbx_class = make_class(units["DBX"], learners=0, name="Lớp của DBX")
    for training_class, person in [(cs1_class, province["member"]), (cs1_class, others["cb2"]),
                                   (dbx_class, others["cb3"])]:
        Enrollment.objects.create(training_class=training_class, person=person, learner_organization=person.organization,
                                  result=Enrollment.Result.PASSED)
    for training_class in (cs1_class, dbx_class):
        services.issue_for_class(training_class, pdfs=False)
    by_learner = {c.enrollment.person_id: c for c in Certificate.objects.select_related("enrollment")}
    certificates = {"cb1": by_learner[province["member"].pk], "cb2": by_learner[others["cb2"].pk],
                    "cb3": by_learner[others["cb3"].pk]}
    start = datetime.date(2024, 1, 1)
    lecturers = {
        "cs1": Lecturer.objects.create(person=others["cb2"], organization=units["CS1"], kind="kiem_chuc",
                                       started_on=start),
        "dbx": Lecturer.objects.create(person=others["cb3"], organization=units["DBX"], kind="kiem_chuc",
                                       started_on=start),
        "self": Lecturer.objects.create(person=province["member"], organization=units["CS1"], kind="bao_cao_vien",
                                        started_on=start),
    }
    return {"certificates": certificates, "lecturers": lecturers, "classes": {"cb1": cs1_class, "cb3": dbx_class}}


def expected(key, sees, may) -> int:
    return 200 if key in may else 403 if key in sees else 404


@pytest.mark.parametrize("role", ROLES)
def test_certificate_pages_and_api(role, world, logged_in):
    client = logged_in(role)
    certificates = world["certificates"]
    by_pk = {c.pk: key for key, c in certificates.items()}
    listed = client.get("/training/certificates/").content.decode()
    shown = {key for key, c in certificates.items() if f'href="/training/certificates/{c.pk}/"' in listed}
    assert shown == SEES[role]
    assert {by_pk[row["id"]] for row in api_results(client, "/api/v1/certificates/")} == SEES[role]
    for key, certificate in certificates.items():
        seen = key in SEES[role]
        assert client.get(f"/training/certificates/{certificate.pk}/").status_code == (200 if seen else 404)
        assert client.get(f"/api/v1/certificates/{certificate.pk}/").status_code == (200 if seen else 404)
        assert client.get(f"/training/certificates/{certificate.pk}/revoke/").status_code == \
            expected(key, SEES[role], TRAINS[role])
    missing = max(by_pk) + 1000
    for url in [f"/training/certificates/{missing}/", f"/training/certificates/{missing}/revoke/",
                f"/api/v1/certificates/{missing}/"]:
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_revoking_is_for_who_trains_at_the_organizer(role, world, logged_in):
    client = logged_in(role)
    for key, certificate in world["certificates"].items():
        page = client.post(f"/training/certificates/{certificate.pk}/revoke/", {"reason": "Thử quyền"})
        api = client.post(f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "Thử quyền"},
                          content_type="application/json")
        if key in TRAINS[role]:
            assert page.status_code == 302 and api.status_code == 400  # the API finds it revoked already
        else:
            wanted = 403 if key in SEES[role] else 404
            assert (page.status_code, api.status_code) == (wanted, wanted), key
    revoked = set(Certificate.objects.filter(revoked_on__isnull=False).values_list("pk", flat=True))
    assert revoked == {world["certificates"][key].pk for key in TRAINS[role]}


@pytest.mark.parametrize("role", ROLES)
def test_issuing_is_for_who_trains_at_the_organizer(role, world, logged_in, province):
    client = logged_in(role)
    for key, training_class in world["classes"].items():
        Enrollment.objects.create(training_class=training_class, person=PersonFactory(organization=training_class.organizer),
                                  learner_organization=training_class.organizer, result=Enrollment.Result.PASSED)
        page = client.post(f"/training/classes/{training_class.pk}/certificates/issue/")
        api = client.post(f"/api/v1/training-classes/{training_class.pk}/certificates/")
        if key in TRAINS[role]:
            assert page.status_code == 302 and page["Location"].startswith("/jobs/")
            assert api.status_code == 202 and api.json()["id"] == int(page["Location"].split("/")[2])
        else:
            assert page.status_code in {403, 404} and api.status_code == page.status_code, key
    assert Job.objects.count() == len(TRAINS[role] & world["classes"].keys())


@pytest.mark.parametrize("role", ROLES)
def test_lecturer_pages_and_api(role, world, logged_in):
    client = logged_in(role)
    lecturers = world["lecturers"]
    by_pk = {lecturer.pk: key for key, lecturer in lecturers.items()}
    listed = client.get("/training/lecturers/").content.decode()
    assert {key for key, lecturer in lecturers.items()
            if f'href="/training/lecturers/{lecturer.pk}/"' in listed} == SEES_LECTURERS[role]
    assert {by_pk[row["id"]] for row in api_results(client, "/api/v1/lecturers/")} == SEES_LECTURERS[role]
    for key, lecturer in lecturers.items():
        seen = key in SEES_LECTURERS[role]
        assert client.get(f"/training/lecturers/{lecturer.pk}/").status_code == (200 if seen else 404)
        assert client.get(f"/api/v1/lecturers/{lecturer.pk}/").status_code == (200 if seen else 404)
        assert client.get(f"/training/lecturers/{lecturer.pk}/edit/").status_code == \
            expected(key, SEES_LECTURERS[role], EDITS_LECTURERS[role])
        api = client.patch(f"/api/v1/lecturers/{lecturer.pk}/", {"qualification": "Sửa thử"},
                           content_type="application/json")
        assert api.status_code == expected(key, SEES_LECTURERS[role], EDITS_LECTURERS[role]), key
    assert set(Lecturer.objects.filter(qualification="Sửa thử").values_list("pk", flat=True)) == {
        lecturers[key].pk for key in EDITS_LECTURERS[role]}
    assert client.get("/training/lecturers/new/").status_code == (200 if role in REGISTERS else 403)
    missing = max(by_pk) + 1000
    for url in [f"/training/lecturers/{missing}/", f"/training/lecturers/{missing}/edit/",
                f"/api/v1/lecturers/{missing}/"]:
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_secretaries_not_lectured_follows_the_reach(role, world, logged_in):
    client = logged_in(role)
    assert client.get("/training/lecturers/not-lectured/").status_code == 200
    reaches = {"admin": {"CS1", "DBX"}, "tuyengiao": {"CS1", "DBX"}, "daotao": {"CS1"}, "bithu": set(),
               "dangvien": set()}
    for code in ["CS1", "DBX"]:
        assert client.get(f"/training/lecturers/not-lectured/?org={code}").status_code == \
            (200 if code in reaches[role] else 404), code
