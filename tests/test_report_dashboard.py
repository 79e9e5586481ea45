"""The indicator dashboard (/reports/) on the small province of tests/test_report_figures.py,
with a session of the year before: the same numbers as compute_report for two units (read
from the page's JSON data island and its tables), last year's beside this year's, drill-down
links to the children within reach only, a breadcrumb of the ancestors within reach, 404
outside the reach, a Vietnamese message for a bad kind or year, a constant number of queries,
and the cache that serves the figures without counting again until something is written."""

import datetime
import json
import re
import uuid
from unittest.mock import ANY

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.asof import Period
from reports import figures_cache
from reports.indicators import compute_report
from reports.models import ReportKind
from resolutions.models import Attendance, StudySession
from tests.factories import UserFactory, give_grant, make_unit
from tests.test_report_figures import EXPECTED, PERIOD, YEAR, report_world  # noqa: F401 - the fixture

PREVIOUS = Period.year(YEAR - 1)


@pytest.fixture
def world(report_world):  # noqa: F811 - the fixture imported above
    """report_world, with one session of CB1 in the year before (two of three present)."""
    people = report_world["people"]
    held = StudySession.objects.create(organization=report_world["units"]["CB1"], held_on=datetime.date(YEAR - 1, 6, 3),
                                       kind=StudySession.Kind.REGULAR, format=StudySession.Format.IN_PERSON)
    Attendance.objects.bulk_create([
        Attendance(session=held, person=people["secretary"], status=Attendance.Status.PRESENT),
        Attendance(session=held, person=people["member"], status=Attendance.Status.PRESENT),
        Attendance(session=held, person=people["cb1"], status=Attendance.Status.ABSENT),
    ])
    return report_world


