"""Study campaigns: launching one, and the follow-up figures unit by unit, checked against
a recomputation from the raw attendance rows done here with plain loops."""

import datetime

import pytest
from django.urls import reverse

from portal.access import system_reach
from portal.models import Organization, PartyStatus, Person
from resolutions.models import Attendance, StudyCampaign, StudySession
from resolutions.selectors.documents import campaign_progress
from tests.factories import PersonFactory, make_unit
from tests.test_documents import make_document

START, DEADLINE = datetime.date(2025, 3, 1), datetime.date(2025, 6, 30)
PRESENT, EXCUSED, ABSENT = Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT


def follow_up(campaign, *, as_of):
    """The follow-up as a task or report sees it: the campaign's whole subtree."""
    return campaign_progress(campaign=campaign, viewer=system_reach(campaign.organization), as_of=as_of)


def session(unit, held_on, *, campaign=None, documents=(), kind=StudySession.Kind.STUDY):
    s = StudySession.objects.create(organization=unit, held_on=held_on, kind=kind, campaign=campaign)
    s.documents.set(documents)
    return s


def mark(s, people_statuses):
    Attendance.objects.bulk_create([Attendance(session=s, person=p, status=st) for p, st in people_statuses])


@pytest.fixture
def tree(province):
    """TINH ─ DBK ─ CS1 ─ CB1 (3 members), CB2 (1), CB4 (new: 4)
            └ DBX ─ CB3 (1), CS2 (new đảng bộ cơ sở) ─ CB5 (3), CB6 (2)
    with members excused from activity, admitted after the deadline and transferred out."""
    units = dict(province["units"])
    units["CB4"] = make_unit("Chi bộ Phòng Kế hoạch", parent=units["CS1"], code="CB4")
    units["CS2"] = make_unit("Đảng bộ xã Tân Lập", parent=units["DBX"], code="CS2", level_code="dang-bo-co-so")
    units["CB5"] = make_unit("Chi bộ ấp 1", parent=units["CS2"], code="CB5")
    units["CB6"] = make_unit("Chi bộ ấp 2", parent=units["CS2"], code="CB6")
    status = {code: PartyStatus.objects.get(code=code) for code in ("chinh-thuc", "du-bi", "mien-sinh-hoat",
                                                                   "chuyen-di", "quan-chung")}
    people = {key: p for key, p in [("secretary", province["secretary"]), ("member", province["member"]),
                                    *province["others"].items()]}
    people["cb4a"] = PersonFactory(organization=units["CB4"])
    people["cb4b"] = PersonFactory(organization=units["CB4"], party_status=status["du-bi"])
    people["cb4_excused"] = PersonFactory(organization=units["CB4"], party_status=status["mien-sinh-hoat"])
    people["cb4_new"] = PersonFactory(organization=units["CB4"], admitted_on=datetime.date(2025, 9, 1),
                                      official_on=None)
    people["cb5a"] = PersonFactory(organization=units["CB5"])
    people["cb5b"] = PersonFactory(organization=units["CB5"])
    people["cb5_gone"] = PersonFactory(organization=units["CB5"], party_status=status["chuyen-di"])
    people["cb6a"] = PersonFactory(organization=units["CB6"])
    people["cb6_public"] = PersonFactory(organization=units["CB6"], party_status=status["quan-chung"],
                                         party_card_number=None, admitted_on=None, official_on=None)
    document = make_document(units["TINH"], "01-KL/TW", "KL", issued_on=datetime.date(2021, 5, 18))
    other_document = make_document(units["TINH"], "35-NQ/TW", "NQ", issued_on=datetime.date(2018, 10, 22))
    campaign = StudyCampaign.objects.create(title="Quán triệt Kết luận 01-KL/TW", document=document,
                                            organization=units["TINH"], starts_on=START, deadline=DEADLINE)
    p = people
    # CB1: linked by the campaign, on time; the member excused, the secretary present.
    mark(session(units["CB1"], datetime.date(2025, 4, 10), campaign=campaign),
         [(p["secretary"], PRESENT), (p["member"], EXCUSED), (p["cb1"], ABSENT)])
    # CB1 again on the document, inside the window: the member catches up.
    mark(session(units["CB1"], datetime.date(2025, 5, 10), documents=[document]), [(p["member"], PRESENT)])
    # CS1's joint session on the document (covers CB2 and CB4, which held nothing themselves).
    mark(session(units["CS1"], datetime.date(2025, 6, 1), documents=[document]),
         [(p["cb2"], PRESENT), (p["cb4a"], PRESENT), (p["cb4b"], ABSENT)])
    # CB3 on the document but after the window, and not linked: does not count; CB3 is late.
    mark(session(units["CB3"], datetime.date(2025, 8, 1), documents=[document]), [(p["cb3"], PRESENT)])
    # CB5 linked by the campaign but after the deadline: counts, held late.
    mark(session(units["CB5"], datetime.date(2025, 7, 15), campaign=campaign),
         [(p["cb5a"], PRESENT), (p["cb5b"], ABSENT), (p["cb5_gone"], PRESENT)])
    # CB6 studied another document in the window: not this campaign's.
    mark(session(units["CB6"], datetime.date(2025, 4, 1), documents=[other_document]),
         [(p["cb6a"], PRESENT), (p["cb6_public"], PRESENT)])
    return {"units": units, "people": people, "campaign": campaign, "document": document, **{
        k: v for k, v in province.items() if k not in {"units"}}}


