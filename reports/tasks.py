"""Background work of the reports app: thin tasks that call the services."""

import datetime

from celery import shared_task
from django.utils import timezone

from portal.audit import acting_as
from reports import figures_cache
from reports.services import calendar


def _day(today: str | None) -> datetime.date:
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


@shared_task(acks_late=True)
def run_reporting_calendar(today: str | None = None) -> dict[str, int]:
    """The daily beat: open the reports whose time has come, remind, mark late (for the
    day `today`, ISO, by default the current one). Safe to run twice or at once."""
    with acting_as(None, "task run_reporting_calendar"):
        return calendar.run_day(_day(today))


@shared_task(acks_late=True)
def refresh_report_figures(kind_id: int, unit_id: int, start: str, end: str) -> None:
    """Compute a report's figures for the dashboard's cache (reports.figures_cache); computing
    twice only writes the same entry again."""
    figures_cache.refresh(kind_id, unit_id, start, end)
