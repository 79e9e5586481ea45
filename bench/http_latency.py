"""Latency of the people list, a unit page and the API list under 16 concurrent clients.

    DATABASE_URL=postgres://… python bench/http_latency.py [--reuse-database] [--members N]
        [--requests N] [--concurrency N] [--workers N]

Against a province seeded with 100,000 members (a scratch database on the DATABASE_URL
server, seeded here, unless --reuse-database says DATABASE_URL already holds one), it
starts gunicorn with production settings (DEBUG=false; only HTTPS redirects and secure
cookies are off, as the benchmark speaks plain HTTP to 127.0.0.1), logs in as
`tuyengiao` (the whole province: the widest reach short of the administrator), and times
each page over a fixed number of requests. Goals: p95 under 250 ms for HTML, under 150 ms
for JSON. `/healthz` (one query to the database, one to Redis) is measured in the same run
as the floor the pages are compared with.
"""

import argparse
import contextlib
import http.client
import json
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, connect, count_rows, django_env, manage, report, seeded_database  # noqa: E402

GOAL_P95_MS = {"html": 250.0, "json": 150.0}
USERNAME = "tuyengiao"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive connection (reopened when gunicorn closes it) with cookies and headers."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        all_headers = {**self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, data


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            Client(port).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


@contextlib.contextmanager
def gunicorn(db_url: str, workers: int, **extra_env: str):
    """The portal under gunicorn as in production (DEBUG=false; only HTTPS redirect and
    secure cookies off, since it speaks plain HTTP to 127.0.0.1): its port, stopped afterwards."""
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    server_env = django_env(
        db_url, DEBUG="false", SECURE_SSL_REDIRECT="false", SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false", ALLOWED_HOSTS="127.0.0.1", STATIC_ROOT=static_root, LOG_LEVEL="WARNING",
        **extra_env)
    manage(db_url, "collectstatic", "--no-input", quiet=True, **{k: server_env[k] for k in ("DEBUG", "STATIC_ROOT")})
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "portal.wsgi:application", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=server_env, start_new_session=True)
    try:
        wait_until_up(port, server)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def log_in(port: int, password: str) -> tuple[dict[str, str], str | None]:
    """The session cookie (HTML pages) and an API token (None if the token endpoint refused)."""
    client = Client(port)
    status, page = client.request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None:
        raise SystemExit(f"login page answered {status}")
    form = urllib.parse.urlencode({"username": USERNAME, "password": password,
                                   "csrfmiddlewaretoken": token.group(1).decode()})
    status, _ = client.request("POST", "/accounts/login/", body=form,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"logging in as {USERNAME} failed (status {status})")
    status, body = Client(port).request("POST", "/api/v1/auth/token/",
                                        body=json.dumps({"username": USERNAME, "password": password}),
                                        headers={"Content-Type": "application/json"})
    api_token = json.loads(body).get("token") if status == 200 else None
    return {"sessionid": client.cookies["sessionid"]}, api_token


def _hammer(port: int, path: str, count: int, concurrency: int, cookies, headers, record) -> float:
    """`count` GETs of `path` shared by `concurrency` threads; the wall time they took."""
    remaining = [count]
    lock = threading.Lock()

    def work():
        client = Client(port, cookies, headers)
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            started = time.perf_counter()
            status, body = client.request("GET", path)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                record(elapsed, status, len(body))

    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def measure(port: int, path: str, *, requests: int, concurrency: int, warmup: int, cookies=None,
            headers=None) -> dict:
    """Timed GETs after `warmup` untimed ones (so every worker has its connections and caches)."""
    _hammer(port, path, warmup, concurrency, cookies, headers, lambda *_: None)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sizes: list[int] = []

    def record(elapsed, status, size):
        latencies.append(elapsed)
        statuses[status] = statuses.get(status, 0) + 1
        sizes.append(size)

    wall = _hammer(port, path, requests, concurrency, cookies, headers, record)
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 1)

    return {"requests": len(latencies), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "mean_ms": round(statistics.fmean(latencies), 1), "max_ms": round(latencies[-1], 1),
            "throughput_rps": round(len(latencies) / wall, 1), "statuses": {str(k): v for k, v in statuses.items()},
            "mean_bytes": round(statistics.fmean(sizes))}


