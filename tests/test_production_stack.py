"""The compose file describes the production stack the design names (no Docker engine here
to start it, so this reads it)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_services_and_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A portal worker")
    assert services["beat"]["command"].startswith("celery -A portal beat")
    assert int(services["db"]["image"].split(":")[1]) >= 15
    assert services["redis"]["image"].split(":")[1].startswith("7")
    for name in ("db", "redis", "worker", "beat"):
        assert "healthcheck" in services[name], name
    assert {"pgdata", "redisdata", "media"} <= set(compose["volumes"])
    environment = services["web"]["environment"]
    for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "EMAIL_URL"):
        assert variable in environment
    assert environment["DEBUG"] == "false"


def test_dockerfile_runs_gunicorn_as_an_unprivileged_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER portal" in dockerfile and "gunicorn" in dockerfile and "HEALTHCHECK" in dockerfile
