"""Attendance page and save of a 300-member chi bộ, with millions of attendance rows in the database.

    DATABASE_URL=postgres://… python bench/attendance.py [--reuse-database] [--members N]
        [--requests N] [--concurrency 1,4] [--workers N]

Against a province seeded with 100,000 members and its study data (about 3 million
attendance rows when run late in the year: a scratch database on the DATABASE_URL server,
seeded here, unless --reuse-database says DATABASE_URL already holds one; sessions are added
until there are at least 2 million rows), it adds a chi bộ with 300 expected members, its
secretary (an account with a bí thư position there) and a session held yesterday, starts
gunicorn with production settings as bench/http_latency.py does, logs in as that secretary
and times GET /study/sessions/<id>/attendance/ (the sheet of 300 lines) and its POST (all
300 lines in one request, a different mix each time; answered by a redirect) at each
concurrency. Goal: p95 under 300 ms for both. `/healthz` is measured in the same run as
the floor.
"""

import argparse
import re
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import count_rows, manage, report, seeded_database  # noqa: E402
from http_latency import Client, gunicorn, measure  # noqa: E402

GOAL_P95_MS = 300.0
MIN_ROWS = 2_000_000
UNIT_SIZE = 300
USERNAME = "bench_bithu"

# Run by `manage.py shell`: the unit, its members and secretary, one session; idempotent.
SETUP = """
import datetime
from django.contrib.auth import get_user_model
from django.utils import timezone
from portal.audit import acting_as
from portal.models import Ethnicity, Organization, OrgLevel, PartyStatus, Person, Position, PositionRole
from portal.tree import create_organization
from resolutions.models import StudySession

today = timezone.localdate()
with acting_as(context="bench"):
    unit = Organization.objects.filter(code="BENCH300").first()
    if unit is None:
        parent = Organization.objects.filter(parent__code="TINH").order_by("sort_order", "id").first()
        unit = create_organization(code="BENCH300", name="Chi bộ Bench 300 đảng viên", parent=parent,
                                   level=OrgLevel.objects.get(code="chi-bo-co-so"),
                                   established_on=datetime.date(2015, 1, 1))
        official = PartyStatus.objects.get(code="chinh-thuc")
        kinh = Ethnicity.objects.order_by("sort_order", "id").first()
        people = [Person(full_name=f"Nguyễn Văn Bench {i:03d}", gender="nam", ethnicity=kinh, party_status=official,
                         admitted_on=datetime.date(2000, 1, 1), official_on=datetime.date(2001, 1, 1),
                         organization=unit) for i in range({size})]
        for person in people:
            person.refresh_derived_names()
        Person.objects.bulk_create(people)
        user = get_user_model().objects.create_user("{username}", password="{password}")
        Person.objects.filter(pk=people[0].pk).update(user=user)
        Position.objects.create(person=people[0], organization=unit, role=PositionRole.objects.get(code="bi-thu"),
                                started_on=datetime.date(2025, 4, 10))
    session = StudySession.objects.filter(organization=unit).first() or StudySession.objects.create(
        organization=unit, held_on=today - datetime.timedelta(days=1), kind="thuong_ky", place="Phòng họp")
print("SESSION", session.pk, sorted(Person.objects.filter(organization=unit).values_list("pk", flat=True)))
"""

# More monthly meetings, with full attendance, for the earliest cells until MIN_ROWS is reached.
TOP_UP = """
from django.db import connection
from portal.audit import acting_as
with acting_as(context="bench"), connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM resolutions_attendance")
    missing = {minimum} - cursor.fetchone()[0]
    months = 0
    while missing > 0:
        months += 1
        cursor.execute(
            "INSERT INTO resolutions_studysession (organization_id, kind, held_on, format, place, presenter, notes,"
            " created_at, updated_at) SELECT id, 'thuong_ky', (date_trunc('year', now()) - %s * interval '1 month')::date,"
            " 'tap_trung', '', '', 'bench', now(), now() FROM portal_organization o"
            " WHERE o.level_id IN (SELECT id FROM portal_orglevel WHERE is_cell)", [months])
        cursor.execute(
            "INSERT INTO resolutions_attendance (session_id, person_id, status, reason, method, updated_at)"
            " SELECT s.id, p.id, 'co_mat', '', 'bi_thu', now() FROM resolutions_studysession s"
            " JOIN portal_person p ON p.organization_id = s.organization_id"
            " JOIN portal_partystatus ps ON ps.id = p.party_status_id AND ps.expected_at_meetings"
            " WHERE s.notes = 'bench' AND s.held_on = (date_trunc('year', now()) - %s * interval '1 month')::date",
            [months])
        missing -= cursor.rowcount
    print("added months", months)
"""


def setup(db_url: str, password: str) -> tuple[int, list[int]]:
    _, output = manage(db_url, "shell", "-c", TOP_UP.replace("{minimum}", str(MIN_ROWS)), quiet=True)
    _, output = manage(db_url, "shell", "-c", SETUP.replace("{size}", str(UNIT_SIZE))
                       .replace("{username}", USERNAME).replace("{password}", password), quiet=True)
    line = next(line for line in output.splitlines() if line.startswith("SESSION"))
    session, people = line.split(" ", 2)[1:]
    return int(session), [int(p) for p in people.strip("[]").split(",")]


def log_in(port: int, password: str) -> dict[str, str]:
    client = Client(port)
    status, page = client.request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    form = urllib.parse.urlencode({"username": USERNAME, "password": password,
                                   "csrfmiddlewaretoken": token.group(1).decode()})
    status, _ = client.request("POST", "/accounts/login/", body=form,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"logging in as {USERNAME} failed (status {status})")
    return dict(client.cookies)


