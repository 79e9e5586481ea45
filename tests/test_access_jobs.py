"""Access to jobs and private files, for every demo role: a job is visible to whoever
asked and to those whose reach covers its unit for the job kind's action; 404 to the rest
(pages, status fragment, cancel, API, file download). No worker needed: the jobs are rows."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from portal.files import private_storage
from portal.jobs.models import Job, JobFile
from tests import job_kinds
from tests.factories import api_token

CHECKED_URLS = {
    "my_jobs", "job_detail", "job_status", "job_cancel", "file_download",
    "api:job-list", "api:job-detail", "api:job-cancel",
}
ROLES = ["admin", "tuyengiao", "daotao", "bithu", "dangvien"]
# Jobs of the world below and who sees each, written out by hand from the province fixture.
SEES = {
    "admin": {"cb1", "cb3", "own"},
    "tuyengiao": {"cb1", "cb3", "own"},  # the province: DBX too
    "daotao": {"cb1"},
    "bithu": {"cb1"},
    "dangvien": {"own"},  # only the one he asked for, though its unit is outside his reach
}


@pytest.fixture
def world(province, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users, units = province["users"], province["units"]

    def job(unit, by, tag):
        made = Job.objects.create(kind=job_kinds.SLOW, params={"tag": tag}, params_key=tag, organization=units[unit],
                                  requested_by=users[by], status=Job.Status.SUCCEEDED, progress=100)
        name = private_storage().save(f"jobs/{made.pk}/run/ket-qua.txt", ContentFile(tag.encode()))
        JobFile.objects.create(job=made, file=name, name="Kết quả.txt", content_type="text/plain", size=len(tag))
        return made

    return {**province, "jobs": {"cb1": job("CB1", "admin", "cb1"), "cb3": job("CB3", "tuyengiao", "cb3"),
                                 "own": job("DBX", "dangvien", "own")}}


@pytest.mark.parametrize("role", ROLES)
def test_jobs_and_their_files(role, world, client):
    client.force_login(world["users"][role])
    for key, job in world["jobs"].items():
        expected = 200 if key in SEES[role] else 404
        file = job.files.get()
        for url in (reverse("job_detail", args=[job.pk]), reverse("job_status", args=[job.pk]),
                    f"/api/v1/jobs/{job.pk}/", reverse("file_download", args=["job-file", file.pk])):
            response = client.get(url)
            assert response.status_code == expected, (role, key, url, response.status_code)
            if expected == 200 and url.startswith("/files/"):
                assert b"".join(response.streaming_content) == key.encode()
    listed = {j["params"]["tag"] for j in client.get("/api/v1/jobs/").json()["results"]}
    assert listed == SEES[role]
    mine = client.get(reverse("my_jobs")).content.decode()
    for job in world["jobs"].values():  # "Việc của tôi" lists what he asked for himself
        assert (reverse("job_detail", args=[job.pk]) in mine) == (job.requested_by == world["users"][role])


@pytest.mark.parametrize("role", ROLES)
def test_cancel_outside_the_reach_is_404_and_changes_nothing(role, world, client):
    client.force_login(world["users"][role])
    Job.objects.update(status=Job.Status.RUNNING)
    for key, job in world["jobs"].items():
        api = client.post(f"/api/v1/jobs/{job.pk}/cancel/")
        page = client.post(reverse("job_cancel", args=[job.pk]))
        if key in SEES[role]:
            assert api.status_code == 200 and page.status_code == 302
            assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELLED
        else:
            assert api.status_code == 404 and page.status_code == 404
            assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING


def test_unknown_file_kind_and_missing_ids_are_404(world, client):
    client.force_login(world["users"]["admin"])
    assert client.get("/files/nothing/1/").status_code == 404
    assert client.get(reverse("file_download", args=["job-file", 999999])).status_code == 404
    assert client.get(reverse("job_detail", args=[999999])).status_code == 404


def test_the_api_token_downloads_what_the_api_links_to(world, client):
    key = api_token(world["users"]["bithu"])
    data = client.get(f"/api/v1/jobs/{world['jobs']['cb1'].pk}/", HTTP_AUTHORIZATION=f"Token {key}").json()
    link = data["files"][0]["download"]
    response = client.get(link, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"cb1"
    other = world["jobs"]["cb3"].files.get()
    assert client.get(reverse("file_download", args=["job-file", other.pk]),
                      HTTP_AUTHORIZATION=f"Token {key}").status_code == 404
    assert client.get(link, HTTP_AUTHORIZATION="Token wrong").status_code == 302


def test_job_lists_cost_the_same_for_3_and_30_jobs(world, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["users"]["admin"])

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = {url: queries(url) for url in (reverse("my_jobs"), "/api/v1/jobs/")}
    source = world["jobs"]["cb1"]
    for n in range(27):
        copy = Job.objects.create(kind=source.kind, params={"tag": f"more{n}"}, params_key=f"more{n}",
                                  organization=source.organization, requested_by=source.requested_by,
                                  status=Job.Status.SUCCEEDED)
        JobFile.objects.create(job=copy, file=source.files.get().file.name, name="Kết quả.txt",
                               content_type="text/plain", size=3)
    for url, count in few.items():
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200
