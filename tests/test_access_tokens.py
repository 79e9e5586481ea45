"""Access to the account's API tokens (portal), for every demo role (see test_access_matrix.py):
a token is its owner's alone, whatever his reach; another's is neither listed nor revocable
(404, like a missing id)."""

import pytest

from portal.models import ApiToken
from tests.factories import api_token
from tests.test_access_matrix import ROLES

CHECKED_URLS = {"token_list", "token_revoke", "token_revoke_all"}


@pytest.fixture
def everyones(province):
    for role in ROLES:
        api_token(province["users"][role], f"Token của {role}")
    return {token.name.removeprefix("Token của "): token for token in ApiToken.objects.all()}


@pytest.mark.parametrize("role", ROLES)
def test_each_lists_and_revokes_his_own_only(role, province, client, everyones):
    client.force_login(province["users"][role])
    page = client.get("/accounts/tokens/").content.decode()
    assert {other for other in ROLES if f"Token của {other}<" in page} == {role}
    for other in set(ROLES) - {role}:
        assert client.post(f"/accounts/tokens/{everyones[other].pk}/revoke/").status_code == 404, other
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()
    client.post("/accounts/tokens/revoke-all/")
    assert set(ApiToken.objects.filter(revoked_at__isnull=False)) == {everyones[role]}
    assert client.post(f"/accounts/tokens/{everyones[role].pk}/revoke/").status_code == 302  # again: no harm


def test_anonymous_is_sent_to_log_in(everyones, client):
    token = everyones["admin"]
    for url, method in [("/accounts/tokens/", client.get), (f"/accounts/tokens/{token.pk}/revoke/", client.post),
                        ("/accounts/tokens/revoke-all/", client.post)]:
        response = method(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()
