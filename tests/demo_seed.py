"""The demo province seeded once for a test module: inside a transaction rolled back at the
module's end, with a fast password hasher (seed_demo sets the demo accounts' passwords)."""

import contextlib
import io

from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(members: int, *args: str) -> str:
    """Run seed_demo; its output."""
    out = io.StringIO()
    call_command("seed_demo", "--members", str(members), *args, stdout=out)
    return out.getvalue()


def load_catalogues() -> None:
    """The catalogue rows the migrations load, unless they are there: transactional tests
    (live server, Celery worker) flush every table afterwards."""
    from django.apps import apps

    from portal import catalogues as core
    from portal.models import OrgLevel
    from reports import catalogues as reporting
    from resolutions import catalogues as study
    from training import catalogues as training

    if not OrgLevel.objects.exists():
        for catalogue in (core, study, training, reporting):
            catalogue.load(apps)


@contextlib.contextmanager
def seeded_demo(django_db_blocker, members: int):
    # The settings fixture is function-scoped: a module's seed sets the fast hasher itself.
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHING), transaction.atomic():
        load_catalogues()
        yield seed(members)
        transaction.set_rollback(True)
