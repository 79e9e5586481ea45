"""Celery tasks run on a real worker through the Redis broker (no eager mode)."""

import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.celery import app
from portal.tasks import clear_expired_sessions


@pytest.fixture
def worker(transactional_db):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_clear_expired_sessions_on_a_real_worker(worker):
    live = SessionStore()
    live.create()
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(days=1))
    result = clear_expired_sessions.apply_async()
    # No result backend: wait on the database, where the effect is.
    deadline = timezone.now() + datetime.timedelta(seconds=20)
    while Session.objects.filter(session_key=expired.session_key).exists():
        assert timezone.now() < deadline, f"the worker did not run task {result.id}"
    assert Session.objects.filter(session_key=live.session_key).exists()
    # Idempotent: a second run finds nothing more to delete and fails nowhere.
    assert clear_expired_sessions() == 0
