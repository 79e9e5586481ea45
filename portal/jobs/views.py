"""Pages of the jobs: "Việc của tôi", a job with its live progress bar (htmx polls the
status fragment until the job ends), cancel."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.jobs import selectors, services


def _context(job):
    return {"job": job, "keep_days": settings.JOB_FILES_KEEP_DAYS}


@login_required
@require_GET
def my_jobs(request):
    jobs = selectors.recent_jobs_of(request.user)
    return render(request, "jobs/my_jobs.html", {
        "jobs": jobs, "any_active": any(job.is_active for job in jobs), "keep_days": settings.JOB_FILES_KEEP_DAYS})


@login_required
@require_GET
def job_detail(request, pk):
    return render(request, "jobs/job_detail.html", _context(selectors.job_for(request.user, pk)))


@login_required
@require_GET
def job_status(request, pk):
    """The fragment the job page polls; it stops polling once the job has ended."""
    return render(request, "jobs/_job_status.html", _context(selectors.job_for(request.user, pk)))


@login_required
@require_POST
def job_cancel(request, pk):
    job = selectors.job_for(request.user, pk)
    if services.cancel_job(job):
        messages.success(request, _("Đã hủy việc “%(kind)s”.") % {"kind": job.kind_label})
    else:
        messages.info(request, _("Việc này đã kết thúc, không còn gì để hủy."))
    return redirect("job_detail", pk=job.pk)
