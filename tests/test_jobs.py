"""Background jobs on real worker processes and a real Redis: progress, files under the
access rule, a killed worker, the same work asked twice, a restarted broker, a failing
step, cancel, the watcher's limits, expired files."""

import datetime
import signal

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.files import private_storage
from portal.jobs import services
from portal.jobs.models import Job, JobFile
from tests import job_kinds
from tests.jobs_support import PrivateRedis, broker, job_state, stop_group, wait_for, worker_process

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def slow(province, *, steps=4, step_seconds=0.5, unit="CB1", by="bithu", **extra):
    params = {"unit": province["units"][unit].pk, "steps": steps, "step_seconds": step_seconds, **extra}
    return services.start_job(job_kinds.SLOW, params, by=province["users"][by])


def stored_files(job_id) -> list[str]:
    storage = private_storage()
    try:
        folders, _ = storage.listdir(f"jobs/{job_id}")
    except FileNotFoundError:
        return []
    return sorted(f"{folder}/{name}" for folder in folders for name in storage.listdir(f"jobs/{job_id}/{folder}")[1])


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_job_runs_reports_progress_and_its_files_are_private(province, client, tmp_path):
    with worker_process(tmp_path):
        job = slow(province, steps=5, step_seconds=0.6, tag="một")
        seen = set()

        def finished():
            state = job_state(job.pk)
            seen.add((state.progress, state.message))
            return state.status in {Job.Status.SUCCEEDED, Job.Status.FAILED}

        wait_for(finished, timeout=120, what="the job to finish", every=0.05)
    job = job_state(job.pk)
    assert job.status == Job.Status.SUCCEEDED and job.progress == 100 and job.attempts == 1
    assert {(40, "Bước 3/5"), (60, "Bước 4/5")} <= seen, seen  # the steps were seen while it ran
    # Only the result file is attached; the scratch file it wrote first is too (both are its output).
    names = sorted(job.files.values_list("name", flat=True))
    assert names == ["Kết quả thử.txt", "nửa chừng.txt"]
    result = job.files.get(name="Kết quả thử.txt")
    url = reverse("file_download", args=["job-file", result.pk])

    for role in ["bithu", "tuyengiao", "daotao", "admin"]:  # who asked, and reaches covering CB1
        client.force_login(province["users"][role])
        response = client.get(url)
        assert response.status_code == 200, role
        assert content(response) == "attempt 1; một".encode()
        assert "filename*=utf-8''K%E1%BA%BFt%20qu%E1%BA%A3%20th%E1%BB%AD.txt" in response["Content-Disposition"]
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
        api = client.get(f"/api/v1/jobs/{job.pk}/")
        assert api.status_code == 200 and api.json()["status"] == "succeeded"
        assert {f["name"] for f in api.json()["files"]} == set(names)
        assert client.get(reverse("job_detail", args=[job.pk])).status_code == 200
    client.force_login(province["users"]["dangvien"])
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_a_worker_killed_mid_job_then_a_new_worker_finishes_it_once(province, tmp_path):
    first = worker_process(tmp_path, name="first")
    process = first.__enter__()
    try:
        job = slow(province, steps=8, step_seconds=0.5, tag="hai")
        wait_for(lambda: job_state(job.pk).progress >= 25, timeout=120, what="the job to be under way")
        killed_run = stored_files(job.pk)
        assert killed_run, "the first run had written its scratch file"
        stop_group(process, signal.SIGKILL)
    finally:
        first.__exit__(None, None, None)
    assert job_state(job.pk).status == Job.Status.RUNNING  # nobody knows yet that it died

    with worker_process(tmp_path, beat=True, name="second"):
        wait_for(lambda: job_state(job.pk).status == Job.Status.SUCCEEDED, timeout=180,
                 what="the job to be queued again and finish")
    job = job_state(job.pk)
    assert job.attempts == 2
    assert JobFile.objects.filter(job=job).count() == 2  # one set: the second run's
    assert set(stored_files(job.pk)).isdisjoint(killed_run)  # the dead run's files are gone
    assert len(stored_files(job.pk)) == 2
    result = job.files.get(name="Kết quả thử.txt")
    assert result.file.read() == b"attempt 2; hai"


def test_the_same_work_asked_twice_while_running_is_one_job(province, tmp_path):
    with worker_process(tmp_path):
        job = slow(province, steps=6, step_seconds=0.5)
        wait_for(lambda: job_state(job.pk).status == Job.Status.RUNNING, timeout=120, what="the job to run")
        again = slow(province, steps=6, step_seconds=0.5, by="tuyengiao")
        assert again.pk == job.pk
        assert Job.objects.count() == 1
        wait_for(lambda: job_state(job.pk).status == Job.Status.SUCCEEDED, timeout=120, what="the job to finish")
        # Once it has ended, asking again is new work.
        assert slow(province, steps=6, step_seconds=0.5).pk != job.pk


