"""Training figures of a past period count units and people where and as they were then
(issue 9, portal.asof): a cell moved between đảng bộ mid-year, a dissolved unit's last
year, later transfers and reorganisations that must not change a computed year, multi-year
periods; checked against SQL written here, in a constant number of queries."""

import pytest
from django.db import connection

from portal import tree
from portal.asof import Period
from portal.services import transfer_person
from tests.factories import give_position, make_unit
from tests.test_training_targets import YEAR, World, build_world, day
from training.models import Lecturer, Lesson, PlanLine, TargetIndicator, TrainingPlan, TrainingTarget
from training.selectors import indicators

Status = TrainingPlan.Status

# The same figures by hand: the organizer's (or the learner's) unit as the tree stood on the
# class's first day (a unit ended by then: its last period), its child of the unit read from
# the path it had then.
CHILD_THEN = "NULLIF(split_part(split_part(op.path, %(marker)s, 2), '/', 1), '')::int"
ON_START = """op.organization_id = {unit} AND (
    op.valid_from <= c.starts_on AND (op.valid_to IS NULL OR op.valid_to > c.starts_on)
    OR op.valid_to <= c.starts_on AND op.valid_to = (SELECT dissolved_on FROM portal_organization WHERE id = {unit}))"""
IN_PLAN = ("JOIN training_planline pl ON pl.id = c.plan_line_id "
           "JOIN training_trainingplan tp ON tp.id = pl.plan_id AND tp.status = 'da_duyet'")
CLASSES_SQL = f"""
    SELECT {CHILD_THEN}, count(*)
      FROM training_trainingclass c {IN_PLAN}
      JOIN portal_organizationperiod op ON {ON_START.format(unit="c.organizer_id")}
     WHERE c.starts_on BETWEEN %(start)s AND %(end)s AND op.path LIKE %(like)s
     GROUP BY 1"""
LEARNERS_SQL = f"""
    SELECT {CHILD_THEN}, count(*)
      FROM training_enrollment e
      JOIN training_trainingclass c ON c.id = e.training_class_id {IN_PLAN}
      JOIN portal_organizationperiod op ON {ON_START.format(unit="e.learner_organization_id")}
     WHERE c.starts_on BETWEEN %(start)s AND %(end)s AND op.path LIKE %(like)s
     GROUP BY 1"""


def by_hand(sql, unit, period) -> dict:
    """{child id or None: count} by the SQL above."""
    with connection.cursor() as cursor:
        cursor.execute(sql, {"marker": f"/{unit.pk}/", "like": f"%/{unit.pk}/%", "start": period.start,
                             "end": period.end})
        return dict(cursor.fetchall())


def counted_by_child(figures) -> tuple[dict, dict]:
    """Classes and learners of `figures` per child, without the zeros, as by_hand gives them."""
    classes = {child: part.counted for child, part in figures.classes.by_child.items() if part.counted}
    learners = {child: part.total("learners") for child, part in figures.learners.by_child.items()
                if part.total("learners")}
    return classes, learners


def assert_equal_to_sql(unit, period):
    figures = indicators.training_figures(unit, period)
    classes, learners = counted_by_child(figures)
    assert classes == by_hand(CLASSES_SQL, unit, period), unit.code
    assert learners == by_hand(LEARNERS_SQL, unit, period), unit.code
    assert figures.classes.total.counted == sum(classes.values())
    assert figures.learners.total.total("learners") == sum(learners.values())
    return figures


@pytest.fixture
def world(province):
    return build_world(province)


@pytest.fixture
def moved_cell(world):
    """A chi bộ cơ sở of DBK moved under DBX on 1 July, with a class and learners on each side."""
    w = world
    u = w.units
    u["CANG"] = make_unit("Chi bộ cơ sở Cảng", parent=u["DBK"], code="CANG", level_code="chi-bo-co-so")
    line = w.plan("CANG", Status.APPROVED, ["chuyen-de"])["chuyen-de"]
    w.march, w.september = w.klass("CANG", "chuyen-de", line, day(3)), w.klass("CANG", "chuyen-de", line, day(9))
    w.enrol(w.march, w.person("CANG", gender="nu"))  # → DBK
    w.enrol(w.march, w.person("CB3"))  # a learner of DBX in CANG's class: DBX, whoever held it
    w.enrol(w.september, w.person("CANG", minority=True))  # → DBX
    w.outside = w.klass("CANG", "chuyen-de", None, day(10))  # no plan line: DBX's, outside the plan
    tree.move_organization(u["CANG"], new_parent=u["DBX"], effective_on=day(7))
    u["CANG"].refresh_from_db()
    return w


