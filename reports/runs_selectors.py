"""What the pages, the API and the command read about report runs and their files. Every
list goes through the access rule: a run is seen where its unit lies in the reach."""

from django.db.models import Case, Prefetch, QuerySet, When
from django.http import Http404

from portal import access
from portal.asof import Period
from portal.files import download_url
from portal.inputs import id_or
from portal.models import Organization
from reports.models import ReportFile, ReportKind, ReportRun

DOWNLOAD_KEY = "report-file"
# The order the pages, the API and the command give a run's files: XLSX, DOCX, PDF.
FILES_IN_ORDER = ReportFile.objects.order_by(Case(
    When(format=ReportFile.Format.XLSX, then=0), When(format=ReportFile.Format.DOCX, then=1), default=2))


def runs_visible_to(user) -> QuerySet[ReportRun]:
    return access.restrict(ReportRun.objects.all(), user)


def with_details(runs: QuerySet[ReportRun]) -> QuerySet[ReportRun]:
    """Runs with what their pages and the API show, in a constant number of queries."""
    return runs.select_related("kind", "organization", "job").prefetch_related(Prefetch("files", FILES_IN_ORDER))


def run_for(user, pk) -> ReportRun:
    """The run, or 404 when it does not exist or lies outside the user's reach."""
    pk = id_or(pk)
    run = with_details(runs_visible_to(user)).filter(pk=pk).first() if pk else None
    if run is None:
        raise Http404
    return run


def files_visible_to(user) -> QuerySet[ReportFile]:
    return access.restrict(ReportFile.objects.select_related("run"), user)


def run_files(run: ReportRun) -> list[tuple[str, str, str, int]]:
    """(format, name, download URL, size) of each file of the run, XLSX, DOCX, PDF."""
    return [(f.format, f.name, download_url(DOWNLOAD_KEY, f), f.size)
            for f in run.files.all()]


def latest_run(kind: ReportKind, unit: Organization, period: Period) -> ReportRun | None:
    """The newest run of (kind, unit, period), whatever its state (its job says it)."""
    return with_details(ReportRun.objects.filter(kind=kind, organization=unit, period_start=period.start,
                                                 period_end=period.end)).first()

