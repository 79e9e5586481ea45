"""Access to the notification bell (portal), for every demo role (see test_access_matrix.py):
a notification is its user's alone, whatever his reach; another's is neither shown nor
markable (404, like a missing id)."""

import re

import pytest

from portal.models import Notification
from tests.test_access_matrix import ROLES

CHECKED_URLS = {"notification_list", "notification_menu", "notification_count", "notification_mark_read"}
URLS = ["/notifications/", "/notifications/menu/", "/notifications/count/", "/notifications/read/"]


@pytest.fixture
def everyones(province):
    return {role: Notification.objects.create(user=province["users"][role], text=f"Thông báo cho {role}", key="k")
            for role in ROLES}


@pytest.mark.parametrize("role", ROLES)
def test_each_sees_and_marks_his_own_only(role, province, client, everyones):
    client.force_login(province["users"][role])
    assert ">1<" in client.get("/notifications/count/").content.decode()
    for url in ("/notifications/", "/notifications/menu/"):
        text = client.get(url).content.decode()
        assert set(re.findall(r"Thông báo cho (\w+)", text)) == {role}, url
    assert Notification.objects.filter(read_at__isnull=False).get() == everyones[role]

    Notification.objects.update(read_at=None)
    for other in set(ROLES) - {role}:
        response = client.post("/notifications/read/", {"id": [everyones[other].pk]})
        assert response.status_code == 404, other
        # Mixed with his own: still refused as a whole.
        response = client.post("/notifications/read/", {"id": [everyones[role].pk, everyones[other].pk]})
        assert response.status_code == 404, other
    assert client.post("/notifications/read/", {"id": [everyones[role].pk + 1000]}).status_code == 404
    client.post("/notifications/read/", {"all": "1"})
    assert set(Notification.objects.filter(read_at__isnull=False)) == {everyones[role]}


def test_anonymous_is_sent_to_log_in(everyones, client):
    for url in URLS:
        response = client.post(url) if url.endswith("/read/") else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert not Notification.objects.filter(read_at__isnull=False).exists()
