"""The indicator dashboard (/reports/): for a unit of the user's reach, a kind and a period,
the figures of one computation (reports.indicators, kept by reports.figures_cache) beside
the previous period's, drawn as charts from a JSON data island and written as tables, each
figure linking to the rows behind it, each child unit to its own dashboard."""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.access import Action, reach_of
from portal.asof import Period, children_during, existed_during
from portal.forms import option_tags
from portal.inputs import FIRST_YEAR, id_or
from portal.models import Organization
from portal.selectors import unit_choices, visible_ancestors
from reports import figures_cache
from reports.indicators import figures_by_code
from reports.models import ReportKind
from reports.selectors import report_target
from training.models import Lecturer
from training.selectors.indicators import ADMISSION, PARTY_WORK

DEFAULT_KIND = "ct17"
YEARS_OFFERED = 10


# Part of the cached sections' key: raise it when their markup changes, so that a release
# does not serve the fragments the previous one cached.
SECTIONS_MARKUP = 2


def _url(name: str, *args, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{reverse(name, args=args)}{'?' + query if query else ''}"


def rows_behind(code: str, unit: Organization, period: Period) -> str:
    """The list page, with its filters, that holds the rows a figure counts (figure codes:
    reports.indicators). List pages filter by one year: a longer period links to its last."""
    org, year = unit.code, period.last_year
    prefix, _dot, rest = code.partition(".")
    if prefix == "classes":
        return _url("training_class_list", org=org, year=year, plan="out" if rest == "outside_plan" else "in",
                    type=rest.removeprefix("held.") if rest.startswith("held.") else None)
    if prefix == "learners":
        return _url("training_enrollment_list", org=org, year=year, plan="in",
                    type=rest.removeprefix("type.") if rest.startswith("type.") else None)
    if code == "results.certified":
        return _url("training_certificate_list", org=org, year=year)
    if code == "results.admission_new_share":
        return _url("training_enrollment_list", org=org, year=year, type=ADMISSION, plan="in", certified=0)
    if prefix == "results":
        return _url("training_enrollment_list", org=org, year=year, plan="in", result="dat")
    if prefix == "party_work":
        return _url("training_enrollment_list", org=org, year=year, type=PARTY_WORK, plan="in", result="dat")
    if code == "lecturers.secretaries_share":
        return _url("training_secretaries_not_lectured", org=org, year=year)
    if prefix == "lecturers":
        return _url("training_lecturer_list", org=org, year=year, kind=Lecturer.Kind.PART_TIME)
    if prefix == "grassroots":
        return _url("training_grassroots_without_class", org=org, year=year)
    if prefix == "commitments":
        return _url("commitment_unit", org, year=year)
    if prefix in ("commend", "remind"):
        return _url("study_commend_remind", org, year=year)
    if rest.startswith("document.") and rest.removeprefix("document.").isdigit():
        return _url("study_document_detail", int(rest.removeprefix("document.")))
    return _url("session_list", unit=org, year=year)


@dataclass
class Shown:
    """One indicator as the page shows it: its figures with last period's beside."""

    code: str
    title: str
    figures: list[dict] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)
    by_child: dict | None = None  # the per-child table, rows with their drill-down links
    sentences: list[str] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)


def _number(value):
    """A number for the data island: JSON writes a Decimal as text, which no chart draws."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def shown(value, kind: str = "count") -> str:
    """A figure as the page writes it, in the language's number format ("1.127", "58,2%");
    formatted here, not by a template include per cell: a province's tables hold thousands."""
    if value is None or value == "":
        return "—"
    value = _number(value)
    if kind == "percent":
        return f"{number_format(value, 1)}%"
    if kind == "count" or isinstance(value, int | float | Decimal):
        return number_format(value, 0 if isinstance(value, int) else 1, force_grouping=True)
    return str(value)


def _cells(values: list, columns: list[dict]) -> list[dict]:
    return [{"text": shown(value, column.get("kind", "text")), "num": column.get("kind", "text") != "text"}
            for value, column in zip(values, columns, strict=False)]


def _target_shown(figure: dict) -> str:
    """ "≥ 90%", "2–4": the target a figure is measured on ("—" when none)."""
    target = figure.get("target")
    if not target:
        return "—"
    if target["max"] is None:
        return f"≥ {shown(target['min'], figure['kind'])}"
    return f"{shown(target['min'], figure['kind'])}–{shown(target['max'], figure['kind'])}"


def _figure_shown(figure: dict | None) -> str:
    if figure is None:
        return "—"
    return shown(figure["percent"] if figure["kind"] == "percent" else figure["value"], figure["kind"])


