"""The list exports under the access rule, for every demo role: an export holds exactly
what its page lists for that role, and a unit, session or class outside the reach is a 404
as on its page (403 where the page answers 403). Expected sets are written out by hand from
the `province` fixture (see tests/test_access_matrix.py)."""

import csv
import io

import pytest

from tests import test_access_sessions as sessions_matrix
from tests import test_access_training_certificates as certificates_matrix
from tests import test_access_training_classes as classes_matrix
from tests.test_access_matrix import ALL_UNITS, PEOPLE, ROLES, UNITS, all_people
from tests.test_access_training_certificates import world  # noqa: F401 - the certificates of the matrix
from tests.test_access_training_classes import classes, enrolments  # noqa: F401 - the classes of the matrix
from tests.test_sessions import make_session
from tests.test_training_certificates import files  # noqa: F401 - private files of the tests

CHECKED_URLS = {"person_list_export", "unit_members_export", "session_list_export", "session_attendance_export",
                "commitment_unit_export", "training_class_list_export", "training_class_roll_export",
                "training_enrollment_list_export", "training_certificate_list_export"}


def assert_each_unit_answers_as_its_page(client, role, url: str) -> None:
    """`url` ("…/{code}/export.{ext}") answers 200 for each unit in the role's reach, 404 outside."""
    for code in ALL_UNITS:
        for ext in ("xlsx", "csv"):
            response = client.get(url.format(code=code, ext=ext))
            assert response.status_code == (200 if code in UNITS[role] else 404), (code, ext)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))[1:]


@pytest.mark.parametrize("role", ROLES)
def test_people_export_holds_the_reach(role, province, logged_in):
    client = logged_in(role)
    names = {person.full_name: key for key, person in all_people(province).items()}
    for ext in ("xlsx", "csv"):
        response = client.get(f"/people/export.{ext}")
        assert response.status_code == 200
    assert {names[row[0]] for row in csv_rows(client.get("/people/export.csv"))} == PEOPLE[role]
    # A unit outside the reach in the filter is ignored, as on the page: never a way around it.
    assert {names[row[0]] for row in csv_rows(client.get("/people/export.csv?unit=CB3"))} == (
        {"cb3"} if "CB3" in UNITS[role] else PEOPLE[role])


@pytest.mark.parametrize("role", ROLES)
def test_unit_members_export(role, province, logged_in):
    client = logged_in(role)
    assert_each_unit_answers_as_its_page(client, role, "/units/{code}/export.{ext}")
    assert client.get("/units/KHONG-CO/export.csv").status_code == 404
    if "CB1" in UNITS[role]:
        assert {row[0] for row in csv_rows(client.get("/units/CB1/export.csv"))} == {
            "Nguyễn Văn Bí", "Trần Thị Đảng", "Lê Văn Cùng"}


@pytest.fixture
def sessions(province):
    return {code: make_session(province["units"][code], place=f"Hội trường {code}")
            for code in sessions_matrix.CELLS}


@pytest.mark.parametrize("role", ROLES)
def test_session_exports(role, sessions, logged_in):
    """The list holds the sessions the role sees (dangvien: his cell's schedule); a sheet
    is for those who manage the unit (403 when only seen), 404 outside."""
    client = logged_in(role)
    places = {row[7] for row in csv_rows(client.get("/study/sessions/export.csv"))}
    assert places == {f"Hội trường {code}" for code in sessions_matrix.SEES[role]}
    assert client.get("/study/sessions/export.xlsx").status_code == 200
    for code, session in sessions.items():
        expected = 200 if code in sessions_matrix.MANAGES[role] else 403 if code in sessions_matrix.SEES[role] \
            else 404
        for ext in ("xlsx", "csv"):
            assert client.get(f"/study/sessions/{session.pk}/attendance.{ext}").status_code == expected, code
    assert client.get("/study/sessions/999999/attendance.csv").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_commitment_exports(role, province, logged_in):
    assert_each_unit_answers_as_its_page(logged_in(role), role, "/study/commitments/units/{code}/export.{ext}?year=2025")


@pytest.mark.parametrize("role", ROLES)
def test_class_and_enrolment_exports(role, classes, enrolments, logged_in):  # noqa: F811
    client = logged_in(role)
    names = {row[2] for row in csv_rows(client.get("/training/classes/export.csv"))}
    assert names == {f"Lớp của {code}" for code in classes_matrix.SEES[role]}
    for code, training_class in classes.items():
        for ext in ("xlsx", "csv"):
            response = client.get(f"/training/classes/{training_class.pk}/export.{ext}")
            assert response.status_code == (200 if code in classes_matrix.SEES[role] else 404), (code, ext)
    rows = csv_rows(client.get("/training/enrollments/export.csv"))
    in_file = {(row[4], row[0]) for row in rows}
    assert in_file == {(e.training_class.name, e.person.full_name) for key, e in enrolments.items()
                       if key in classes_matrix.SEES_ENROLMENT[role]}
    # A class's learners: those of the class the role may see (a unit's reach, its own people).
    roll = {row[0] for row in csv_rows(client.get(f"/training/classes/{classes['DBK'].pk}/export.csv"))}
    assert roll == {e.person.full_name for key, e in enrolments.items()
                    if key in classes_matrix.SEES_ENROLMENT[role] and e.training_class == classes["DBK"]}


@pytest.mark.parametrize("role", ROLES)
def test_certificate_exports(role, world, logged_in):  # noqa: F811
    client = logged_in(role)
    numbers = {row[0] for row in csv_rows(client.get("/training/certificates/export.csv"))}
    assert numbers == {c.register_number for key, c in world["certificates"].items()
                       if key in certificates_matrix.SEES[role]}
    assert client.get("/training/certificates/export.xlsx").status_code == 200


def test_anonymous_is_sent_to_login(client, province):
    for url in ("/people/export.xlsx", "/units/CB1/export.csv", "/study/sessions/export.csv",
                "/study/sessions/1/attendance.csv", "/study/commitments/units/CB1/export.xlsx",
                "/training/classes/export.csv", "/training/classes/1/export.csv", "/training/enrollments/export.csv",
                "/training/certificates/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
