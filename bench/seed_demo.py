"""`seed_demo --members N` into fresh databases, for several N: time, peak memory, rows.

    DATABASE_URL=postgres://… python bench/seed_demo.py [--sizes 100000,500000,1000000]  # the default

For each size a scratch database is created on the DATABASE_URL server, migrated, seeded
by `manage.py seed_demo` as a separate process (as a user would run it) and dropped. For
each: wall seconds, peak resident memory of that process (its own rusage from wait4, not
a sample), rows in every table and the database's size. The first size is the baseline
measured in the same run: seeding grows linearly when seconds per 1,000 members stay
about the same at every size (their ratio to the first near 1), and memory stays bounded
when the peak does not grow with the size. The goal of the issue: under 120 s for 100,000.
Ctrl-C or SIGTERM stops the size being seeded (and drops its database) and still reports
the sizes done, with the others listed as unfinished.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, ROOT, connect, database_url, django_env, manage, report, scratch_database  # noqa: E402

GOAL_SECONDS = 120.0  # for 100,000 members
GOAL_MEMBERS = 100_000
STEP_SECONDS = re.compile(r"trong ([\d.,]+) giây")
PROVINCE_ONLY = ("import time; from portal import demo; started = time.monotonic(); "
                 "result = demo.seed_province(members=%d); "
                 "print(f'{result} trong {time.monotonic() - started:.1f} giây'.replace('.', ','))")


def seed_process(db: str, members: int, province_only: bool = False) -> tuple[float, int, str]:
    """Run `manage.py seed_demo --members N` (or only its province step): its seconds, its
    peak RSS in bytes, its output."""
    command = ["seed_demo", "--members", str(members)]
    if province_only:
        command = ["shell", "-c", PROVINCE_ONLY % members]
    with tempfile.TemporaryFile("w+") as out:
        started = time.monotonic()
        process = subprocess.Popen([PYTHON, "manage.py", *command], cwd=ROOT,
                                   env=django_env(db), stdout=out, stderr=subprocess.STDOUT,
                                   text=True)
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        except KeyboardInterrupt:  # stopped by hand: the seeding too, before its database is dropped
            process.kill()
            process.wait()
            raise
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if process.returncode:
        sys.stderr.write(output)
        raise SystemExit(f"seed_demo --members {members} failed with status {process.returncode}")
    return seconds, usage.ru_maxrss * 1024, output  # Linux gives kilobytes


def count_all_rows(db: str) -> tuple[dict[str, int], int]:
    """Rows in every table that has some, and the database's size in bytes."""
    conn = connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            counts = {}
            for (table,) in cur.fetchall():
                cur.execute(f'SELECT count(*) FROM "{table}"')
                if n := cur.fetchone()[0]:
                    counts[table] = n
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
    finally:
        conn.close()
    return counts, size


def seed_once(url: str, members: int, province_only: bool) -> dict:
    with scratch_database(url, f"seed{members}") as db:
        migrate_seconds, _ = manage(db, "migrate", "--no-input", quiet=True)
        seconds, peak, output = seed_process(db, members, province_only)
        rows, size = count_all_rows(db)
    lines = [line for line in output.splitlines()
             if "giây" in line or line.startswith(("Dữ liệu", "Lịch sử", "SeedResult"))]
    return {"members": members, "seconds": round(seconds, 1), "migrate_seconds": round(migrate_seconds, 1),
            "peak_rss_mb": round(peak / 2**20), "rows": rows, "rows_total": sum(rows.values()),
            "database_mb": round(size / 2**20),
            "seconds_per_1000_members": round(seconds / members * 1000, 3),
            "steps": [{"line": line, "seconds": float(m[1].replace(".", "").replace(",", "."))
                       if (m := STEP_SECONDS.search(line)) else None} for line in lines]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,500000,1000000",
                        help="members to seed, comma-separated, smallest first (the baseline)")
    parser.add_argument("--province-only", action="store_true",
                        help="only the province step (units, people, status history, positions, accounts)")
    args = parser.parse_args()
    try:
        sizes = [int(size) for size in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes: whole numbers separated by commas")
    url = database_url()

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C: report the sizes done
    runs, unfinished = [], []
    for members in sizes:
        try:
            run = seed_once(url, members, args.province_only)
        except KeyboardInterrupt:
            unfinished = sizes[len(runs):]
            print(f"interrupted while seeding {members:,} members: not measured {unfinished}", flush=True)
            break
        runs.append(run)
        base = runs[0]
        run["rate_ratio"] = round(run["seconds_per_1000_members"] / base["seconds_per_1000_members"], 2)
        print(f"seed_demo --members {members:,}{' (province only)' if args.province_only else ''}: "
              f"{run['seconds']:.1f} s, "
              f"{run['seconds_per_1000_members']:.2f} s per 1,000 members (×{run['rate_ratio']:.2f} the rate at "
              f"{base['members']:,}), peak RSS {run['peak_rss_mb']:,} MB, {run['rows_total']:,} rows, "
              f"database {run['database_mb']:,} MB; migrate {run['migrate_seconds']:.1f} s", flush=True)
        for step in run["steps"]:
            print(f"    {step['line']}")
        for table, n in sorted(run["rows"].items(), key=lambda item: -item[1])[:8]:
            print(f"    {table:<36} {n:>12,}")
    if not runs:
        raise SystemExit("no size was measured")
    at_goal = next((r for r in runs if r["members"] == GOAL_MEMBERS), None)
    report({
        "benchmark": "seed_demo" + (" (province only)" if args.province_only else ""),
        "runs": [{key: value for key, value in run.items() if key not in ("rows", "steps")}
                 | {"step_seconds": [step["seconds"] for step in run["steps"]]} for run in runs],
        "baseline": {"members": runs[0]["members"], "seconds_per_1000_members": runs[0]["seconds_per_1000_members"]},
        "largest_rate_ratio": max(run["rate_ratio"] for run in runs),
        "largest_peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "goal_seconds": GOAL_SECONDS,
        "goal_met": at_goal["seconds"] < GOAL_SECONDS if at_goal and not args.province_only else None,
        "unfinished": unfinished,
    })


if __name__ == "__main__":
    main()
