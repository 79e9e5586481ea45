"""A list of 100,000 people imported from one XLSX, end to end, beside django-import-export's
default import of the same file.

    DATABASE_URL=postgres://… python bench/import_people.py [--rows N] [--sample N] [--export-rows N]

In a scratch database beside DATABASE_URL's (migrated, `seed_demo --members 2000`, dropped
afterwards): a new, empty chi bộ under the province's first đảng bộ and an account that may
manage the province (a "tổ chức" grant). The file: `--rows` people (default 100,000) drawn
with the demo's name generators (portal.demo), dates as Excel dates and, one in ten, as text
dd/mm/yyyy, statuses, genders, ethnic groups and theory levels in words, card numbers not yet
used.

- Fast path (what pages, the API and `import_people` use): `import_file` read with calamine,
  every row validated, the existing people looked up, everything written in one transaction
  with its row history (the triggers, naming the importing user); committed, then counted.
- Default path: `PeopleResource().import_data(dataset, dry_run=False)`, django-import-export's
  default behaviour (tablib reads the XLSX, one row at a time: look-up, full_clean, save,
  history), on a SAMPLE of the file's first `--sample` rows (default 2,000), scaled to rows a
  second; its writes are rolled back so the fast path meets no clash.
- Export: `bench/export_lists.py`'s `measure(rows)` for `--export-rows` rows (default 300,000)
  when that file is present; otherwise "export: not measured".

Each path runs in its own child process, so its peak RSS (VmHWM) is its own, Django
included. Goals: at least 5,000 rows a second end to end, at least 10 times the default
path, peak memory under 500 MB; the export in under 60 s within 300 MB.
"""

import argparse
import datetime
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, ROOT, database_url, django_env, manage, peak_rss_mb, report, scratch_database  # noqa: E402

GOAL_ROWS_PER_S = 5000
GOAL_SPEEDUP = 10
GOAL_PEAK_MB = 500
GOAL_EXPORT_S = 60
GOAL_EXPORT_MB = 300
TARGET_CODE = "BENCH-IMPORT"
SAMPLE_CODE = "BENCH-SAMPLE"
IMPORTER = "bench-importer"
HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Ngày vào Đảng", "Ngày chính thức", "Số thẻ đảng viên",
          "Tình trạng", "Chi bộ", "Chức vụ", "Trình độ lý luận chính trị", "Nghề nghiệp / nơi công tác"]


def people_rows(count: int, taken_cards: set[str], seed: int = 20260301):
    """Realistic rows: names by the demo's generators, dates that agree with each other."""
    from portal import demo

    rng = random.Random(seed)
    family, family_w = zip(*demo.FAMILY_NAMES, strict=True)
    male_mid, male_mid_w = zip(*demo.MALE_MIDDLE, strict=True)
    female_mid, female_mid_w = zip(*demo.FEMALE_MIDDLE, strict=True)
    groups = [(name, demo.MINORITY_SHARE.get(name, demo.TRACE_SHARE)) for name in demo.ETHNIC_GROUPS if name != "Kinh"]
    groups.append(("Kinh", 1000 - sum(weight for _name, weight in groups)))
    ethnic, ethnic_w = zip(*groups, strict=True)
    jobs = [job for kind_jobs in demo.JOBS.values() for job in kind_jobs]
    cards = (card for card in (f"{n:08d}" for n in rng.sample(range(10_000_000, 100_000_000), count + len(taken_cards)))
             if card not in taken_cards)
    today = datetime.date.today()

    def day(value: datetime.date):
        return value.strftime("%d/%m/%Y") if rng.random() < 0.1 else value  # one in ten written as text

    # People without a card are told apart by name and birth date: a row without a card alike
    # another would be one person written twice (a bad row), so the generator draws them apart.
    seen = set()
    for _ in range(count):
        female = rng.random() < 0.45
        middle = rng.choices(female_mid, female_mid_w)[0] if female else rng.choices(male_mid, male_mid_w)[0]
        given = rng.choice(demo.FEMALE_GIVEN if female else demo.MALE_GIVEN)
        name = f"{rng.choices(family, family_w)[0]} {middle} {given}"
        birth = today - datetime.timedelta(days=rng.randint(20 * 365, 70 * 365))
        roll = rng.random()
        admitted = official = card = None
        if roll < 0.03:
            status = "Quần chúng"
        elif roll < 0.10:
            status = "Dự bị"
            admitted = today - datetime.timedelta(days=rng.randint(10, 360))
        else:
            status = rng.choice(["Chính thức", "Đảng viên chính thức", "ĐVCT"])
            admitted = birth + datetime.timedelta(days=rng.randint(18 * 365 + 30, max(18 * 365 + 31, (today - birth).days - 400)))
            official = admitted + datetime.timedelta(days=365)
            card = next(cards)
        while (name, birth) in seen:
            birth -= datetime.timedelta(days=1)
        seen.add((name, birth))
        yield [name, day(birth), "Nữ" if female else rng.choice(["Nam", "nam"]), rng.choices(ethnic, ethnic_w)[0],
               day(admitted) if admitted else None, day(official) if official else None, card, status, None,
               "Chi ủy viên" if rng.random() < 0.01 else None,
               rng.choice(["Sơ cấp", "Trung cấp", "Cao cấp", "Sơ cấp LLCT", None]) if admitted else None,
               f"{rng.choice(jobs)}, Sở Giáo dục và Đào tạo"]


