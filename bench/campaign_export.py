"""A province-wide campaign's follow-up exported to XLSX and to PDF through the worker.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/campaign_export.py [--reuse-database] [--members N] [--repeat N]

Against a province seeded with 100,000 members and its study data (a scratch database,
seeded here, unless --reuse-database says DATABASE_URL already holds one), with a Celery
worker process started here: as the `tuyengiao` account, POST
/api/v1/study-campaigns/<id>/export/ for the province-wide campaign, poll
GET /api/v1/jobs/<id>/ until it has succeeded, and download the file from the link the API
gives. Timed end to end, from the API call to the last byte of the file, `--repeat` times
per format (each a new job: the previous one has ended). In the same run, the baseline:
`campaign_progress` alone, the figures the export is made of. Goal: each format under 10 s.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, ROOT, django_env, report, seeded_django, seeding_arguments  # noqa: E402

GOAL_SECONDS = 10.0


def start_worker(db_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=django_env(db_url, CELERY_QUEUE=QUEUE), start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


QUEUE = "bench_campaign_export"


def run(db_url: str, repeat: int) -> dict:
    from django.test import Client
    from django.utils import timezone

    from portal.access import system_reach
    from portal.models import User
    from resolutions.models import StudyCampaign
    from resolutions.selectors.documents import campaign_progress

    today = timezone.localdate()
    campaign = (StudyCampaign.objects.select_related("organization").filter(
        organization__parent=None, deadline__lt=today).order_by("-deadline").first())
    if campaign is None:
        raise SystemExit("no province-wide campaign with a past deadline: seed the demo first")
    started = time.perf_counter()
    rows = campaign_progress(campaign=campaign, viewer=system_reach(campaign.organization))
    baseline_ms = (time.perf_counter() - started) * 1000
    print(f"campaign {campaign.pk} “{campaign.title}” of {campaign.organization.code}: {len(rows):,} units; "
          f"campaign_progress alone {baseline_ms:.0f} ms")

    client = Client()
    client.force_login(User.objects.get(username="tuyengiao"))
    from portal.jobs.models import Job

    figures = {}
    worker = start_worker(db_url)
    try:
        for file_format in ("xlsx", "pdf"):
            times, sizes, job_seconds = [], [], []
            for _ in range(repeat):
                started = time.perf_counter()
                answer = client.post(f"/api/v1/study-campaigns/{campaign.pk}/export/", {"format": file_format},
                                     content_type="application/json", secure=True)
                assert answer.status_code == 202, answer.content
                url = f"/api/v1/jobs/{answer.json()['id']}/"
                while True:
                    job = client.get(url, secure=True).json()
                    if job["status"] in {"succeeded", "failed", "cancelled"}:
                        break
                    time.sleep(0.05)
                assert job["status"] == "succeeded", job
                download = client.get(job["files"][0]["download"], secure=True)
                size = len(b"".join(download.streaming_content))
                times.append(time.perf_counter() - started)
                sizes.append(size)
                done = Job.objects.get(pk=job["id"])
                job_seconds.append((done.finished_at - done.started_at).total_seconds())
            median = statistics.median(times)
            print(f"{file_format}: end to end median {median:.2f} s over {repeat} runs "
                  f"({', '.join(f'{t:.2f}' for t in times)}); in the worker {statistics.median(job_seconds):.2f} s; "
                  f"file {sizes[-1] / 1024:.0f} KiB")
            figures[file_format] = {"median_s": round(median, 2), "max_s": round(max(times), 2),
                                    "worker_s": round(statistics.median(job_seconds), 2), "bytes": sizes[-1]}
    finally:
        stop(worker)
    return {"campaign": campaign.pk, "units": len(rows), "baseline_progress_ms": round(baseline_ms), **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    seeding_arguments(parser)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with seeded_django(args.reuse_database, "export", args.members, CELERY_QUEUE=QUEUE,
                       ALLOWED_HOSTS="testserver") as db:
        outcome = run(db, args.repeat)
    report({
        "benchmark": "campaign_export",
        **outcome,
        "repeat": args.repeat,
        "baseline": {"name": "campaign_progress alone", "ms": outcome["baseline_progress_ms"]},
        "goal_seconds": GOAL_SECONDS,
        "goal_met": outcome["xlsx"]["max_s"] < GOAL_SECONDS and outcome["pdf"]["max_s"] < GOAL_SECONDS,
    })


if __name__ == "__main__":
    main()
