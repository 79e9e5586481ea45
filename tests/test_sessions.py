"""Study sessions: the list (filters, paging, constant queries), the form with its refusals,
the members expected at a session, a member's apology, and the selectors other areas call."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import PartyStatus, Person
from resolutions.models import Attendance, Document, DocumentKind, StudySession
from resolutions.selectors import sessions as selectors
from tests.factories import PersonFactory

TODAY = timezone.localdate
Status = Attendance.Status


def make_session(unit, held_on=None, **fields) -> StudySession:
    fields.setdefault("place", "Hội trường")
    return StudySession.objects.create(organization=unit, held_on=held_on or TODAY(), **fields)


def as_user(client, province, role):
    client.force_login(province["users"][role])
    return client


def form_data(**overrides):
    data = {"organization": "CB1", "kind": "thuong_ky", "held_on": TODAY().strftime("%d/%m/%Y"),
            "starts_at": "14:00", "format": "tap_trung", "place": "Phòng họp tầng 2", "bridge_points": "",
            "presenter": "Nguyễn Văn Bí", "notes": "Sinh hoạt tháng"}
    data.update(overrides)
    return data


# --- Expected members ------------------------------------------------------------------------


def test_expected_members_follow_domain_rules(province):
    cb1 = province["units"]["CB1"]
    session = make_session(cb1, datetime.date(2025, 6, 10))
    excused = PersonFactory(full_name="Võ Văn Miễn", organization=cb1,
                            party_status=PartyStatus.objects.get(code="mien-sinh-hoat"))
    public = PersonFactory(full_name="Đỗ Thị Quần", organization=cb1, party_status=PartyStatus.objects.get(
        code="quan-chung"), admitted_on=None, official_on=None, party_card_number=None)
    late = PersonFactory(full_name="Mai Văn Mới", organization=cb1, admitted_on=datetime.date(2025, 6, 11),
                         official_on=None, party_status=PartyStatus.objects.get(code="du-bi"))
    same_day = PersonFactory(full_name="Lý Thị Kịp", organization=cb1, admitted_on=datetime.date(2025, 6, 10),
                             official_on=None, party_status=PartyStatus.objects.get(code="du-bi"))
    names = [p.full_name for p in selectors.expected_members(session)]
    # Vietnamese order by given name: Bí, Cùng, Đảng, Kịp.
    assert names == ["Nguyễn Văn Bí", "Lê Văn Cùng", "Trần Thị Đảng", "Lý Thị Kịp"]
    for outsider in (excused, public, late, province["others"]["cb2"]):
        assert outsider.full_name not in names
    assert same_day.full_name in names


# --- List ------------------------------------------------------------------------------------


def test_list_shows_the_reach_and_filters_by_unit_and_year(client, province):
    units = province["units"]
    make_session(units["CB1"], datetime.date(2025, 3, 5), presenter="Trình bày CB1-2025")
    make_session(units["CB1"], datetime.date(2024, 3, 5), presenter="Trình bày CB1-2024")
    make_session(units["CB3"], datetime.date(2025, 3, 6), presenter="Trình bày CB3-2025")
    body = as_user(client, province, "tuyengiao").get("/study/sessions/").content.decode()
    assert all(f"Trình bày {key}" in body for key in ("CB1-2025", "CB1-2024", "CB3-2025"))
    body = client.get("/study/sessions/", {"unit": "DBX"}).content.decode()
    assert "CB3-2025" in body and "CB1-2025" not in body
    body = client.get("/study/sessions/", {"year": "2024"}).content.decode()
    assert "CB1-2024" in body and "CB1-2025" not in body and "CB3-2025" not in body
    # A member sees his own cell's sessions, and no unit filter to play with.
    response = as_user(client, province, "dangvien").get("/study/sessions/")
    body = response.content.decode()
    assert "CB1-2025" in body and "CB1-2024" in body and "CB3-2025" not in body
    assert 'name="unit"' not in body
    assert "Ghi buổi sinh hoạt mới" not in body and "Điểm danh" not in body


def test_list_empty_state_says_what_to_do(client, province):
    body = as_user(client, province, "bithu").get("/study/sessions/").content.decode()
    assert "Chưa có buổi sinh hoạt nào" in body and "Ghi buổi sinh hoạt mới" in body


def test_list_queries_do_not_grow(client, province, django_assert_max_num_queries):
    cb1 = province["units"]["CB1"]
    client = as_user(client, province, "tuyengiao")
    make_session(cb1, datetime.date(2025, 1, 1))
    with django_assert_max_num_queries(12) as few:
        assert client.get("/study/sessions/").status_code == 200
    StudySession.objects.bulk_create(StudySession(organization=cb1, held_on=datetime.date(2025, 1, 1)
                                                  + datetime.timedelta(days=i), place="Hội trường")
                                     for i in range(60))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/study/sessions/")
    assert len(response.context["page"].object_list) == 20
    assert client.get("/study/sessions/", {"page": 4}).context["page"].number == 4


# --- Form ------------------------------------------------------------------------------------


def test_secretary_creates_a_session(client, province, catalogues):
    kind = DocumentKind.objects.get(code="CT")
    document = Document.objects.create(kind=kind, number_symbol="05-CT/TW", issuing_body="Bộ Chính trị",
                                       issued_on=datetime.date(2016, 5, 15), title="Về đẩy mạnh học tập",
                                       organization=province["units"]["TINH"])
    client = as_user(client, province, "bithu")
    page = client.get("/study/sessions/new/").content.decode()
    assert "05-CT/TW" in page and "dd/mm/yyyy" in page
    response = client.post("/study/sessions/new/", form_data(documents=[document.pk]))
    session = StudySession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/study/sessions/{session.pk}/"
    assert session.organization == province["units"]["CB1"] and session.held_on == TODAY()
    assert session.starts_at == datetime.time(14, 0) and list(session.documents.all()) == [document]
    assert session.created_by == province["users"]["bithu"]
    detail = client.get(response["Location"]).content.decode()
    assert "Phòng họp tầng 2" in detail and "05-CT/TW" in detail


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"held_on": "61"}, "held_on", "không được sau hôm nay quá 60 ngày"),
    ({"held_on": "31/02/2026"}, "held_on", "ngày/tháng/năm"),
    ({"format": "truc_tuyen", "bridge_points": ""}, "bridge_points", "cần ghi số điểm cầu"),
    ({"place": "  "}, "place", "cần ghi địa điểm"),
    ({"organization": "CB3"}, "organization", "Lựa chọn"),
])
def test_bad_session_input_is_refused_and_kept(client, province, overrides, field, message):
    if overrides.get("held_on") == "61":
        overrides = {"held_on": (TODAY() + datetime.timedelta(days=61)).strftime("%d/%m/%Y")}
    client = as_user(client, province, "bithu")
    response = client.post("/study/sessions/new/", form_data(**overrides))
    assert response.status_code == 200
    assert StudySession.objects.count() == 0
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    body = response.content.decode()
    assert "Phòng họp tầng 2" in body or overrides.get("place")  # the input is shown again
    assert 'aria-invalid="true"' in body


def test_date_limit_is_a_setting(client, province, settings):
    settings.STUDY_SESSION_MAX_DAYS_AHEAD = 5
    client = as_user(client, province, "bithu")
    late = (TODAY() + datetime.timedelta(days=6)).strftime("%d/%m/%Y")
    response = client.post("/study/sessions/new/", form_data(held_on=late))
    assert "quá 5 ngày" in " ".join(response.context["form"].errors["held_on"])
    ok = (TODAY() + datetime.timedelta(days=5)).strftime("%d/%m/%Y")
    assert client.post("/study/sessions/new/", form_data(held_on=ok)).status_code == 302


def test_online_session_with_bridge_points(client, province):
    client = as_user(client, province, "bithu")
    response = client.post("/study/sessions/new/", form_data(format="truc_tuyen", place="", bridge_points="25"))
    assert response.status_code == 302
    assert StudySession.objects.get().bridge_points == 25


def test_secretary_edits_his_session(client, province):
    session = make_session(province["units"]["CB1"], datetime.date(2025, 5, 5))
    client = as_user(client, province, "bithu")
    form = client.get(f"/study/sessions/{session.pk}/edit/").content.decode()
    assert 'value="05/05/2025"' in form
    response = client.post(f"/study/sessions/{session.pk}/edit/",
                           form_data(held_on="06/05/2025", kind="chuyen_de"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.held_on == datetime.date(2025, 5, 6) and session.kind == "chuyen_de"


def test_forms_are_for_managers_only(client, province):
    session = make_session(province["units"]["CB1"])
    client = as_user(client, province, "dangvien")
    assert client.get("/study/sessions/new/").status_code == 403
    response = client.post(f"/study/sessions/{session.pk}/edit/", form_data(place="Sửa trộm"))
    assert response.status_code == 403 and "Chỉ bí thư, cấp ủy" in response.content.decode()
    session.refresh_from_db()
    assert session.place == "Hội trường"


# --- Apology ---------------------------------------------------------------------------------


def test_member_sends_an_apology_before_the_session(client, province):
    session = make_session(province["units"]["CB1"], TODAY() + datetime.timedelta(days=3))
    client = as_user(client, province, "dangvien")
    assert "Gửi xin vắng" in client.get(f"/study/sessions/{session.pk}/").content.decode()
    response = client.post(f"/study/sessions/{session.pk}/apology/", {"reason": "Đi công tác Hà Nội"}, follow=True)
    assert "Đã gửi xin vắng" in response.content.decode()
    row = Attendance.objects.get(session=session)
    assert (row.person, row.status, row.method, row.reason) == (
        province["member"], Status.EXCUSED, Attendance.Method.APOLOGY, "Đi công tác Hà Nội")


def test_apology_after_the_start_is_refused(client, province):
    session = make_session(province["units"]["CB1"], TODAY(), starts_at=datetime.time(0, 0))
    client = as_user(client, province, "dangvien")
    response = client.post(f"/study/sessions/{session.pk}/apology/", {"reason": "Ốm"}, follow=True)
    assert "đã bắt đầu" in response.content.decode()
    assert not Attendance.objects.exists()


def test_apology_needs_a_reason_and_own_unit(client, province):
    units = province["units"]
    mine = make_session(units["CB1"], TODAY() + datetime.timedelta(days=2))
    response = as_user(client, province, "dangvien").post(f"/study/sessions/{mine.pk}/apology/", {"reason": " "},
                                                          follow=True)
    assert "Ghi lý do xin vắng" in response.content.decode()
    # The secretary of CB1 is not a member of CB2: a session he can see but may not apologise for.
    other = make_session(units["CB1"], TODAY() + datetime.timedelta(days=2))
    Person.objects.filter(pk=province["secretary"].pk).update(organization=units["CB2"])
    response = as_user(client, province, "bithu").post(f"/study/sessions/{other.pk}/apology/", {"reason": "Bận"},
                                                       follow=True)
    assert "Chỉ đảng viên sinh hoạt tại" in response.content.decode()
    assert not Attendance.objects.exists()


# --- Selectors for the member's dashboard ----------------------------------------------------


def test_sessions_of_member_and_attendance_rate(province):
    cb1, member = province["units"]["CB1"], province["member"]
    year = TODAY().year - 1
    held = [make_session(cb1, datetime.date(year, month, 10)) for month in (1, 2, 3, 4)]
    make_session(province["units"]["CB2"], datetime.date(year, 1, 11))  # another cell: not his
    make_session(cb1, datetime.date(year - 1, 5, 5))  # another year
    for session, status in zip(held, [Status.PRESENT, Status.PRESENT, Status.EXCUSED, Status.ABSENT], strict=True):
        Attendance.objects.create(session=session, person=member, status=status)
    sessions = list(selectors.sessions_of_member(member, year))
    assert [s.pk for s in sessions] == [s.pk for s in held]
    assert [s.my_status for s in sessions] == ["co_mat", "co_mat", "vang_co_ly_do", "vang_khong_ly_do"]
    rate = selectors.attendance_rate(member, year)
    assert (rate.present, rate.excused, rate.absent, rate.expected) == (2, 1, 1, 4)
    assert rate.rate == 0.5
    assert selectors.attendance_rate(member, year - 5).rate is None


def test_sessions_of_member_include_upcoming_ones_without_rows(province):
    cb1, member = province["units"]["CB1"], province["member"]
    upcoming = make_session(cb1, TODAY() + datetime.timedelta(days=1))
    found = {s.pk: s.my_status for s in selectors.sessions_of_member(member, upcoming.held_on.year)}
    assert found == {upcoming.pk: None}
    # Excused from activity: only rows of his own count.
    member.party_status = PartyStatus.objects.get(code="mien-sinh-hoat")
    member.save()
    member = Person.objects.select_related("party_status").get(pk=member.pk)
    assert list(selectors.sessions_of_member(member, upcoming.held_on.year)) == []


def test_session_detail_shows_the_member_his_own_row(client, province):
    session = make_session(province["units"]["CB1"], datetime.date(2025, 2, 2))
    Attendance.objects.create(session=session, person=province["member"], status=Status.ABSENT)
    body = as_user(client, province, "dangvien").get(reverse("session_detail", args=[session.pk])).content.decode()
    assert re.search(r"Của bạn.*Vắng không lý do", body, re.S)
    assert "Gửi xin vắng" not in body  # already held
