"""QR check-in: the secretary's screen shows a signed code for one session and one time
slot, replaced every half of its short life; a member of that unit who opens it sees the
session and a button, and only the button's POST marks him present, once, never over a
mark the secretary made; anyone or anything else gets a clear message and changes nothing."""

import datetime
import re
import time

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from portal.models import PartyStatus
from resolutions.models import Attendance
from resolutions.selectors import sessions as selectors
from resolutions.services import sessions as services
from tests.test_sessions import as_user, make_session

Status = Attendance.Status
Method = Attendance.Method


@pytest.fixture
def session(province):
    return make_session(province["units"]["CB1"], timezone.localdate(), starts_at=datetime.time(8, 0))


def checkin_url(client, session) -> str:
    body = client.get(f"/study/sessions/{session.pk}/checkin/").content.decode()
    return re.search(r'id="checkin-url" href="([^"]+)"', body).group(1)


def token_signed_at(session, moment: float, monkeypatch) -> str:
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: moment)
        return services.checkin_token(session)


def mark_by_secretary(province, session, status, reason=""):
    """Save the sheet as the secretary: everyone present but the member."""
    member = province["member"]
    marks = [services.Mark(row.person_id, status if row.person_id == member.pk else Status.PRESENT,
                           reason if row.person_id == member.pk else "")
             for row in selectors.attendance_sheet(session)]
    services.record_attendance(session=session, by=province["users"]["bithu"], marks=marks)


def test_secretary_sees_a_code_that_changes_every_half_of_its_life(client, province, session, settings,
                                                                   monkeypatch):
    client = as_user(client, province, "bithu")
    response = client.get(f"/study/sessions/{session.pk}/checkin/")
    body = response.content.decode()
    assert 'class="segno"' in body and "Mã QR điểm danh" in body
    assert settings.STUDY_CHECKIN_QR_SECONDS == 60
    assert f'hx-get="/study/sessions/{session.pk}/checkin/code/" hx-trigger="every 30s"' in body
    assert f'hx-get="/study/sessions/{session.pk}/checkin/present/"' in body
    url = checkin_url(client, session)
    token = url.rstrip("/").rsplit("/", 1)[1]
    session_id, slot = signing.TimestampSigner(salt="resolutions.sessions.checkin").unsign(token).split(".")
    assert (session_id, int(slot)) == (str(session.pk), int(time.time() // 30))
    # The htmx refresh of the next slot brings another code.
    next_slot = time.time() + 30
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: next_slot)
        fresh = client.get(f"/study/sessions/{session.pk}/checkin/code/").content.decode()
    assert 'class="segno"' in fresh
    assert re.search(r'id="checkin-url" href="([^"]+)"', fresh).group(1) != url


def test_opening_the_link_asks_and_only_the_button_records(client, province, session):
    url = checkin_url(as_user(client, province, "bithu"), session)
    client.logout()
    # Not logged in: to the login page first, then back to the code.
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/?next=" in response["Location"]
    client = as_user(client, province, "dangvien")
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "Xác nhận có mặt" in body and 'method="post"' in body
    assert session.organization.name in body
    assert "08:00" in body and "Hội trường" in body
    assert not Attendance.objects.exists()

    response = client.post(url)
    assert response.status_code == 200 and "Đã điểm danh: có mặt" in response.content.decode()
    row = Attendance.objects.get()
    assert (row.person, row.status, row.method) == (province["member"], Status.PRESENT, Method.QR)
    assert row.checked_in_at is not None
    # The secretary's polled list shows him.
    present = as_user(Client(), province, "bithu").get(f"/study/sessions/{session.pk}/checkin/present/")
    assert province["member"].full_name in present.content.decode()


def test_a_second_scan_says_already_present_as_a_success(client, province, session):
    url = checkin_url(as_user(client, province, "bithu"), session)
    client = as_user(client, province, "dangvien")
    client.post(url)
    first = Attendance.objects.get()
    for second in (client.post(url), client.get(url)):
        body = second.content.decode()
        assert second.status_code == 200 and "Bạn đã được ghi có mặt" in body and "alert-success" in body
        assert "Chưa điểm danh được" not in body
    assert Attendance.objects.get().checked_in_at == first.checked_in_at


def test_a_secretarys_present_mark_makes_a_scan_already_present(client, province, session):
    mark_by_secretary(province, session, Status.PRESENT)
    url = checkin_url(as_user(client, province, "bithu"), session)
    response = as_user(client, province, "dangvien").post(url)
    assert response.status_code == 200 and "Bạn đã được ghi có mặt" in response.content.decode()
    assert Attendance.objects.get(person=province["member"]).method == Method.SECRETARY


@pytest.mark.parametrize("headers", [{}, {"Sec-Purpose": "prefetch"}, {"Purpose": "prefetch"},
                                     {"Sec-Purpose": "prefetch;prerender"}])
def test_a_get_writes_nothing(client, province, session, headers):
    url = checkin_url(as_user(client, province, "bithu"), session)
    response = as_user(client, province, "dangvien").get(url, headers=headers)
    assert response.status_code == 200 and "Xác nhận có mặt" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_button_needs_the_csrf_token(province, session):
    url = checkin_url(as_user(Client(), province, "bithu"), session)
    client = as_user(Client(enforce_csrf_checks=True), province, "dangvien")
    assert client.post(url).status_code == 403
    assert not Attendance.objects.exists()
    page = client.get(url).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(url, {"csrfmiddlewaretoken": csrf}).status_code == 200
    assert Attendance.objects.get().method == Method.QR


@pytest.mark.parametrize("status", [Status.ABSENT, Status.EXCUSED])
def test_a_secretarys_absence_survives_a_scan_and_he_sees_the_conflict(client, province, session, status):
    mark_by_secretary(province, session, status, reason="Đi công tác" if status == Status.EXCUSED else "")
    url = checkin_url(as_user(client, province, "bithu"), session)
    member = as_user(Client(), province, "dangvien")
    assert "Xác nhận có mặt" in member.get(url).content.decode()
    response = member.post(url)
    body = response.content.decode()
    assert response.status_code == 409 and "Bí thư đã ghi bạn" in body and "báo trực tiếp với bí thư" in body
    row = Attendance.objects.get(person=province["member"])
    assert (row.status, row.method) == (status, Method.SECRETARY)
    assert row.refused_scan_at is not None
    for page in (f"/study/sessions/{session.pk}/checkin/", f"/study/sessions/{session.pk}/checkin/present/"):
        shown = client.get(page).content.decode()
        conflicts = shown[shown.index('id="refused-scans"'):]
        assert "Quét mã nhưng đã được đánh dấu vắng" in conflicts
        assert province["member"].full_name in conflicts
        assert timezone.localtime(row.refused_scan_at).strftime("%H:%M") in conflicts
    # Once the secretary marks him present, the conflict is settled.
    mark_by_secretary(province, session, Status.PRESENT)
    assert 'id="refused-scans"' not in client.get(f"/study/sessions/{session.pk}/checkin/present/").content.decode()


def test_member_with_an_apology_who_comes_is_marked_present(client, province, session):
    Attendance.objects.create(session=session, person=province["member"], status=Status.EXCUSED, reason="Bận",
                              method=Method.APOLOGY)
    url = checkin_url(as_user(client, province, "bithu"), session)
    assert as_user(client, province, "dangvien").post(url).status_code == 200
    assert (Attendance.objects.get().status, Attendance.objects.get().method) == (Status.PRESENT, Method.QR)


def test_member_of_another_unit_is_refused(client, province, session):
    url = checkin_url(as_user(client, province, "bithu"), session)
    outsider = province["others"]["cb3"]
    from tests.factories import UserFactory

    outsider.user = UserFactory(username="ngoai")
    outsider.save()
    client.force_login(outsider.user)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400 and "chi bộ khác" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_forwarded_code_used_after_its_time_is_refused(client, province, session, monkeypatch):
    signed_at = time.time() - services.qr_lifetime().total_seconds() - 1
    token = token_signed_at(session, signed_at, monkeypatch)
    client = as_user(client, province, "dangvien")
    for response in (client.get(f"/study/checkin/{token}/"), client.post(f"/study/checkin/{token}/")):
        assert response.status_code == 400 and "Mã QR đã hết hạn" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_code_still_fresh_is_accepted_and_one_that_expires_before_the_button_is_not(client, province, session,
                                                                                      monkeypatch):
    lifetime = services.qr_lifetime().total_seconds()
    fresh = token_signed_at(session, time.time() - lifetime + 10, monkeypatch)
    client = as_user(client, province, "dangvien")
    assert client.get(f"/study/checkin/{fresh}/").status_code == 200
    waited = time.time() + 11  # the member waited before pressing the button
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: waited)
        late = client.post(f"/study/checkin/{fresh}/")
    assert late.status_code == 400 and "Mã QR đã hết hạn" in late.content.decode()
    assert not Attendance.objects.exists()
    assert client.post(f"/study/checkin/{fresh}/").status_code == 200


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "9999" + t[t.index("."):],
                                    lambda t: "rac"])
