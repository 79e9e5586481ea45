"""Thin tasks over portal.jobs.services; each is safe to run twice or to kill midway."""

from celery import shared_task
from django.conf import settings

from portal.jobs import services


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=settings.JOB_MAX_SECONDS,
             time_limit=settings.JOB_MAX_SECONDS + 60)
def run_job(job_id: int) -> None:
    services.run_job(job_id)


@shared_task(acks_late=True)
def watch_jobs() -> dict[str, int]:
    return services.watch_jobs()


@shared_task(acks_late=True)
def remove_expired_job_files() -> int:
    return services.remove_expired_files()
