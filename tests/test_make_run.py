"""`make run`'s supervisor (portal.devservices) stops all it started, within 10 s, on SIGINT,
SIGTERM, SIGHUP and a second signal during the shutdown; a start after a hard kill stops what
the killed one left; a runtime.env left by a killed supervisor is ignored.

The supervisor runs for real, with its embedded PostgreSQL and Redis in a temporary data
directory (PORTAL_DATA_DIR), never a developer's `.data/`.
"""

import fcntl
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from portal import devservices

STOP_SECONDS = 10
START_SECONDS = 240  # the first start creates the cluster and migrates, on a loaded machine


class Supervisor:
    def __init__(self, data_dir, port):
        self.data_dir, self.port = data_dir, port
        # As from a developer's shell: no servers, no DEBUG (make test's own environment has both).
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
        env.update(PORTAL_DATA_DIR=str(data_dir), PORT=str(port), PORTAL_SEED_DEMO="0")
        self.log = data_dir / "run.log"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "portal.devservices", "run"], cwd=devservices.ROOT,
                                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.process.pid

    def wait_until_serving(self):
        """Until /healthz answers 200 and the worker has its pool and beat processes."""
        deadline = time.monotonic() + START_SECONDS
        while not (self._healthy() and len(live_processes(self.worker_sessions())) >= 4):
            assert self.process.poll() is None, f"the supervisor ended: {self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"not serving after {START_SECONDS} s: {self.log.read_text()[-3000:]}"
            time.sleep(0.5)

    def _healthy(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def worker_sessions(self):
        return {os.getsid(child.pid) for child in self._children() if "celery" in " ".join(child.cmdline())}

    def _children(self):
        try:
            return psutil.Process(self.pid).children()
        except psutil.NoSuchProcess:
            return []

    def sessions(self):
        """The sessions of everything this run started: each child has its own, PostgreSQL too."""
        postmaster = int((self.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
        return {self.pid, os.getsid(postmaster)} | {os.getsid(child.pid) for child in self._children()}


def live_processes(sessions):
    left = []
    for process in psutil.process_iter(["status"]):
        try:
            if process.info["status"] != psutil.STATUS_ZOMBIE and os.getsid(process.pid) in sessions:
                left.append(process)
        except (ProcessLookupError, psutil.Error):
            continue
    return left


def port_is_free(port):
    with socket.socket() as s:
        # As a server binds: the closed connections in TIME_WAIT do not hold the port, a listener does.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def assert_all_stopped(sessions, port, since):
    while live_processes(sessions) or not port_is_free(port):
        if time.monotonic() - since > STOP_SECONDS:
            left = [f"{p.pid} {' '.join(p.cmdline())}" for p in live_processes(sessions)]
            pytest.fail(f"after {STOP_SECONDS} s, still running: {left}; port {port} free: {port_is_free(port)}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def data_dir():
    # Not under pytest's base directory: a pytest starting meanwhile makes it private again
    # (0700), and PostgreSQL runs as another user when we are root.
    with tempfile.TemporaryDirectory(prefix="portal-make-run-") as directory:
        yield Path(directory)


@pytest.fixture
def start(data_dir):
    """Start supervisors; whatever a failed test leaves running is killed afterwards."""
    started, sessions = [], set()

    def start(port=None):
        supervisor = Supervisor(data_dir, port or devservices.free_port())
        started.append(supervisor)
        supervisor.wait_until_serving()
        sessions.update(supervisor.sessions())
        return supervisor

    yield start
    for supervisor in started:
        sessions.add(supervisor.pid)
    for process in live_processes(sessions):
        process.kill()
    for supervisor in started:
        supervisor.process.wait()


@pytest.mark.parametrize("signals", [
    [signal.SIGINT], [signal.SIGTERM], [signal.SIGHUP], [signal.SIGTERM, signal.SIGINT],
], ids=["ctrl-c", "sigterm", "sighup", "sigterm-then-ctrl-c"])
def test_a_signal_to_the_process_group_stops_everything_within_10_s(start, signals):
    supervisor = start()
    sessions = supervisor.sessions()
    since = time.monotonic()
    for number, signum in enumerate(signals):
        if number:
            time.sleep(0.5)
        os.killpg(supervisor.pid, signum)  # as a terminal, `docker stop` or a service manager sends it
    assert_all_stopped(sessions, supervisor.port, since)
    assert supervisor.process.wait(1) == 0


def test_a_start_after_a_hard_kill_stops_what_the_killed_one_left(start, data_dir):
    killed = start()
    left_behind = killed.sessions()
    os.kill(killed.pid, signal.SIGKILL)  # the supervisor alone: its children run on, in their sessions
    killed.process.wait()
    assert live_processes(left_behind - {killed.pid})
    assert "REDIS_URL" in settings_redis_url(data_dir).stderr  # its runtime.env no longer leads to its servers

    again = start(port=killed.port)  # the port the killed run's web server held
    postmaster_session = os.getsid(int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0]))
    assert not live_processes(left_behind - {postmaster_session})  # PostgreSQL is reused, the rest stopped

    sessions = again.sessions()
    since = time.monotonic()
    os.kill(again.pid, signal.SIGTERM)  # the supervisor alone, then a second signal during its shutdown
    time.sleep(0.5)
    os.kill(again.pid, signal.SIGINT)
    assert_all_stopped(sessions | left_behind, again.port, since)


def test_a_start_after_everything_was_killed_serves(start):
    killed = start()
    for process in live_processes(killed.sessions()):  # PostgreSQL too: its lock files stay behind
        process.kill()
    killed.process.wait()

    again = start(port=killed.port)
    since = time.monotonic()
    os.killpg(again.pid, signal.SIGINT)
    assert_all_stopped(again.sessions(), again.port, since)


def runtime_env_in(directory):
    path = directory / "runtime.env"
    path.write_text("REDIS_URL=redis://127.0.0.1:9/5\n")
    return path


def settings_redis_url(data_dir):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["PORTAL_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.REDIS_URL)"],
        cwd=devservices.ROOT, env=env, capture_output=True, text=True,
    )


def test_a_runtime_env_left_by_a_killed_run_is_ignored_and_removed(tmp_path):
    path = runtime_env_in(tmp_path)  # nobody holds its lock: the supervisor that wrote it is gone
    answer = settings_redis_url(tmp_path)
    assert answer.returncode != 0 and "REDIS_URL" in answer.stderr
    assert not path.exists()


def test_a_runtime_env_of_a_running_supervisor_is_read(tmp_path):
    path = runtime_env_in(tmp_path)
    with open(path) as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as the supervisor holds it while it runs
        answer = settings_redis_url(tmp_path)
    assert answer.stdout.strip() == "redis://127.0.0.1:9/5", answer.stderr
    assert path.exists()


def test_lock_files_of_a_dead_or_foreign_postmaster_are_removed(tmp_path):
    pgdata = tmp_path / "postgres"
    pgdata.mkdir()
    pid_file, socket_lock = pgdata / "postmaster.pid", pgdata / ".s.PGSQL.5432.lock"
    dead = subprocess.Popen(["true"])
    dead.wait()
    handles = pgdata / ".handle_pids.json"
    for pid in [dead.pid, os.getpid()]:  # gone; reused by a program that is not this directory's postgres
        pid_file.write_text(f"{pid}\n{pgdata}\n1700000000\n5432\n{pgdata}\n\n  1 2\nready\n")
        socket_lock.write_text(f"{pid}\n{pgdata}\n1700000000\n5432\n{pgdata}\n")
        handles.write_text(f"[{dead.pid}, {os.getpid()}]")
        devservices.forget_dead_postgres(pgdata)
        assert not pid_file.exists() and not socket_lock.exists()
        assert handles.read_text() == f"[{os.getpid()}]"  # a killed user no longer keeps the server from stopping


def test_make_run_serves_as_production_does(start):
    """DEBUG is off unless asked for: the portal's own error page, not Django's debug page;
    static files still served (from their folders), on plain HTTP."""
    supervisor = start()
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{supervisor.port}/khong-co-trang-nay/", timeout=5)
        raise AssertionError("a missing page answered 200")
    except urllib.error.HTTPError as error:
        page = error.read().decode()
        assert error.code == 404 and "Không tìm thấy trang" in page and "Django tried these URL patterns" not in page
    with urllib.request.urlopen(f"http://127.0.0.1:{supervisor.port}/static/css/portal.css", timeout=5) as css:
        assert css.status == 200 and b"--portal-red" in css.read()
    with urllib.request.urlopen(f"http://127.0.0.1:{supervisor.port}/accounts/login/", timeout=5) as login:
        assert login.status == 200 and login.url.startswith("http://")  # no redirect to HTTPS
    sessions = supervisor.sessions()
    since = time.monotonic()
    os.killpg(supervisor.pid, signal.SIGTERM)
    assert_all_stopped(sessions, supervisor.port, since)