def _shown_table(table: dict, children: list[dict] = ()) -> dict:
    """A table with its cells written out and, in a per-child table, each child's row with its
    dashboard link. Its rows list the children of `children_during` in that order, then the
    unit's own row (reports.indicators), so a row's position names its child."""
    columns = table["columns"]
    rows = []
    for position, row in enumerate(table["rows"]):
        child = children[position] if position < len(children) and children[position]["name"] == row[0] else None
        rows.append({"cells": _cells(row, columns), "child": child})
    total = _cells(table["total"], columns) if table.get("total") else None
    return {**table, "rows": rows, "total": total}


def _split_tables(tables: list[dict], children: list[dict]) -> tuple[dict | None, list[dict]]:
    """The per-child table apart from the others."""
    by_child = next((table for table in tables if table["code"].endswith("by_child")), None)
    others = [_shown_table(table) for table in tables if table is not by_child]
    return (_shown_table(by_child, children) if by_child else None), others


def _charts_of(indicator: dict, previous: dict[str, dict] | None) -> list[dict]:
    """This period beside the previous: shares (in %) on one chart, counts on others, one per
    thing counted (classes apart from learners: hundreds beside tens of thousands would hide)."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for figure in indicator["figures"]:
        counted = figure["code"].split(".")[0] if "." in figure["code"] else indicator["code"]
        groups.setdefault((figure["kind"], counted), []).append(figure)
    charts = []
    kinds = [kind for kind, _counted in groups]
    for (kind, counted), figures in sorted(groups.items(), key=lambda item: item[0][0] != "percent"):
        key = "value" if kind == "count" else "percent"
        caption = _("Tỷ lệ (%)") if kind == "percent" else _("Số lượng")
        if kinds.count(kind) > 1:  # several charts of counts: each named by its first figure
            caption = figures[0]["label"]
        charts.append({
            "id": f"chart-{indicator['code']}-{kind}-{counted}", "kind": kind,
            "labels": [f["label"] for f in figures],
            "caption": f"{indicator['title']}: {caption}", "tall": len(figures) > 4,
            "current": [_number(f[key]) for f in figures],
            "previous": [_number(previous[f["code"]][key]) if f["code"] in previous else None for f in figures]
            if previous is not None else None,
        })
    return charts


def _plain(figure: dict) -> dict:
    return {key: _number(figure.get(key)) for key in ("value", "done", "total", "percent")}


class Sections:
    """The indicators as the page shows them and the charts' data island, built only when the
    page's cached fragment of them is missing (the template reads them inside `{% cache %}`):
    a province's tables are thousands of cells, the costliest part of the page."""

    def __init__(self, user, kind: ReportKind, unit: Organization, period: Period, figures: dict,
                 previous: dict | None):
        self.user, self.kind, self.unit, self.period = user, kind, unit, period
        self.figures, self.previous = figures, previous

    @property
    def key(self) -> str:
        """What the fragment depends on: both computations, the language, and the reach (the
        children's links)."""
        reach = reach_of(self.user)
        parts = (SECTIONS_MARKUP, self.kind.pk, self.unit.pk, self.period, self.figures["computed_at"],
                 self.previous["computed_at"] if self.previous else None, translation.get_language(),
                 reach.everything, reach.paths_for(Action.REPORT))
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    @cached_property
    def _built(self) -> tuple[list[Shown], dict]:
        kind, unit, period = self.kind, self.unit, self.period
        reach = reach_of(self.user)
        previous_by_code = figures_by_code(self.previous)
        children = []
        for row in children_during(unit, period):
            child = row.organization
            link = None
            if reach.allows(Action.REPORT, child.path):
                link = _url("report_dashboard", kind=kind.code, unit=child.code, year=period.last_year,
                            years=period.last_year - period.first_year + 1)
            children.append({"code": child.code, "name": row.name, "url": link})

        indicators, charts, island = [], [], {}
        for indicator in self.figures["indicators"]:
            by_child, tables = _split_tables(indicator.get("tables", []), children)
            rows = []
            for figure in indicator["figures"]:
                before_figure = previous_by_code.get(figure["code"])
                share = None
                if figure["kind"] == "percent" and figure.get("total") is not None:
                    share = f"{shown(figure['done'])}/{shown(figure['total'])}"
                rows.append({**figure, "shown": _figure_shown(figure), "share": share,
                             "previous_shown": _figure_shown(before_figure),
                             "target_shown": _target_shown(figure),
                             "url": rows_behind(figure["code"], unit, period)})
                island[figure["code"]] = {**_plain(figure),
                                          "previous": _plain(before_figure) if before_figure else None}
            indicator_charts = _charts_of(indicator, previous_by_code if self.previous is not None else None)
            indicators.append(Shown(code=indicator["code"], title=indicator["title"], figures=rows, tables=tables,
                                    by_child=by_child, sentences=indicator.get("sentences", []),
                                    charts=indicator_charts))
            charts += indicator_charts
        before = self.previous["period"]["label"] if self.previous else None
        return indicators, {"period": period.label, "previous_period": before, "unit": unit.code,
                            "kind": kind.code, "figures": island, "charts": charts}

    @property
    def indicators(self) -> list[Shown]:
        return self._built[0]

    @property
    def island(self) -> dict:
        return self._built[1]


