"""The rule of attribution of a past period's figures (portal/asof.py): units by the tree
of the day, people by their transfers and status history."""

import datetime

import pytest

from portal import asof, tree
from portal.models import Organization, PartyStatus, Person, Transfer
from portal.services import transfer_person, update_person
from tests.factories import PersonFactory, make_unit

D = datetime.date


@pytest.fixture
def history(province):
    """CB2 moves from CS1 (under DBK) to DBX on 1/7/2025; Lê Văn Cùng moves from CB1 to CB3
    on 1/4/2025; CB2 is merged into CB3 on 1/3/2026."""
    units = province["units"]
    tree.move_organization(units["CB2"], new_parent=units["DBX"], effective_on=D(2025, 7, 1))
    mover = province["others"]["cb1"]
    transfer_person(mover, to_organization=units["CB3"], transferred_on=D(2025, 4, 1))
    tree.merge_organizations([Organization.objects.get(code="CB2")], into=units["CB3"], effective_on=D(2026, 3, 1))
    return province


def codes(queryset, field="code"):
    return sorted(queryset.values_list(field, flat=True))


def units_in(unit, day):
    return codes(Organization.objects.filter(asof.in_subtree_on(unit, "pk", day)))


def test_units_are_attributed_by_the_tree_of_the_day(history):
    units = history["units"]
    assert units_in(units["DBK"], D(2025, 6, 30)) == ["CB1", "CB2", "CS1", "DBK"]
    assert units_in(units["DBK"], D(2025, 7, 1)) == ["CB1", "CS1", "DBK"]
    assert units_in(units["DBX"], D(2025, 7, 1)) == ["CB2", "CB3", "DBX"]
    # Merged away on 1/3/2026: no longer anywhere after that day, still in the past.
    assert units_in(units["TINH"], D(2026, 3, 1)) == ["CB1", "CB3", "CS1", "DBK", "DBX", "TINH"]
    assert "CB2" in units_in(units["TINH"], D(2026, 2, 28))


def test_child_of_a_unit_on_a_day(history):
    units = history["units"]
    tinh = units["TINH"]
    child = Organization.objects.filter(code="CB2").annotate(
        path_before=asof.path_on("pk", D(2025, 6, 30)), path_after=asof.path_on("pk", D(2025, 7, 1))).annotate(
        before=asof.child_in_path(tinh, "path_before"), after=asof.child_in_path(tinh, "path_after"),
        own=asof.child_in_path(units["DBX"], "path_after")).get()
    assert (child.before, child.after) == (units["DBK"].pk, units["DBX"].pk)
    assert child.own == child.pk  # CB2 is itself a child of DBX then


def test_people_by_their_transfers_and_mergers(history):
    units = history["units"]
    mover = history["others"]["cb1"]
    merged = history["others"]["cb2"]
    assert mover.pk in codes(asof.people_on(units["CB1"], D(2025, 3, 31)), "pk")
    assert mover.pk not in codes(asof.people_on(units["CB1"], D(2025, 4, 1)), "pk")
    assert mover.pk in codes(asof.people_on(units["DBX"], D(2025, 4, 1)), "pk")
    # The merger recorded a transfer: before it, the member was CB2's, and CB2 was DBK's until 1/7/2025.
    assert Transfer.objects.filter(person=merged, kind=Transfer.Kind.REORGANISED).count() == 1
    cb2 = Organization.objects.get(code="CB2")
    rows = {p.pk: p for p in asof.people_on(units["TINH"], D(2025, 5, 1))}
    assert rows[merged.pk].unit_then == cb2.pk and rows[merged.pk].child_then == units["DBK"].pk
    rows = {p.pk: p for p in asof.people_on(units["TINH"], D(2026, 3, 1))}
    assert rows[merged.pk].unit_then == units["CB3"].pk and rows[merged.pk].child_then == units["DBX"].pk


def test_status_on_a_day(province):
    units = province["units"]
    day_before, admitted = D(2024, 12, 31), D(2025, 1, 1)
    newcomer = Person.objects.create(full_name="Đỗ Văn Mới", gender="nam", organization=units["CB1"],
                                     ethnicity=province["member"].ethnicity,
                                     party_status=PartyStatus.objects.get(code="quan-chung"))
    newcomer.status_changes.create(status=newcomer.party_status, effective_on=D(2020, 1, 1))
    newcomer.party_status = PartyStatus.objects.get(code="du-bi")
    newcomer.admitted_on = admitted
    newcomer.status_changes.create(status=newcomer.party_status, effective_on=admitted)
    newcomer.save()
    members = lambda day: codes(asof.members_on(units["CB1"], day), "pk")  # noqa: E731
    assert newcomer.pk not in members(day_before)
    assert newcomer.pk in members(admitted)
    # A person with no recorded change (entered before the history was kept) has his status throughout.
    assert province["member"].pk in members(day_before)
    # Excused from meetings later: still a member, no longer expected at meetings from then on.
    update_person(province["member"], party_status=PartyStatus.objects.get(code="mien-sinh-hoat"))
    today = D.today()
    assert province["member"].pk in members(today)
    assert province["member"].pk not in codes(asof.members_on(units["CB1"], today, expected_at_meetings=True), "pk")


def test_snapshot_day_and_children_during(history):
    units = history["units"]
    period = asof.Period.year(2025)
    assert period.snapshot_day() == D(2025, 12, 31)
    cb2 = Organization.objects.get(code="CB2")
    assert asof.Period.year(2026).snapshot_day(cb2) == D(2026, 2, 28)
    assert {row.organization.code for row in asof.children_during(units["CS1"], period)} == {"CB1", "CB2"}
    assert {row.organization.code for row in asof.children_during(units["DBX"], period)} == {"CB2", "CB3"}
    assert asof.Period.years(2025, 5) == asof.Period(D(2021, 1, 1), D(2025, 12, 31))
    assert asof.Period.years(2025, 5).label == "2021–2025"
    assert asof.Period.year(2025).previous() == asof.Period.year(2024)


def test_queries_do_not_grow_with_the_subtree(history, django_assert_max_num_queries):
    units = history["units"]
    for n in range(30):
        PersonFactory(full_name=f"Người Số {n}", organization=make_unit(parent=units["CS1"]))
    with django_assert_max_num_queries(1):
        assert len(list(asof.members_on(units["TINH"], D(2025, 12, 31)))) > 30
