"""Background work of the reports app: thin tasks that call the services."""

import datetime

from celery import shared_task
from django.utils import timezone

from portal.audit import acting_as
from reports.services import calendar


def _day(today: str | None) -> datetime.date:
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


@shared_task(acks_late=True)
def run_reporting_calendar(today: str | None = None) -> dict[str, int]:
    """The daily beat: open the reports whose time has come, remind, mark late (for the
    day `today`, ISO, by default the current one). Safe to run twice or at once."""
    with acting_as(None, "task run_reporting_calendar"):
        return calendar.run_day(_day(today))
