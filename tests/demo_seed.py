"""The demo province seeded once for a test module: inside a transaction rolled back at the
module's end, with a fast password hasher (seed_demo sets the demo accounts' passwords)."""

import contextlib
import io

from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(members: int) -> str:
    """Run seed_demo; its output."""
    out = io.StringIO()
    call_command("seed_demo", "--members", str(members), stdout=out)
    return out.getvalue()


@contextlib.contextmanager
def seeded_demo(django_db_blocker, members: int):
    from django.apps import apps

    from portal import catalogues as core
    from portal.models import OrgLevel
    from reports import catalogues as report_kinds
    from resolutions import catalogues as study
    from training import catalogues as training

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHING), transaction.atomic():
        if not OrgLevel.objects.exists():  # a transactional test flushed them
            for catalogue in (core, study, training, report_kinds):
                catalogue.load(apps)
        yield seed(members)
        transaction.set_rollback(True)
