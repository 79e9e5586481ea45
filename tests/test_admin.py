"""The Django admin: every changelist scoped by the access rule, superuser-only tables,
tree changes through `portal.tree`, people saved through `portal.services`."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.access import restrict
from portal.models import (
    Ethnicity,
    Organization,
    OrganizationChange,
    OrganizationPeriod,
    PartyStatus,
    PartyStatusChange,
    Person,
    PersonReadLog,
    Position,
)
from tests.factories import UserFactory, give_grant, make_unit

READ_MODELS = ["organization", "person", "position", "grant", "transfer", "partystatuschange",
               "organizationchange", "organizationperiod", "personreadlog"]


def staff(user, *codenames):
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="portal", codename__in=codenames))
    return user


def reader(user):
    return staff(user, *(f"view_{m}" for m in READ_MODELS))


def editor(user):
    return staff(user, *(f"view_{m}" for m in READ_MODELS), "add_person", "change_person", "add_organization",
                 "change_organization", "add_position", "change_position")


def organizer(province):
    """Organisation-board staff whose grant on DBK may edit records."""
    user = UserFactory(username="tochuc")
    give_grant(user, province["units"]["DBK"], "tochuc")
    return editor(user)


def logged_in(client, user):
    client.force_login(user)
    return client


def changelist(client, model, **params):
    response = client.get(f"/admin/portal/{model}/", params)
    assert response.status_code == 200, (model, response.status_code)
    return set(response.context["cl"].queryset)


def person_form(unit, **overrides):
    data = {"full_name": "Đỗ Thị Mới", "gender": "nu", "birth_date": "1990-04-30",
            "ethnicity": Ethnicity.objects.get(code="tay").pk, "organization": unit.pk,
            "party_status": PartyStatus.objects.get(code="du-bi").pk, "admitted_on": "2025-03-02",
            "party_card_number": "99000001", "education": "12/12", "job_title": "",
            "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0"}
    return {**data, **overrides}


# --- Scope ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role, units, people", [
    ("tuyengiao", {"TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"}, {"secretary", "member", "cb1", "cb2", "cb3"}),
    ("daotao", {"DBK", "CS1", "CB1", "CB2"}, {"secretary", "member", "cb1", "cb2"}),
    ("bithu", {"CB1"}, {"secretary", "member", "cb1"}),
    ("dangvien", set(), {"member"}),
])
def test_changelists_are_scoped(client, province, role, units, people):
    logged_in(client, reader(province["users"][role]))
    everyone = {"secretary": province["secretary"], "member": province["member"], **province["others"]}
    assert {o.code for o in changelist(client, "organization")} == units
    assert changelist(client, "person") == {everyone[k] for k in people}
    assert {p.organization.code for p in changelist(client, "organizationperiod")} == units
    assert {c.organization.code for c in changelist(client, "organizationchange")} == units
    assert {g.organization.code for g in changelist(client, "grant")} <= units
    assert {s.person for s in changelist(client, "partystatuschange")} <= {everyone[k] for k in people}
    positions = changelist(client, "position")
    assert positions == set(Position.objects.filter(organization__code__in=units)
                            | Position.objects.filter(person__in=[everyone[k] for k in people]))


def test_outside_reach_is_the_same_as_missing(client, province):
    logged_in(client, reader(province["users"]["bithu"]))
    missing = client.get("/admin/portal/person/999999/change/")
    outside = client.get(f"/admin/portal/person/{province['others']['cb2'].pk}/change/")
    assert missing.status_code == outside.status_code == 302
    assert missing["Location"] == outside["Location"] == "/admin/"
    unit = client.get(f"/admin/portal/organization/{province['units']['CB2'].pk}/change/")
    assert (unit.status_code, unit["Location"]) == (302, "/admin/")
    assert client.get(f"/admin/portal/person/{province['others']['cb1'].pk}/change/").status_code == 200


def test_accounts_catalogues_and_history_are_superuser_only(client, province):
    tuyengiao = staff(province["users"]["tuyengiao"], "view_user", "change_user", "view_orglevel",
                      "change_orglevel", "view_rowhistory", "view_person")
    logged_in(client, tuyengiao)
    for url in ["/admin/portal/user/", "/admin/portal/orglevel/", "/admin/portal/ethnicity/",
                "/admin/portal/rowhistory/", "/admin/portal/apitoken/", "/admin/auth/group/"]:
        assert client.get(url).status_code == 403, url
    index = client.get("/admin/").content.decode()
    assert "/admin/portal/user/" not in index and "/admin/portal/person/" in index
    logged_in(client, province["users"]["admin"])
    for url in ["/admin/portal/user/", "/admin/portal/orglevel/", "/admin/portal/rowhistory/",
                "/admin/portal/apitoken/", "/admin/auth/group/"]:
        assert client.get(url).status_code == 200, url


# --- Organisation tree ---------------------------------------------------------------------


def move(client, units, new_parent, **extra):
    return client.post("/admin/portal/organization/", {
        "action": "move_units", "_selected_action": [u.pk for u in units], "apply": "1",
        "new_parent": new_parent.pk, "effective_on": "01/07/2025", "decision_number": "15-QĐ/TU", **extra})


def test_parent_is_not_edited_in_place(client, province):
    logged_in(client, province["users"]["admin"])
    cb3, cs1 = province["units"]["CB3"], province["units"]["CS1"]
    response = client.post(f"/admin/portal/organization/{cb3.pk}/change/", {
        "code": "CB3", "parent": cs1.pk, "name": "Tên khác", "established_on": "01/01/2020", "sort_order": "4"})
    assert response.status_code == 302
    cb3.refresh_from_db()
    assert (cb3.parent.code, cb3.name, cb3.sort_order) == ("DBX", "Chi bộ ấp Tân Lập", 4)


def test_move_action_goes_through_the_tree(client, province):
    logged_in(client, province["users"]["admin"])
    units = province["units"]
    form = client.post("/admin/portal/organization/", {"action": "move_units", "_selected_action": [units["CB3"].pk]})
    assert form.status_code == 200 and "Cấp trên mới" in form.content.decode()
    response = move(client, [units["CB3"]], units["CS1"])
    assert response.status_code == 302
    cb3 = Organization.objects.get(code="CB3")
    assert cb3.parent == units["CS1"] and cb3.path == f"{units['CS1'].path}{cb3.pk}/" and cb3.depth == 3
    change = OrganizationChange.objects.get(organization=cb3, kind="moved")
    assert (change.old_parent.code, change.decision_number) == ("DBX", "15-QĐ/TU")
    assert OrganizationPeriod.objects.get(organization=cb3, valid_to__isnull=True).path == cb3.path
    # Its member follows in every scope: daotao (DBK) now reaches him.
    assert province["others"]["cb3"] in set(restrict(Person.objects.all(), province["users"]["daotao"]))


def test_move_under_own_descendant_is_refused_and_writes_nothing(client, province):
    logged_in(client, province["users"]["admin"])
    units = province["units"]
    response = move(client, [units["DBK"]], units["CB1"])
    assert response.status_code == 200
    assert "vào chính nó hoặc một đơn vị cấp dưới của nó" in response.content.decode()
    assert Organization.objects.get(code="DBK").parent.code == "TINH"
    assert not OrganizationChange.objects.filter(kind="moved").exists()


def test_staff_moves_only_within_reach(client, province):
    logged_in(client, organizer(province))
    units = province["units"]
    refused = move(client, [units["CB2"]], units["DBX"])
    assert refused.status_code == 200 and "new_parent" in refused.context["form"].errors
    assert Organization.objects.get(code="CB2").parent.code == "CS1"
    # A unit outside the reach cannot even be selected.
    move(client, [units["CB3"]], units["CS1"])
    assert Organization.objects.get(code="CB3").parent.code == "DBX"
    assert move(client, [units["CB2"]], units["DBK"]).status_code == 302
    assert Organization.objects.get(code="CB2").parent.code == "DBK"
    # A read-only grant (daotao on DBK) sees the units but moves none.
    logged_in(client, editor(province["users"]["daotao"]))
    move(client, [units["CB2"]], units["CS1"])
    assert Organization.objects.get(code="CB2").parent.code == "DBK"


def test_rename_and_dissolve_actions(client, province):
    logged_in(client, province["users"]["admin"])
    cb2 = province["units"]["CB2"]
    Person.objects.filter(organization=cb2).update(organization=province["units"]["CB1"])
    client.post("/admin/portal/organization/", {"action": "rename_unit", "_selected_action": [cb2.pk], "apply": "1",
                                                "new_name": "Chi bộ Phòng Nội vụ", "effective_on": "01/03/2025"})
    cb2.refresh_from_db()
    assert cb2.name == "Chi bộ Phòng Nội vụ"
    client.post("/admin/portal/organization/", {"action": "dissolve_units", "_selected_action": [cb2.pk],
                                                "apply": "1", "effective_on": "01/07/2025"})
    cb2.refresh_from_db()
    assert not cb2.active and cb2.dissolved_on.isoformat() == "2025-07-01"
    assert list(OrganizationChange.objects.filter(organization=cb2).values_list("kind", flat=True)) == [
        "dissolved", "renamed", "created"]


def test_adding_a_unit_uses_the_tree(client, province):
    logged_in(client, province["users"]["admin"])
    cs1 = province["units"]["CS1"]
    response = client.post("/admin/portal/organization/add/", {
        "code": "CB9", "name": "Chi bộ Phòng Kế hoạch", "level": cs1.level.pk, "parent": cs1.pk,
        "established_on": "01/09/2025", "sort_order": "3", "decision_number": "20-QĐ/ĐU"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    unit = Organization.objects.get(code="CB9")
    assert unit.path == f"{cs1.path}{unit.pk}/" and unit.depth == cs1.depth + 1
    assert OrganizationChange.objects.get(organization=unit).decision_number == "20-QĐ/ĐU"
    assert OrganizationPeriod.objects.filter(organization=unit, valid_to__isnull=True).exists()


# --- People ---------------------------------------------------------------------------------


def test_adding_a_person_goes_through_the_service(client, province):
    logged_in(client, editor(province["users"]["bithu"]))
    response = client.post("/admin/portal/person/add/", person_form(province["units"]["CB1"]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = Person.objects.get(full_name="Đỗ Thị Mới")
    assert person.search_key == "do thi moi"
    assert PartyStatusChange.objects.filter(person=person, status__code="du-bi").exists()


def test_bad_person_is_refused_in_vietnamese(client, province):
    logged_in(client, organizer(province))
    before = Person.objects.count()
    cb1 = province["units"]["CB1"]
    duplicate = client.post("/admin/portal/person/add/",
                            person_form(cb1, party_card_number=province["member"].party_card_number))
    assert duplicate.status_code == 200
    assert "Số thẻ đảng viên này đã được cấp cho người khác." in duplicate.content.decode()
    dates = client.post("/admin/portal/person/add/", person_form(cb1, admitted_on="02/03/2025",
                                                                  official_on="01/03/2025"))
    assert dates.status_code == 200
    assert "Ngày chính thức phải sau ngày vào Đảng." in dates.content.decode()
    assert Person.objects.count() == before


def test_read_only_grant_adds_and_changes_nothing(client, province):
    logged_in(client, editor(province["users"]["tuyengiao"]))
    assert client.get("/admin/portal/person/add/").status_code == 403
    person = province["others"]["cb1"]
    page = client.get(f"/admin/portal/person/{person.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]


def test_no_person_added_outside_the_managed_subtree(client, province):
    logged_in(client, editor(province["users"]["bithu"]))
    before = Person.objects.count()
    response = client.post("/admin/portal/person/add/", person_form(province["units"]["CB2"]))
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert Person.objects.count() == before


def test_changing_a_person_records_status_history(client, province):
    logged_in(client, editor(province["users"]["bithu"]))
    person = province["others"]["cb1"]
    data = person_form(province["units"]["CB1"], full_name=person.full_name, party_card_number=person.party_card_number,
                       party_status=PartyStatus.objects.get(code="mien-sinh-hoat").pk,
                       admitted_on="02/03/2010", official_on="02/03/2011", gender=person.gender,
                       ethnicity=person.ethnicity_id, **{"status_changes-INITIAL_FORMS": "0"})
    response = client.post(f"/admin/portal/person/{person.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.party_status.code == "mien-sinh-hoat"
    assert PartyStatusChange.objects.filter(person=person, status__code="mien-sinh-hoat").exists()


def test_member_sees_himself_read_only_and_the_read_is_logged(client, province):
    logged_in(client, editor(province["users"]["dangvien"]))
    me = province["member"]
    page = client.get(f"/admin/portal/person/{me.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert PersonReadLog.objects.filter(person=me, via="admin").count() == 1
    assert client.post(f"/admin/portal/person/{me.pk}/change/",
                       person_form(me.organization, full_name="Tự đổi tên")).status_code == 403
    me.refresh_from_db()
    assert me.full_name == "Trần Thị Đảng"


def test_person_search_ignores_diacritics(client, province):
    logged_in(client, reader(province["users"]["tuyengiao"]))
    assert changelist(client, "person", q="hoang van xa") == {province["others"]["cb3"]}
    assert changelist(client, "person", q="Hoàng Văn") == {province["others"]["cb3"]}
    assert changelist(client, "person", q=province["member"].party_card_number) == {province["member"]}


def test_people_changelist_queries_do_not_grow(client, province):
    logged_in(client, reader(province["users"]["tuyengiao"]))
    status, kinh = PartyStatus.objects.get(code="chinh-thuc"), Ethnicity.objects.get(code="kinh")

    def add(n, start, unit):
        people = [Person(full_name=f"Nguyễn Văn Số {i}", gender="nam", ethnicity=kinh, party_status=status,
                         organization=unit) for i in range(start, start + n)]
        for p in people:
            p.refresh_derived_names()
        Person.objects.bulk_create(people)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/portal/person/").status_code == 200
        return len(ctx.captured_queries)

    add(10, 0, province["units"]["CB2"])
    small = count()
    add(990, 10, make_unit(parent=province["units"]["CS1"]))
    assert count() == small


def test_every_model_has_an_admin_that_renders(client, province):
    from django.apps import apps
    from django.contrib import admin

    logged_in(client, province["users"]["admin"])
    models = apps.get_app_config("portal").get_models()
    for model in models:
        assert admin.site.is_registered(model), model.__name__
        name = model._meta.model_name
        assert client.get(f"/admin/portal/{name}/").status_code == 200, name
        add = client.get(f"/admin/portal/{name}/add/").status_code
        assert add in (200, 403), name
        first = model._default_manager.first()
        if first is not None:
            assert client.get(f"/admin/portal/{name}/{first.pk}/change/").status_code == 200, name
