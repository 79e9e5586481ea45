"""Access to the imports, for every demo role: the upload page of each format for targets in
and out of reach (404 outside, 403 where the unit is seen but not written), a batch's page,
its confirmation, its rejected-rows file and the API — 404 for a batch the user may not see,
and nothing written by a refused confirmation. The expected answers are written out by hand
from the province fixture."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from portal.models import Person
from portal.spreadsheets.imports import stage_import
from portal.spreadsheets.models import ImportBatch
from tests.import_files import PEOPLE_HEADER, person_row, unit_workbook
from tests.test_sessions import make_session
from tests.test_training_classes import make_class

CHECKED_URLS = {
    "import_template", "import_start", "import_batch", "import_confirm",
    "api:import-list", "api:import-detail", "api:import-confirm", "api:import-template",
}
ROLES = ["admin", "tuyengiao", "daotao", "bithu", "dangvien"]
ALL_UNITS = {"TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"}
SEEN = {  # the units each role sees (tests/test_access_matrix.py's UNITS)
    "admin": ALL_UNITS, "tuyengiao": ALL_UNITS, "daotao": {"DBK", "CS1", "CB1", "CB2"}, "bithu": {"CB1"},
    "dangvien": set(),
}
# people: a unit whose records he may change (bithu: his cell; tuyengiao and daotao change no records).
PEOPLE = {"admin": ALL_UNITS, "tuyengiao": set(), "daotao": set(), "bithu": {"CB1"}, "dangvien": set()}
# documents: a unit whose catalogue he may publish to (a cấp ủy publishes to his own unit).
DOCUMENTS = {"admin": ALL_UNITS, "tuyengiao": ALL_UNITS, "daotao": set(), "bithu": {"CB1"}, "dangvien": set()}
# attendance: a session of CB1 and one of CB3 ("seen" = 403: the page says he may not record it).
SESSIONS = {
    "admin": {"CB1": 200, "CB3": 200}, "tuyengiao": {"CB1": 403, "CB3": 403}, "daotao": {"CB1": 403, "CB3": 404},
    "bithu": {"CB1": 200, "CB3": 404}, "dangvien": {"CB1": 403, "CB3": 404},  # his own cell's schedule
}
# results: a class organised by DBK (daotao's grant) and one by DBX; a class is seen by the
# organiser's whole subtree (it is addressed to it), so CB1's people see DBK's.
CLASSES = {
    "admin": {"DBK": 200, "DBX": 200}, "tuyengiao": {"DBK": 403, "DBX": 403}, "daotao": {"DBK": 200, "DBX": 404},
    "bithu": {"DBK": 403, "DBX": 404}, "dangvien": {"DBK": 403, "DBX": 404},
}
# Batches of the world below (people, CB1 by bithu; people, CB3 by admin) and who sees each.
BATCHES = {"admin": {"cb1", "cb3"}, "tuyengiao": set(), "daotao": set(), "bithu": {"cb1"}, "dangvien": set()}


def expected(allowed: set, seen: set, unit: str) -> int:
    return 200 if unit in allowed else 403 if unit in seen else 404


@pytest.fixture
def world(province, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    users, units = province["users"], province["units"]

    def batch(unit, by, name):
        path = unit_workbook(tmp_path / f"{name}.xlsx", PEOPLE_HEADER, [
            person_row(f"Người Mới {name.upper()}", card=f"7700{len(name)}{unit[-1]}"),
            person_row("Dòng Lỗi", birth="31/02/1980")])
        return stage_import(user=users[by], format_code="people", target_id=unit, upload=path, filename=path.name)

    held = datetime.date.today() - datetime.timedelta(days=1)
    return {**province, "batches": {"cb1": batch("CB1", "bithu", "cb1"), "cb3": batch("CB3", "admin", "cb3")},
            "sessions": {"CB1": make_session(units["CB1"], held), "CB3": make_session(units["CB3"], held)},
            "classes": {"DBK": make_class(units["DBK"]), "DBX": make_class(units["DBX"])}}


def as_role(client, world, role):
    client.force_login(world["users"][role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_upload_pages_answer_by_the_format_s_rule(role, world, client):
    client = as_role(client, world, role)
    for code in ALL_UNITS:
        response = client.get(reverse("import_start", args=["people", code]))
        assert response.status_code == expected(PEOPLE[role], set(), code), ("people", code)
        response = client.get(reverse("import_start", args=["documents", code]))
        assert response.status_code == expected(DOCUMENTS[role], SEEN[role], code), ("documents", code)
    for unit, session in world["sessions"].items():
        response = client.get(reverse("import_start", args=["attendance", session.pk]))
        assert response.status_code == SESSIONS[role][unit], ("attendance", unit)
    for unit, training_class in world["classes"].items():
        response = client.get(reverse("import_start", args=["results", training_class.pk]))
        assert response.status_code == CLASSES[role][unit], ("results", unit)
    assert client.get(reverse("import_start", args=["people", "KHONG-CO"])).status_code == 404
    assert client.get(reverse("import_start", args=["nothing", "CB1"])).status_code == 404
    assert client.get(reverse("import_start", args=["attendance", "abc"])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_an_upload_outside_the_reach_is_404_and_keeps_nothing(role, world, client, tmp_path):
    client = as_role(client, world, role)
    path = unit_workbook(tmp_path / "ngoai.xlsx", PEOPLE_HEADER, [person_row("Người Ngoài Tầm", card="88001")])
    before = ImportBatch.objects.count()
    for code in ALL_UNITS - PEOPLE[role]:
        with path.open("rb") as upload:
            response = client.post(reverse("import_start", args=["people", code]), {"file": upload})
        assert response.status_code == 404, code
    assert ImportBatch.objects.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_templates_are_for_every_signed_in_user(role, world, client):
    client = as_role(client, world, role)
    for code in ("people", "attendance", "results", "documents"):
        for url in (reverse("import_template", args=[code]), f"/api/v1/imports/templates/{code}/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("import_template", args=["nothing"])).status_code == 404
    assert client.get("/api/v1/imports/templates/nothing/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_batches_pages_files_and_api(role, world, client):
    client = as_role(client, world, role)
    for key, batch in world["batches"].items():
        status = 200 if key in BATCHES[role] else 404
        for url in (reverse("import_batch", args=[batch.pk]), f"/api/v1/imports/{batch.pk}/",
                    reverse("file_download", args=["import-rejected", batch.pk])):
            assert client.get(url).status_code == status, (key, url)
    listed = {row["id"] for row in client.get("/api/v1/imports/").json()["results"]}
    assert listed == {world["batches"][key].pk for key in BATCHES[role]}
    assert client.get(reverse("import_batch", args=[999999])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_confirming_a_batch_one_may_not_see_is_404_and_writes_nothing(role, world, client):
    client = as_role(client, world, role)
    ImportBatch.objects.update(summary={"total": 1, "created": 1, "changed": 0, "unchanged": 0, "problems": 0,
                                        "bad_rows": 0})  # as if its bad row were fixed: confirmable
    people = Person.objects.count()
    for key, batch in world["batches"].items():
        if key in BATCHES[role]:
            continue
        assert client.post(reverse("import_confirm", args=[batch.pk])).status_code == 404, key
        assert client.post(f"/api/v1/imports/{batch.pk}/confirm/").status_code == 404, key
        assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED
    assert Person.objects.count() == people


def test_anonymous_is_sent_to_log_in_or_refused(world, client):
    batch = world["batches"]["cb1"]
    for url in (reverse("import_start", args=["people", "CB1"]), reverse("import_batch", args=[batch.pk]),
                reverse("import_template", args=["people"])):
        assert client.get(url).status_code == 302, url
    assert client.post(reverse("import_confirm", args=[batch.pk])).status_code == 302
    api = APIClient()
    for url in ("/api/v1/imports/", f"/api/v1/imports/{batch.pk}/", "/api/v1/imports/templates/people/"):
        assert api.get(url).status_code in (401, 403), url
    assert api.post(f"/api/v1/imports/{batch.pk}/confirm/").status_code in (401, 403)
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED


@pytest.mark.parametrize("role", ROLES)
def test_the_unit_page_offers_the_import_only_to_who_may_write_its_people(role, world, client):
    client = as_role(client, world, role)
    for code in SEEN[role]:
        page = client.get(reverse("unit_detail", args=[code])).content.decode()
        assert (reverse("import_start", args=["people", code]) in page) == (code in PEOPLE[role]), code
