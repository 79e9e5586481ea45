"""Background jobs: every piece of long work is a `Job` row (DESIGN.md §2).

An app describes a kind of job once and registers it when it is ready:

    from portal.jobs import JobKind, register_kind

    register_kind(JobKind(
        code="study.campaign_export", label=_("Xuất tiến độ học tập"), action=Action.VIEW,
        organization=lambda params: …the unit the job concerns…,
        run=export_campaign,  # run(job_run): calls job_run.progress() and job_run.save_file()
    ))

and starts one with `portal.jobs.services.start_job(kind, params, by=user)`. The state lives in the database;
the broker only carries "run job N", so a lost message or a killed worker loses nothing.
"""

from portal.jobs.registry import JobError, JobKind, register_kind

__all__ = ["JobError", "JobKind", "register_kind"]
