"""Report runs (issue 9, point 5): a run on a real worker writes the XLSX, DOCX and PDF of
the figures it stored, under the access rule; a retried run keeps its figures and ends with
one set of files; a submitted run's files never change; the generate_report command; the
report-runs API."""

import datetime
import hashlib
import io
import os
import re
import subprocess
import sys

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from docx import Document as DocxDocument
from pypdf import PdfReader
from rest_framework.test import APIClient

from portal.asof import Period
from portal.files import private_storage
from portal.jobs.models import Job
from portal.jobs.services import run_job
from reports.indicators import compute_report
from reports.models import ReportFile, ReportKind, ReportRun, Submission
from reports.services.runs import folder_of, start_run
from resolutions.models import Attendance, StudySession
from tests.factories import PersonFactory
from tests.jobs_support import ROOT, database_url, job_state, wait_for, worker_process

YEAR = 2025
P, A = Attendance.Status.PRESENT, Attendance.Status.ABSENT


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def year_of_study(province):
    """Sessions and attendance of the year in three cells, so the figures are not all zero."""
    units = province["units"]
    people = [province["secretary"], province["member"], *province["others"].values()]
    for month in (3, 6, 9):
        for unit in ("CB1", "CB2", "CB3"):
            session = StudySession.objects.create(organization=units[unit], held_on=datetime.date(YEAR, month, 12))
            for person in people:
                if person.organization_id == units[unit].pk:
                    Attendance.objects.create(session=session, person=person,
                                              status=A if person == province["others"]["cb1"] else P)
    return province


def ct17():
    return ReportKind.objects.get(code="ct17")


def start(province, unit="TINH", by="tuyengiao", **extra):
    return start_run(user=province["users"][by], kind=ct17(), unit=province["units"][unit],
                     period=Period.year(YEAR), **extra)


def stored_files(run) -> list[str]:
    """Every file under the run's folder, whatever wrote it."""
    root = os.path.join(private_storage().location, folder_of(run))
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, names in os.walk(root) for f in names)


def shas(run) -> dict[str, str]:
    return {f.format: f.sha256 for f in ReportFile.objects.filter(run=run)}


def requeue(job: Job) -> None:
    """What the watcher does to a job whose worker died: queued again for another attempt."""
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, run_token=None)


def counts(figures: dict) -> list[int]:
    return [f["value"] for indicator in figures["indicators"] for f in indicator["figures"]
            if f["kind"] == "count" and isinstance(f["value"], int)]


def sentences(figures: dict) -> list[str]:
    return [s for indicator in figures["indicators"] for s in indicator["sentences"]]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def xlsx_numbers(content: bytes) -> set:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
            if isinstance(cell, int | float) and not isinstance(cell, bool)}


