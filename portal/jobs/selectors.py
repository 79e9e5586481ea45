"""Which jobs a user may see: those he asked for, and those whose unit lies where he may
do the job kind's action (portal.access). 404 for the rest."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from portal import access
from portal.jobs.models import Job, JobFile
from portal.jobs.registry import all_kinds

RECENT_JOBS = 50


def visible_jobs(user) -> QuerySet[Job]:
    return access.started_or_reached(Job.objects.all(), user, owner="requested_by", kind="kind",
                                     actions=[(kind.code, kind.action) for kind in all_kinds()])


def _with_details(jobs: QuerySet[Job]) -> QuerySet[Job]:
    return jobs.select_related("organization", "requested_by__person").prefetch_related(
        Prefetch("files", queryset=JobFile.objects.order_by("name", "id")))


def job_for(user, pk) -> Job:
    job = _with_details(visible_jobs(user)).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def recent_jobs_of(user) -> list[Job]:
    """"Việc của tôi": what the user asked for lately, newest first."""
    return list(_with_details(Job.objects.filter(requested_by_id=user.pk))[:RECENT_JOBS])
