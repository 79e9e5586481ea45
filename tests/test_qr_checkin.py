"""QR check-in: the secretary's screen shows a signed, expiring code for one session; a
member of that unit who opens it is marked present once; anyone or anything else gets a
clear message and changes nothing."""

import datetime
import re
import time

import pytest
from django.core import signing
from django.utils import timezone

from portal.models import PartyStatus
from resolutions.models import Attendance
from resolutions.services import sessions as services
from tests.test_sessions import as_user, make_session

Status = Attendance.Status


@pytest.fixture
def session(province):
    return make_session(province["units"]["CB1"], timezone.localdate(), starts_at=datetime.time(8, 0))


def checkin_url(client, session) -> str:
    body = client.get(f"/study/sessions/{session.pk}/checkin/").content.decode()
    return re.search(r'id="checkin-url" href="([^"]+)"', body).group(1)


def test_secretary_sees_an_inline_qr_code(client, province, session):
    client = as_user(client, province, "bithu")
    response = client.get(f"/study/sessions/{session.pk}/checkin/")
    body = response.content.decode()
    assert 'class="segno"' in body and "Mã QR điểm danh" in body
    assert f'hx-get="/study/sessions/{session.pk}/checkin/code/"' in body
    assert f'hx-get="/study/sessions/{session.pk}/checkin/present/"' in body
    url = checkin_url(client, session)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert signing.TimestampSigner(salt="resolutions.sessions.checkin").unsign(token) == str(session.pk)
    # The htmx refresh brings a code of its own.
    fresh = client.get(f"/study/sessions/{session.pk}/checkin/code/").content.decode()
    assert 'class="segno"' in fresh and 'id="checkin-url"' in fresh


def test_member_checks_in_once(client, province, session):
    url = checkin_url(as_user(client, province, "bithu"), session)
    client.logout()
    # Not logged in: to the login page first, then back to the code.
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/?next=" in response["Location"]
    response = as_user(client, province, "dangvien").get(url)
    assert response.status_code == 200 and "Đã điểm danh: có mặt" in response.content.decode()
    row = Attendance.objects.get()
    assert (row.person, row.status, row.method) == (province["member"], Status.PRESENT, Attendance.Method.QR)
    assert row.checked_in_at is not None
    second = client.get(url)
    assert second.status_code == 400 and "đã được ghi có mặt" in second.content.decode()
    assert Attendance.objects.get().checked_in_at == row.checked_in_at
    # The secretary's polled list shows him.
    present = as_user(client, province, "bithu").get(f"/study/sessions/{session.pk}/checkin/present/")
    assert "Trần Thị Đảng" in present.content.decode()


def test_member_with_an_apology_who_comes_is_marked_present(client, province, session):
    Attendance.objects.create(session=session, person=province["member"], status=Status.EXCUSED, reason="Bận",
                              method=Attendance.Method.APOLOGY)
    url = checkin_url(as_user(client, province, "bithu"), session)
    assert as_user(client, province, "dangvien").get(url).status_code == 200
    assert Attendance.objects.get().status == Status.PRESENT


def test_member_of_another_unit_is_refused(client, province, session):
    url = checkin_url(as_user(client, province, "bithu"), session)
    outsider = province["others"]["cb3"]
    from tests.factories import UserFactory

    outsider.user = UserFactory(username="ngoai")
    outsider.save()
    client.force_login(outsider.user)
    response = client.get(url)
    assert response.status_code == 400 and "chi bộ khác" in response.content.decode()
    assert not Attendance.objects.exists()


def test_expired_code_is_refused(client, province, session, monkeypatch):
    signed_at = time.time() - services.qr_lifetime().total_seconds() - 5
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: signed_at)
        token = services.checkin_token(session)
    response = as_user(client, province, "dangvien").get(f"/study/checkin/{token}/")
    assert response.status_code == 400 and "Mã QR đã hết hạn" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "9999" + t[t.index(":"):],
                                    lambda t: "rac"])
def test_tampered_code_is_refused(client, province, session, mangle):
    token = mangle(services.checkin_token(session))
    response = as_user(client, province, "dangvien").get(f"/study/checkin/{token}/")
    assert response.status_code == 400 and "Mã QR không hợp lệ" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_token_of_another_salt_is_refused(client, province, session):
    token = signing.TimestampSigner(salt="something-else").sign(str(session.pk))
    response = as_user(client, province, "dangvien").get(f"/study/checkin/{token}/")
    assert response.status_code == 400 and not Attendance.objects.exists()


def test_member_not_expected_is_refused(client, province, session):
    member = province["member"]
    member.party_status = PartyStatus.objects.get(code="mien-sinh-hoat")
    member.save()
    url = checkin_url(as_user(client, province, "bithu"), session)
    response = as_user(client, province, "dangvien").get(url)
    assert response.status_code == 400 and "không thuộc diện phải dự" in response.content.decode()
    assert not Attendance.objects.exists()


def test_code_is_shown_only_on_the_session_day(client, province):
    later = make_session(province["units"]["CB1"], timezone.localdate() + datetime.timedelta(days=2))
    client = as_user(client, province, "bithu")
    body = client.get(f"/study/sessions/{later.pk}/checkin/").content.decode()
    assert 'class="segno"' not in body and "chỉ mở trong ngày diễn ra" in body
    token = services.checkin_token(later)
    response = as_user(client, province, "dangvien").get(f"/study/checkin/{token}/")
    assert response.status_code == 400 and not Attendance.objects.exists()


def test_only_managers_open_the_code(client, province, session):
    for role in ("dangvien", "tuyengiao"):
        response = as_user(client, province, role).get(f"/study/sessions/{session.pk}/checkin/")
        assert response.status_code == 403 and 'class="segno"' not in response.content.decode()