def test_tampered_code_is_refused(client, province, session, mangle):
    token = mangle(services.checkin_token(session))
    client = as_user(client, province, "dangvien")
    for response in (client.get(f"/study/checkin/{token}/"), client.post(f"/study/checkin/{token}/")):
        assert response.status_code == 400 and "Mã QR không hợp lệ" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_token_of_another_salt_is_refused(client, province, session):
    token = signing.TimestampSigner(salt="something-else").sign(f"{session.pk}.{int(time.time() // 30)}")
    response = as_user(client, province, "dangvien").post(f"/study/checkin/{token}/")
    assert response.status_code == 400 and not Attendance.objects.exists()


def test_member_not_expected_is_refused(client, province, session):
    member = province["member"]
    member.party_status = PartyStatus.objects.get(code="mien-sinh-hoat")
    member.save()
    url = checkin_url(as_user(client, province, "bithu"), session)
    response = as_user(client, province, "dangvien").post(url)
    assert response.status_code == 400 and "không thuộc diện phải dự" in response.content.decode()
    assert not Attendance.objects.exists()


def test_code_is_shown_only_on_the_session_day(client, province):
    later = make_session(province["units"]["CB1"], timezone.localdate() + datetime.timedelta(days=2))
    client = as_user(client, province, "bithu")
    body = client.get(f"/study/sessions/{later.pk}/checkin/").content.decode()
    assert 'class="segno"' not in body and "chỉ mở trong ngày diễn ra" in body
    token = services.checkin_token(later)
    response = as_user(client, province, "dangvien").post(f"/study/checkin/{token}/")
    assert response.status_code == 400 and not Attendance.objects.exists()


def test_only_managers_open_the_code(client, province, session):
    for role in ("dangvien", "tuyengiao"):
        response = as_user(client, province, role).get(f"/study/sessions/{session.pk}/checkin/")
        assert response.status_code == 403 and 'class="segno"' not in response.content.decode()
