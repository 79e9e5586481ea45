"""/healthz answers 200 when the database and the broker answer, 503 when either is down."""

import socket

from portal.celery import app


def test_healthy(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_broker_down_gives_503(client, db, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{dead}/0")
    app.pool.force_close_all()
    try:
        response = client.get("/healthz")
    finally:
        monkeypatch.undo()
        app.pool.force_close_all()
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


def test_probe_from_inside_a_container_is_answered(client, db, settings):
    """Plain HTTP to 127.0.0.1 with production settings: no redirect, no host error."""
    settings.ALLOWED_HOSTS = ["portal.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
