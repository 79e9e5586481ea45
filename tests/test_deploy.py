"""`check --deploy` passes with production settings (DEBUG=false)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
                                                           "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"}}
    env.update(DEBUG="false", SECRET_KEY="x" * 20 + "production-like-secret-key-of-enough-length-1234567890",
               ALLOWED_HOSTS="portal.example.org")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

