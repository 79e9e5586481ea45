"""Report runs (issue 9, point 5): one computation of a report's figures and its three files
(XLSX, DOCX, PDF), as a portal job with its progress.

A run is safe to kill and to run again (a worker killed, the job queued again by the
watcher): the figures are stored once and kept (a re-delivered run, a submitted one above
all, never changes what it computed), each file replaces what an earlier attempt left of
it, and only the attempt that holds the job (its run_token) may write, so a run ends with
exactly one set of files. A run that a submission carries never rewrites a file it has.
"""

import hashlib
import io

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import access
from portal.access import Action
from portal.files import private_storage
from portal.jobs import JobKind
from portal.jobs.models import Job
from portal.jobs.services import JobRun, Superseded, start_job
from portal.models import Organization
from reports.indicators import compute_report
from reports.models import ReportFile, ReportKind, ReportRun, Submission
from reports.rendering import report_document, write_docx, write_pdf, write_xlsx
from reports.submission_selectors import period_slug

KIND = "report"
Format = ReportFile.Format
CONTENT_TYPES = {
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Format.PDF: "application/pdf",
}


def file_name(run: ReportRun, file_format: str) -> str:
    """"BC-ct17-2025-DBCQ.xlsx": kind, period, unit; the same for every attempt of a run."""
    return f"BC-{run.kind.code}-{period_slug(run.period)}-{run.organization.code}.{file_format}"


def folder_of(run: ReportRun) -> str:
    return f"reports/{run.pk}"


# --- Starting -------------------------------------------------------------------------------------


def start_run(*, user, kind: ReportKind, unit: Organization, period, narrative: dict | None = None,
              number: str = "", place: str = "", send_to_workers: bool = True) -> Job:
    """A new run of `kind` for `unit` over `period` and the job that computes it. The narrative,
    number and place are frozen in the run (a submission prints what was submitted). The same
    run asked again while one is queued or running gives that one's job. `user` may be a
    `portal.access.Reach` (a command, which runs the job itself: `send_to_workers=False`);
    PermissionDenied without REPORT over the unit."""
    if not access.may(user, Action.REPORT, unit):  # before looking for the same run: it is not his to see
        raise PermissionDenied(_("Bạn không có quyền lập báo cáo của %(unit)s.") % {"unit": unit.name})
    narrative = dict(narrative or {})
    with transaction.atomic():
        same = (ReportRun.objects.filter(kind=kind, organization=unit, period_start=period.start,
                                         period_end=period.end, narrative=narrative, number=number, place=place,
                                         job__status__in=Job.ACTIVE)
                .select_related("job").first())
        if same is not None:
            return same.job
        run = ReportRun.objects.create(
            kind=kind, organization=unit, period_start=period.start, period_end=period.end, narrative=narrative,
            number=number, place=place, requested_by=user if getattr(user, "is_authenticated", False) else None)
        params = {"run": run.pk, "kind": kind.code, "unit": unit.pk, "unit_code": unit.code,
                  "period": period_slug(period)}
        job = start_job(KIND, params, by=user, send_to_workers=send_to_workers)
        run.job = job
        run.save(update_fields=["job"])
    return job


def _unit(params: dict) -> Organization:
    return Organization.objects.get(pk=params["unit"])


def describe(params: dict) -> str:
    """"ct17 · 2025 · Đảng bộ Khối các cơ quan tỉnh" ("2021-2025" for several years)."""
    return f"{params['kind']} · {params['period']} · {_unit(params).name}"


# --- Running --------------------------------------------------------------------------------------

STEPS = [  # (progress when the step starts, format, message)
    (50, Format.XLSX, gettext_lazy("Đang ghi XLSX")),
    (65, Format.DOCX, gettext_lazy("Đang ghi DOCX")),
    (80, Format.PDF, gettext_lazy("Đang ghi PDF")),
]


def execute_run(job_run: JobRun) -> None:
    """The job's work: the figures (computed once), then each file."""
    run = ReportRun.objects.select_related("kind", "organization").get(pk=job_run.params["run"])
    job_run.progress(0, _("Đang tính số liệu"))
    figures = _figures(run)
    carried = Submission.objects.filter(run=run).exists()
    kept = set(run.files.values_list("format", flat=True)) if carried else set()
    document = None
    for percent, file_format, message in STEPS:
        if file_format in kept:
            continue
        job_run.progress(percent, message)
        stream = io.BytesIO()
        if file_format == Format.XLSX:
            write_xlsx(figures, stream)
        else:
            if document is None:
                document = report_document(figures, kind=run.kind, narrative=run.narrative, number=run.number,
                                           place=run.place, day=timezone.localdate(run.created_at))
            (write_docx if file_format == Format.DOCX else write_pdf)(document, stream)
        _store(job_run, run, file_format, stream.getvalue())
    _remove_strays(run)


def _figures(run: ReportRun) -> dict:
    """The run's figures: those stored by an earlier attempt, else computed now and stored
    unless another attempt stored its own meanwhile (then those)."""
    if run.figures is None:
        figures = compute_report(run.kind, run.organization, run.period)
        ReportRun.objects.filter(pk=run.pk, figures__isnull=True).update(figures=figures,
                                                                        computed_at=timezone.now())
    # Read back as stored, so every attempt renders from the same JSON.
    return ReportRun.objects.values_list("figures", flat=True).get(pk=run.pk)


def _hold_job(job_run: JobRun) -> None:
    """Lock the job row while this attempt still owns it (until the transaction ends): an
    attempt taken for dead can neither write nor be queued again meanwhile."""
    if not Job.objects.select_for_update().filter(pk=job_run.job.pk, run_token=job_run.token,
                                                  status=Job.Status.RUNNING).exists():
        raise Superseded


def _store(job_run: JobRun, run: ReportRun, file_format: str, content: bytes) -> None:
    """The run's file of `file_format`, replacing the row and the file an earlier attempt left."""
    name = file_name(run, file_format)
    path = f"{folder_of(run)}/{name}"
    storage = private_storage()
    with transaction.atomic():
        _hold_job(job_run)
        for old in ReportFile.objects.filter(run=run, format=file_format):
            storage.delete(old.file.name)
            old.delete()
        storage.delete(path)  # written by an attempt killed before its row was
        stored = storage.save(path, ContentFile(content))
        ReportFile.objects.create(run=run, format=file_format, file=stored, name=name, size=len(content),
                                  sha256=hashlib.sha256(content).hexdigest())


def _remove_strays(run: ReportRun) -> None:
    """Files in the run's folder that no row names (left by a dead attempt): one set remains."""
    storage = private_storage()
    kept = {stored.rsplit("/", 1)[-1] for stored in run.files.values_list("file", flat=True)}
    try:
        _folders, names = storage.listdir(folder_of(run))
    except FileNotFoundError:
        return
    for name in names:
        if name not in kept:
            storage.delete(f"{folder_of(run)}/{name}")


def _result_link(params: dict) -> tuple[str, str]:
    """The unit's report page, where the run's files are downloaded (no query: lists show it per job)."""
    return _("Xem báo cáo và tải tệp"), reverse("report_unit", args=[params["unit_code"], params["kind"],
                                                                    params["period"]])


REPORT_RUN = JobKind(code=KIND, label=gettext_lazy("Lập báo cáo"), action=Action.REPORT, organization=_unit,
                     run=execute_run, describe=describe, result_link=_result_link)
