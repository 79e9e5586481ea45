"""Named permissions (portal.access.Action): who may do what where, read from the
catalogue's roles. The answers for the `province` fixture are written out by hand:

    TINH ─ DBK ─ CS1 ─ CB1 (bithu's cell), CB2        tuyengiao: grant at TINH
         └ DBX ─ CB3                                  daotao: grant at DBK
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.access import Action, may, org_q, reach_of, restrict, system_reach, units_where
from portal.models import Organization, Person, PositionRole, StaffRole, Transfer, User
from resolutions.models import StudyCampaign
from resolutions.selectors.documents import campaign_progress, can_edit_themes
from tests.factories import PersonFactory, UserFactory, give_grant, give_position
from tests.test_access_matrix import ROLES
from tests.test_documents import make_document

ALL = {"TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"}
UNDER_DBK = {"DBK", "CS1", "CB1", "CB2"}
NONE = set()
VIEW, MANAGE, PUBLISH, TRAIN, APPROVE, REPORT = (Action.VIEW, Action.MANAGE, Action.PUBLISH, Action.TRAIN,
                                                Action.APPROVE, Action.REPORT)
# Where each demo role may do each action.
MAY = {
    "admin": {VIEW: ALL, MANAGE: ALL, PUBLISH: ALL, TRAIN: ALL, APPROVE: ALL, REPORT: ALL},
    # Tuyên giáo reads the province, keeps the documents and campaigns, reports; edits no records.
    "tuyengiao": {VIEW: ALL, MANAGE: NONE, PUBLISH: ALL, TRAIN: NONE, APPROVE: NONE, REPORT: ALL},
    # Đào tạo runs classes and reports in its đảng bộ khối; publishes nothing, approves no plan
    # (the committee does).
    "daotao": {VIEW: UNDER_DBK, MANAGE: NONE, PUBLISH: NONE, TRAIN: UNDER_DBK, APPROVE: NONE, REPORT: UNDER_DBK},
    # The bí thư leads his cell: records, documents and campaigns, its report, the word on
    # the plans below it; no classes.
    "bithu": {VIEW: {"CB1"}, MANAGE: {"CB1"}, PUBLISH: {"CB1"}, TRAIN: NONE, APPROVE: {"CB1"}, REPORT: {"CB1"}},
    # A member reaches no unit: only his own record.
    "dangvien": {VIEW: NONE, MANAGE: NONE, PUBLISH: NONE, TRAIN: NONE, APPROVE: NONE, REPORT: NONE},
}
# Where each person of the fixture belongs.
PEOPLE = {"secretary": "CB1", "member": "CB1", "cb1": "CB1", "cb2": "CB2", "cb3": "CB3"}


def fresh(user) -> User:
    """The same account as a new request would load it: no reach kept from before."""
    return User.objects.get(pk=user.pk)


def people_by_key(province) -> dict[int, str]:
    return {province["secretary"].pk: "secretary", province["member"].pk: "member",
            **{person.pk: key for key, person in province["others"].items()}}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(Action))
def test_may_inside_and_outside_the_reach(province, role, action):
    user = province["users"][role]
    for code, unit in province["units"].items():
        assert may(user, action, unit) == (code in MAY[role][action]), (role, action, code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(Action))
def test_units_where_is_the_set_of_units_in_tree_order(province, role, action):
    units = list(units_where(province["users"][role], action))
    assert {unit.code for unit in units} == MAY[role][action]
    assert [unit.path for unit in units] == sorted(unit.path for unit in units)


def test_units_where_leaves_out_dissolved_units(province):
    Organization.objects.filter(code="CB2").update(active=False)
    assert {u.code for u in units_where(province["users"]["tuyengiao"], PUBLISH)} == ALL - {"CB2"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(Action))
def test_org_q_filters_a_queryset_exactly(province, role, action):
    condition = org_q(province["users"][role], action, "organization")
    assert (condition is None) == (role == "admin")  # None: everything
    people = Person.objects.all() if condition is None else Person.objects.filter(condition)
    keys = people_by_key(province)
    assert {keys[p.pk] for p in people} == {key for key, unit in PEOPLE.items() if unit in MAY[role][action]}


def test_only_seeing_reaches_ones_own_record(province):
    """A member sees himself, but may do nothing else with his record."""
    member = province["users"]["dangvien"]
    assert list(restrict(Person.objects.all(), member)) == [province["member"]]
    for action in (MANAGE, PUBLISH, TRAIN, REPORT):
        assert not restrict(Person.objects.all(), member, action).exists()


def test_reach_is_one_query_then_kept_for_the_request(province, django_assert_num_queries):
    user = fresh(province["users"]["bithu"])
    with django_assert_num_queries(1):
        reach = reach_of(user)
        for action in Action:
            may(user, action, province["units"]["CB1"])
    assert reach_of(user) is reach
    assert reach.paths_for(PUBLISH) == (province["units"]["CB1"].path,)
    assert reach.allows_anywhere(REPORT) and not reach.allows_anywhere(TRAIN)


def test_several_roles_add_up(province):
    """A phó bí thư of CB3 who also holds a đào tạo grant at DBK: each action where a role gives it."""
    person, user = province["others"]["cb3"], UserFactory(username="kiemnhiem")
    person.user = user
    person.save()
    give_position(person, province["units"]["CB3"], "pho-bi-thu")
    give_grant(user, province["units"]["DBK"], "daotao")
    assert {u.code for u in units_where(user, VIEW)} == UNDER_DBK | {"CB3"}
    assert {u.code for u in units_where(user, PUBLISH)} == {"CB3"}
    assert {u.code for u in units_where(user, TRAIN)} == UNDER_DBK
    assert {u.code for u in units_where(user, REPORT)} == UNDER_DBK | {"CB3"}
    assert {u.code for u in units_where(user, MANAGE)} == {"CB3"}


# --- The catalogue decides, not the code ---------------------------------------------------


def test_removing_publish_from_tuyengiao_in_the_catalogue_takes_it_away(province, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    tinh = province["units"]["TINH"]
    document = make_document(tinh, "1-KH/TU", "KH")
    tuyengiao = province["users"]["tuyengiao"]
    assert may(tuyengiao, PUBLISH, tinh) and can_edit_themes(tuyengiao)
    client.force_login(tuyengiao)
    assert client.get(reverse("study_document_create")).status_code == 200

    StaffRole.objects.filter(code="tuyengiao").update(actions=[REPORT])

    user = fresh(tuyengiao)
    assert not may(user, PUBLISH, tinh) and not units_where(user, PUBLISH).exists()
    assert not can_edit_themes(user)
    assert may(user, VIEW, tinh) and may(user, REPORT, tinh)  # the rest of the role is unchanged
    assert client.get(reverse("study_document_create")).status_code == 403
    assert client.get(reverse("study_document_edit", args=[document.pk])).status_code == 403
    assert client.get(reverse("study_campaign_create")).status_code == 403
    assert client.get(reverse("study_theme_create")).status_code == 403
    assert client.get(reverse("study_document_detail", args=[document.pk])).status_code == 200  # still sees it
    response = client.post("/api/v1/documents/", {
        "kind": "NQ", "number_symbol": "9-NQ/TW", "issuing_body": "Trung ương", "issued_on": "2020-01-02",
        "title": "Nghị quyết", "organization": "TINH"}, content_type="application/json")
    assert response.status_code == 400


def test_giving_train_to_a_role_in_the_catalogue_gives_it(province):
    cs1 = province["units"]["CS1"]
    assert not may(province["users"]["tuyengiao"], TRAIN, cs1)
    StaffRole.objects.filter(code="tuyengiao").update(actions=[PUBLISH, REPORT, TRAIN])
    assert may(fresh(province["users"]["tuyengiao"]), TRAIN, cs1)


def test_a_position_gives_actions_only_if_its_role_manages_a_subtree(catalogues):
    with pytest.raises(IntegrityError), transaction.atomic():
        PositionRole.objects.filter(code="chu-nhiem-ubkt").update(actions=[REPORT])


def test_admin_edits_a_roles_actions_with_checkboxes(province, client):
    client.force_login(province["users"]["admin"])
    role = StaffRole.objects.get(code="kiemtra")
    url = reverse("admin:portal_staffrole_change", args=[role.pk])
    page = client.get(url).content.decode()
    assert 'type="checkbox" name="actions" value="publish"' in page
    response = client.post(url, {"code": role.code, "name": role.name, "sort_order": role.sort_order,
                                 "actions": [TRAIN, REPORT]})
    assert response.status_code == 302, response.content
    assert StaffRole.objects.get(pk=role.pk).actions == [TRAIN, REPORT]


# --- An object in reach by any of several units ----------------------------------------------


def test_a_transfer_is_seen_from_both_units_and_not_from_a_third(province):
    units = province["units"]
    mover = PersonFactory(full_name="Đỗ Văn Chuyển", organization=units["CB3"])
    transfer = Transfer.objects.create(person=mover, from_organization=units["CB2"], to_organization=units["CB3"],
                                       transferred_on=datetime.date(2025, 3, 1))
    at_dbx = UserFactory(username="tochuc_dbx")
    give_grant(at_dbx, units["DBX"], "tochuc")
    users = {**province["users"], "tochuc_dbx": at_dbx}
    sees = {name for name, user in users.items() if restrict(Transfer.objects.filter(pk=transfer.pk), user).exists()}
    # From the unit it leaves (daotao: DBK), the one it joins (DBX), and above both (tuyengiao); not from CB1.
    assert sees == {"admin", "tuyengiao", "daotao", "tochuc_dbx"}
    # Managing follows the same lookups: tổ chức at DBX may edit records, đào tạo at DBK may not.
    assert restrict(Transfer.objects.all(), at_dbx, MANAGE).get() == transfer
    assert not restrict(Transfer.objects.all(), users["daotao"], MANAGE).exists()
    either = org_q(users["bithu"], VIEW, ("from_organization", "to_organization"))
    assert not Transfer.objects.filter(either).exists()


# --- System work names its reach --------------------------------------------------------------


def test_campaign_progress_needs_a_viewer(province):
    units = province["units"]
    campaign = StudyCampaign.objects.create(
        title="Học tập toàn tỉnh", document=make_document(units["TINH"], "2-KH/TU", "KH"), organization=units["TINH"],
        starts_on=datetime.date(2026, 1, 1), deadline=datetime.date(2026, 12, 31))
    with pytest.raises(TypeError):
        campaign_progress(campaign=campaign)  # no viewer: no answer, rather than everything
    everything = campaign_progress(campaign=campaign, viewer=system_reach(units["TINH"]))
    assert {row.code for row in everything} == ALL
    assert {row.code for row in campaign_progress(campaign=campaign, viewer=system_reach(units["DBK"]))} == UNDER_DBK
    daotao = campaign_progress(campaign=campaign, viewer=province["users"]["daotao"])
    assert {row.code for row in daotao} == UNDER_DBK


def test_system_reach_covers_its_subtree_for_every_action(province):
    units = province["units"]
    reach = system_reach(units["DBK"])
    assert reach_of(reach) is reach
    for action in Action:
        assert {code for code, unit in units.items() if may(reach, action, unit)} == UNDER_DBK
        assert {unit.code for unit in units_where(reach, action)} == UNDER_DBK
    assert {p.organization.code for p in restrict(Person.objects.all(), reach)} == {"CB1", "CB2"}


def test_admin_writes_documents_by_the_publishing_rule(province, client):
    """Django permissions open the admin page; where a document may be addressed is PUBLISH's answer."""
    for role, units in [("tuyengiao", ALL), ("daotao", NONE), ("bithu", {"CB1"})]:
        user = province["users"][role]
        user.is_staff = True
        user.save()
        user.user_permissions.add(*Permission.objects.filter(
            content_type__app_label="resolutions", codename__in=["view_document", "add_document"]))
        client.force_login(user)
        response = client.get(reverse("admin:resolutions_document_add"))
        assert response.status_code == (200 if units else 403), role
        if units:
            choices = response.context["adminform"].form.fields["organization"].queryset
            assert {unit.code for unit in choices} == units