def test_a_cell_moved_on_1_july_counts_before_for_its_old_superior_after_for_its_new(moved_cell):
    u = moved_cell.units
    cang, dbk, dbx = u["CANG"].pk, u["DBK"].pk, u["DBX"].pk
    period = Period.year(YEAR)
    province = assert_equal_to_sql(u["TINH"], period)
    old, new = assert_equal_to_sql(u["DBK"], period), assert_equal_to_sql(u["DBX"], period)
    cell = assert_equal_to_sql(u["CANG"], period)

    # The world's own classes, learners (of the year), plus CANG's two and three.
    assert old.classes.of(cang, indicators.ClassCounts()).by_type == {"chuyen-de": 1}
    assert new.classes.of(cang, indicators.ClassCounts()).by_type == {"chuyen-de": 1}
    assert new.classes.of(cang, indicators.ClassCounts()).outside_plan == 1
    assert old.classes.of(cang, indicators.ClassCounts()).outside_plan == 0
    assert cell.classes.total.counted == 2 and cell.learners.total.total("learners") == 2  # not the CB3 learner
    assert province.classes.total.counted == 6 + 2
    assert (province.classes.by_child[dbk].counted, province.classes.by_child[dbx].counted) == (3 + 1, 3 + 1)
    assert old.learners.by_child[cang].women == {"chuyen-de": 1} and not old.learners.by_child[cang].minority
    assert new.learners.by_child[cang].minority == {"chuyen-de": 1} and not new.learners.by_child[cang].women
    assert province.learners.total.total("learners") == 14 + 3

    # Children of some day of the year: CANG under both; head counts at 31/12: CANG under DBX only.
    assert cang in [child.organization_id for child in old.children]
    assert cang in [child.organization_id for child in new.children]
    assert new.grassroots_with_class.by_child[cang] == indicators.Share(1, 1)  # its September class
    assert cang not in old.grassroots_with_class.by_child
    # On 31/12: CS1, CS2 (its CB4's class) and CANG (its September class) of CS1–CS4 and CANG.
    assert province.grassroots_with_class.total == indicators.Share(3, 5)


def test_a_figure_of_last_year_does_not_move_with_later_transfers_and_reorganisations(moved_cell):
    """Computed, then people transferred, a cell merged, a đảng bộ cơ sở moved and another
    dissolved during the next year: every figure of the year the same, child for child."""
    w, u = moved_cell, moved_cell.units
    # Held on 31/12 in units that end next year: counted in the year all the same.
    give_position(w.person("CB2"), u["CB2"], "cap-uy-vien")
    Lecturer.objects.create(person=w.person("CS4"), organization=u["CS4"], kind=Lecturer.Kind.PART_TIME,
                            meets_standard=False, started_on=day(1))
    units = ["TINH", "DBK", "DBX", "CS1", "CS2", "CANG", "CB1", "CB2", "CS4"]
    periods = [Period.year(YEAR), Period.years(YEAR, 3)]
    before = {(code, period): indicators.training_figures(u[code], period) for code in units for period in periods}
    names_before = {key: [(c.organization_id, c.name) for c in figures.children] for key, figures in before.items()}

    next_year = YEAR + 1
    for person in list(u["CB2"].people.all())[:2] + list(u["CS4"].people.all()):
        transfer_person(person, to_organization=u["CB3"], transferred_on=day(1, 15, next_year))
    tree.merge_organizations([u["CB2"]], into=u["CB1"], effective_on=day(2, 1, next_year))
    tree.move_organization(u["CS1"], new_parent=u["DBX"], effective_on=day(3, 1, next_year))
    tree.move_organization(u["CANG"], new_parent=u["TINH"], effective_on=day(3, 1, next_year))
    tree.rename_organization(u["DBK"], new_name="Đảng bộ Các cơ quan Đảng tỉnh", effective_on=day(3, 1, next_year))
    tree.dissolve_organization(u["CS4"], effective_on=day(4, 1, next_year))

    for code in units:
        u[code].refresh_from_db()
    after = {(code, period): indicators.training_figures(u[code], period) for code in units for period in periods}
    assert before[("DBK", Period.year(YEAR))].lecturers_standard.by_child[u["CS4"].pk] == indicators.Share(0, 1)
    assert before[("CS1", Period.year(YEAR))].party_work_trained.by_child[u["CB2"].pk] == indicators.Share(0, 1)
    assert after == before
    assert {key: [(c.organization_id, c.name) for c in figures.children] for key, figures in after.items()} == \
        names_before
    # The selectors' current-tree reading would have moved CS1's classes from DBK to DBX, and the
    # SQL of this file agrees with the figures after the changes as before.
    for code in ("TINH", "DBK", "DBX"):
        assert_equal_to_sql(u[code], Period.year(YEAR))
    assert w.units["CS4"].active is False


