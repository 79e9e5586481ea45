"""The fault test of issue 9: a real worker and Redis, the worker killed (SIGKILL) in the
middle of a report run, a new worker started: the run succeeds with exactly one set of
files (three ReportFile rows, three files in its folder).

The run is stopped mid-way without any hook in the code: the test holds, in a transaction
of its own left open, a row for the run's DOCX. The worker writes the XLSX, then the DOCX
file to disk, and its INSERT of the DOCX row waits on the unique (run, format) index for
the test's transaction. Killed there, it leaves an XLSX row, a DOCX file without a row,
and the job row locked until PostgreSQL notices; the test rolls its row back and a second
worker (with beat, so the dead run is noticed and queued again) finishes the run."""

import datetime
import os
import signal

import psycopg2
import pytest

from portal.asof import Period
from portal.jobs.models import Job
from reports.models import ReportFile, ReportKind, ReportRun
from reports.services.runs import start_run
from resolutions.models import Attendance, StudySession
from tests.jobs_support import (
    PrivateRedis,
    broker,
    database_url,
    job_state,
    stop_group,
    wait_for,
    worker_process,
)
from tests.test_report_runs import assert_files_hold, stored_files

pytestmark = pytest.mark.django_db(transaction=True)

YEAR = 2025


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def test_a_worker_killed_mid_run_then_a_new_worker_finishes_it_with_one_set_of_files(province, tmp_path):
    units = province["units"]
    for unit in ("CB1", "CB3"):
        session = StudySession.objects.create(organization=units[unit], held_on=datetime.date(YEAR, 4, 2))
        for person in units[unit].people.all():
            Attendance.objects.create(session=session, person=person, status=Attendance.Status.PRESENT)
    kind = ReportKind.objects.get(code="ct17")
    redis = PrivateRedis(tmp_path)
    redis.start()
    blocker = psycopg2.connect(database_url())  # autocommit off: its INSERT stays uncommitted
    try:
        with broker(redis.url):
            job = start_run(user=province["users"]["tuyengiao"], kind=kind, unit=units["TINH"],
                            period=Period.year(YEAR))
        run = ReportRun.objects.get(job=job)
        with blocker.cursor() as cursor:
            cursor.execute("INSERT INTO reports_reportfile (run_id, format, file, name, size, sha256, created_at) "
                           "VALUES (%s, 'docx', '', '', 0, '', now())", [run.pk])

        first = worker_process(tmp_path, broker_url=redis.url, name="first")
        process = first.__enter__()
        try:
            wait_for(lambda: job_state(job.pk).message == "Đang ghi DOCX", timeout=180,
                     what="the run to be writing its DOCX")
            wait_for(lambda: any(name.endswith(".docx") for name in stored_files(run)), timeout=30,
                     what="the DOCX file to be on disk")
            assert list(ReportFile.objects.filter(run=run).values_list("format", flat=True)) == ["xlsx"]
            run.refresh_from_db()
            figures = run.figures
            assert figures is not None
            stop_group(process, signal.SIGKILL)
        finally:
            first.__exit__(None, None, None)
        blocker.rollback()  # the dead worker's INSERT (and its lock on the job) end with its connection
        dead = job_state(job.pk)
        assert dead.status == Job.Status.RUNNING and dead.attempts == 1  # nobody knows yet that it died
        assert len(stored_files(run)) == 2  # what the dead attempt left: its XLSX and a DOCX without a row

        with worker_process(tmp_path, broker_url=redis.url, beat=True, name="second"):
            wait_for(lambda: job_state(job.pk).status in {Job.Status.SUCCEEDED, Job.Status.FAILED}, timeout=180,
                     what="the run to be queued again and finish")
    finally:
        blocker.close()
        redis.stop()
    job = job_state(job.pk)
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.error
    run.refresh_from_db()
    assert run.figures == figures  # computed by the dead attempt, kept
    assert ReportFile.objects.filter(run=run).count() == 3
    assert len(stored_files(run)) == 3 and os.path.isdir(os.path.dirname(ReportFile.objects.first().file.path))
    assert_files_hold(run)