def docx_text(content: bytes) -> str:
    document = DocxDocument(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return flat(" ".join([p.text for p in document.paragraphs] + cells))


def pdf_text(content: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def assert_files_hold(run: ReportRun) -> None:
    """The three files exist once each, their sha256 is their content's, and they hold the
    run's figures: every count in the XLSX as a number, every sentence in the DOCX and PDF."""
    files = {f.format: f for f in run.files.all()}
    assert set(files) == {"xlsx", "docx", "pdf"}
    contents = {}
    for file_format, report_file in files.items():
        with report_file.file.open("rb") as handle:
            contents[file_format] = handle.read()
        assert report_file.name == f"BC-ct17-{YEAR}-{run.organization.code}.{file_format}"
        assert report_file.size == len(contents[file_format])
        assert report_file.sha256 == hashlib.sha256(contents[file_format]).hexdigest()
    assert stored_files(run) == sorted(f.name for f in files.values())  # one set, nothing else in its folder
    figures = run.figures
    assert any(counts(figures)), "the test data gives figures that are not all zero"
    assert set(counts(figures)) <= xlsx_numbers(contents["xlsx"])
    docx, pdf = docx_text(contents["docx"]), pdf_text(contents["pdf"])
    for sentence in sentences(figures):
        assert flat(sentence) in docx, sentence
        assert flat(sentence).replace(" ", "") in pdf.replace(" ", ""), sentence  # PDF text keeps no line breaks


@pytest.mark.django_db(transaction=True)
def test_a_run_on_a_worker_writes_its_three_files_under_the_access_rule(year_of_study, client, tmp_path):
    province = year_of_study
    with worker_process(tmp_path):
        job = start(province)
        assert job.kind == "report" and job.organization == province["units"]["TINH"]
        assert job.title == f"ct17 · {YEAR} · Đảng bộ tỉnh"
        wait_for(lambda: job_state(job.pk).status in {Job.Status.SUCCEEDED, Job.Status.FAILED}, timeout=180,
                 what="the report run to finish")
    job = job_state(job.pk)
    assert job.status == Job.Status.SUCCEEDED, job.error
    run = ReportRun.objects.get(job=job)
    assert run.computed_at and run.figures["unit"]["code"] == "TINH"
    assert run.requested_by == province["users"]["tuyengiao"]
    assert_files_hold(run)

    pdf = run.files.get(format="pdf")
    url = reverse("file_download", args=["report-file", pdf.pk])
    for role in ("tuyengiao", "admin"):
        client.force_login(province["users"][role])
        response = client.get(url)
        assert response.status_code == 200
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == pdf.sha256
        assert response["Content-Type"] == "application/pdf"
        api = client.get(f"/api/v1/report-runs/{run.pk}/").json()
        assert api["status"] == "succeeded" and api["figures"] == run.figures
        assert [f["format"] for f in api["files"]] == ["xlsx", "docx", "pdf"]
        assert api["files"][2]["download"].endswith(url)
        page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
        assert f'href="{reverse("report_unit", args=["TINH", "ct17", str(YEAR)])}"' in page  # where the files are
    for role in ("bithu", "dangvien"):  # the province lies outside their reach
        client.force_login(province["users"][role])
        assert client.get(url).status_code == 404
        assert client.get(f"/api/v1/report-runs/{run.pk}/").status_code == 404


def run_in_process(province, **extra) -> ReportRun:
    job = start(province, **extra)
    run_job(job.pk)
    assert job_state(job.pk).status == Job.Status.SUCCEEDED, job_state(job.pk).error
    return ReportRun.objects.get(job=job)


def more_study(province) -> None:
    """A later change of the data the figures count: a new session in the year."""
    session = StudySession.objects.create(organization=province["units"]["CB3"], held_on=datetime.date(YEAR, 11, 5))
    Attendance.objects.create(session=session, person=PersonFactory(organization=province["units"]["CB3"]),
                              status=P)


@pytest.mark.django_db
def test_a_retried_run_keeps_its_figures_and_ends_with_one_set_of_files(year_of_study):
    province = year_of_study
    run = run_in_process(province)
    figures = run.figures
    # What a dead attempt may leave: a file it wrote before its row.
    private_storage().save(f"{folder_of(run)}/BC-ct17-{YEAR}-TINH_ab12cd.pdf", io.BytesIO(b"half"))
    more_study(province)
    assert compute_report(ct17(), province["units"]["TINH"], Period.year(YEAR))["indicators"] != figures["indicators"]

    requeue(run.job)
    run_job(run.job_id)
    job = job_state(run.job_id)
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    run.refresh_from_db()
    assert run.figures == figures  # computed once: a retry does not count the later data
    assert ReportFile.objects.filter(run=run).count() == 3
    assert_files_hold(run)


@pytest.mark.django_db
def test_a_submitted_runs_figures_and_files_never_change(year_of_study):
    province = year_of_study
    run = run_in_process(province, unit="CS1", by="tuyengiao")
    before, figures = shas(run), run.figures
    contents = {f.format: f.file.open("rb").read() for f in run.files.all()}
    kind, unit = ct17(), province["units"]["CS1"]
    Submission.objects.create(kind=kind, organization=unit, period_start=run.period_start, period_end=run.period_end,
                              due_on=kind.due_on(run.period), status=Submission.Status.SUBMITTED, run=run)
    more_study(province)
    session = StudySession.objects.create(organization=province["units"]["CB1"], held_on=datetime.date(YEAR, 12, 1))
    Attendance.objects.create(session=session, person=province["member"], status=P)
    assert compute_report(kind, unit, run.period)["indicators"] != figures["indicators"]

    requeue(run.job)  # a re-delivered run of the submitted report
    run_job(run.job_id)
    assert job_state(run.job_id).status == Job.Status.SUCCEEDED
    run.refresh_from_db()
    assert run.figures == figures
    assert shas(run) == before
    assert {f.format: f.file.open("rb").read() for f in run.files.all()} == contents


@pytest.mark.django_db
def test_generate_report_writes_the_three_files_and_prints_their_paths(year_of_study, tmp_path, capsys):
    out = tmp_path / "out" / "2025"
    call_command("generate_report", "--kind", "ct17", "--org", "CS1", "--year", str(YEAR), "--out", str(out))
    printed = capsys.readouterr().out.split()
    names = [f"BC-ct17-{YEAR}-CS1.{ext}" for ext in ("xlsx", "docx", "pdf")]
    assert printed == [str((out / name).resolve()) for name in names]
    job = Job.objects.get()  # recorded like any other job, run here without a worker
    assert job.kind == "report" and job.status == Job.Status.SUCCEEDED and job.requested_by is None
    run = ReportRun.objects.get(job=job)
    assert run.organization.code == "CS1" and run.period == Period.year(YEAR)
    for report_file in run.files.all():
        assert (out / report_file.name).read_bytes() == report_file.file.open("rb").read()
    assert_files_hold(run)


def generate_report(*arguments) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "manage.py", "generate_report", *arguments], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_generate_report_refuses_a_bad_kind_unit_or_year_and_writes_nothing(province, tmp_path):
    out = tmp_path / "out"
    cases = [
        (["--kind", "ct99", "--org", "TINH", "--year", str(YEAR)], "Không có loại báo cáo “ct99”."),
        (["--kind", "ct17", "--org", "KHONGCO", "--year", str(YEAR)], "Không có đơn vị mã “KHONGCO”."),
        (["--kind", "ct17", "--org", "TINH", "--year", "2099"], "Năm phải là một số từ"),
        (["--kind", "ct17", "--org", "TINH", "--year", str(YEAR), "--years", "5"], "lập cho kỳ 1 năm"),
    ]
    for arguments, message in cases:
        done = generate_report(*arguments, "--out", str(out))
        assert done.returncode != 0, arguments
        assert message in done.stderr, done.stderr
        assert done.stdout == ""
    assert not out.exists()
    assert not Job.objects.exists() and not ReportRun.objects.exists() and not ReportFile.objects.exists()


@pytest.mark.django_db
def test_api_starts_a_run_lists_and_refuses_bad_input(year_of_study, django_assert_max_num_queries):
    province = year_of_study
    tuyengiao = APIClient()
    tuyengiao.force_authenticate(province["users"]["tuyengiao"])
    response = tuyengiao.post("/api/v1/report-runs/", {"kind": "ct17", "unit": "CS1", "year": YEAR}, format="json")
    assert response.status_code == 202
    job = response.json()
    assert job["kind"] == "report" and job["status"] == "queued" and job["organization"] == "CS1"
    run = ReportRun.objects.get(job_id=job["id"])
    assert (run.kind.code, run.organization.code, run.period) == ("ct17", "CS1", Period.year(YEAR))
    # Asked again while it waits: the same job.
    again = tuyengiao.post("/api/v1/report-runs/", {"kind": "ct17", "unit": "CS1", "year": YEAR}, format="json")
    assert again.json()["id"] == job["id"] and ReportRun.objects.count() == 1
    with pytest.raises(PermissionDenied):  # the same run is queued, but the unit is not his to report on
        start(province, unit="CS1", by="bithu")
    run_job(job["id"])
    detail = tuyengiao.get(f"/api/v1/report-runs/{run.pk}/").json()
    assert detail["status"] == "succeeded" and detail["progress"] == 100
    assert detail["period"] == {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31", "label": str(YEAR)}
    assert detail["figures"] == ReportRun.objects.get(pk=run.pk).figures and len(detail["files"]) == 3

    for unit in ("CB1", "CB2", "DBX"):
        run_in_process(province, unit=unit)
    with django_assert_max_num_queries(8):
        listed = tuyengiao.get("/api/v1/report-runs/").json()
    assert listed["count"] == 4 and all(len(r["files"]) == 3 and "figures" not in r for r in listed["results"])
    assert [r["organization"]["code"] for r in tuyengiao.get("/api/v1/report-runs/", {"unit": "CB1"}).json()
            ["results"]] == ["CB1"]

    bithu = APIClient()
    bithu.force_authenticate(province["users"]["bithu"])
    assert {r["organization"]["code"] for r in bithu.get("/api/v1/report-runs/").json()["results"]} == {"CB1"}
    assert bithu.get(f"/api/v1/report-runs/{run.pk}/").status_code == 404  # CS1 lies above his cell

    before = (Job.objects.count(), ReportRun.objects.count())
    refused = [
        (bithu, {"kind": "ct17", "unit": "CS1", "year": YEAR}, 404, None),
        (tuyengiao, {"kind": "ct99", "unit": "CS1", "year": YEAR}, 400, ("kind", "Không có loại báo cáo “ct99”.")),
        (tuyengiao, {"kind": "ct17", "unit": "CS1", "year": 2099}, 400, ("year", "Năm phải là một số từ")),
        (tuyengiao, {"kind": "ct17", "unit": "CS1", "year": YEAR, "years": 3}, 400, ("years", "lập cho kỳ 1 năm")),
        (tuyengiao, {"kind": "ct17", "year": YEAR}, 400, ("unit", "")),
    ]
    for api, data, status, error in refused:
        response = api.post("/api/v1/report-runs/", data, format="json")
        assert response.status_code == status, (data, response.content)
        if error:
            field, message = error
            assert message in " ".join(response.json()[field]), response.json()
    assert (Job.objects.count(), ReportRun.objects.count()) == before