def recompute(campaign, today):
    """The follow-up from the raw rows, by plain loops, independently of the selector."""
    root = campaign.organization.path
    counted = set()
    for s in StudySession.objects.select_related("organization").prefetch_related("documents"):
        if not s.organization.path.startswith(root):
            continue
        on_document = campaign.document_id in {d.pk for d in s.documents.all()}
        if s.campaign_id == campaign.pk or (on_document and campaign.starts_on <= s.held_on <= campaign.deadline):
            counted.add(s.pk)
    present = set()
    for row in Attendance.objects.all():
        if row.session_id in counted and row.status == PRESENT:
            present.add(row.person_id)
    expected_on = min(today, campaign.deadline)
    expected = []
    for person in Person.objects.select_related("organization", "party_status"):
        if not person.organization.path.startswith(root):
            continue
        if not person.party_status.expected_at_meetings:
            continue
        if person.admitted_on is not None and person.admitted_on > expected_on:
            continue
        expected.append(person)
    figures = {}
    for unit in Organization.objects.filter(path__startswith=root):
        mine = [p for p in expected if p.organization.path.startswith(unit.path)]
        figures[unit.code] = (len(mine), sum(1 for p in mine if p.pk in present))
    return figures


def test_follow_up_equals_a_recomputation_from_raw_rows(tree, django_assert_num_queries):
    campaign = tree["campaign"]
    today = datetime.date(2025, 12, 31)
    with django_assert_num_queries(2):  # the units of the campaign's time, then one aggregate
        rows = follow_up(campaign, as_of=today)
    by_code = {row.code: row for row in rows}
    expected = recompute(campaign, today)
    assert set(by_code) == set(expected)
    for code, (n_expected, n_attended) in expected.items():
        row = by_code[code]
        assert (row.subtree_expected, row.subtree_attended) == (n_expected, n_attended), code
    # Written out by hand too, so a shared mistake in both would show.
    assert {c: (r.subtree_attended, r.subtree_expected) for c, r in by_code.items()} == {
        "TINH": (5, 10), "DBK": (4, 6), "CS1": (4, 6), "CB1": (2, 3), "CB2": (1, 1), "CB4": (1, 2),
        "DBX": (1, 4), "CB3": (0, 1), "CS2": (1, 3), "CB5": (1, 2), "CB6": (0, 1)}


def test_held_covered_and_late_units(tree):
    rows = {row.code: row for row in follow_up(tree["campaign"], as_of=datetime.date(2025, 12, 31))}
    assert (rows["CB1"].sessions, rows["CB1"].sessions_on_time, rows["CB1"].late) == (2, 2, False)
    assert rows["CB1"].first_held_on == datetime.date(2025, 4, 10)
    assert rows["CB2"].covered and not rows["CB2"].held and not rows["CB2"].late  # CS1's joint session
    assert rows["CB4"].covered and not rows["CB4"].late
    assert not rows["CB3"].held and rows["CB3"].late  # its session fell outside the window
    assert rows["CB5"].held and rows["CB5"].sessions_on_time == 0 and rows["CB5"].late  # held after the deadline
    assert rows["CB6"].late and not rows["CB6"].held
    assert not rows["CS2"].late  # no members of its own to study
    assert (rows["TINH"].subtree_units, rows["TINH"].subtree_done, rows["TINH"].subtree_late) == (6, 3, 3)
    assert (rows["DBX"].subtree_units, rows["DBX"].subtree_late) == (3, 3)
    # Before the deadline nobody is late yet.
    early = follow_up(tree["campaign"], as_of=datetime.date(2025, 5, 1))
    assert not any(row.late for row in early)


def test_member_admitted_after_the_date_is_not_expected(tree):
    rows = {row.code: row for row in follow_up(tree["campaign"], as_of=datetime.date(2025, 8, 1))}
    assert rows["CB4"].expected == 2  # cb4a, cb4b; not the excused one, not the one admitted 01/09/2025
    before_deadline = {row.code: row for row in follow_up(tree["campaign"], as_of=datetime.date(2025, 4, 1))}
    assert before_deadline["CB4"].expected == 2


