"""A Celery worker in its own process, for the tests that kill it: the test kinds of
tests/job_kinds.py registered, the database and broker of the environment.

    python -m tests.job_worker [--beat SCHEDULE_FILE]
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

import tests.job_kinds  # noqa: E402,F401 - registers the test kinds
from portal.celery import app  # noqa: E402

arguments = ["worker", "--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat"]
if "--beat" in sys.argv:
    arguments += ["--beat", "--schedule", sys.argv[sys.argv.index("--beat") + 1]]
app.worker_main(arguments)