def test_a_job_queued_when_redis_restarts_still_completes(province, tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        with broker(redis.url):
            job = slow(province, steps=2, step_seconds=0.2)  # queued: no worker is listening yet
        assert job_state(job.pk).status == Job.Status.QUEUED
        redis.stop()  # the message to run it is lost with the broker's memory
        redis.start()
        with worker_process(tmp_path, broker_url=redis.url, beat=True):
            wait_for(lambda: job_state(job.pk).status == Job.Status.SUCCEEDED, timeout=180,
                     what="the job to be sent again and finish")
        assert job_state(job.pk).attempts == 1
    finally:
        redis.stop()


def test_a_step_that_raises_fails_the_job_with_a_message_and_leaves_no_file(province, client, tmp_path):
    with worker_process(tmp_path):
        job = slow(province, steps=4, step_seconds=0.2, fail_at=2)
        wait_for(lambda: job_state(job.pk).status == Job.Status.FAILED, timeout=120, what="the job to fail")
    job = job_state(job.pk)
    assert job.error.startswith("Đã xảy ra lỗi khi thực hiện việc này")
    assert not JobFile.objects.filter(job=job).exists()
    assert stored_files(job.pk) == []  # the scratch file written before the failure is removed
    client.force_login(province["users"]["bithu"])
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "Bị lỗi" in page and "Đã xảy ra lỗi khi thực hiện việc này" in page
    assert reverse("job_status", args=[job.pk]) not in page  # the page no longer polls
    assert client.get(f"/api/v1/jobs/{job.pk}/").json()["files"] == []


def test_cancel_a_running_job(province, client, tmp_path):
    client.force_login(province["users"]["bithu"])
    with worker_process(tmp_path):
        job = slow(province, steps=20, step_seconds=0.3)
        wait_for(lambda: job_state(job.pk).progress >= 10, timeout=120, what="the job to be under way")
        response = client.post(f"/api/v1/jobs/{job.pk}/cancel/")
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        wait_for(lambda: stored_files(job.pk) == [], timeout=30, what="the run to stop and clean up")
    job = job_state(job.pk)
    assert job.status == Job.Status.CANCELLED and job.progress < 100
    assert not job.files.exists()


def test_a_page_polls_while_the_job_runs(province, client):
    job = slow(province)  # no worker: it stays queued
    client.force_login(province["users"]["bithu"])
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("job_status", args=[job.pk])}"' in page and 'hx-trigger="every 1s"' in page
    assert "Đang chờ" in page
    mine = client.get(reverse("my_jobs")).content.decode()
    assert reverse("job_detail", args=[job.pk]) in mine and "Việc thử" in mine
    response = client.post(reverse("job_cancel", args=[job.pk]))
    assert response.status_code == 302 and job_state(job.pk).status == Job.Status.CANCELLED
    assert client.post(reverse("job_cancel", args=[job.pk])).status_code == 302  # nothing left to cancel
    assert job_state(job.pk).status == Job.Status.CANCELLED


def test_a_second_delivery_of_the_message_does_not_run_the_job_again(province):
    job = slow(province, steps=1, step_seconds=0)
    services.run_job(job.pk)
    services.run_job(job.pk)  # re-delivered: the claim finds it no longer queued
    job = job_state(job.pk)
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 1 and job.files.count() == 2


def test_the_watcher_gives_up_after_the_last_attempt(province, settings):
    job = slow(province)
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=settings.JOB_MAX_ATTEMPTS,
                                         heartbeat_at=long_ago)
    assert services.watch_jobs()["failed"] == 1
    job = job_state(job.pk)
    assert job.status == Job.Status.FAILED and "bị gián đoạn 3 lần" in job.error
    assert services.watch_jobs() == {"requeued": 0, "failed": 0, "resent": 0}  # safe to run twice


def test_a_stalled_job_under_its_limit_is_queued_again(province, settings):
    job = slow(province)
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=1, heartbeat_at=long_ago)
    assert services.watch_jobs()["requeued"] == 1
    assert job_state(job.pk).status == Job.Status.QUEUED


def test_files_are_removed_after_the_keeping_days(province, settings):
    job = slow(province, steps=1, step_seconds=0)
    services.run_job(job.pk)
    kept = stored_files(job.pk)
    assert len(kept) == 2
    assert services.remove_expired_files() == 0
    later = timezone.now() + datetime.timedelta(days=settings.JOB_FILES_KEEP_DAYS + 1)
    assert services.remove_expired_files(now=later) == 2
    assert stored_files(job.pk) == [] and not JobFile.objects.exists()
    assert services.remove_expired_files(now=later) == 0


def test_starting_needs_the_kind_permission_at_the_unit(province):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        slow(province, unit="CB3", by="bithu")  # CB3 is outside his reach
    assert not Job.objects.exists()
