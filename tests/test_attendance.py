"""The attendance sheet: every expected member on one screen, default present, saved in
one request with a constant number of queries, all or nothing, history kept; the same
service behind the API."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Ethnicity, PartyStatus, Person, RowHistory
from resolutions.models import Attendance
from tests.factories import PersonFactory
from tests.test_sessions import as_user, make_session

Status = Attendance.Status
HELD = datetime.date(2025, 9, 9)


def add_members(unit, n, start=0):
    status, kinh = PartyStatus.objects.get(code="chinh-thuc"), Ethnicity.objects.get(code="kinh")
    people = []
    for i in range(start, start + n):
        person = Person(full_name=f"Nguyễn Văn Số{i:03d}", gender="nam", ethnicity=kinh, party_status=status,
                        organization=unit, admitted_on=datetime.date(2010, 1, 1))
        person.refresh_derived_names()
        people.append(person)
    return Person.objects.bulk_create(people)


def sheet_post(people, changes=None, reasons=None):
    """The form as the page posts it: every person, its status, its reason."""
    changes, reasons = changes or {}, reasons or {}
    data = {"person": [str(p.pk) for p in people]}
    for p in people:
        data[f"status-{p.pk}"] = changes.get(p.pk, Status.PRESENT)
        data[f"reason-{p.pk}"] = reasons.get(p.pk, "")
    return data


def expected(province):
    unit = province["units"]["CB1"]
    return list(Person.objects.filter(organization=unit).order_by("sort_key"))


@pytest.fixture
def session(province):
    return make_session(province["units"]["CB1"], HELD)


def test_sheet_lists_expected_members_present_by_default(client, province, session):
    PersonFactory(full_name="Võ Văn Miễn", organization=province["units"]["CB1"],
                  party_status=PartyStatus.objects.get(code="mien-sinh-hoat"))
    response = as_user(client, province, "bithu").get(f"/study/sessions/{session.pk}/attendance/")
    rows = response.context["rows"]
    assert [r.full_name for r in rows] == ["Nguyễn Văn Bí", "Lê Văn Cùng", "Trần Thị Đảng"]
    assert {r.status for r in rows} == {Status.PRESENT}
    body = response.content.decode()
    assert "Võ Văn Miễn" not in body and "vắng không lý do" in body and "<kbd>1</kbd>" in body


def test_save_records_the_whole_sheet_and_keeps_history(client, province, session):
    people = expected(province)
    secretary, member, other = (province["secretary"], province["member"], province["others"]["cb1"])
    client = as_user(client, province, "bithu")
    response = client.post(f"/study/sessions/{session.pk}/attendance/", sheet_post(
        people, {member.pk: Status.EXCUSED, other.pk: Status.ABSENT}, {member.pk: "Ốm, có giấy"}))
    assert response.status_code == 302
    rows = {a.person_id: a for a in Attendance.objects.filter(session=session)}
    assert rows[secretary.pk].status == Status.PRESENT
    assert (rows[member.pk].status, rows[member.pk].reason) == (Status.EXCUSED, "Ốm, có giấy")
    assert rows[other.pk].status == Status.ABSENT and rows[other.pk].method == Attendance.Method.SECRETARY
    # Editing later: the change is in the row history, with who made it.
    client.post(f"/study/sessions/{session.pk}/attendance/", sheet_post(people, {member.pk: Status.PRESENT,
                                                                                 other.pk: Status.ABSENT}))
    assert Attendance.objects.get(session=session, person=member).status == Status.PRESENT
    changes = RowHistory.objects.filter(table_name="resolutions_attendance", row_id=rows[member.pk].pk)
    assert [c.action for c in changes.order_by("id")] == ["I", "U"]
    update = changes.get(action="U")
    assert update.old["status"] == Status.EXCUSED and update.new["status"] == Status.PRESENT
    assert update.actor_id == province["users"]["bithu"].pk
    # An unchanged line is not rewritten.
    assert not RowHistory.objects.filter(table_name="resolutions_attendance", row_id=rows[other.pk].pk,
                                         action="U").exists()


def test_apology_shows_as_excused_and_can_be_changed(client, province, session):
    member = province["member"]
    Attendance.objects.create(session=session, person=member, status=Status.EXCUSED, reason="Đi công tác",
                              method=Attendance.Method.APOLOGY)
    client = as_user(client, province, "bithu")
    response = client.get(f"/study/sessions/{session.pk}/attendance/")
    row = next(r for r in response.context["rows"] if r.person_id == member.pk)
    assert (row.status, row.reason, row.is_apology) == (Status.EXCUSED, "Đi công tác", True)
    assert "đã xin vắng trước" in response.content.decode()
    people = expected(province)
    # Saved as shown: the apology keeps its way of recording.
    client.post(f"/study/sessions/{session.pk}/attendance/", sheet_post(people, {member.pk: Status.EXCUSED},
                                                                        {member.pk: "Đi công tác"}))
    assert Attendance.objects.get(person=member).method == Attendance.Method.APOLOGY
    # He came after all.
    client.post(f"/study/sessions/{session.pk}/attendance/", sheet_post(people))
    row = Attendance.objects.get(person=member)
    assert (row.status, row.method) == (Status.PRESENT, Attendance.Method.SECRETARY)


@pytest.mark.parametrize("case", ["outsider", "duplicate", "no_reason", "missing", "bad_status"])
def test_bad_sheets_are_refused_whole(client, province, session, case):
    people = expected(province)
    data = sheet_post(people, {province["member"].pk: Status.ABSENT})
    outsider = province["others"]["cb3"]
    if case == "outsider":
        data["person"].append(str(outsider.pk))
        data[f"status-{outsider.pk}"] = Status.PRESENT
        message = "Hoàng Văn Xa"  # the admin may see him, so he is named
    elif case == "duplicate":
        data["person"].append(str(province["member"].pk))
        message = "có dòng trùng: Trần Thị Đảng"
    elif case == "no_reason":
        data[f"status-{province['member'].pk}"] = Status.EXCUSED
        message = "Vắng có lý do cần ghi lý do: Trần Thị Đảng"
    elif case == "missing":
        data["person"].remove(str(province["secretary"].pk))
        message = "thiếu: Nguyễn Văn Bí"
    else:
        data[f"status-{province['member'].pk}"] = "co_mat_mot_nua"
        message = "Tình trạng không hợp lệ"
    client = as_user(client, province, "admin" if case == "outsider" else "bithu")
    response = client.post(f"/study/sessions/{session.pk}/attendance/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Chưa lưu điểm danh, chưa ghi gì cả" in body and message in body
    assert not Attendance.objects.exists()
    # What was typed is shown again.
    if case != "bad_status":
        row = next(r for r in response.context["rows"] if r.person_id == province["member"].pk)
        assert row.status in (Status.ABSENT, Status.EXCUSED)


def test_outsider_is_named_by_number_to_who_may_not_see_him(client, province, session):
    outsider = province["others"]["cb3"]
    data = sheet_post(expected(province))
    data["person"].append(str(outsider.pk))
    data[f"status-{outsider.pk}"] = Status.PRESENT
    body = as_user(client, province, "bithu").post(f"/study/sessions/{session.pk}/attendance/", data).content.decode()
    assert f"người có mã {outsider.pk}" in body and "Hoàng Văn Xa" not in body
    assert not Attendance.objects.exists()


def test_future_session_cannot_be_marked(client, province):
    from django.utils import timezone

    future = make_session(province["units"]["CB1"], timezone.localdate() + datetime.timedelta(days=3))
    client = as_user(client, province, "bithu")
    assert "chưa diễn ra" in client.get(f"/study/sessions/{future.pk}/attendance/").content.decode()
    response = client.post(f"/study/sessions/{future.pk}/attendance/", sheet_post(expected(province)))
    assert "chưa diễn ra" in response.content.decode()
    assert not Attendance.objects.exists()


def page_and_save_queries(client, session, people):
    with CaptureQueriesContext(connection) as page:
        assert client.get(f"/study/sessions/{session.pk}/attendance/").status_code == 200
    changes = {p.pk: Status.ABSENT for p in people[::7]}
    with CaptureQueriesContext(connection) as save:
        assert client.post(f"/study/sessions/{session.pk}/attendance/", sheet_post(people, changes)).status_code == 302
    return len(page.captured_queries), len(save.captured_queries)


def test_page_and_save_queries_do_not_grow_with_members(client, province, django_assert_max_num_queries):
    small_unit, large_unit = province["units"]["CB2"], province["units"]["CB3"]
    add_members(small_unit, 9)
    add_members(large_unit, 59, start=100)
    client = as_user(client, province, "admin")
    small = make_session(small_unit, HELD)
    large = make_session(large_unit, HELD)
    small_people = list(Person.objects.filter(organization=small_unit).order_by("sort_key"))
    large_people = list(Person.objects.filter(organization=large_unit).order_by("sort_key"))
    assert (len(small_people), len(large_people)) == (10, 60)
    few = page_and_save_queries(client, small, small_people)
    many = page_and_save_queries(client, large, large_people)
    assert many == few, (few, many)
    assert few[1] <= 12
    assert Attendance.objects.filter(session=large).count() == 60
    assert Attendance.objects.filter(session=large, status=Status.ABSENT).count() == 9


def test_sixty_members_saved_in_one_statement(client, province):
    unit = province["units"]["CB1"]
    add_members(unit, 57)
    session = make_session(unit, HELD)
    people = expected(province)
    assert len(people) == 60
    client = as_user(client, province, "bithu")
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(f"/study/sessions/{session.pk}/attendance/", sheet_post(people))
    assert response.status_code == 302
    inserts = [q["sql"] for q in ctx.captured_queries if "resolutions_attendance" in q["sql"]
               and q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1
    assert Attendance.objects.filter(session=session, status=Status.PRESENT).count() == 60


# --- API -------------------------------------------------------------------------------------


def api_rows(people, changes=None, reasons=None):
    changes, reasons = changes or {}, reasons or {}
    return {"rows": [{"person": p.pk, "status": changes.get(p.pk, Status.PRESENT), "reason": reasons.get(p.pk, "")}
                     for p in people]}


def test_api_sheet_get_and_put(client, province, session):
    client = as_user(client, province, "bithu")
    url = f"/api/v1/study-sessions/{session.pk}/attendance/"
    body = client.get(url).json()
    assert [r["full_name"] for r in body["rows"]] == ["Nguyễn Văn Bí", "Lê Văn Cùng", "Trần Thị Đảng"]
    assert body["summary"] == {"present": 3, "excused": 0, "absent": 0, "total": 3}
    member = province["member"]
    response = client.put(url, api_rows(expected(province), {member.pk: Status.EXCUSED}, {member.pk: "Ốm"}),
                          content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["summary"]["excused"] == 1
    assert Attendance.objects.get(person=member).reason == "Ốm"
    detail = client.get(f"/api/v1/study-sessions/{session.pk}/").json()
    assert detail["attendance"] == {"present": 2, "excused": 1, "absent": 0, "recorded": 3}


@pytest.mark.parametrize("case", ["outsider", "duplicate"])
def test_api_bad_sheets_write_nothing(client, province, session, case):
    payload = api_rows(expected(province))
    extra = province["others"]["cb3"] if case == "outsider" else province["member"]
    payload["rows"].append({"person": extra.pk, "status": Status.PRESENT})
    response = as_user(client, province, "bithu").post(f"/api/v1/study-sessions/{session.pk}/attendance/", payload,
                                                       content_type="application/json")
    assert response.status_code == 400
    text = str(response.json())
    assert ("Không thuộc danh sách" if case == "outsider" else "có dòng trùng") in text
    assert not Attendance.objects.exists()


def test_api_member_may_not_post_or_read_the_sheet(client, province, session):
    client = as_user(client, province, "dangvien")
    url = f"/api/v1/study-sessions/{session.pk}/attendance/"
    assert client.get(url).status_code == 403
    assert client.post(url, api_rows(expected(province)), content_type="application/json").status_code == 403
    assert not Attendance.objects.exists()


def test_api_sheet_queries_do_not_grow(client, province, django_assert_max_num_queries):
    small_unit, large_unit = province["units"]["CB2"], province["units"]["CB3"]
    add_members(small_unit, 9)
    add_members(large_unit, 59, start=100)
    client = as_user(client, province, "admin")
    counts = []
    for unit in (small_unit, large_unit):
        session = make_session(unit, HELD)
        people = list(Person.objects.filter(organization=unit))
        url = f"/api/v1/study-sessions/{session.pk}/attendance/"
        with CaptureQueriesContext(connection) as get:
            client.get(url)
        with CaptureQueriesContext(connection) as put:
            assert client.put(url, api_rows(people), content_type="application/json").status_code == 200
        counts.append((len(get.captured_queries), len(put.captured_queries)))
    assert counts[0] == counts[1], counts