def test_key_cadres_audience_counts_committee_members_only(tree):
    campaign = tree["campaign"]
    campaign.audience = "can_bo_chu_chot"
    campaign.save()
    rows = {row.code: row for row in follow_up(campaign, as_of=datetime.date(2025, 12, 31))}
    assert (rows["TINH"].subtree_expected, rows["TINH"].subtree_attended) == (1, 1)  # the bí thư of CB1


def test_follow_up_page_and_api_show_the_same_figures(tree, client):
    client.force_login(tree["users"]["tuyengiao"])
    campaign = tree["campaign"]
    response = client.get(reverse("study_campaign_detail", args=[campaign.pk]))
    html = response.content.decode()
    assert response.context["totals"]["expected"] == 10 and response.context["totals"]["attended"] == 5
    assert "Quá hạn, chưa tổ chức" in html and "Học cùng cấp trên" in html and "5/10 (50%)" in html
    api = {row["code"]: row for row in client.get(f"/api/v1/study-campaigns/{campaign.pk}/progress/").json()}
    assert (api["CS2"]["subtree_attended"], api["CS2"]["subtree_expected"], api["CB6"]["late"]) == (1, 3, True)


def test_follow_up_queries_do_not_grow_with_units(tree, client, django_assert_max_num_queries):
    client.force_login(tree["users"]["tuyengiao"])
    url = reverse("study_campaign_detail", args=[tree["campaign"].pk])
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for i in range(15):
        unit = make_unit(f"Chi bộ thêm {i}", parent=tree["units"]["CS2"])
        PersonFactory(organization=unit)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["totals"]["expected"] == 25


def test_secretary_launches_for_his_cell_only(tree, client):
    client.force_login(tree["users"]["bithu"])
    units = tree["units"]
    response = client.get(reverse("study_campaign_create") + f"?document={tree['document'].pk}")
    assert "01-KL/TW" in response.content.decode()
    data = {"title": "Học tập Kết luận 01", "organization": units["CB1"].pk, "document": tree["document"].pk,
            "audience": "dang_vien", "starts_on": "01/09/2026", "deadline": "30/08/2026"}
    response = client.post(reverse("study_campaign_create"), data)
    assert response.status_code == 200 and "Hạn hoàn thành phải sau ngày bắt đầu" in response.content.decode()
    assert 'value="Học tập Kết luận 01"' in response.content.decode()
    response = client.post(reverse("study_campaign_create"), {**data, "organization": units["CS1"].pk,
                                                              "deadline": "30/10/2026"})
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    before = StudyCampaign.objects.count()
    response = client.post(reverse("study_campaign_create"), {**data, "deadline": "30/10/2026"})
    assert response.status_code == 302
    campaign = StudyCampaign.objects.latest("id")
    assert StudyCampaign.objects.count() == before + 1
    assert (campaign.organization.code, campaign.created_by, campaign.deadline) == (
        "CB1", tree["users"]["bithu"], datetime.date(2026, 10, 30))


def test_campaign_needs_a_subject_its_subtree_can_read(tree, client):
    client.force_login(tree["users"]["tuyengiao"])
    units = tree["units"]
    narrow = make_document(units["CB3"], "195-KH/ĐU", "KH", issued_on=datetime.date(2025, 1, 5))
    data = {"title": "Đợt", "organization": units["DBX"].pk, "audience": "dang_vien",
            "starts_on": "01/09/2026", "deadline": "30/10/2026"}
    response = client.post(reverse("study_campaign_create"), data)
    assert "Chọn văn bản hoặc chuyên đề" in response.content.decode()
    response = client.post(reverse("study_campaign_create"), {**data, "document": narrow.pk})
    assert "chỉ phổ biến đến" in response.content.decode()
    assert not StudyCampaign.objects.filter(title="Đợt").exists()
    response = client.post("/api/v1/study-campaigns/", {"title": "Đợt", "organization": "DBX", "document": narrow.pk,
                                                   "starts_on": "2026-09-01", "deadline": "2026-10-30"},
                           content_type="application/json")
    assert response.status_code == 400 and "chỉ phổ biến đến" in response.json()["document"][0]


def test_campaign_list_queries_are_constant(tree, client, django_assert_max_num_queries):
    client.force_login(tree["users"]["tuyengiao"])
    client.get("/api/v1/study-campaigns/")
    with django_assert_max_num_queries(10) as small:
        client.get("/api/v1/study-campaigns/")
        client.get(reverse("study_campaign_list") + "?all=1")
    for i in range(20):
        StudyCampaign.objects.create(title=f"Đợt {i}", document=tree["document"], organization=tree["units"]["DBX"],
                                     starts_on=START, deadline=DEADLINE)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/v1/study-campaigns/").json()["results"]) == 21
        client.get(reverse("study_campaign_list") + "?all=1")
