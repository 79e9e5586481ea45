"""Names, not usernames, wherever a person is meant: the account menu, the greeting, a
commitment's reviewer and history, a job's requester; the username only for an account
with no person and no name. Loading the name costs no query."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.jobs.models import Job
from resolutions.models import Commitment
from tests import job_kinds
from tests.factories import UserFactory


def test_the_menu_and_the_greeting_name_the_person(province, client):
    client.force_login(province["users"]["bithu"])
    page = client.get("/").content.decode()
    assert "Nguyễn Văn Bí" in page and "Xin chào, Nguyễn Văn Bí" in page
    assert ">bithu<" not in page and " bithu\n" not in page


def test_an_account_without_a_person_shows_its_name_or_username(province, client):
    named = UserFactory(username="canbo", first_name="Lan", last_name="Trần Thị")
    client.force_login(named)
    assert "Trần Thị Lan" in client.get("/").content.decode()
    client.force_login(province["users"]["admin"])
    assert "admin" in client.get("/").content.decode()


def test_loading_the_signed_in_users_name_costs_no_query(province, client):
    client.force_login(province["users"]["bithu"])
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/jobs/").content.decode()
    assert "Nguyễn Văn Bí" in page
    # The person comes with the user, in the session's user query: none of its own.
    assert not [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "portal_person"')]


def test_a_commitments_reviewer_and_history_are_named(province, client):
    member = province["member"]
    commitment = Commitment.objects.create(person=member, year=2026, status=Commitment.Status.SUBMITTED)
    client.force_login(province["users"]["bithu"])
    client.post(f"/study/commitments/{commitment.pk}/review/",
                {"decision": "return", "comment": "Bổ sung việc làm cụ thể."})
    client.force_login(province["users"]["dangvien"])
    page = client.get(f"/study/commitments/{commitment.pk}/").content.decode()
    assert "Nguyễn Văn Bí ·" in page and "· bithu" not in page and "bithu ·" not in page


def test_a_jobs_requester_is_named(province, client):
    job = Job.objects.create(kind=job_kinds.SLOW, params={}, params_key="x", organization=province["units"]["CB1"],
                             requested_by=province["users"]["bithu"])
    client.force_login(province["users"]["tuyengiao"])
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Nguyễn Văn Bí" in page and "· bithu" not in page
