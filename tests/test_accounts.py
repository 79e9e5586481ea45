"""Login in Vietnamese, throttled after repeated failures; strong passwords; expiring sessions."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse


def test_login_page_is_vietnamese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_wrong_password_says_so_in_vietnamese(client, province):
    response = client.post(reverse("login"), {"username": "bithu", "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_secretary_logs_in_and_reaches_the_dashboard(client, province):
    response = client.post(reverse("login"), {"username": "bithu", "password": "demo12345"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.context["user"].username == "bithu"


def test_axes_locks_after_repeated_failures(client, province):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        client.post(reverse("login"), {"username": "bithu", "password": "sai"})
    # Locked now: even the right password is refused, with a clear message.
    response = client.post(reverse("login"), {"username": "bithu", "password": "demo12345"})
    assert response.status_code == 429
    assert "tạm khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_is_per_username(client, province):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "bithu", "password": "sai"})
    response = client.post(reverse("login"), {"username": "dangvien", "password": "demo12345"})
    assert response.status_code == 302


@pytest.mark.parametrize("weak", ["12345678", "password1", "bithu2026"])
def test_weak_passwords_are_refused(weak, province):
    with pytest.raises(ValidationError):
        validate_password(weak, user=province["users"]["bithu"])


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_pages_need_login(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
