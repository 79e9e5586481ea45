"""API tokens (issue 11, point 10): issued once by the token endpoint, stored as a digest
only, expiring after API_TOKEN_DAYS, revocable by their owner on his account page (another
user's token answers 404); the endpoint's 429 answers JSON in Vietnamese."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from portal.models import ApiToken
from tests.factories import api_token

CREDENTIALS = {"username": "bithu", "password": "demo12345"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters live in the (Redis) cache: each test starts from zero.
    cache.clear()
    yield
    cache.clear()


def api_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def database_holds(text: str) -> bool:
    """Whether `text` is anywhere in the database: every text column of every table."""
    with connection.cursor() as cursor:
        cursor.execute("""SELECT table_name, column_name FROM information_schema.columns
                          WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb')""")
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1', [f"%{text}%"])
            if cursor.fetchone():
                return True
    return False


def test_the_key_is_shown_once_and_stored_as_a_digest_only(province, settings):
    settings.API_TOKEN_DAYS = 7
    response = APIClient().post("/api/v1/auth/token/", {**CREDENTIALS, "name": "Đồng bộ báo cáo"}, format="json")
    assert response.status_code == 200
    body = response.json()
    key = body["token"]
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (province["users"]["bithu"], "Đồng bộ báo cáo", key[:8])
    assert token.expires_at - token.created_at == datetime.timedelta(days=7)
    assert datetime.datetime.fromisoformat(body["expires_at"]) == token.expires_at
    assert not database_holds(key) and not database_holds(key[8:])
    assert database_holds(token.digest)  # the search above does find what is there
    assert api_with(key).get("/api/v1/organizations/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_expired_token_is_refused_with_401(province):
    key = api_token(province["users"]["bithu"])
    client = api_with(key)
    assert client.get("/api/v1/organizations/").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Token này đã hết hạn. Hãy lấy token mới."
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_and_inactive_are_refused_with_401(province):
    assert api_with("khong-phai-token").get("/api/v1/organizations/").json()["detail"] == "Token không hợp lệ."
    user = province["users"]["bithu"]
    key = api_token(user)
    user.is_active = False
    user.save()
    assert api_with(key).get("/api/v1/organizations/").status_code == 401


def test_the_owner_revokes_one_token_on_his_account_page(province, client):
    user = province["users"]["bithu"]
    kept, revoked = api_token(user, "Giữ lại"), api_token(user, "Bỏ đi")
    client.force_login(user)
    page = client.get("/accounts/tokens/").content.decode()
    assert "Giữ lại" in page and "Bỏ đi" in page and revoked[:8] in page and revoked not in page
    token = ApiToken.objects.get(name="Bỏ đi")
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/accounts/tokens/"
    refused = api_with(revoked).get("/api/v1/organizations/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Token này đã bị thu hồi. Hãy lấy token mới."
    assert api_with(kept).get("/api/v1/organizations/").status_code == 200
    assert "Đã thu hồi" in client.get("/accounts/tokens/").content.decode()


def test_the_owner_revokes_all_his_tokens_and_only_his(province, client):
    keys = [api_token(province["users"]["bithu"]) for _ in range(3)]
    others = api_token(province["users"]["dangvien"])
    client.force_login(province["users"]["bithu"])
    assert client.post("/accounts/tokens/revoke-all/").status_code == 302
    assert [api_with(key).get("/api/v1/organizations/").status_code for key in keys] == [401] * 3
    assert api_with(others).get("/api/v1/organizations/").status_code == 200


def test_another_users_token_is_not_revocable(province, client):
    api_token(province["users"]["dangvien"])
    theirs = ApiToken.objects.get()
    client.force_login(province["users"]["bithu"])
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/tokens/{theirs.pk + 1000}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revocation_is_a_post_with_a_csrf_token(province):
    api_token(province["users"]["bithu"])
    token = ApiToken.objects.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(province["users"]["bithu"])
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_user_menu_links_to_the_token_page(province, client):
    client.force_login(province["users"]["dangvien"])
    assert 'href="/accounts/tokens/"' in client.get("/").content.decode()


def test_token_endpoint_throttle_answers_json_in_vietnamese(province, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "token": "2/minute"}}
    client = APIClient()
    responses = [client.post("/api/v1/auth/token/", CREDENTIALS, format="json", HTTP_ACCEPT="application/json")
                 for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[-1]["Content-Type"] == "application/json"
    assert responses[-1].json()["detail"].startswith("Quá nhiều lần yêu cầu token. Thử lại sau")


def test_a_locked_out_account_gets_json_in_vietnamese_too(province, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient()
    for _ in range(2):
        assert client.post("/api/v1/auth/token/", {**CREDENTIALS, "password": "sai"}, format="json",
                           HTTP_ACCEPT="application/json").status_code == 400
    for password in ("sai", CREDENTIALS["password"]):  # the lockout holds even for the right password
        response = client.post("/api/v1/auth/token/", {**CREDENTIALS, "password": password}, format="json",
                               HTTP_ACCEPT="application/json")
        assert response.status_code == 429
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"].startswith("Đăng nhập sai quá nhiều lần")
        assert int(response["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_admin_shows_the_prefix_not_the_digest_and_revokes(province, client):
    key = api_token(province["users"]["bithu"], "Máy chủ báo cáo")
    token = ApiToken.objects.get()
    client.force_login(province["users"]["admin"])
    for url in ("/admin/portal/apitoken/", f"/admin/portal/apitoken/{token.pk}/change/"):
        page = client.get(url).content.decode()
        assert token.prefix in page and token.digest not in page and key not in page, url
    response = client.post("/admin/portal/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    assert api_with(key).get("/api/v1/organizations/").status_code == 401
