"""A job kind for the tests of portal.jobs: steps that take a set time, a half-written
file at the start, optionally a step that raises. Imported by the tests and by the worker
processes they start (tests/job_worker.py)."""

import time

from portal.access import Action
from portal.jobs import JobKind, register_kind
from portal.models import Organization

SLOW = "tests.slow"


def _unit(params):
    return Organization.objects.get(pk=params["unit"])


def _run(run):
    params = run.params
    attempt = run.job.attempts
    run.save_file("nửa chừng.txt", b"written before the work", "text/plain")
    for step in range(params["steps"]):
        run.progress(100 * step // params["steps"], f"Bước {step + 1}/{params['steps']}")
        if params.get("fail_at") == step:
            raise RuntimeError("a step that breaks")
        time.sleep(params["step_seconds"])
    run.save_file("Kết quả thử.txt", f"attempt {attempt}; {params.get('tag', '')}".encode(), "text/plain")


register_kind(JobKind(code=SLOW, label="Việc thử", action=Action.VIEW, organization=_unit, run=_run))
