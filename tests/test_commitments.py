"""Commitments (bản cam kết tu dưỡng, rèn luyện, phấn đấu) through their public paths:
the member's pages, the secretary's page, the API; the states and who may move them."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Notification, PartyStatus, RowHistory
from resolutions.models import Commitment, RatingLevel, Theme
from tests.factories import PersonFactory, UserFactory, give_position, make_unit

YEAR = timezone.localdate().year
SECTIONS = {
    "political_ideology": "Kiên định chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh.",
    "ethics_lifestyle": "Giữ gìn lối sống giản dị, gần gũi quần chúng.",
    "duties": "Hoàn thành đúng hạn các việc được giao.",
    "exemplary_conduct": "Nêu gương ở cơ quan và nơi cư trú.",
    "study": "Học tập đầy đủ các chuyên đề, nghị quyết.",
    "concrete_deed": "Mỗi tháng một buổi hướng dẫn đoàn viên mới.",
}


@pytest.fixture
def theme(db):
    Theme.objects.create(kind=Theme.Kind.TERM, title="Ý chí tự lực, tự cường và khát vọng phát triển đất nước",
                         term="XIII (2021–2026)")
    return Theme.objects.create(kind=Theme.Kind.YEAR, year=YEAR, term="XIII (2021–2026)",
                                title="Học tập và làm theo tư tưởng Hồ Chí Minh về đoàn kết")


@pytest.fixture
def as_user(province, client):
    def login(role_or_user):
        user = province["users"][role_or_user] if isinstance(role_or_user, str) else role_or_user
        client.force_login(user)
        return client
    return login


@pytest.fixture
def evaluation_open(settings):
    settings.COMMITMENT_EVALUATION_OPENS = (1, 1)


def new_commitment(person, status=Commitment.Status.DRAFT, year=YEAR, **fields):
    return Commitment.objects.create(person=person, year=year, status=status, **{**SECTIONS, **fields})


def status_changes(commitment):
    rows = RowHistory.objects.filter(table_name="resolutions_commitment", row_id=commitment.pk).order_by("id")
    return [(row.new.get("status"), row.actor.username if row.actor else None) for row in rows
            if row.new and "status" in row.new]


def body(response):
    return response.content.decode()


# --- The whole flow through the pages ------------------------------------------------------


def test_member_files_secretary_returns_member_revises_secretary_accepts(province, theme, as_user):
    member = province["member"]
    client = as_user("dangvien")
    page = client.get("/study/commitments/")
    assert page.status_code == 200
    assert f"Viết bản cam kết năm {YEAR}" in body(page)

    form = client.get(f"/study/commitments/new/?year={YEAR}")
    assert form.status_code == 200
    assert f'<option value="{theme.pk}" selected>' in body(form)  # the year's theme, preselected
    assert "Ý chí tự lực, tự cường" in body(form)  # the term-long theme as context

    # A draft with one section only: saved, nothing else asked.
    response = client.post(f"/study/commitments/new/?year={YEAR}",
                           {"theme": theme.pk, "political_ideology": "Bản nháp đầu tiên", "action": "save"})
    commitment = Commitment.objects.get(person=member, year=YEAR)
    assert response.status_code == 302 and response["Location"] == f"/study/commitments/{commitment.pk}/"
    assert commitment.status == Commitment.Status.DRAFT and commitment.theme == theme

    response = client.post(f"/study/commitments/{commitment.pk}/edit/", {"theme": theme.pk, **SECTIONS,
                                                                          "action": "submit"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SUBMITTED and commitment.submitted_at is not None
    # Submitted: the owner can no longer edit it.
    response = client.post(f"/study/commitments/{commitment.pk}/edit/", {**SECTIONS, "duties": "Đổi", "action": "save"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.duties == SECTIONS["duties"]

    secretary = as_user("bithu")
    unit_page = secretary.get(f"/study/commitments/units/CB1/?year={YEAR}")
    assert "Xem và duyệt" in body(unit_page) and 'data-count="da_nop">1<' in body(unit_page)
    # Returning needs a comment: refused, nothing written.
    response = secretary.post(f"/study/commitments/{commitment.pk}/review/", {"decision": "return", "comment": " "})
    assert response.status_code == 200 and "Ghi ý kiến để người viết biết cần sửa gì" in body(response)
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SUBMITTED
    secretary.post(f"/study/commitments/{commitment.pk}/review/",
                   {"decision": "return", "comment": "Bổ sung việc làm cụ thể có thời hạn."})
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.RETURNED
    assert commitment.review_comment == "Bổ sung việc làm cụ thể có thời hạn."
    assert commitment.reviewed_by == province["users"]["bithu"] and commitment.reviewed_at is not None
    assert Notification.objects.filter(user=province["users"]["dangvien"], text__contains="trả lại").count() == 1

    client = as_user("dangvien")
    edit = client.get(f"/study/commitments/{commitment.pk}/edit/")
    assert "Bổ sung việc làm cụ thể có thời hạn." in body(edit)
    client.post(f"/study/commitments/{commitment.pk}/edit/",
                {"theme": theme.pk, **SECTIONS, "concrete_deed": "Hướng dẫn đoàn viên mới trước 30/6.",
                 "action": "submit"})
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SUBMITTED
    assert commitment.concrete_deed == "Hướng dẫn đoàn viên mới trước 30/6."

    secretary = as_user("bithu")
    secretary.post(f"/study/commitments/{commitment.pk}/review/", {"decision": "accept", "comment": ""})
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.ACCEPTED
    # The row history (the trigger) holds every step and who took it.
    assert status_changes(commitment) == [
        ("nhap", "dangvien"), ("da_nop", "dangvien"), ("tra_lai", "bithu"), ("da_nop", "dangvien"),
        ("da_duyet", "bithu")]
    detail = as_user("dangvien").get(f"/study/commitments/{commitment.pk}/")
    assert "Đã duyệt" in body(detail) and "Quá trình" in body(detail)


def test_one_commitment_per_person_and_year(province, theme, as_user):
    client = as_user("dangvien")
    client.post(f"/study/commitments/new/?year={YEAR}", {**SECTIONS, "action": "save"})
    # A second tab still showing the empty form posts again: a clear message, nothing new.
    response = client.post(f"/study/commitments/new/?year={YEAR}", {**SECTIONS, "action": "save"})
    assert response.status_code == 200
    assert f"Bạn đã có bản cam kết năm {YEAR}" in body(response)
    assert Commitment.objects.filter(person=province["member"]).count() == 1
    # Opening the form again leads to the existing one.
    response = client.get(f"/study/commitments/new/?year={YEAR}")
    assert response.status_code == 302
    # The database holds the rule on every path.
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(person=province["member"], year=YEAR)


def test_submitting_needs_every_section_and_keeps_the_draft(province, theme, as_user):
    client = as_user("dangvien")
    response = client.post(f"/study/commitments/new/?year={YEAR}",
                           {"theme": theme.pk, "political_ideology": "Chỉ mục một", "action": "submit"})
    assert response.status_code == 200
    text = body(response)
    assert "Mục này cần được viết trước khi nộp." in text and "Chỉ mục một" in text
    commitment = Commitment.objects.get(person=province["member"])
    assert commitment.status == Commitment.Status.DRAFT and commitment.political_ideology == "Chỉ mục một"
    assert f'action="/study/commitments/{commitment.pk}/edit/"' in text  # the next save edits, not duplicates


def test_years_outside_the_window_are_refused(province, as_user):
    response = as_user("dangvien").post(f"/study/commitments/new/?year={YEAR - 5}", {**SECTIONS, "action": "save"})
    assert response.status_code == 200 and "Chỉ lập bản cam kết cho các năm" in body(response)
    assert not Commitment.objects.exists()


# --- States and people ----------------------------------------------------------------------


@pytest.mark.parametrize("status, url, data", [
    ("nhap", "review", {"decision": "accept"}),
    ("nhap", "review", {"decision": "return", "comment": "Sửa"}),
    ("da_duyet", "review", {"decision": "return", "comment": "Sửa"}),
    ("tra_lai", "review", {"decision": "accept"}),
    ("da_duyet", "rate", {"rating": "tot"}),  # replaced by the level's id below
])
def test_wrong_state_transitions_by_the_secretary_are_refused(status, url, data, province, as_user,
                                                               evaluation_open):
    commitment = new_commitment(province["member"], status=Commitment.Status.SUBMITTED if url == "rate" else status)
    if "rating" in data:
        data = {"rating": RatingLevel.objects.get(code=data["rating"]).pk}
    before = Commitment.objects.values().get(pk=commitment.pk)
    history = RowHistory.objects.count()
    response = as_user("bithu").post(f"/study/commitments/{commitment.pk}/{url}/", data)
    assert response.status_code == 200
    assert "Không thể" in body(response) and "bản cam kết đang ở trạng thái" in body(response)
    assert Commitment.objects.values().get(pk=commitment.pk) == before
    assert RowHistory.objects.count() == history


@pytest.mark.parametrize("status", ["da_nop", "da_duyet"])
def test_the_owner_cannot_submit_or_edit_after_submission(status, province, as_user):
    commitment = new_commitment(province["member"], status=status)
    before = Commitment.objects.values().get(pk=commitment.pk)
    client = as_user("dangvien")
    response = client.post(f"/study/commitments/{commitment.pk}/submit/", follow=True)
    assert "Không thể nộp" in body(response)
    client.post(f"/study/commitments/{commitment.pk}/edit/", {**SECTIONS, "duties": "khác", "action": "save"})
    response = client.post(f"/api/v1/commitments/{commitment.pk}/submit/")
    assert response.status_code == 400 and "Không thể nộp" in str(response.json())
    assert Commitment.objects.values().get(pk=commitment.pk) == before


def test_a_member_cannot_review_his_own_or_anothers_commitment(province, as_user):
    own = new_commitment(province["member"], status=Commitment.Status.SUBMITTED)
    other = new_commitment(province["others"]["cb1"], status=Commitment.Status.SUBMITTED)
    client = as_user("dangvien")
    assert client.post(f"/study/commitments/{own.pk}/review/", {"decision": "accept"}).status_code == 403
    assert client.post(f"/study/commitments/{other.pk}/review/", {"decision": "accept"}).status_code == 404
    assert client.post(f"/api/v1/commitments/{own.pk}/accept/").status_code == 403
    assert client.post(f"/api/v1/commitments/{other.pk}/accept/").status_code == 404
    # Nor may the secretary accept his own.
    his = new_commitment(province["secretary"], status=Commitment.Status.SUBMITTED)
    assert as_user("bithu").post(f"/study/commitments/{his.pk}/review/", {"decision": "accept"}).status_code == 403
    assert Commitment.objects.filter(status=Commitment.Status.SUBMITTED).count() == 3


def test_a_secretary_of_another_cell_gets_404(province, as_user):
    commitment = new_commitment(province["member"], status=Commitment.Status.SUBMITTED)
    other_secretary = PersonFactory(full_name="Đỗ Văn Khác", organization=province["units"]["CB3"],
                                    user=UserFactory(username="bithu3"))
    give_position(other_secretary, province["units"]["CB3"])
    client = as_user(other_secretary.user)
    for url in ["", "edit/"]:
        assert client.get(f"/study/commitments/{commitment.pk}/{url}").status_code == 404
    for url, data in [("review/", {"decision": "accept"}), ("rate/", {}), ("submit/", {})]:
        assert client.post(f"/study/commitments/{commitment.pk}/{url}", data).status_code == 404
    assert client.get("/study/commitments/units/CB1/").status_code == 404
    assert client.post("/study/commitments/units/CB1/remind/").status_code == 404
    assert client.post(f"/api/v1/commitments/{commitment.pk}/accept/").status_code == 404
    assert client.get(f"/api/v1/commitments/{commitment.pk}/").status_code == 404
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SUBMITTED


def test_a_read_only_grant_sees_but_cannot_review(province, as_user):
    commitment = new_commitment(province["member"], status=Commitment.Status.SUBMITTED)
    client = as_user("tuyengiao")
    page = client.get(f"/study/commitments/{commitment.pk}/")
    assert page.status_code == 200 and "Xem xét bản cam kết" not in body(page)
    assert client.post(f"/study/commitments/{commitment.pk}/review/", {"decision": "accept"}).status_code == 403
    assert "Gửi nhắc nhở" not in body(client.get("/study/commitments/units/CB1/"))
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SUBMITTED


# --- Year-end evaluation ---------------------------------------------------------------------


def test_rating_only_on_an_accepted_commitment_within_the_window(province, as_user, evaluation_open):
    commitment = new_commitment(province["member"], status=Commitment.Status.SUBMITTED)
    good = RatingLevel.objects.get(code="tot")
    secretary = as_user("bithu")
    response = secretary.post(f"/study/commitments/{commitment.pk}/rate/", {"rating": good.pk})
    assert "Không thể xếp loại" in body(response)
    secretary.post(f"/study/commitments/{commitment.pk}/review/", {"decision": "accept"})

    member = as_user("dangvien")
    page = member.get(f"/study/commitments/{commitment.pk}/")
    assert "Lưu tự đánh giá" in body(page)
    response = member.post(f"/study/commitments/{commitment.pk}/self-assessment/", {"self_assessment": ""})
    assert "Viết phần tự đánh giá" in body(response)
    member.post(f"/study/commitments/{commitment.pk}/self-assessment/",
                {"self_assessment": "Đã thực hiện đủ các nội dung cam kết.", "self_rating": good.pk})
    # The member cannot rate himself officially.
    assert member.post(f"/study/commitments/{commitment.pk}/rate/", {"rating": good.pk}).status_code == 403

    secretary = as_user("bithu")
    response = secretary.post(f"/study/commitments/{commitment.pk}/rate/", {"rating": ""})
    assert "Chọn một mức xếp loại đang có hiệu lực." in body(response)
    response = secretary.post(f"/study/commitments/{commitment.pk}/rate/", {"rating": good.pk,
                                                                             "next": "/study/commitments/units/CB1/"})
    assert response.status_code == 302 and response["Location"] == "/study/commitments/units/CB1/"
    commitment.refresh_from_db()
    assert commitment.rating == good and commitment.rated_by == province["users"]["bithu"]
    assert commitment.self_rating == good and commitment.self_assessment.startswith("Đã thực hiện")
    # Once rated, the self-assessment is closed.
    response = as_user("dangvien").post(f"/study/commitments/{commitment.pk}/self-assessment/",
                                        {"self_assessment": "Sửa lại", "self_rating": good.pk})
    assert "không sửa tự đánh giá được nữa" in body(response)
    # The database refuses a rating on a commitment that is not accepted, by any path.
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(status=Commitment.Status.SUBMITTED)


def test_rating_waits_for_the_evaluation_window(province, as_user):
    commitment = new_commitment(province["member"], status=Commitment.Status.ACCEPTED, year=YEAR + 1)
    response = as_user("bithu").post(f"/study/commitments/{commitment.pk}/rate/",
                                     {"rating": RatingLevel.objects.get(code="tot").pk})
    assert f"Việc đánh giá cuối năm {YEAR + 1} bắt đầu từ ngày 01/11/{YEAR + 1}." in body(response)
    commitment.refresh_from_db()
    assert commitment.rating is None


def test_only_levels_in_force_are_offered_and_accepted(province, as_user, evaluation_open):
    old = RatingLevel.objects.create(code="cu", name="Mức cũ đã bãi bỏ", valid_to=datetime.date(2000, 1, 1))
    commitment = new_commitment(province["member"], status=Commitment.Status.ACCEPTED)
    client = as_user("bithu")
    assert "Mức cũ đã bãi bỏ" not in body(client.get(f"/study/commitments/{commitment.pk}/"))
    response = client.post(f"/study/commitments/{commitment.pk}/rate/", {"rating": old.pk})
    assert response.status_code == 200
    commitment.refresh_from_db()
    assert commitment.rating is None


# --- The secretary's page ---------------------------------------------------------------------


def test_unit_page_lists_everyone_expected_and_who_has_not_filed(province, as_user):
    cb1 = province["units"]["CB1"]
    mass = PartyStatus.objects.get(code="quan-chung")
    staff = PersonFactory(full_name="Võ Thị Công Chức", organization=cb1, party_status=mass, party_card_number=None,
                          admitted_on=None, official_on=None, user=UserFactory(username="congchuc"))
    PersonFactory(full_name="Lý Văn Không Tài Khoản", organization=cb1, party_status=mass, party_card_number=None,
                  admitted_on=None, official_on=None)
    PersonFactory(full_name="Mai Văn Miễn", organization=cb1,
                  party_status=PartyStatus.objects.get(code="mien-sinh-hoat"))
    new_commitment(province["member"], status=Commitment.Status.SUBMITTED)
    new_commitment(staff, status=Commitment.Status.ACCEPTED)
    response = as_user("bithu").get(f"/study/commitments/units/CB1/?year={YEAR}")
    text = body(response)
    for name in ["Nguyễn Văn Bí", "Trần Thị Đảng", "Lê Văn Cùng", "Võ Thị Công Chức"]:
        assert name in text
    assert "Lý Văn Không Tài Khoản" not in text  # non-party staff without an account do not file here
    assert "Mai Văn Miễn" not in text  # excused from activity
    assert 'data-count="missing">2<' in text and 'data-count="da_nop">1<' in text and 'data-count="da_duyet">1<' in text
    assert "2 người chưa nộp" in text and "Gửi nhắc nhở" in text
    # The non-party civil servant files his own.
    client = as_user(staff.user)
    assert client.get(f"/study/commitments/{staff.commitments.get().pk}/").status_code == 200


def add_members(unit, n):
    status = PartyStatus.objects.get(code="chinh-thuc")
    for i in range(n):
        person = PersonFactory(full_name=f"Nguyễn Văn Số {i}", organization=unit, party_status=status)
        new_commitment(person, status=[Commitment.Status.SUBMITTED, Commitment.Status.ACCEPTED,
                                       Commitment.Status.DRAFT][i % 3],
                       rating=None)


def test_unit_page_queries_do_not_grow_with_the_unit(province, as_user, evaluation_open):
    client = as_user("bithu")
    cb1 = province["units"]["CB1"]
    add_members(cb1, 3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"/study/commitments/units/CB1/?year={YEAR}").status_code == 200
    add_members(cb1, 60)
    for _ in range(5):
        make_unit(parent=cb1.parent)
    with CaptureQueriesContext(connection) as large:
        response = client.get(f"/study/commitments/units/CB1/?year={YEAR}")
    assert body(response).count('class="d-flex gap-1 rating-inline"') == 21  # accepted rows get a rating form
    assert len(large.captured_queries) == len(small.captured_queries) <= 14


# --- API ------------------------------------------------------------------------------------


def test_the_flow_through_the_api(province, theme, as_user):
    client = as_user("dangvien")
    response = client.post("/api/v1/commitments/", {"year": YEAR, "political_ideology": "Nháp"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "nhap" and data["theme"]["id"] == theme.pk and data["person"]["full_name"] == "Trần Thị Đảng"
    pk = data["id"]
    response = client.post(f"/api/v1/commitments/{pk}/submit/")
    assert response.status_code == 400 and "concrete_deed" in response.json()
    response = client.patch(f"/api/v1/commitments/{pk}/", SECTIONS, content_type="application/json")
    assert response.status_code == 200 and response.json()["duties"] == SECTIONS["duties"]
    assert client.post(f"/api/v1/commitments/{pk}/submit/").json()["status"] == "da_nop"
    assert client.patch(f"/api/v1/commitments/{pk}/", {"duties": "x"}, content_type="application/json"
                        ).status_code == 400
    duplicate = client.post("/api/v1/commitments/", {"year": YEAR}, content_type="application/json")
    assert duplicate.status_code == 400 and f"Bạn đã có bản cam kết năm {YEAR}" in str(duplicate.json())

    secretary = as_user("bithu")
    response = secretary.post(f"/api/v1/commitments/{pk}/return/", {}, content_type="application/json")
    assert response.status_code == 400 and "comment" in response.json()
    response = secretary.post(f"/api/v1/commitments/{pk}/return/", {"comment": "Cụ thể hơn"},
                              content_type="application/json")
    assert response.json()["status"] == "tra_lai" and response.json()["reviewed_by"] == "bithu"
    client = as_user("dangvien")
    client.patch(f"/api/v1/commitments/{pk}/", {"concrete_deed": "Cụ thể: 12 buổi"}, content_type="application/json")
    client.post(f"/api/v1/commitments/{pk}/submit/")
    secretary = as_user("bithu")
    response = secretary.post(f"/api/v1/commitments/{pk}/accept/", {}, content_type="application/json")
    assert response.json()["status"] == "da_duyet"
    # Rating before the evaluation window of next year's… and this year's when open.
    response = secretary.post(f"/api/v1/commitments/{pk}/rate/", {"rating": "khong-co"},
                              content_type="application/json")
    assert response.status_code == 400
    ids = {row["id"] for row in secretary.get(f"/api/v1/commitments/?year={YEAR}&unit=CB1").json()["results"]}
    assert ids == {pk}
    assert secretary.get("/api/v1/commitments/?unit=CB3").status_code == 404


def test_api_rating_and_self_assessment(province, as_user, evaluation_open):
    commitment = new_commitment(province["member"], status=Commitment.Status.ACCEPTED)
    response = as_user("dangvien").post(f"/api/v1/commitments/{commitment.pk}/self-assessment/",
                                        {"self_assessment": "Hoàn thành", "self_rating": "tot"},
                                        content_type="application/json")
    assert response.status_code == 200 and response.json()["self_rating"]["code"] == "tot"
    response = as_user("bithu").post(f"/api/v1/commitments/{commitment.pk}/rate/", {"rating": "xuat-sac"},
                                     content_type="application/json")
    assert response.status_code == 200 and response.json()["rating"]["code"] == "xuat-sac"
    assert response.json()["rated_by"] == "bithu"


def test_api_list_queries_do_not_grow(province, as_user):
    client = as_user("tuyengiao")
    add_members(province["units"]["CB2"], 3)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/commitments/").json()["results"]) == 3
    add_members(province["units"]["CB3"], 40)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/commitments/").json()["results"]) == 43
    assert len(large.captured_queries) == len(small.captured_queries) <= 6


# --- Notifications in the navbar -----------------------------------------------------------------


def test_notifications_badge_and_list_mark_them_read(province, as_user):
    user = province["users"]["dangvien"]
    for i in range(3):
        Notification.objects.create(user=user, text=f"Nhắc việc số {i}", key=f"k{i}", link="/study/commitments/")
    Notification.objects.create(user=province["users"]["bithu"], text="Của người khác", key="x")
    client = as_user("dangvien")
    page = client.get("/study/commitments/")
    assert 'hx-get="/notifications/count/"' in body(page)  # the navbar loads the badge
    badge = client.get("/notifications/count/")
    assert ">3<" in body(badge)
    menu = client.get("/notifications/menu/")
    assert "Nhắc việc số 2" in body(menu) and "Của người khác" not in body(menu)
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 0
    assert "d-none" in body(client.get("/notifications/count/"))
    listing = client.get("/notifications/")
    assert "Nhắc việc số 0" in body(listing) and "Của người khác" not in body(listing)
    assert Notification.objects.filter(user=province["users"]["bithu"], read_at__isnull=True).count() == 1