@pytest.fixture(autouse=True)
def _own_cache_entries(settings):
    """A cache prefix of this test's own: the test database is created anew each run, so its
    ids (and the figures' versions) come again, and entries of an earlier run must not."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


def page(client, user, **params):
    client.force_login(user)
    return client.get("/reports/", {"year": YEAR, **params})


def island(response) -> dict:
    found = re.search(r'<script id="report-data" type="application/json">(.*?)</script>', response.content.decode(),
                      re.S)
    assert found, "the page has no data island"
    return json.loads(found.group(1))


def plain(figure: dict) -> dict:
    return {key: figure[key] for key in ("value", "done", "total", "percent")}


def figures_of(report: dict) -> dict:
    return {figure["code"]: plain(figure) for block in report["indicators"] for figure in block["figures"]}


def figure_cell(html: str, code: str) -> str:
    """The text of this period's cell of figure `code` in the page's figures table."""
    row = re.search(rf'<tr data-figure="{re.escape(code)}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return re.sub(r"<[^>]+>", "", cells[0]).strip()


@pytest.mark.parametrize("code", ["TINH", "DBK"])
def test_the_page_shows_the_figures_of_compute_report_beside_last_years(world, client, code):
    unit = world["units"][code]
    kind = ReportKind.objects.get(code="ct17")
    response = page(client, world["users"]["admin"], unit=code)
    assert response.status_code == 200
    data = island(response)
    now, before = figures_of(compute_report(kind, unit, PERIOD)), figures_of(compute_report(kind, unit, PREVIOUS))
    assert {key: {k: v for k, v in shown.items() if k != "previous"} for key, shown in data["figures"].items()} == now
    assert {key: shown["previous"] for key, shown in data["figures"].items()} == {key: before.get(key) for key in now}
    assert data["period"] == "2025" and data["previous_period"] == "2024"
    # The counts worked out by hand in test_report_figures, as the page writes them.
    html = response.content.decode()
    expected = EXPECTED[code]
    assert figure_cell(html, "study.sessions") == str(expected["study.sessions"])
    done, total, percent = expected["study.attendance_share"]
    assert figure_cell(html, "study.attendance_share") == f"{str(percent).replace('.', ',')}% ({done}/{total})"
    # Last year: the one session of CB1, 2 of 3 present.
    assert data["figures"]["study.sessions"]["previous"]["value"] == 1
    assert data["figures"]["study.attendance_share"]["previous"] == {"value": 66.7, "done": 2, "total": 3,
                                                                    "percent": 66.7}
    # Each figure links to the rows behind it, filtered by the unit and the year.
    assert f'href="/study/sessions/?unit={code}&amp;year=2025"' in html
    assert f'href="/training/classes/?org={code}&amp;year=2025&amp;plan=out"' in html
    # The charts are drawn from the island, this year beside last year, with the vendored library.
    chart = next(c for c in data["charts"] if c["id"] == "chart-study-count-study")
    assert chart["current"][0] == expected["study.sessions"] and chart["previous"][0] == 1
    assert "/static/vendor/chartjs/chart.umd.min.js" in html and "cdn" not in html.lower()


def test_vietnamese_number_format_in_tables(world, client):
    # Thousands in a table: 1.200 people expected, written "1.200" (not 1,200 or 1200).
    from reports.views.dashboard import shown

    assert shown(1200) == "1.200" and shown(58.2, "percent") == "58,2%" and shown(None) == "—"
    html = page(client, world["users"]["tuyengiao"], unit="TINH").content.decode()
    assert "68,8%" in html and "Tổng cộng" in html


def test_drill_down_links_go_to_the_children_within_reach_only(world, client):
    u = world["units"]
    # tuyengiao (TINH): the province's children, each to its own dashboard.
    html = page(client, world["users"]["tuyengiao"], unit="TINH").content.decode()
    assert set(re.findall(r'data-child="([^"]+)"', html)) == {"DBK", "DBX"}
    assert f'href="/reports/?kind=ct17&amp;unit=DBK&amp;year={YEAR}&amp;years=1"' in html
    # A staff of DBK only: DBK's children CS1 and CS3; the province neither in the breadcrumb nor linked.
    staff = UserFactory(username="dbk_staff")
    give_grant(staff, u["DBK"], "tuyengiao")
    response = page(client, staff, unit="DBK")
    html = response.content.decode()
    assert set(re.findall(r'data-child="([^"]+)"', html)) == {"CS1", "CS3"}
    assert "unit=TINH" not in html and "unit=DBX" not in html
    crumbs = re.search(r'<ol class="breadcrumb[^"]*">(.*?)</ol>', html, re.S).group(1)
    assert u["TINH"].name not in crumbs and u["DBK"].name in crumbs
    # One step down: CS1, under DBK in the breadcrumb, its cells (CB2 merged in July included).
    html = page(client, staff, unit="CS1").content.decode()
    crumbs = re.search(r'<ol class="breadcrumb[^"]*">(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r'unit=([A-Z0-9]+)', crumbs) == ["DBK"] and u["TINH"].name not in crumbs
    assert set(re.findall(r'data-child="([^"]+)"', html)) == {"CB1", "CB2"}
    # Opening with no unit: the top of the reach.
    assert island(page(client, staff))["unit"] == "DBK"


def test_a_unit_outside_the_reach_is_404(world, client):
    secretary = world["users"]["bithu"]  # bí thư of CB1
    assert page(client, secretary, unit="CB1").status_code == 200
    for code in ("TINH", "DBK", "CB3", "NO-SUCH-UNIT"):
        assert page(client, secretary, unit=code).status_code == 404
    # A member with no unit to report on has no dashboard at all.
    assert page(client, world["users"]["dangvien"]).status_code == 404


@pytest.mark.parametrize("params, message", [
    ({"kind": "xyz"}, "Không có loại báo cáo “xyz”."),
    ({"year": datetime.date.today().year + 1}, "Năm phải là một số từ 1930 đến"),
    ({"year": "hai nghìn"}, "Năm phải là một số từ 1930 đến"),
    ({"kind": "ct17", "years": "3"}, "lập cho kỳ 1 năm"),
])
def test_bad_input_gets_a_vietnamese_message(world, client, params, message):
    response = page(client, world["users"]["tuyengiao"], unit="TINH", **params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'id="report-data"' not in html
    assert 'name="kind"' in html  # the choices stay, to ask again


def test_kl01_over_three_years(world, client):
    response = page(client, world["users"]["tuyengiao"], unit="TINH", kind="kl01", years=3)
    assert response.status_code == 200
    data = island(response)
    assert data["period"] == "2023–2025" and data["previous_period"] == "2020–2022"
    kind = ReportKind.objects.get(code="kl01")
    report = compute_report(kind, world["units"]["TINH"], Period.years(YEAR, 3))
    assert {key: {k: v for k, v in shown.items() if k != "previous"} for key, shown in data["figures"].items()} \
        == figures_of(report)


@pytest.mark.parametrize("code", ["TINH", "CB1"])
def test_queries_do_not_grow_with_the_subtree(world, client, code, django_assert_max_num_queries):
    client.force_login(world["users"]["admin"])
    client.get("/reports/", {"unit": "CB3", "year": YEAR})  # the session and the catalogues warmed
    with django_assert_max_num_queries(MAX_QUERIES_COMPUTING):
        assert client.get("/reports/", {"unit": code, "year": YEAR}).status_code == 200


MAX_QUERIES_COMPUTING = 75  # two reports computed (this period and the previous) and the page
MAX_QUERIES_CACHED = 12


def run_refreshes(kind_code: str, unit, *periods) -> None:
    """What the worker does for the page (reports.tasks.refresh_report_figures)."""
    kind = ReportKind.objects.get(code=kind_code)
    for period in periods:
        figures_cache.refresh(kind.pk, unit.pk, period.start.isoformat(), period.end.isoformat())


def test_the_page_never_computes_a_worker_does_then_it_is_kept_until_something_is_written(
        world, client, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.LIST_COUNT_CACHE_SECONDS = 60
    asked = []
    monkeypatch.setattr("reports.tasks.refresh_report_figures.delay", lambda *args: asked.append(args))
    client.force_login(world["users"]["tuyengiao"])
    unit = world["units"]["TINH"]

    def view():
        with django_capture_on_commit_callbacks(execute=True):  # tasks are sent once the request commits
            return client.get("/reports/", {"unit": "TINH", "year": YEAR})

    # Nothing kept: the page says the figures are being computed, and a worker is asked, once.
    with CaptureQueriesContext(connection) as first:
        response = view()
    assert response.status_code == 200 and "data-computing" in response.content.decode()
    assert "Đang tính số liệu" in response.content.decode() and 'id="report-data"' not in response.content.decode()
    assert len(first) <= MAX_QUERIES_CACHED
    view()
    assert sorted(args[2] for args in asked) == ["2024-01-01", "2025-01-01"]

    run_refreshes("ct17", unit, PERIOD, PREVIOUS)
    with CaptureQueriesContext(connection) as kept:
        data = island(view())
    assert len(kept) <= MAX_QUERIES_CACHED and len(asked) == 2
    assert data["figures"]["study.sessions"] == {"value": 4, "done": None, "total": None, "percent": None,
                                                 "previous": {"value": 1, "done": None, "total": None,
                                                              "percent": None}}

    # A session written: the figures of a minute ago still, and nobody asked to count again in that minute;
    # once it is past, the kept figures while a worker counts again, then the new ones.
    StudySession.objects.create(organization=world["units"]["CB3"], held_on=datetime.date(YEAR, 12, 1),
                                kind=StudySession.Kind.REGULAR, format=StudySession.Format.IN_PERSON)
    assert island(view())["figures"]["study.sessions"]["value"] == 4
    assert len(asked) == 2
    settings.LIST_COUNT_CACHE_SECONDS = 0.001
    assert island(view())["figures"]["study.sessions"]["value"] == 4
    assert len(asked) == 4
    run_refreshes("ct17", unit, PERIOD, PREVIOUS)
    data = island(view())
    assert data["figures"]["study.sessions"]["value"] == 5 and data["figures"]["study.sessions"]["previous"]["value"] == 1
    assert len(asked) == 4  # nothing written since: kept however old


def test_the_refresh_task_runs_on_a_worker_queue(world, settings):
    from reports.tasks import refresh_report_figures

    settings.LIST_COUNT_CACHE_SECONDS = 60
    kind, unit = ReportKind.objects.get(code="ct17"), world["units"]["DBK"]
    refresh_report_figures(kind.pk, unit.pk, PERIOD.start.isoformat(), PERIOD.end.isoformat())  # as the worker calls it
    assert figures_cache.cached(kind, unit, PERIOD, version=figures_cache.data_version()) == \
        {**compute_report(kind, unit, PERIOD), "computed_at": ANY}


def test_a_large_table_by_child_is_fetched_when_opened(world, client):
    """A unit with more children than a screen shows gets its tables by child apart, fetched
    when their section is opened, so the page stays light; they hold the same rows."""
    for n in range(13):
        make_unit(f"Chi bộ ấp số {n}", parent=world["units"]["DBX"])
    html = page(client, world["users"]["tuyengiao"], unit="DBX").content.decode()
    assert 'data-child="CB3"' not in html
    fragment = re.search(r'data-fragment="([^"]+indicator=study)"', html).group(1).replace("&amp;", "&")
    table = client.get(fragment)
    assert table.status_code == 200
    assert 'data-child="CB3"' in table.content.decode() and "<html" not in table.content.decode()
    assert client.get(fragment.replace("indicator=study", "indicator=khong-co")).status_code == 404