def dashboard_context(user, kind: ReportKind, unit: Organization, period: Period) -> dict:
    """Everything the page shows for (kind, unit, period), in a constant number of queries;
    only {"computing": True} while a worker computes figures not kept yet."""
    version = figures_cache.data_version()
    figures = figures_cache.cached(kind, unit, period, version=version)
    before = period.previous()
    has_previous = before.start.year >= FIRST_YEAR and existed_during(unit, before)
    previous = figures_cache.cached(kind, unit, before, version=version) if has_previous else None
    if figures is None or (has_previous and previous is None):
        return {"computing": True}
    return {
        "figures": figures, "sections": Sections(user, kind, unit, period, figures, previous),
        "snapshot_day": _day(figures.get("snapshot_day")),
        "previous_period": before if has_previous else None,
    }


def _day(value) -> datetime.date | None:
    """A day of the figures: a date, or its ISO text once the figures went through JSON."""
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def _span_choices(kinds: list[ReportKind], kind_code: str) -> list[tuple[int, str]]:
    kind = next((k for k in kinds if k.code == kind_code), None)
    spans = sorted(kind.spans) if kind and kind.spans else [1]
    return [(n, _("Hằng năm") if n == 1 else _("%(n)d năm") % {"n": n}) for n in spans]


def _default_unit(user) -> Organization | None:
    """The top of the user's reach: the unit the dashboard opens on."""
    reach = reach_of(user)
    units = Organization.objects.filter(active=True)
    if not reach.everything:
        units = units.filter(path__in=reach.paths_for(Action.REPORT))
    return units.order_by("depth", "path").only("code").first()


@login_required
@require_GET
def report_dashboard(request):
    user = request.user
    get = request.GET
    this_year = timezone.localdate().year
    unit_code = get.get("unit", "").strip()
    if not unit_code:
        unit = _default_unit(user)
        if unit is None:
            raise Http404
        unit_code = unit.code
    kind_code = get.get("kind", "").strip() or DEFAULT_KIND
    year = get.get("year", "").strip() or str(this_year - 1)
    years = get.get("years", "").strip()
    try:
        kind, unit, period = report_target(user, kind_code, unit_code, year, years)
    except ValidationError as exc:
        errors = exc.messages
    else:
        errors = None
        if get.get("part") == "children":  # a fragment: none of the page around it
            return _children_table(request, user, kind, unit, period, get.get("indicator", ""))
    kinds = list(ReportKind.objects.order_by("sort_order", "name").only("code", "name", "spans"))
    context = {
        "kinds": kinds, "kind_code": kind_code, "unit_code": unit_code, "year": year, "years": years,
        "year_choices": range(this_year, this_year - YEARS_OFFERED, -1),
        "unit_options": option_tags(unit_choices(user, unit_code), unit_code),
        "span_choices": _span_choices(kinds, kind_code), "span": id_or(years),
    }
    if errors:
        return render(request, "reports/dashboard.html", {**context, "errors": errors}, status=400)
    context.update({
        "kind": kind, "unit": unit, "period": period, "span": period.last_year - period.first_year + 1,
        "ancestors": list(visible_ancestors(user, unit, Action.REPORT).only("code", "name", "depth")),
        "children_url": _url("report_dashboard", kind=kind.code, unit=unit.code, year=period.last_year,
                             years=period.last_year - period.first_year + 1, part="children"),
        **dashboard_context(user, kind, unit, period),
    })
    return render(request, "reports/dashboard.html", context)


def _children_table(request, user, kind, unit, period, code: str):
    """One indicator's table by child unit, fetched when its section is opened: a province's
    hundred children in eight tables would weigh the page down for everyone."""
    sections = dashboard_context(user, kind, unit, period).get("sections")
    indicator = next((item for item in sections.indicators if item.code == code), None) if sections else None
    if indicator is None or indicator.by_child is None:
        raise Http404
    return render(request, "reports/_table.html", {"table": indicator.by_child})


urlpatterns = [
    path("", report_dashboard, name="report_dashboard"),
]