def biggest_unit(db_url: str) -> tuple[str, int]:
    """The đảng bộ trực thuộc with the most people in its subtree."""
    conn = connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("""
                SELECT o.code, count(p.id) FROM portal_organization o
                  JOIN portal_orglevel l ON l.id = o.level_id AND l.code = 'dang-bo-truc-thuoc'
                  JOIN portal_organization c ON c.path LIKE o.path || '%%'
                  JOIN portal_person p ON p.organization_id = c.id
                 GROUP BY o.code ORDER BY 2 DESC LIMIT 1""")
            row = cur.fetchone()
    finally:
        conn.close()
    if row is None:
        raise SystemExit("the database holds no đảng bộ trực thuộc: seed it first")
    return row[0], row[1]


def run(db_url: str, args) -> dict:
    people = count_rows(db_url, ["portal_person"])["portal_person"]
    unit_code, unit_people = biggest_unit(db_url)
    print(f"database: {people:,} people; unit page: {unit_code} ({unit_people:,} people in its subtree)")
    with gunicorn(db_url, args.workers, API_THROTTLE_USER="1000000/minute", API_THROTTLE_TOKEN="1000/minute") as port:
        cookies, token = log_in(port, args.password)
        api_auth = ({"headers": {"Authorization": f"Token {token}"}} if token else {"cookies": cookies})
        targets = [
            ("healthz (floor)", "/healthz", "baseline", {}),
            ("people list", "/people/", "html", {"cookies": cookies}),
            ("people search", "/people/?q=nguyen+van", "html", {"cookies": cookies}),
            ("unit page", f"/units/{unit_code}/", "html", {"cookies": cookies}),
            ("API people list", "/api/v1/people/", "json", api_auth),
        ]
        results = {}
        print(f"gunicorn {args.workers} workers on 127.0.0.1:{port}; {args.concurrency} concurrent clients, "
              f"{args.requests} requests per page; API auth: {'token' if token else 'session'}")
        for name, path, kind, auth in targets:
            figures = measure(port, path, requests=args.requests, concurrency=args.concurrency,
                              warmup=max(2 * args.concurrency, 4 * args.workers), **auth)
            goal = GOAL_P95_MS.get(kind)
            ok = figures["statuses"] == {"200": figures["requests"]}
            figures.update({"path": path, "kind": kind, "goal_p95_ms": goal,
                            "goal_met": None if goal is None else ok and figures["p95_ms"] < goal, "all_200": ok})
            results[name] = figures
            verdict = "" if goal is None else (" goal met" if figures["goal_met"] else " GOAL MISSED")
            print(f"{name:<18} {path:<28} p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms  "
                  f"p99 {figures['p99_ms']:7.1f} ms  {figures['throughput_rps']:6.1f} req/s  "
                  f"{figures['mean_bytes'] / 1024:6.1f} KiB  "
                  f"statuses {figures['statuses']}  goal p95 < {goal or '-'} ms{verdict}")
    return {"people": people, "unit": unit_code, "unit_people": unit_people, "results": results,
            "api_auth": "token" if token else "session"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse-database", action="store_true",
                        help="measure the database of DATABASE_URL as it is (already seeded)")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400, help="timed requests per page")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--password", default="demo12345", help="the demo accounts' password")
    args = parser.parse_args()
    with seeded_database(args.reuse_database, "http", args.members, args.password) as db:
        outcome = run(db, args)
    results = outcome["results"]
    report({
        "benchmark": "http_latency",
        "people": outcome["people"],
        "unit": outcome["unit"],
        "unit_people": outcome["unit_people"],
        "concurrency": args.concurrency,
        "workers": args.workers,
        "requests_per_page": args.requests,
        "api_auth": outcome["api_auth"],
        "goals_p95_ms": GOAL_P95_MS,
        "baseline": {"page": "/healthz", **{k: results["healthz (floor)"][k] for k in ("p50_ms", "p95_ms")}},
        "pages": {name: {k: f[k] for k in ("path", "p50_ms", "p95_ms", "p99_ms", "throughput_rps", "statuses",
                                            "goal_p95_ms", "goal_met")}
                  for name, f in results.items() if f["kind"] != "baseline"},
        "all_goals_met": all(f["goal_met"] for f in results.values() if f["kind"] != "baseline"),
    })


if __name__ == "__main__":
    main()
