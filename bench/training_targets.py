"""Target progress of the whole demo province, beside a hand-written SQL aggregate of the same figures.

    DATABASE_URL=postgres://… python bench/training_targets.py [--reuse-database] [--members N] [--repeat N]

Against a province seeded with 100,000 members and its training data (a scratch database,
seeded here, unless --reuse-database says DATABASE_URL already holds one): for the
province (`TINH`) and last year (the demo covers it in full), time
`training.selectors.targets.target_progress` (every indicator, whole and per child unit,
and the targets) and `indicators.training_figures` alone, `--repeat` times each; in the
same run, the baseline: the same figures by six SQL statements written by hand, as of the
year (each row's unit joined to its `OrganizationPeriod` of the row's day: the class's
first day, or the year's snapshot day for positions, lecturers and grassroots units; GROUP
BY the child unit, ROLLUP where a person counts once). The two must be equal, figure for
figure and child for child; the run fails otherwise.
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report, seeded_django, seeding_arguments, timed  # noqa: E402

# The child of the unit that held a row, read from the path the row's unit had on the row's day
# (`op`: its OrganizationPeriod then); `op.path LIKE %(like)s`: within the unit's subtree then.
CHILD = "NULLIF(split_part(split_part(op.path, %(marker)s, 2), '/', 1), '')::int"
COVERS = "op.valid_from <= {day} AND (op.valid_to IS NULL OR op.valid_to > {day})"
# An activity's unit on the class's first day; one ended (merged, dissolved) by then, as it last stood.
ON_START = """op.organization_id = {unit} AND (
    op.valid_from <= c.starts_on AND (op.valid_to IS NULL OR op.valid_to > c.starts_on)
    OR op.valid_to <= c.starts_on AND op.valid_to = (SELECT dissolved_on FROM portal_organization WHERE id = {unit}))"""
IN_PLAN = ("JOIN training_planline pl ON pl.id = c.plan_line_id "
           "JOIN training_trainingplan tp ON tp.id = pl.plan_id AND tp.status = 'da_duyet'")
IN_PERIOD = "c.starts_on BETWEEN %(start)s AND %(end)s"

SQL = {
    "classes": f"""
        SELECT {CHILD} AS child, ct.code,
               count(*) FILTER (WHERE tp.status = 'da_duyet'), count(*) FILTER (WHERE tp.status IS DISTINCT FROM 'da_duyet')
          FROM training_trainingclass c
          JOIN portal_organizationperiod op ON {ON_START.format(unit="c.organizer_id")}
          JOIN training_classtype ct ON ct.id = c.class_type_id
          LEFT JOIN training_planline pl ON pl.id = c.plan_line_id
          LEFT JOIN training_trainingplan tp ON tp.id = pl.plan_id
         WHERE op.path LIKE %(like)s AND {IN_PERIOD}
         GROUP BY 1, 2""",
    "learners": f"""
        SELECT {CHILD} AS child, ct.code, count(*),
               count(*) FILTER (WHERE p.gender = 'nu'), count(*) FILTER (WHERE eth.is_minority),
               count(*) FILTER (WHERE e.result = 'dat'),
               count(cert.id) FILTER (WHERE cert.revoked_on IS NULL OR cert.revoked_on > %(snapshot)s)
          FROM training_enrollment e
          JOIN training_trainingclass c ON c.id = e.training_class_id {IN_PLAN}
          JOIN training_classtype ct ON ct.id = c.class_type_id
          JOIN portal_organizationperiod op ON {ON_START.format(unit="e.learner_organization_id")}
          JOIN portal_person p ON p.id = e.person_id
          JOIN portal_ethnicity eth ON eth.id = p.ethnicity_id
          LEFT JOIN training_certificate cert ON cert.enrollment_id = e.id
         WHERE op.path LIKE %(like)s AND {IN_PERIOD}
         GROUP BY 1, 2""",
    "party_work_trained": f"""
        WITH held AS (
            SELECT {CHILD} AS child, pos.person_id
              FROM portal_position pos
              JOIN portal_positionrole r ON r.id = pos.role_id
              JOIN portal_organizationperiod op
                ON op.organization_id = pos.organization_id AND {COVERS.format(day="%(snapshot)s")}
             WHERE op.path LIKE %(like)s AND pos.started_on <= %(snapshot)s
               AND (pos.ended_on IS NULL OR pos.ended_on >= %(snapshot)s)
               AND (r.is_committee_member OR r.code IN ('chu-nhiem-ubkt', 'uy-vien-ubkt'))),
        trained AS (
            SELECT DISTINCT e.person_id
              FROM training_enrollment e
              JOIN training_trainingclass c ON c.id = e.training_class_id {IN_PLAN}
              JOIN training_classtype ct ON ct.id = c.class_type_id AND ct.code = 'nghiep-vu-cong-tac-dang'
             WHERE e.result = 'dat' AND c.starts_on BETWEEN %(term_start)s AND %(end)s)
        SELECT GROUPING(held.child), held.child,
               count(DISTINCT held.person_id) FILTER (WHERE trained.person_id IS NOT NULL),
               count(DISTINCT held.person_id)
          FROM held LEFT JOIN trained ON trained.person_id = held.person_id
         GROUP BY ROLLUP (held.child)""",
    "lecturers_standard": f"""
        SELECT {CHILD} AS child, count(*) FILTER (WHERE l.meets_standard AND (l.standard_checked_on IS NULL
                                                   OR l.standard_checked_on <= %(snapshot)s)), count(*)
          FROM training_lecturer l
          JOIN portal_organizationperiod op
            ON op.organization_id = l.organization_id AND {COVERS.format(day="%(snapshot)s")}
         WHERE op.path LIKE %(like)s AND l.kind = 'kiem_chuc' AND l.started_on <= %(snapshot)s
           AND (l.ended_on IS NULL OR l.ended_on >= %(snapshot)s)
         GROUP BY 1""",
    "secretaries_lectured": f"""
        SELECT {CHILD} AS child,
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM training_lesson ls
                     JOIN training_lecturer lr ON lr.id = ls.lecturer_id
                     JOIN training_trainingclass c ON c.id = ls.training_class_id {IN_PLAN}
                    WHERE lr.person_id = pos.person_id AND ls.held_on BETWEEN %(start)s AND %(end)s)),
               count(*)
          FROM portal_position pos
          JOIN portal_positionrole r ON r.id = pos.role_id AND r.code IN ('bi-thu', 'pho-bi-thu')
          JOIN portal_organizationperiod op
            ON op.organization_id = pos.organization_id AND {COVERS.format(day="%(snapshot)s")}
          JOIN portal_orglevel lv ON lv.id = op.level_id AND lv.code = 'dang-bo-co-so'
         WHERE op.path LIKE %(like)s AND pos.started_on <= %(snapshot)s
           AND (pos.ended_on IS NULL OR pos.ended_on >= %(snapshot)s)
         GROUP BY 1""",
    # The units that held a class: the organizers of the counted classes and every unit above
    # them as the tree stood on the class's first day; the grassroots units as on the snapshot day.
    "grassroots_with_class": f"""
        WITH held AS (
            SELECT DISTINCT unnest(string_to_array(trim(both '/' from op.path), '/'))::bigint AS id
              FROM training_trainingclass c {IN_PLAN}
              JOIN portal_organizationperiod op ON {ON_START.format(unit="c.organizer_id")}
             WHERE {IN_PERIOD})
        SELECT {CHILD} AS child, count(held.id), count(*)
          FROM portal_organizationperiod op JOIN portal_orglevel lv ON lv.id = op.level_id AND lv.is_grassroots
          LEFT JOIN held ON held.id = op.organization_id
         WHERE op.path LIKE %(like)s AND {COVERS.format(day="%(snapshot)s")}
         GROUP BY 1""",
}


def hand_written(cursor, unit, period) -> dict:
    """Every figure by SQL written here: {figure: {child or "all": value}}."""
    import datetime

    params = {"like": f"%/{unit.pk}/%", "marker": f"/{unit.pk}/", "start": period.start, "end": period.end,
              "term_start": datetime.date(period.last_year - 4, 1, 1), "snapshot": period.snapshot_day(unit)}
    figures = {}
    cursor.execute(SQL["classes"], params)
    for child, code, counted, outside in cursor.fetchall():
        for key in (child, "all"):
            if counted:
                figures.setdefault("classes", {}).setdefault(key, Counter())[code] += counted
            figures.setdefault("outside_plan", Counter())[key] += outside
    cursor.execute(SQL["learners"], params)
    for child, code, *counts in cursor.fetchall():
        for name, value in zip(("learners", "women", "minority", "passed", "certified"), counts, strict=True):
            for key in (child, "all"):
                if value:
                    figures.setdefault(name, {}).setdefault(key, Counter())[code] += value
    cursor.execute(SQL["party_work_trained"], params)
    for grouped, child, done, total in cursor.fetchall():
        figures.setdefault("party_work_trained", {})["all" if grouped else child] = (done, total)
    for name in ("lecturers_standard", "secretaries_lectured", "grassroots_with_class"):
        cursor.execute(SQL[name], params)
        for child, done, total in cursor.fetchall():
            shares = figures.setdefault(name, {})
            shares[child] = (done, total)
            old = shares.get("all", (0, 0))
            shares["all"] = (old[0] + done, old[1] + total)
    return figures


def from_selectors(result) -> dict:
    """The same shape from `training_figures`."""
    figures = {"classes": {}, "outside_plan": Counter()}
    parts = [("all", result.classes.total), *result.classes.by_child.items()]
    for key, counts in parts:
        if counts.by_type:
            figures["classes"][key] = Counter(counts.by_type)
        if counts.outside_plan:
            figures["outside_plan"][key] = counts.outside_plan
    for name in ("learners", "women", "minority", "passed", "certified"):
        for key, counts in [("all", result.learners.total), *result.learners.by_child.items()]:
            if +getattr(counts, name):
                figures.setdefault(name, {})[key] = +getattr(counts, name)
    for name in ("party_work_trained", "lecturers_standard", "secretaries_lectured", "grassroots_with_class"):
        breakdown = getattr(result, name)
        shares = {key: (share.done, share.total) for key, share in breakdown.by_child.items()}
        if shares or breakdown.total.total:
            shares["all"] = (breakdown.total.done, breakdown.total.total)
        figures[name] = shares
    return figures


def normalised(figures: dict) -> dict:
    """Without the zeros (a child with nothing to count is absent on one side, 0 on the other)."""
    clean = {}
    for name, values in figures.items():
        kept = {key: (+value if isinstance(value, Counter) else value) for key, value in values.items()
                if value and value != (0, 0)}
        kept = {key: value for key, value in kept.items() if value}
        if kept:
            clean[name] = kept
    return clean


def run(repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from portal.asof import Period
    from portal.models import Organization
    from training.models import Enrollment, TrainingClass, TrainingTarget
    from training.selectors import indicators
    from training.selectors.targets import target_progress

    unit = Organization.objects.get(code="TINH")
    year = timezone.localdate().year - 1
    print(f"{unit.name}, {year}: {TrainingClass.objects.filter(starts_on__year=year).count():,} classes, "
          f"{Enrollment.objects.filter(training_class__starts_on__year=year).count():,} enrolments, "
          f"{unit.children.count()} child units, "
          f"{TrainingTarget.objects.filter(organization=unit, year=year).count()} targets of the province")

    with CaptureQueriesContext(connection) as queries:
        target_progress(unit, year)
    progress_ms, progress, _ = timed(lambda: target_progress(unit, year), repeat)
    figures_ms, result, _ = timed(lambda: indicators.training_figures(unit, Period.year(year)), repeat)

    def baseline():
        with connection.cursor() as cursor:
            return hand_written(cursor, unit, Period.year(year))

    sql_ms, expected, _ = timed(baseline, repeat)
    got, expected = normalised(from_selectors(result)), normalised(expected)
    differences = [name for name in sorted(set(expected) | set(got)) if expected.get(name) != got.get(name)]
    for name in differences:
        print(f"DIFFERENT {name}: selectors {got.get(name)} / SQL {expected.get(name)}")
    total = result.learners.total
    print(f"counted classes {result.classes.total.counted:,} (outside the plan {result.classes.total.outside_plan:,}), "
          f"learners {total.total('learners'):,}, passed {total.total('passed'):,}, "
          f"certificates {total.total('certified'):,}; certified share {result.certified_share.percent}%, "
          f"nghiệp vụ {result.party_work_trained.total.percent}%, lecturers {result.lecturers_standard.total.percent}%, "
          f"secretaries lectured {result.secretaries_lectured.total.percent}%, "
          f"grassroots with a class {result.grassroots_with_class.total.percent}%")
    print(f"target_progress: median {progress_ms:.0f} ms over {repeat} runs, {len(queries)} queries, "
          f"{len(progress)} targets; training_figures alone {figures_ms:.0f} ms; "
          f"hand-written SQL {sql_ms:.0f} ms (ratio {figures_ms / sql_ms:.2f}); equal: {not differences}")
    if differences:
        raise SystemExit(f"the selectors and the hand-written SQL differ on {differences}")
    return {"year": year, "target_progress_ms": round(progress_ms), "training_figures_ms": round(figures_ms),
            "queries": len(queries), "targets": len(progress), "children": len(result.children),
            "counted_classes": result.classes.total.counted, "outside_plan": result.classes.total.outside_plan,
            "learners": total.total("learners"), "baseline_sql_ms": round(sql_ms),
            "ratio_to_baseline": round(figures_ms / sql_ms, 2), "equal": not differences}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    seeding_arguments(parser)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with seeded_django(args.reuse_database, "targets", args.members):
        outcome = run(args.repeat)
    report({"benchmark": "training_targets", "members": args.members, "repeat": args.repeat, **outcome,
            "baseline": {"name": "hand-written SQL of the same figures", "ms": outcome["baseline_sql_ms"]}})


if __name__ == "__main__":
    main()
