"""Subtrees of units whose ids share leading digits. A materialised path is "/<id>/<id>/…/",
so the subtree of unit 7 is every path starting with "…/7/": a match on "…/7" would also
take in a sibling 71 and all below it. Each test here gives siblings such ids and checks
that every read through the access rule, every subtree filter and every subtree figure
leaves the sibling out."""

import datetime
import itertools

import pytest
from django.db import connection
from django.utils import timezone

from portal import selectors as core
from portal.access import can_manage, restrict, system_reach
from portal.models import Organization, Person
from resolutions.models import Attendance, Commitment, Document, StudyCampaign, StudySession
from resolutions.selectors import commitments as commitment_selectors
from resolutions.selectors import documents as document_selectors
from resolutions.selectors import sessions as session_selectors
from tests.factories import PersonFactory, UserFactory, give_grant, give_position, make_unit_with_id
from tests.test_documents import make_document

TODAY = timezone.localdate()
SEQUENCE = "pg_get_serial_sequence('portal_organization', 'id')"


def id_starting_with(prefix: int) -> int:
    """The smallest id that begins with the digits of `prefix` and lies above every id in use."""
    highest = Organization.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return next(pk for suffix in itertools.count(1) if (pk := int(f"{prefix}{suffix}")) > highest)


@pytest.fixture
def restore_sequence(db):
    """The forced ids multiply the sequence by ten at each level: put it back afterwards
    (the rows above its old value are rolled back with the test)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {SEQUENCE}")
        cursor.execute(f"SELECT last_value, is_called FROM {cursor.fetchone()[0]}")
        last_value, is_called = cursor.fetchone()
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval({SEQUENCE}, %s, %s)", [last_value, is_called])


@pytest.fixture
def twins(province, restore_sequence):
    """Beside the province's tree, units whose ids begin with a sibling's digits:

    TINH (t) ─ DBK ─ A (a) ─ A1 (a1…) ─ person "a1", bí thư "a1_secretary"
              │          └ A2 (A1's digits + more) ─ person "a2"
              │  └ B (a's digits + more) ─ B1 ─ person "b1"; B's own person "b"
    TINH2 (t's digits + more): another province ─ person "t2"
    """
    units = dict(province["units"])
    dbk = units["DBK"]
    units["A"] = make_unit_with_id(id_starting_with(dbk.pk), "Đảng bộ cơ sở A", parent=dbk, code="A",
                                   level_code="dang-bo-co-so")
    units["A1"] = make_unit_with_id(id_starting_with(units["A"].pk), "Chi bộ A1", parent=units["A"], code="A1")
    units["A2"] = make_unit_with_id(id_starting_with(units["A1"].pk), "Chi bộ A2", parent=units["A"], code="A2")
    units["B"] = make_unit_with_id(id_starting_with(units["A"].pk), "Đảng bộ cơ sở B", parent=dbk, code="B",
                                   level_code="dang-bo-co-so")
    units["B1"] = make_unit_with_id(id_starting_with(units["B"].pk), "Chi bộ B1", parent=units["B"], code="B1")
    units["TINH2"] = make_unit_with_id(id_starting_with(units["TINH"].pk), "Đảng bộ tỉnh khác", code="TINH2",
                                       level_code="dang-bo-tinh")
    # The ids really collide in their leading digits, and the paths differ only after them.
    for first, second in [("A", "B"), ("A1", "A2"), ("TINH", "TINH2")]:
        assert str(units[second].pk).startswith(str(units[first].pk))
        assert units[second].path.startswith(units[first].path.rstrip("/"))
        assert not units[second].path.startswith(units[first].path)

    people = {
        "a1": PersonFactory(full_name="Người Chi bộ A1", organization=units["A1"]),
        "a2": PersonFactory(full_name="Người Chi bộ A2", organization=units["A2"]),
        "b": PersonFactory(full_name="Người Đảng bộ B", organization=units["B"]),
        "b1": PersonFactory(full_name="Người Chi bộ B1", organization=units["B1"]),
        "t2": PersonFactory(full_name="Người tỉnh khác", organization=units["TINH2"]),
    }
    users = {name: UserFactory(username=name) for name in ["a1_secretary", "a_staff", "a1_member"]}
    people["a1_secretary"] = PersonFactory(full_name="Bí thư A1", organization=units["A1"],
                                           user=users["a1_secretary"])
    give_position(people["a1_secretary"], units["A1"], "bi-thu")
    give_grant(users["a_staff"], units["A"], "tuyengiao")
    people["a1_member"] = PersonFactory(full_name="Đảng viên A1", organization=units["A1"], user=users["a1_member"])
    return {"units": units, "people": people, "users": {**province["users"], **users}}


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def names(people) -> set[str]:
    return {person.full_name for person in people}


# --- restrict(): what each reach sees --------------------------------------------------------


def test_units_in_reach_leave_out_a_sibling_with_the_same_leading_digits(twins):
    users = twins["users"]
    assert codes(restrict(Organization.objects.all(), users["a1_secretary"])) == {"A1"}
    assert codes(restrict(Organization.objects.all(), users["a_staff"])) == {"A", "A1", "A2"}
    in_province = codes(restrict(Organization.objects.all(), users["tuyengiao"]))
    assert "TINH2" not in in_province and {"A", "B", "B1"} <= in_province
    assert codes(core.child_units(users["a_staff"], None)) == {"A"}


def test_people_in_reach_leave_out_a_sibling_with_the_same_leading_digits(twins):
    users, people = twins["users"], twins["people"]
    assert names(restrict(Person.objects.all(), users["a1_secretary"])) == {
        "Người Chi bộ A1", "Bí thư A1", "Đảng viên A1"}
    assert names(restrict(Person.objects.all(), users["a_staff"])) == {
        "Người Chi bộ A1", "Người Chi bộ A2", "Bí thư A1", "Đảng viên A1"}
    assert people["t2"] not in restrict(Person.objects.all(), users["tuyengiao"])
    # The people list narrowed to a unit: its subtree only.
    listed = core.people_list(users["tuyengiao"], core.PeopleFilter(organization=twins["units"]["A"]))
    assert names(listed) == {"Người Chi bộ A1", "Người Chi bộ A2", "Bí thư A1", "Đảng viên A1"}
    listed = core.people_list(users["tuyengiao"], core.PeopleFilter(organization=twins["units"]["A1"]))
    assert "Người Chi bộ A2" not in names(listed)


def test_may_manage_only_the_own_subtree_not_the_sibling(twins):
    units, secretary = twins["units"], twins["users"]["a1_secretary"]
    assert can_manage(secretary, units["A1"])
    assert not can_manage(secretary, units["A2"])
    assert not can_manage(twins["users"]["a_staff"], units["B"])  # a read-only grant manages nothing…
    assert not can_manage(twins["users"]["tuyengiao"], units["TINH2"])


def test_people_pages_answer_404_for_the_sibling(twins, client):
    people = twins["people"]
    client.force_login(twins["users"]["a1_secretary"])
    assert client.get(f"/people/{people['a1'].pk}/").status_code == 200
    assert client.get(f"/people/{people['a2'].pk}/").status_code == 404
    assert client.get(f"/api/v1/people/{people['a2'].pk}/").status_code == 404
    client.force_login(twins["users"]["a_staff"])
    assert client.get(f"/people/{people['b'].pk}/").status_code == 404
    listed = client.get("/api/v1/people/", {"page_size": 100}).json()["results"]
    assert {row["full_name"] for row in listed} == {"Người Chi bộ A1", "Người Chi bộ A2", "Bí thư A1",
                                                    "Đảng viên A1"}


def test_sessions_in_reach_leave_out_a_sibling_with_the_same_leading_digits(twins):
    units, users = twins["units"], twins["users"]
    for code in ["A", "A1", "A2", "B", "B1", "TINH2"]:
        StudySession.objects.create(organization=units[code], held_on=TODAY)

    def session_units(user, organization=None):
        sessions = session_selectors.session_list(user, session_selectors.SessionFilter(organization=organization))
        return {session.organization.code for session in sessions}

    assert session_units(users["a1_secretary"]) == {"A1"}
    assert session_units(users["a1_member"]) == {"A1"}  # his own cell's schedule
    assert session_units(users["a_staff"]) == {"A", "A1", "A2"}
    assert session_units(users["tuyengiao"], units["A"]) == {"A", "A1", "A2"}
    assert session_units(users["tuyengiao"], units["A1"]) == {"A1"}
    assert "TINH2" not in session_units(users["tuyengiao"])


def test_documents_and_campaigns_addressed_to_a_sibling_stay_unseen(twins):
    units, users = twins["units"], twins["users"]
    for number, code in [("1-CT/TU", "TINH"), ("2-CT/TU", "A"), ("3-CT/TU", "A1"), ("4-CT/TU", "A2"),
                         ("5-CT/TU", "B"), ("6-CT/TU", "B1"), ("7-CT/TU", "TINH2")]:
        document = make_document(units[code], number, "CT", title=f"Văn bản gửi {code}")
        StudyCampaign.objects.create(title=f"Học tập văn bản gửi {code}", document=document,
                                     organization=units[code], starts_on=TODAY, deadline=TODAY)

    def addressed(model, user):
        return set(restrict(model.objects.all(), user).values_list("organization__code", flat=True))

    for model in (Document, StudyCampaign):
        # A member sees what is addressed to his cell and the units above it.
        assert addressed(model, users["a1_member"]) == {"TINH", "A", "A1"}
        assert addressed(model, users["a1_secretary"]) == {"TINH", "A", "A1"}
        assert addressed(model, users["a_staff"]) == {"TINH", "A", "A1", "A2"}
        assert "TINH2" not in addressed(model, users["tuyengiao"])
    own = document_selectors.member_overview(users["a1_member"])["campaigns"]
    assert {campaign.organization.code for campaign in own} == {"TINH", "A", "A1"}


def test_subtree_counts_leave_out_a_sibling_with_the_same_leading_digits(twins):
    units = twins["units"]
    counted = {unit.code: (unit.member_count, unit.people_count)
               for unit in core.with_subtree_counts([units["A"], units["B"], units["A1"], units["A2"]])}
    assert counted == {"A": (4, 4), "B": (2, 2), "A1": (3, 3), "A2": (1, 1)}
    counted = {unit.code: unit.people_count for unit in core.with_subtree_counts([units["TINH"], units["TINH2"]])}
    assert counted == {"TINH": 5 + 6, "TINH2": 1}  # the province's 5 people and 6 here
    assert sum(core.subtree_member_counts(units["A"]).values()) == 4
    assert sum(core.subtree_member_counts(units["A1"]).values()) == 3
    assert sum(core.subtree_member_counts(units["TINH"]).values()) == 5 + 6


def test_campaign_follow_up_leaves_out_a_sibling_with_the_same_leading_digits(twins):
    units, people = twins["units"], twins["people"]
    campaign = StudyCampaign.objects.create(title="Học tập chuyên đề năm", organization=units["A"],
                                            document=make_document(units["TINH"]),
                                            starts_on=TODAY - datetime.timedelta(days=30), deadline=TODAY)
    for code, person in [("A1", "a1"), ("A2", "a2"), ("B", "b"), ("B1", "b1")]:
        # B's sessions name the campaign too (a wrong link must not count beyond its subtree).
        session = StudySession.objects.create(organization=units[code], held_on=TODAY, campaign=campaign)
        Attendance.objects.create(session=session, person=people[person], status=Attendance.Status.PRESENT)
    assert {s.organization.code for s in document_selectors.linked_sessions(campaign)} == {"A1", "A2"}

    rows = document_selectors.campaign_progress(campaign=campaign, viewer=system_reach(units["A"]), as_of=TODAY)
    by_code = {row.code: row for row in rows}
    assert set(by_code) == {"A", "A1", "A2"}
    assert (by_code["A"].subtree_expected, by_code["A"].subtree_attended) == (4, 2)
    assert (by_code["A1"].subtree_expected, by_code["A1"].subtree_attended) == (3, 1)
    assert (by_code["A2"].subtree_expected, by_code["A2"].subtree_attended) == (1, 1)
    assert by_code["A"].subtree_units == 2 and by_code["A"].subtree_done == 2
    assert [child.code for child in by_code["A"].children] == ["A1", "A2"]
    # Whoever looks from above (a province's staff, a report over the province) sees the same lines.
    for viewer in [twins["users"]["tuyengiao"], system_reach(units["TINH"])]:
        rows = document_selectors.campaign_progress(campaign=campaign, viewer=viewer, as_of=TODAY)
        assert [(row.code, row.subtree_attended) for row in rows] == [("A", 2), ("A1", 1), ("A2", 1)]
    # The secretary of A1 sees his cell's line only.
    rows = document_selectors.campaign_progress(campaign=campaign, viewer=twins["users"]["a1_secretary"],
                                                as_of=TODAY)
    assert [row.code for row in rows] == ["A1"]


def test_commitment_lists_of_a_unit_leave_out_the_sibling(twins):
    people, units = twins["people"], twins["units"]
    for key in ["a1", "a2", "b"]:
        Commitment.objects.create(person=people[key], year=TODAY.year)
    listed = commitment_selectors.commitment_list(twins["users"]["tuyengiao"], unit=units["A1"])
    assert {c.person.full_name for c in listed} == {"Người Chi bộ A1"}
    listed = commitment_selectors.commitment_list(twins["users"]["tuyengiao"], unit=units["A"])
    assert {c.person.full_name for c in listed} == {"Người Chi bộ A1", "Người Chi bộ A2"}
    assert {c.person.full_name for c in commitment_selectors.commitment_list(twins["users"]["a1_secretary"])} == {
        "Người Chi bộ A1"}
