"""Background work of the resolutions app: thin tasks that call the services."""

import datetime

from celery import shared_task
from django.utils import timezone

from portal.audit import acting_as
from portal.models import Organization
from resolutions.services import commitments


@shared_task(acks_late=True)
def remind_missing_commitments(year: int | None = None, unit_id: int | None = None) -> int:
    """Remind those who have not filed their commitment for `year` (of one unit, or all).

    Safe to run twice, at once or to kill midway: each person is reminded once per year.
    The daily schedule passes no year: it reminds for the current year, from
    `REMINDERS_START` on, so nobody is reminded in the first weeks of January."""
    today = timezone.localdate()
    if year is None:
        if today < datetime.date(today.year, *commitments.REMINDERS_START):
            return 0
        year = today.year
    unit = Organization.objects.get(pk=unit_id) if unit_id is not None else None
    with acting_as(None, "task remind_missing_commitments"):
        return commitments.send_missing_reminders(year=year, unit=unit)