def test_a_multi_year_period_counts_the_classes_starting_within_it(world):
    u = world.units
    three = assert_equal_to_sql(u["TINH"], Period.years(YEAR, 3))
    one = indicators.training_figures(u["TINH"], Period.year(YEAR))
    # CS1's nghiệp vụ class of two years before, besides the year's six; not next year's.
    assert three.classes.total.counted == one.classes.total.counted + 1 == 7
    assert three.classes.total.by_type["nghiep-vu-cong-tac-dang"] == 2
    assert three.party_work_trained == one.party_work_trained  # the same term, the same day
    next_year = indicators.training_figures(u["TINH"], Period.year(YEAR + 1))
    assert next_year.classes.total.counted == 1


def test_a_dissolved_unit_keeps_its_figures_for_its_last_year(province):
    w = World(province)
    u = w.units
    u["CS9"] = make_unit("Đảng bộ cơ sở Nông trường", parent=u["DBX"], code="CS9", level_code="dang-bo-co-so")
    line = w.plan("CS9", Status.APPROVED, ["chuyen-de"])["chuyen-de"]
    secretary, learner = w.person("CS9"), w.person("CS9", gender="nu")
    give_position(secretary, u["CS9"], "bi-thu")
    lecturer = Lecturer.objects.create(person=secretary, organization=u["CS9"], kind=Lecturer.Kind.PART_TIME,
                                       meets_standard=True, started_on=day(1, year=YEAR - 1))
    klass = w.klass("CS9", "chuyen-de", line, day(2))
    w.enrol(klass, learner, "dat")
    Lesson.objects.create(training_class=klass, number=1, title="Bài 1", held_on=day(2, 2), lecturer=lecturer)
    for person in (secretary, learner):
        transfer_person(person, to_organization=u["CB3"], transferred_on=day(6, 20))
    tree.dissolve_organization(u["CS9"], effective_on=day(7))
    u["CS9"].refresh_from_db()

    period = Period.year(YEAR)
    assert period.snapshot_day(u["CS9"]) == day(6, 30)
    own = assert_equal_to_sql(u["CS9"], period)
    assert own.classes.total.counted == 1 and own.learners.total.total("passed") == 1
    assert own.party_work_trained.total == indicators.Share(0, 1)  # its bí thư on 30/06, not trained
    assert own.lecturers_standard.total == indicators.Share(1, 1)
    assert own.secretaries_lectured.total == indicators.Share(1, 1)
    assert own.grassroots_with_class.by_child == {None: indicators.Share(1, 1)}
    assert own.children == []

    # Its superior lists it among the year's children, with its class; at 31/12 it was no more.
    superior = assert_equal_to_sql(u["DBX"], period)
    assert {(c.organization_id, c.name) for c in superior.children} == {
        (u["CB3"].pk, "Chi bộ ấp Tân Lập"), (u["CS2"].pk, "Đảng bộ xã Tân Phú"),
        (u["CS9"].pk, "Đảng bộ cơ sở Nông trường")}
    assert superior.classes.by_child[u["CS9"].pk].counted == 1
    assert u["CS9"].pk not in superior.lecturers_standard.by_child
    assert u["CS9"].pk not in superior.grassroots_with_class.by_child
    # Its next year: nothing.
    assert indicators.training_figures(u["CS9"], Period.year(YEAR + 1)).classes.total.counted == 0


