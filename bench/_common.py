"""What the benchmarks share: a scratch database on the server of DATABASE_URL, running
manage.py there, and the one JSON line each benchmark ends with (DESIGN.md §5)."""

import argparse
import contextlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("DATABASE_URL is not set: the benchmarks run against a PostgreSQL server.")
    return url


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def connect(url: str):
    return psycopg2.connect(url)


def _server_command(url: str, *statements: str) -> None:
    """CREATE / DROP DATABASE, which cannot run inside a transaction."""
    conn = psycopg2.connect(with_database(url, "postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


@contextlib.contextmanager
def scratch_database(url: str, label: str):
    """A fresh, empty database beside the one of `url`, dropped afterwards."""
    name = f"{database_name(url) or 'portal'}_bench_{label}_{os.getpid()}"
    _server_command(url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    try:
        yield with_database(url, name)
    finally:
        _server_command(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def seeded_database(reuse: bool, label: str, members: int, password: str = "demo12345"):
    """The database to measure: DATABASE_URL as it is (`reuse`), or a scratch one with
    `seed_demo --members N`, dropped afterwards."""
    url = database_url()
    if reuse:
        yield url
        return
    with scratch_database(url, label) as db:
        manage(db, "migrate", "--no-input", quiet=True)
        seconds, _ = manage(db, "seed_demo", "--members", str(members), "--password", password, quiet=True)
        print(f"seeded {members:,} members (and their study data) in {seconds:.1f} s")
        yield db


def seeding_arguments(parser) -> None:
    parser.add_argument("--reuse-database", action="store_true",
                        help="measure the database of DATABASE_URL as it is (already seeded)")
    parser.add_argument("--members", type=int, default=100_000)


@contextlib.contextmanager
def seeded_django(reuse: bool, label: str, members: int, **extra_env: str):
    """`seeded_database`, with Django set up in this process on it (for benchmarks that call
    the code directly); its connections are closed before a scratch database is dropped."""
    with seeded_database(reuse, label, members) as db:
        os.environ.update(django_env(db, **extra_env))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        try:
            yield db
        finally:
            from django.db import connections

            connections.close_all()


def django_env(db_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)})
    env.setdefault("SECRET_KEY", "bench-only-not-secret")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.update(extra)
    return env


def manage(db_url: str, *args: str, quiet: bool = False, **extra_env: str) -> tuple[float, str]:
    """Run `manage.py args` against `db_url`; the seconds it took and its output."""
    started = time.monotonic()
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=django_env(db_url, **extra_env),
                          capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed with status {done.returncode}")
    if not quiet:
        sys.stdout.write(done.stdout)
    return seconds, done.stdout


def count_rows(db_url: str, tables: list[str]) -> dict[str, int]:
    conn = connect(db_url)
    try:
        with conn.cursor() as cur:
            counts = {}
            for table in tables:
                cur.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cur.fetchone()[0]
    finally:
        conn.close()
    return counts


def report(figures: dict) -> None:
    """The last line of every benchmark."""
    print(json.dumps(figures, ensure_ascii=False, sort_keys=True))


def peak_rss_mb() -> float:
    """This process's peak resident memory: Linux's high-water mark of its own memory (VmHWM).
    getrusage's ru_maxrss is carried over exec from the process that started it, so a child
    started by a large bench process would report the parent's size."""
    try:
        with open("/proc/self/status") as status:
            return round(int(re.search(r"VmHWM:\s+(\d+) kB", status.read()).group(1)) / 1024, 1)
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed(function, repeat: int, *, warm_up: bool = False) -> tuple[float, object, list[float]]:
    """The median milliseconds of `repeat` calls (after one untimed call when `warm_up`: caches,
    plans, the first connection), the last call's result and each call's milliseconds."""
    if warm_up:
        function()
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result, times


def selector_versus_sql_main(benchmark: str, description: str, run, *, label: str, repeat: int,
                             baseline: str, goal_ratio: float) -> None:
    """The command line of a benchmark that times a selector beside a hand-written SQL statement
    on a seeded province: `run(repeat)` returns the figures with selector_ms, sql_ms, ratio and
    same_figures; the report ends with the goal and whether it was met."""
    parser = argparse.ArgumentParser(description=description)
    seeding_arguments(parser)
    parser.add_argument("--repeat", type=int, default=repeat)
    args = parser.parse_args()
    with seeded_django(args.reuse_database, label, args.members):
        outcome = run(args.repeat)
    report({
        "benchmark": benchmark,
        **outcome,
        "repeat": args.repeat,
        "baseline": {"name": baseline, "median_ms": outcome["sql_ms"]},
        "goal_ratio": goal_ratio,
        "goal_met": outcome["same_figures"] and outcome["ratio"] <= goal_ratio,
    })
