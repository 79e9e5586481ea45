"""A report's figures, computed once and reused until what they count changes.

Computing a province's indicators takes seconds, and the dashboard is opened far more often
than anything it counts is written. An entry is keyed by kind, unit, period and the day head
counts are taken (today, for a period under way, so it turns over at midnight). It is reused
as long as no audited row has been written since it was computed (`data_version`: the last
row-history id; every table an indicator reads has the history trigger), and after a write
it is still served for LIST_COUNT_CACHE_SECONDS, as the lists' counts are: a busy province
recomputes at most once a minute, an idle one never. One process computes an entry at a
time; the others show the previous figures meanwhile, or wait for the first ones.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max

from portal.asof import Period
from portal.models import Organization, RowHistory
from reports.indicators import compute_report
from reports.models import ReportKind

# Bumped when compute_report's dict changes shape, so a release never reads an older entry.
SHAPE = 1
ENTRY_SECONDS = 24 * 3600
# Longer than any computation: a process killed while computing frees the entry by then.
COMPUTING_SECONDS = 120
WAIT_STEP_SECONDS = 0.05


def data_version() -> int:
    """The last row-history id: it moves with every write to an audited table."""
    return RowHistory.objects.aggregate(last=Max("id"))["last"] or 0


def _key(kind: ReportKind, unit: Organization, period: Period) -> str:
    parts = (SHAPE, kind.pk, unit.pk, period.start, period.end, period.snapshot_day(unit))
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"report-figures:{connection.settings_dict['NAME']}:{digest}"


def report_figures(kind: ReportKind, unit: Organization, period: Period, *, version: int | None = None) -> dict:
    """`compute_report(kind, unit, period)`, reused as the module says. `version` is the
    caller's `data_version()` when it asks for several reports in one page."""
    fresh_seconds = settings.LIST_COUNT_CACHE_SECONDS
    if fresh_seconds <= 0:
        return compute_report(kind, unit, period)
    if version is None:
        version = data_version()
    key = _key(kind, unit, period)
    entry = cache.get(key)
    if entry is not None and (entry["version"] == version or time.time() - entry["at"] < fresh_seconds):
        return entry["figures"]
    if cache.add(f"{key}:computing", 1, COMPUTING_SECONDS):
        try:
            # The version read before computing: a write during the computation makes the
            # entry outdated at once.
            started = time.time()
            figures = compute_report(kind, unit, period)
            cache.set(key, {"version": version, "at": started, "figures": figures}, ENTRY_SECONDS)
            return figures
        finally:
            cache.delete(f"{key}:computing")
    if entry is not None:
        return entry["figures"]
    deadline = time.time() + COMPUTING_SECONDS
    while time.time() < deadline:
        time.sleep(WAIT_STEP_SECONDS)
        entry = cache.get(key)
        if entry is not None:
            return entry["figures"]
        if cache.get(f"{key}:computing") is None:
            break  # the other process failed: compute here
    return compute_report(kind, unit, period)