def test_a_learner_nominated_from_a_cell_merged_before_his_class_counts_where_it_last_stood(world):
    """CB2 (under CS1, DBK) merged into CB3 (DBX) on 1 July; its member, nominated on 20 June
    for a class of DBX starting on 10 July, counts for CS1 and DBK, not nowhere."""
    u = world.units
    line = PlanLine.objects.get(plan__organization=u["DBX"], plan__status=Status.APPROVED, class_type__code="chuyen-de")
    klass = world.klass("DBX", "chuyen-de", line, day(7, 10))
    world.enrol(klass, world.person("CB2", gender="nu"))
    tree.merge_organizations([u["CB2"]], into=u["CB3"], effective_on=day(7))
    period = Period.year(YEAR)
    cs1, dbk, province = (assert_equal_to_sql(u[code], period) for code in ("CS1", "DBK", "TINH"))
    assert cs1.learners.by_child[u["CB2"].pk].women["chuyen-de"] == 1
    assert province.learners.by_child[u["DBK"].pk].learners["chuyen-de"] == 1
    assert province.classes.by_child[u["DBX"].pk].by_type["chuyen-de"] == 3  # with DBX's and CB4's
    assert province.learners.total.total("learners") == 14 + 1


def test_the_pages_of_a_past_year_show_the_children_of_then(client, moved_cell, province):
    """The targets page of DBK for the year lists CANG (moved away since 1 July) by its name."""
    client.force_login(province["users"]["admin"])
    TrainingTarget.objects.create(organization=moved_cell.units["DBK"], year=YEAR,
                                  indicator=TargetIndicator.CLASSES, value=1)
    page = client.get(f"/training/targets/?org=DBK&year={YEAR}")
    assert page.status_code == 200
    children = {child.unit.code: child.figure for child in page.context["progress"][0].children}
    assert children["CANG"] == 1 and children["CS1"] == 3
    assert "Chi bộ cơ sở Cảng" in page.content.decode()


@pytest.mark.parametrize("size", [1, 12])
def test_the_figures_cost_the_same_queries_whatever_the_subtree(moved_cell, django_assert_max_num_queries, size):
    w, u = moved_cell, moved_cell.units
    for i in range(size):
        code = f"X{i}"
        u[code] = make_unit(f"Đảng bộ cơ sở {i}", parent=u["DBX"], code=code, level_code="dang-bo-co-so")
        cell = make_unit(f"Chi bộ {i}", parent=u[code], code=f"Y{i}")
        u[cell.code] = cell
        line = w.plan(code, Status.APPROVED, ["chuyen-de", "nghiep-vu-cong-tac-dang"])
        w.enrol(w.klass(code, "chuyen-de", line["chuyen-de"]), w.person(cell.code))
        secretary = w.person(code)
        give_position(secretary, u[code], "bi-thu")
        w.enrol(w.klass(code, "nghiep-vu-cong-tac-dang", line["nghiep-vu-cong-tac-dang"]), secretary, "dat")
        Lecturer.objects.create(person=secretary, organization=u[code], kind=Lecturer.Kind.PART_TIME,
                                meets_standard=True, started_on=day(1))
        if i % 2:
            tree.move_organization(cell, new_parent=u["CS2"], effective_on=day(8))
    for unit in (u["TINH"], u["DBX"], u["CB1"]):
        with django_assert_max_num_queries(8):
            figures = indicators.training_figures(unit, Period.year(YEAR))
    assert figures.unit == u["CB1"]
    dbx = assert_equal_to_sql(u["DBX"], Period.year(YEAR))
    assert dbx.secretaries_lectured.total.total == 1 + size  # CS2's and each new đảng bộ cơ sở's
    assert dbx.party_work_trained.total.done == 1 + size  # CS2's UBKT member and each new bí thư
