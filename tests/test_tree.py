"""The organisation tree: one-predicate subtrees, dated changes, the tree as of a past date."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from portal import tree
from portal.models import Organization, OrganizationChange, OrganizationPeriod, Person
from tests.factories import PersonFactory, make_unit

D = datetime.date


def test_paths_follow_parents(province):
    for org in Organization.objects.select_related("parent"):
        expected = (org.parent.path if org.parent else "/") + f"{org.pk}/"
        assert org.path == expected
        assert org.depth == (org.parent.depth + 1 if org.parent else 0)


def test_subtree_is_one_prefix_predicate(province, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = set(tree.subtree(province["units"]["CS1"]).values_list("code", flat=True))
    assert codes == {"CS1", "CB1", "CB2"}


def test_move_rewrites_the_whole_subtree_and_keeps_history(province):
    u = province["units"]
    tree.move_organization(u["CS1"], new_parent=u["DBX"], effective_on=D(2025, 7, 1), decision_number="15-QĐ/TU")
    u["CB1"].refresh_from_db()
    u["DBX"].refresh_from_db()
    assert u["CB1"].path.startswith(u["DBX"].path)
    assert u["CB1"].depth == 3
    assert set(tree.subtree(u["DBK"]).values_list("code", flat=True)) == {"DBK"}
    # As of a date before the move, CB1 was under DBK; after it, under DBX.
    before = set(tree.subtree_as_of(u["DBK"], D(2024, 12, 31)).values_list("organization__code", flat=True))
    after = set(tree.subtree_as_of(u["DBX"], D(2025, 7, 1)).values_list("organization__code", flat=True))
    assert before == {"DBK", "CS1", "CB1", "CB2"}
    assert after == {"DBX", "CB3", "CS1", "CB1", "CB2"}
    change = OrganizationChange.objects.get(kind="moved")
    assert (change.old_parent, change.new_parent, change.decision_number) == (u["DBK"], u["DBX"], "15-QĐ/TU")


def test_moving_a_unit_under_its_own_descendant_is_refused(province):
    u = province["units"]
    paths_before = list(Organization.objects.values_list("id", "path", "parent_id"))
    periods_before = OrganizationPeriod.objects.count()
    with pytest.raises(ValidationError) as err:
        tree.move_organization(u["DBK"], new_parent=u["CB1"], effective_on=D(2025, 7, 1))
    assert "cấp dưới" in str(err.value)
    with pytest.raises(ValidationError):
        tree.move_organization(u["DBK"], new_parent=u["DBK"], effective_on=D(2025, 7, 1))
    assert list(Organization.objects.values_list("id", "path", "parent_id")) == paths_before
    assert OrganizationPeriod.objects.count() == periods_before


def test_backdated_change_is_refused(province):
    u = province["units"]
    tree.rename_organization(u["CB2"], new_name="Chi bộ Phòng Tổ chức cán bộ", effective_on=D(2024, 5, 1))
    with pytest.raises(ValidationError) as err:
        tree.rename_organization(u["CB2"], new_name="Tên khác", effective_on=D(2023, 1, 1))
    assert "01/05/2024" in str(err.value)


def test_rename_keeps_the_old_name_for_past_dates(province):
    cb2 = province["units"]["CB2"]
    tree.rename_organization(cb2, new_name="Chi bộ Phòng Tổ chức cán bộ", effective_on=D(2024, 5, 1))
    names = {p.valid_from: p.name for p in OrganizationPeriod.objects.filter(organization=cb2)}
    assert names == {D(2020, 1, 1): "Chi bộ Phòng Tổ chức", D(2024, 5, 1): "Chi bộ Phòng Tổ chức cán bộ"}
    assert tree.periods_as_of(D(2023, 6, 1)).get(organization=cb2).name == "Chi bộ Phòng Tổ chức"


def test_merge_moves_children_and_members_and_retires_sources(province):
    u = province["units"]
    tree.merge_organizations([u["DBX"]], into=u["DBK"], effective_on=D(2025, 7, 1), decision_number="20-QĐ/TU")
    u["DBX"].refresh_from_db()
    assert not u["DBX"].active and u["DBX"].successor == u["DBK"] and u["DBX"].dissolved_on == D(2025, 7, 1)
    assert Organization.objects.get(code="CB3").parent == u["DBK"]
    assert set(tree.subtree(u["DBK"]).values_list("code", flat=True)) >= {"CB3"}
    # As of 2024 the tỉnh still had DBX with CB3 under it.
    assert set(tree.subtree_as_of(u["DBX"], D(2024, 1, 1)).values_list("organization__code", flat=True)) == {"DBX", "CB3"}
    assert not tree.subtree_as_of(u["DBX"], D(2025, 8, 1)).exists()


def test_split_hands_people_to_new_units(province):
    u = province["units"]
    cb2 = u["CB2"]
    people = [PersonFactory(organization=cb2) for _ in range(3)] + [province["others"]["cb2"]]
    parts = [
        {"code": "CB2A", "name": "Chi bộ Phòng Tổ chức 1", "person_ids": [p.pk for p in people[:2]]},
        {"code": "CB2B", "name": "Chi bộ Phòng Tổ chức 2", "person_ids": [p.pk for p in people[2:]]},
    ]
    new_units = tree.split_organization(cb2, parts=parts, effective_on=D(2025, 9, 1), decision_number="7-QĐ/ĐU")
    assert [x.parent for x in new_units] == [u["CS1"], u["CS1"]]
    assert Person.objects.filter(organization__code="CB2A").count() == 2
    cb2.refresh_from_db()
    assert not cb2.active


def test_split_that_leaves_people_behind_writes_nothing(province):
    cb2 = province["units"]["CB2"]
    count = Organization.objects.count()
    with pytest.raises(ValidationError):
        tree.split_organization(cb2, parts=[{"code": "X1", "name": "A", "person_ids": []},
                                            {"code": "X2", "name": "B", "person_ids": []}],
                                effective_on=D(2025, 9, 1))
    assert Organization.objects.count() == count


def test_duplicate_unit_code_is_refused(province):
    with pytest.raises(ValidationError) as err:
        make_unit("Trùng mã", parent=province["units"]["TINH"], code="CB1")
    assert "CB1" in str(err.value)
