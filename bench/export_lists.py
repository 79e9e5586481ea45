"""A province-wide people list exported to XLSX and CSV, as the people page exports it.

    DATABASE_URL=postgres://… python bench/export_lists.py [--rows N] [--reuse-database]

`measure(rows)` (also called by bench/import_people.py) works in a scratch database beside
DATABASE_URL's (migrated here, dropped afterwards; with --reuse-database in DATABASE_URL's
own), where it creates, if missing, a scratch subtree (a đảng bộ with 60 chi bộ) holding
`rows` people written by COPY (names, dates and jobs drawn like the demo's). Then, each in a
fresh process so that its peak memory is its own, it exports the list `/people/?unit=<that
đảng bộ>` to XLSX and to CSV through the code of the page: a list that long is made by the
export job (portal.spreadsheets.export: the page's filter and selector, a server-side cursor,
openpyxl write-only into a file on disk, the file stored as the job's), run in the process,
timed from the request to the stored file. Baseline in the same run: the same rows only read
through the same cursor, no file written. Goal: each format under 60 s within 300 MB.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, database_url, django_env, manage, peak_rss_mb, report, scratch_database  # noqa: E402

GOAL_SECONDS = 60.0
GOAL_PEAK_MB = 300.0
SUBTREE_CODE = "BENCH-XUAT"
CELLS = 60
USERNAME = "bench-xuat"
CHUNK = 10_000


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


# --- In child processes ------------------------------------------------------------------------


def prepare(rows: int) -> dict:
    """The scratch subtree with `rows` people (those missing are added), and the account that exports."""
    import datetime
    import random

    from django.db import transaction

    from portal import demo, tree
    from portal.bulk import copy_objects
    from portal.models import Ethnicity, Organization, OrgLevel, PartyStatus, Person, TheoryLevel, User

    if not User.objects.filter(username=USERNAME).exists():
        User.objects.create_superuser(username=USERNAME, password=None)
    top = Organization.objects.filter(code=SUBTREE_CODE).first()
    if top is None:
        top = tree.create_organization(code=SUBTREE_CODE, name="Đảng bộ thử xuất danh sách",
                                       level=OrgLevel.objects.get(code="dang-bo-tinh"), parent=None,
                                       established_on=datetime.date(2020, 1, 1))
        for n in range(1, CELLS + 1):
            tree.create_organization(code=f"{SUBTREE_CODE}-{n:02d}", name=f"Chi bộ thử số {n}",
                                     level=OrgLevel.objects.get(code="chi-bo-truc-thuoc"), parent=top,
                                     established_on=datetime.date(2020, 1, 1))
    cells = list(Organization.objects.filter(parent=top).order_by("code"))
    have = Person.objects.filter(organization__path__startswith=top.path).count()
    rng = random.Random(have)
    statuses = list(PartyStatus.objects.filter(code__in=["chinh-thuc", "du-bi"]))
    ethnicities = list(Ethnicity.objects.all())
    kinh = next(e for e in ethnicities if e.code == "kinh")
    levels = [None, *TheoryLevel.objects.all()]
    families = [name for name, _weight in demo.FAMILY_NAMES]
    jobs = [job for group in demo.JOBS.values() for job in group]
    started = time.perf_counter()
    while have < rows:
        people = []
        for i in range(have, min(rows, have + CHUNK)):
            female = rng.random() < 0.45
            middle = demo.FEMALE_MIDDLE if female else demo.MALE_MIDDLE
            given = demo.FEMALE_GIVEN if female else demo.MALE_GIVEN
            admitted = datetime.date(rng.randint(1975, 2024), rng.randint(1, 12), rng.randint(1, 28))
            person = Person(
                full_name=f"{rng.choice(families)} {rng.choice(middle)[0]} {rng.choice(given)}",
                gender="nu" if female else "nam", ethnicity=kinh if rng.random() < 0.85 else rng.choice(ethnicities),
                birth_date=datetime.date(admitted.year - rng.randint(18, 40), rng.randint(1, 12), rng.randint(1, 28)),
                party_status=rng.choice(statuses), admitted_on=admitted,
                official_on=demo.official_date(admitted), party_card_number=f"{90_000_000 + i:09d}",
                organization=cells[i % len(cells)], theory_level=rng.choice(levels),
                job_title=f"{rng.choice(jobs)}, {cells[i % len(cells)].name}")
            person.refresh_derived_names()
            people.append(person)
        with transaction.atomic():
            copy_objects(people)
        have += len(people)
    return {"unit": top.code, "people": have, "seconds": round(time.perf_counter() - started, 1)}


def export(file_format: str, media_root: str) -> dict:
    """The export job of the people page for the scratch subtree, started and run here."""
    from django.conf import settings
    from django.http import QueryDict

    from portal.jobs.models import Job
    from portal.jobs.services import run_job, start_job
    from portal.models import User
    from portal.spreadsheets.export import JOB_KIND, export_params, get_list

    settings.MEDIA_ROOT = media_root
    user = User.objects.get(username=USERNAME)
    started = time.perf_counter()
    # What the page's "Tạo tệp" starts, run here rather than sent to a worker.
    params = export_params(get_list("people"), user, QueryDict(f"unit={SUBTREE_CODE}"), {}, file_format)
    job = start_job(JOB_KIND, params, by=user, send_to_workers=False)
    run_job(job.pk)
    seconds = time.perf_counter() - started
    job = Job.objects.get(pk=job.pk)
    assert job.status == Job.Status.SUCCEEDED, (job.status, job.error)
    (stored,) = job.files.all()
    return {"seconds": round(seconds, 2), "peak_rss_mb": peak_rss_mb(), "bytes": stored.size, "file": stored.name}


def read_only() -> dict:
    """Baseline: the same rows, read through the same cursor and cells, nothing written."""
    from django.http import QueryDict

    from portal.models import User
    from portal.spreadsheets.export import cell_rows, get_list

    export_list = get_list("people")
    rows = export_list.source(User.objects.get(username=USERNAME), QueryDict(f"unit={SUBTREE_CODE}"))
    started = time.perf_counter()
    count = sum(1 for _cells in cell_rows(export_list.columns, rows.rows))
    return {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mb": peak_rss_mb(), "rows": count}


def _child(db_url: str, *args: str) -> dict:
    done = subprocess.run([PYTHON, __file__, "--child", *args], env=django_env(db_url, LOG_LEVEL="WARNING"),
                          capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"export_lists {' '.join(args)} failed with status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- The measure ---------------------------------------------------------------------------------


def _measure_in(db_url: str, rows: int) -> dict:
    prepared = _child(db_url, "prepare", str(rows))
    print(f"scratch subtree {prepared['unit']}: {prepared['people']:,} people "
          f"({prepared['seconds']} s to write those missing)")
    figures = {"rows": prepared["people"]}
    baseline = _child(db_url, "read")
    print(f"baseline, the rows only read (no file): {baseline['seconds']} s, peak RSS {baseline['peak_rss_mb']} MB")
    figures["baseline"] = {"name": "the same rows read through the same cursor, no file", **baseline}
    with tempfile.TemporaryDirectory() as media_root:
        for file_format in ("xlsx", "csv"):
            done = _child(db_url, "export", file_format, media_root)
            print(f"{file_format}: {done['seconds']} s for {prepared['people']:,} rows, file "
                  f"{done['bytes'] / 2**20:.1f} MB, peak RSS {done['peak_rss_mb']} MB ({done['file']})")
            figures[file_format] = done
    figures["export_seconds"] = max(figures["xlsx"]["seconds"], figures["csv"]["seconds"])
    figures["export_peak_rss_mb"] = max(figures["xlsx"]["peak_rss_mb"], figures["csv"]["peak_rss_mb"])
    return figures


def measure(rows: int, *, reuse_database: bool = False) -> dict:
    """Seconds and peak RSS of the export of `rows` people to XLSX and CSV (see the module's doc)."""
    if reuse_database:
        return _measure_in(database_url(), rows)
    with scratch_database(database_url(), "export_lists") as db:
        manage(db, "migrate", "--no-input", quiet=True)
        return _measure_in(db, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--reuse-database", action="store_true",
                        help="work in DATABASE_URL's database (the scratch subtree is kept there)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _setup_django()
        step, *rest = args.child
        outcome = {"prepare": lambda: prepare(int(rest[0])), "export": lambda: export(*rest),
                   "read": read_only}[step]()
        print(json.dumps(outcome))
        return
    figures = measure(args.rows, reuse_database=args.reuse_database)
    goals = {f"{fmt}_seconds": figures[fmt]["seconds"] < GOAL_SECONDS for fmt in ("xlsx", "csv")}
    goals.update({f"{fmt}_peak_rss_mb": figures[fmt]["peak_rss_mb"] < GOAL_PEAK_MB for fmt in ("xlsx", "csv")})
    print("goals: " + ", ".join(f"{name} {'met' if met else 'NOT met'}" for name, met in goals.items()))
    report({"benchmark": "export_lists", **figures, "goal_seconds": GOAL_SECONDS, "goal_peak_rss_mb": GOAL_PEAK_MB,
            "goals_met": goals})


if __name__ == "__main__":
    main()