def write_xlsx(path: Path, rows) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append(HEADER)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = "DD/MM/YYYY"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    workbook.save(path)


# --- Setting up the scratch database ----------------------------------------------------------


def prepare(db_url: str) -> set[str]:
    """The empty chi bộ the file goes into, another for the default path's sample, and the
    importing account; the card numbers already in use."""
    os.environ.update(django_env(db_url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    from portal.audit import acting_as
    from portal.models import Grant, Organization, OrgLevel, Person, StaffRole, User
    from portal.tree import create_organization

    try:
        with acting_as(context="bench"):
            province = Organization.objects.get(code="TINH")
            parent = Organization.objects.filter(parent=province, active=True).order_by("path").first()
            cell = OrgLevel.objects.get(code="chi-bo-truc-thuoc")
            for code, name in ((TARGET_CODE, "Chi bộ nhập thử"), (SAMPLE_CODE, "Chi bộ nhập thử (mẫu)")):
                create_organization(code=code, name=name, level=cell, parent=parent,
                                    established_on=datetime.date(2020, 1, 1))
            user = User.objects.create_user(IMPORTER, password="bench-only")
            Grant.objects.create(user=user, organization=province, role=StaffRole.objects.get(code="tochuc"),
                                 started_on=datetime.date(2020, 1, 1))
            return set(Person.objects.exclude(party_card_number=None).values_list("party_card_number", flat=True))
    finally:
        connections.close_all()


# --- The paths, each in its own process ------------------------------------------------------


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def fast_path(path: str) -> dict:
    _django()
    from portal.models import Organization, Person, RowHistory, User
    from portal.spreadsheets.imports import import_file

    user = User.objects.get(username=IMPORTER)
    started = time.perf_counter()
    plan, counts = import_file(user=user, format_code="people", target_id=TARGET_CODE, path=Path(path),
                               dry_run=False)
    seconds = time.perf_counter() - started
    if not plan.ok:
        raise SystemExit(f"the fast path refused the file: {[str(p) for p in plan.problems[:5]]}")
    unit = Organization.objects.get(code=TARGET_CODE)
    stored = Person.objects.filter(organization=unit).count()
    history = RowHistory.objects.filter(table_name="portal_person", actor_id=user.pk, action="I").count()
    return {"rows": plan.total, "seconds": seconds, "created": counts["created"], "stored": stored,
            "history": history, "status_changes": counts["status_changes"], "positions": counts["positions"],
            "peak_rss_mb": peak_rss_mb()}


def default_path(path: str) -> dict:
    _django()
    import tablib
    from django.db import transaction

    from portal.audit import acting_as
    from portal.models import Organization, User
    from portal.spreadsheets.people import PeopleResource

    user = User.objects.get(username=IMPORTER)
    unit = Organization.objects.get(code=SAMPLE_CODE)
    started = time.perf_counter()
    with transaction.atomic(), acting_as(user, "bench default import"):
        with open(path, "rb") as stream:
            dataset = tablib.Dataset().load(stream.read(), format="xlsx")
        result = PeopleResource(target=unit, user=user).import_data(dataset, dry_run=False)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)  # the fast path imports the same people afterwards
    if result.has_errors() or result.has_validation_errors():
        first = (result.invalid_rows[:1] or result.row_errors()[:1])
        raise SystemExit(f"the default path refused the sample: {first}")
    return {"rows": len(dataset), "seconds": seconds, "created": result.totals["new"], "peak_rss_mb": peak_rss_mb()}


def in_child(phase: str, path: Path, db_url: str) -> dict:
    done = subprocess.run([PYTHON, __file__, "--phase", phase, "--file", str(path)], cwd=ROOT,
                          env=django_env(db_url, LOG_LEVEL="WARNING"), capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{phase} failed with status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def export_figures(rows: int) -> dict | None:
    """bench/export_lists.py's measure(rows), when that benchmark is present."""
    source = Path(__file__).resolve().parent / "export_lists.py"
    if not source.exists():
        return None
    spec = importlib.util.spec_from_file_location("export_lists", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000, help="rows of the default path's sample")
    parser.add_argument("--export-rows", type=int, default=300_000, help="0: no export measured")
    parser.add_argument("--phase", choices=["fast", "default"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:  # a child process: one path, its figures as JSON
        print(json.dumps((fast_path if args.phase == "fast" else default_path)(args.file)))
        return

    with scratch_database(database_url(), "import_people") as db, tempfile.TemporaryDirectory() as folder:
        manage(db, "migrate", "--no-input", quiet=True)
        seconds, _out = manage(db, "seed_demo", "--members", "2000", "--password", "bench-only", quiet=True)
        print(f"seeded a small province (2,000 members) in {seconds:.1f} s")
        taken = prepare(db)
        started = time.perf_counter()
        full, sample = Path(folder) / "danh-sach.xlsx", Path(folder) / "mau.xlsx"
        rows = list(people_rows(args.rows, taken))
        write_xlsx(full, rows)
        write_xlsx(sample, rows[: args.sample])
        del rows
        print(f"wrote {args.rows:,} rows ({full.stat().st_size / 2**20:.1f} MB) and a sample of {args.sample:,} "
              f"in {time.perf_counter() - started:.1f} s")

        default = in_child("default", sample, db)
        default_rate = default["rows"] / default["seconds"]
        print(f"default path (django-import-export import_data), a SAMPLE of {default['rows']:,} rows of the same "
              f"file, scaled: {default['seconds']:.1f} s, {default_rate:,.0f} rows/s, peak RSS "
              f"{default['peak_rss_mb']:.0f} MB (rolled back)")
        fast = in_child("fast", full, db)
        rate = fast["rows"] / fast["seconds"]
        print(f"fast path (import_file): {fast['rows']:,} rows read, validated and written with their history in "
              f"{fast['seconds']:.1f} s: {rate:,.0f} rows/s, peak RSS {fast['peak_rss_mb']:.0f} MB; "
              f"{fast['stored']:,} people stored, {fast['status_changes']:,} status changes, "
              f"{fast['positions']:,} positions, {fast['history']:,} person history rows naming the importer")
        assert fast["stored"] == fast["created"] == args.rows == fast["history"], fast

    figures = {"benchmark": "import_people", "rows": args.rows, "rows_per_s": round(rate),
               "seconds": round(fast["seconds"], 2), "peak_rss_mb": fast["peak_rss_mb"],
               "default_rows_per_s": round(default_rate), "default_sample_rows": default["rows"],
               "default_seconds": round(default["seconds"], 2), "default_peak_rss_mb": default["peak_rss_mb"],
               "speedup": round(rate / default_rate, 1)}
    export = export_figures(args.export_rows) if args.export_rows else None
    if export is None:
        print("export: not measured (--export-rows 0, or bench/export_lists.py is not there)")
    else:
        figures["export_rows"] = args.export_rows
        figures["export_seconds"] = export.get("export_seconds", export.get("seconds"))
        figures["export_peak_rss_mb"] = export.get("export_peak_rss_mb", export.get("peak_rss_mb"))
        print(f"export of {args.export_rows:,} rows: {figures['export_seconds']} s, peak RSS "
              f"{figures['export_peak_rss_mb']} MB")
    goals = {"rows_per_s": rate >= GOAL_ROWS_PER_S, "speedup": figures["speedup"] >= GOAL_SPEEDUP,
             "peak_rss_mb": fast["peak_rss_mb"] < GOAL_PEAK_MB}
    if export is not None:
        goals["export_seconds"] = figures["export_seconds"] < GOAL_EXPORT_S
        goals["export_peak_rss_mb"] = figures["export_peak_rss_mb"] < GOAL_EXPORT_MB
    figures["goals_met"] = goals
    print("goals: " + ", ".join(f"{name} {'met' if met else 'NOT met'}" for name, met in goals.items()))
    report(figures)


if __name__ == "__main__":
    main()