def measure_saves(port: int, path: str, people: list[int], cookies: dict, csrf: str, *, requests: int,
                  concurrency: int, warmup: int) -> dict:
    """POSTs of the whole sheet: each marks a rotating few absent, so every save changes rows."""
    latencies, statuses = [], {}
    lock = threading.Lock()
    counter = [0]

    def body(n: int) -> str:
        fields = [("csrfmiddlewaretoken", csrf)]
        for i, pid in enumerate(people):
            status = "co_mat"
            if (i + n) % 17 == 0:
                status = "vang_co_ly_do"
            elif (i + n) % 41 == 0:
                status = "vang_khong_ly_do"
            fields += [("person", str(pid)), (f"status-{pid}", status),
                       (f"reason-{pid}", "Đi công tác" if status == "vang_co_ly_do" else "")]
        return urllib.parse.urlencode(fields)

    def run(count: int, record: bool) -> float:
        remaining = [count]

        def work():
            client = Client(port, cookies, {"Content-Type": "application/x-www-form-urlencoded",
                                            "Referer": f"http://127.0.0.1:{port}{path}"})
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                    counter[0] += 1
                    n = counter[0]
                data = body(n)
                started = time.perf_counter()
                status, _ = client.request("POST", path, body=data)
                elapsed = (time.perf_counter() - started) * 1000
                if record:
                    with lock:
                        latencies.append(elapsed)
                        statuses[status] = statuses.get(status, 0) + 1

        threads = [threading.Thread(target=work) for _ in range(concurrency)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started

    run(warmup, False)
    wall = run(requests, True)
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 1)

    return {"requests": len(latencies), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "mean_ms": round(statistics.fmean(latencies), 1), "max_ms": round(latencies[-1], 1),
            "throughput_rps": round(len(latencies) / wall, 1), "statuses": {str(k): v for k, v in statuses.items()}}


def run(db_url: str, args) -> dict:
    session, people = setup(db_url, args.password)
    rows = count_rows(db_url, ["resolutions_attendance", "resolutions_studysession", "portal_person"])
    print(f"database: {rows['portal_person']:,} people, {rows['resolutions_studysession']:,} sessions, "
          f"{rows['resolutions_attendance']:,} attendance rows; unit BENCH300 with {len(people)} members, "
          f"session {session}")
    path = f"/study/sessions/{session}/attendance/"
    results = {}
    with gunicorn(db_url, args.workers) as port:
        cookies = log_in(port, args.password)
        status, page = Client(port, cookies).request("GET", path)
        lines = page.count(b'name="person"')
        print(f"GET {path}: status {status}, {len(page) / 1024:.0f} KiB, {lines} lines on the sheet")
        if status != 200 or lines != len(people):
            raise SystemExit("the attendance sheet did not list the unit's members")
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        for concurrency in args.concurrency:
            warmup = max(2 * concurrency, 2 * args.workers)
            floor = measure(port, "/healthz", requests=args.requests, concurrency=concurrency, warmup=warmup)
            page_figures = measure(port, path, requests=args.requests, concurrency=concurrency, warmup=warmup,
                                   cookies=cookies)
            save = measure_saves(port, path, people, cookies, csrf, requests=args.requests,
                                 concurrency=concurrency, warmup=warmup)
            for name, figures, ok_status in [("healthz", floor, "200"), ("page", page_figures, "200"),
                                             ("save", save, "302")]:
                ok = figures["statuses"] == {ok_status: figures["requests"]}
                figures["all_ok"] = ok
                if name != "healthz":
                    figures["goal_met"] = ok and figures["p95_ms"] < GOAL_P95_MS
                results[f"{name} c{concurrency}"] = figures
                verdict = "" if name == "healthz" else (" goal met" if figures["goal_met"] else " GOAL MISSED")
                print(f"{name:<8} concurrency {concurrency}: p50 {figures['p50_ms']:7.1f} ms  "
                      f"p95 {figures['p95_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms  "
                      f"{figures['throughput_rps']:6.1f} req/s  statuses {figures['statuses']}{verdict}")
    return {"rows": rows, "session": session, "unit_members": len(people), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse-database", action="store_true",
                        help="measure the database of DATABASE_URL as it is (already seeded)")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per measure")
    parser.add_argument("--concurrency", default="1,4", help="comma-separated client counts")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--password", default="demo12345")
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    with seeded_database(args.reuse_database, "attendance", args.members, args.password) as db:
        outcome = run(db, args)
    results = outcome["results"]
    report({
        "benchmark": "attendance",
        "attendance_rows": outcome["rows"]["resolutions_attendance"],
        "people": outcome["rows"]["portal_person"],
        "unit_members": outcome["unit_members"],
        "workers": args.workers,
        "requests_per_measure": args.requests,
        "goal_p95_ms": GOAL_P95_MS,
        "baseline": {name: {k: f[k] for k in ("p50_ms", "p95_ms")} for name, f in results.items()
                     if name.startswith("healthz")},
        "measures": {name: {k: f[k] for k in ("p50_ms", "p95_ms", "p99_ms", "throughput_rps", "statuses",
                                              "goal_met")}
                     for name, f in results.items() if not name.startswith("healthz")},
        "all_goals_met": all(f["goal_met"] for name, f in results.items() if not name.startswith("healthz")),
    })


if __name__ == "__main__":
    main()
