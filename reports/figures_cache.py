"""A report's figures, computed once and reused until what they count changes.

Computing a province's indicators takes a long while (seconds to minutes at 100,000
members), and the dashboard is opened far more often than anything it counts is written.
An entry is keyed by kind, unit, period and the day head counts are taken (today, for a
period under way, so it turns over at midnight). It is reused as long as no audited row has
been written since it was computed (`data_version`: the last row-history id of the tables
the figures count; every table an indicator reads has the history trigger), and after a write it is still served for
LIST_COUNT_CACHE_SECONDS, as the lists' counts are: a busy province recomputes at most once
a minute, an idle one never.

A page never computes: `cached` gives the entry it has, outdated or not, and asks a worker
for a new one when it is missing or outdated (`refresh_later`; one request at a time per
entry). `report_figures` is for a page that must have the figures now.
"""

import datetime
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max

from portal.asof import Period
from portal.figures_cache import cache_key
from portal.models import Organization, RowHistory
from reports.indicators import compute_report
from reports.models import ReportKind

# Bumped when compute_report's dict changes shape, so a release never reads an older entry.
SHAPE = 1
ENTRY_SECONDS = 7 * 24 * 3600
# Longer than a province's computation: a worker killed while computing frees the entry by then.
COMPUTING_SECONDS = 15 * 60


# Audited tables no figure counts: writing them (a run, a submission, a login) keeps the figures.
NOT_COUNTED = ["reports_reportrun", "reports_reportfile", "reports_submission", "portal_user"]


def data_version() -> int:
    """The last row-history id of a table the figures count: it moves with every such write."""
    return RowHistory.objects.exclude(table_name__in=NOT_COUNTED).aggregate(last=Max("id"))["last"] or 0


def _key(kind: ReportKind, unit: Organization, period: Period) -> str:
    return cache_key("report-figures", SHAPE, kind.pk, unit.pk, period.start, period.end, period.snapshot_day(unit))


def _is_current(entry: dict, version: int) -> bool:
    return entry["version"] == version or time.time() - entry["at"] < settings.LIST_COUNT_CACHE_SECONDS


def compute_and_store(kind: ReportKind, unit: Organization, period: Period) -> dict:
    """Compute the figures and keep them under the version read before computing (a write
    during the computation makes the entry outdated at once)."""
    version, started = data_version(), time.time()
    figures = compute_report(kind, unit, period)
    if settings.LIST_COUNT_CACHE_SECONDS > 0:
        cache.set(_key(kind, unit, period), {"version": version, "at": started, "figures": figures}, ENTRY_SECONDS)
    return figures


def refresh(kind_id: int, unit_id: int, start: str, end: str) -> None:
    """The worker's side of `refresh_later` (reports.tasks.refresh_report_figures)."""
    kind, unit = ReportKind.objects.get(pk=kind_id), Organization.objects.get(pk=unit_id)
    period = Period(datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))
    try:
        compute_and_store(kind, unit, period)
    finally:
        cache.delete(f"{_key(kind, unit, period)}:computing")


def refresh_later(kind: ReportKind, unit: Organization, period: Period) -> None:
    """Ask a worker to compute the entry, unless one was asked already."""
    from reports.tasks import refresh_report_figures

    if cache.add(f"{_key(kind, unit, period)}:computing", 1, COMPUTING_SECONDS):
        args = (kind.pk, unit.pk, period.start.isoformat(), period.end.isoformat())
        transaction.on_commit(lambda: refresh_report_figures.delay(*args))


def cached(kind: ReportKind, unit: Organization, period: Period, *, version: int) -> dict | None:
    """The figures kept for (kind, unit, period), None when there are none yet; a worker is
    asked for new ones when they are missing or outdated. Without a cache
    (LIST_COUNT_CACHE_SECONDS = 0, as in tests), computed here."""
    if settings.LIST_COUNT_CACHE_SECONDS <= 0:
        return compute_report(kind, unit, period)
    entry = cache.get(_key(kind, unit, period))
    if entry is None or not _is_current(entry, version):
        refresh_later(kind, unit, period)
    return entry["figures"] if entry is not None else None



def report_figures(kind: ReportKind, unit: Organization, period: Period) -> dict:
    """The figures now, for a page that cannot wait for a worker: the entry when current,
    else computed here (and kept)."""
    if settings.LIST_COUNT_CACHE_SECONDS > 0:
        entry = cache.get(_key(kind, unit, period))
        if entry is not None and _is_current(entry, data_version()):
            return entry["figures"]
    return compute_and_store(kind, unit, period)
