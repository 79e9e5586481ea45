"""Notifications and the navbar, both owned by portal: `notify()` once per (user, key) in
one statement, the bell (badge, dropdown, list, mark as read) for the owner only, the
navbar built from the items each app registers, and portal naming no domain app."""

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy

from portal import navigation, notifications
from portal.models import Notification, User
from portal.navigation import NavItem
from portal.notifications import Email, notify

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = ("resolutions", "training", "reports")


@pytest.fixture
def many_users(db):
    return User.objects.bulk_create(
        [User(username=f"nguoi{i:03d}", email=f"nguoi{i:03d}@example.org" if i % 2 else "") for i in range(60)])


def test_notify_once_per_user_and_key(province):
    user = province["users"]["dangvien"]
    assert notify([user], "Họp chi bộ tối thứ Năm", link="/study/sessions/", key="hop-1") == 1
    assert notify([user.pk], "Họp chi bộ tối thứ Năm", link="/study/sessions/", key="hop-1") == 0
    assert notify(User.objects.filter(pk=user.pk), "Lần thứ ba", key="hop-1") == 0
    row = Notification.objects.get(user=user)
    assert (row.text, row.link, row.key, row.read_at) == ("Họp chi bộ tối thứ Năm", "/study/sessions/", "hop-1", None)
    # Another key is another occasion.
    assert notify([user], "Họp chi bộ tháng sau", key="hop-2") == 1
    assert Notification.objects.filter(user=user).count() == 2


def test_notify_refuses_a_queryset_of_something_else(province):
    with pytest.raises(TypeError):
        notify(Notification.objects.all(), "Không rõ gửi cho ai", key="sai")


def test_notify_cuts_the_text_to_the_fields_length(province):
    user = province["users"]["dangvien"]
    notify([user], "ý" * 600, key="dai")
    assert Notification.objects.get(user=user).text == "ý" * Notification._meta.get_field("text").max_length


@pytest.mark.parametrize("given", ["objects", "ids", "queryset", "id_queryset"])
def test_notify_many_users_in_one_statement(given, many_users, django_assert_num_queries):
    users = {
        "objects": many_users,
        "ids": [user.pk for user in many_users],
        "queryset": User.objects.filter(username__startswith="nguoi"),
        "id_queryset": User.objects.filter(username__startswith="nguoi").values_list("pk", flat=True),
    }[given]
    with django_assert_num_queries(1):
        assert notify(users, "Nhắc nộp báo cáo", key="bao-cao") == 60
    with django_assert_num_queries(1):
        assert notify(users, "Nhắc nộp báo cáo", key="bao-cao") == 0
    assert Notification.objects.filter(key="bao-cao").count() == 60


def test_email_goes_to_the_newly_notified_with_an_address_once_committed(
        many_users, mailoutbox, django_capture_on_commit_callbacks):
    mail = Email("Nhắc nộp báo cáo", "Hạn nộp là thứ Sáu.")
    first = many_users[:10]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(first, "Nhắc nộp báo cáo", key="bao-cao", email=mail)
    assert not mailoutbox  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mailoutbox) == [f"nguoi{i:03d}@example.org" for i in range(1, 10, 2)]
    assert {(m.subject, m.body) for m in mailoutbox} == {("Nhắc nộp báo cáo", "Hạn nộp là thứ Sáu.")}

    with django_capture_on_commit_callbacks(execute=True):
        assert notify(many_users, "Nhắc nộp báo cáo", key="bao-cao", email=mail) == 50
    assert len(mailoutbox) == 5 + 25  # the first ten got nothing twice
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(many_users, "Nhắc nộp báo cáo", key="bao-cao", email=mail)
    assert not callbacks and len(mailoutbox) == 30


# --- The bell -----------------------------------------------------------------------------------


@pytest.fixture
def bell(province):
    """Three notifications of dangvien (two unread), one of bithu."""
    user = province["users"]["dangvien"]
    for i in range(3):
        Notification.objects.create(user=user, text=f"Nhắc việc số {i}", key=f"k{i}", link="/")
    Notification.objects.filter(key="k0").update(read_at="2026-01-05T08:00:00+07:00")
    Notification.objects.create(user=province["users"]["bithu"], text="Của người khác", key="x")
    return user


def test_the_badge_is_one_query(bell, client, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert notifications.unread_count(bell) == 2
    client.force_login(bell)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notifications/count/")
    assert ">2<" in response.content.decode()
    # Beyond the user that the authentication middleware loads (sessions live in Redis):
    # the count, nothing else.
    assert len([q for q in queries.captured_queries if "portal_notification" in q["sql"]]) == 1
    assert len(queries.captured_queries) == 2


def test_menu_and_list_show_the_owners_only_and_mark_them_read(bell, client):
    client.force_login(bell)
    menu = client.get("/notifications/menu/").content.decode()
    assert re.findall(r"Nhắc việc số (\d)", menu) == ["2", "1", "0"] and "Của người khác" not in menu
    assert menu.count("notification-unread") == 2  # shown as new, then marked read
    assert not Notification.objects.filter(user=bell, read_at__isnull=True).exists()
    assert Notification.objects.get(key="x").read_at is None
    listing = client.get("/notifications/").content.decode()
    assert "Nhắc việc số 0" in listing and "Của người khác" not in listing
    assert "Đánh dấu tất cả đã đọc" not in listing  # nothing left unread


def test_the_menu_and_the_list_offer_to_mark_the_rest_read(province, client):
    user = province["users"]["dangvien"]
    Notification.objects.bulk_create([Notification(user=user, text=f"Thông báo {i}", key=f"k{i}")
                                      for i in range(205)])
    client.force_login(user)
    menu = client.get("/notifications/menu/").content.decode()  # the newest 8 are now read
    assert "Đánh dấu tất cả đã đọc" in menu
    assert re.search(r'id="notification-count" hx-swap-oob="true" class="[^"]*">197<', menu)
    listing = client.get("/notifications/").content.decode()  # 200 shown, 192 of them unread until now
    assert "Còn 5 thông báo cũ hơn chưa đọc." in listing and "Đánh dấu tất cả đã đọc" in listing
    assert notifications.unread_count(user) == 5
    client.post("/notifications/read/", {"all": "1"})
    assert notifications.unread_count(user) == 0


def test_mark_read_is_a_post_with_csrf(bell, province):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bell)
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    own = Notification.objects.get(user=bell, key="k1")
    assert client.get("/notifications/read/").status_code == 405
    assert client.post("/notifications/read/", {"id": [own.pk]}).status_code == 403  # no token
    assert Notification.objects.get(pk=own.pk).read_at is None

    other = Notification.objects.get(key="x")
    response = client.post("/notifications/read/", {"id": [other.pk], "csrfmiddlewaretoken": token})
    assert response.status_code == 404 and Notification.objects.get(pk=other.pk).read_at is None

    response = client.post("/notifications/read/", {"id": [own.pk], "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert list(Notification.objects.filter(user=bell, read_at__isnull=True).values_list("key", flat=True)) == ["k2"]

    # The dropdown's button (htmx): everything read, the badge comes back empty.
    response = client.post("/notifications/read/", {"all": "1"}, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert 'id="notification-count"' in response.content.decode() and "d-none" in response.content.decode()
    assert not Notification.objects.filter(user=bell, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=other.pk).read_at is None


# --- The navbar ---------------------------------------------------------------------------------

MAIN_ITEMS = ["Tổng quan", "Đơn vị", "Đảng viên", "Học tập của tôi", "Sinh hoạt", "Bản cam kết"]
# "Đào tạo" for those who train (daotao) or approve the plans of the units below (a bí thư);
# "Báo cáo" for those who report on a unit (every grant and every cấp ủy position).
NAVBAR = {
    "admin": MAIN_ITEMS + ["Đào tạo", "Báo cáo", "Quản trị"],
    "tuyengiao": MAIN_ITEMS + ["Báo cáo"],
    "daotao": MAIN_ITEMS + ["Đào tạo", "Báo cáo"],
    "bithu": MAIN_ITEMS + ["Đào tạo", "Báo cáo"],
    "dangvien": MAIN_ITEMS,
}
USER_MENU = ["Việc của tôi", "Đổi mật khẩu", "Tài liệu API", "Token API"]


def navbar(html: str) -> dict:
    main = re.search(r'<ul class="navbar-nav me-auto">(.*?)</ul>', html, re.S).group(1)
    menu = re.search(r'<ul class="dropdown-menu dropdown-menu-lg-end">(.*?)</ul>', html.split("user-menu")[1],
                     re.S).group(1)
    links = re.findall(r'<a class="nav-link( active)?"( aria-current="page")? href="([^"]+)">([^<]+)</a>', main)
    return {
        "labels": [label for _active, _current, _url, label in links],
        "active": [label for active, _current, _url, label in links if active],
        "current": [label for _active, current, _url, label in links if current],
        "urls": [url for _active, _current, url, _label in links],
        "menu": re.findall(r'<a class="dropdown-item"[^>]*>([^<]+)</a>', menu),
    }


@pytest.mark.parametrize("role", list(NAVBAR))
def test_each_roles_navbar(role, province, client):
    client.force_login(province["users"][role])
    bar = navbar(client.get("/").content.decode())
    assert bar["labels"] == NAVBAR[role]
    assert bar["urls"][:6] == ["/", "/units/", "/people/", "/study/me/", "/study/sessions/", "/study/commitments/"]
    assert bar["active"] == bar["current"] == ["Tổng quan"]
    assert bar["menu"] == USER_MENU


@pytest.mark.parametrize("page, active, current", [
    ("/units/", "Đơn vị", ["Đơn vị"]),
    ("/units/CB1/", "Đơn vị", []),
    ("/people/", "Đảng viên", ["Đảng viên"]),
    ("/study/me/", "Học tập của tôi", ["Học tập của tôi"]),
    ("/study/documents/", "Học tập của tôi", []),
    ("/study/units/CB1/commend-remind/", None, []),
    ("/study/sessions/", "Sinh hoạt", ["Sinh hoạt"]),
    ("/study/commitments/", "Bản cam kết", ["Bản cam kết"]),
    ("/study/commitments/units/CB1/", "Bản cam kết", []),
    ("/notifications/", None, []),
])
def test_the_active_entry(page, active, current, province, client):
    client.force_login(province["users"]["bithu"])
    response = client.get(page)
    assert response.status_code == 200
    bar = navbar(response.content.decode())
    assert bar["active"] == ([active] if active else []) and bar["current"] == current


def test_an_app_adds_an_entry_with_one_line(province, client):
    item = NavItem(gettext_lazy("Thông báo"), "notification_list", order=40, section=navigation.USER_MENU)
    navigation.register(item)
    try:
        client.force_login(province["users"]["dangvien"])
        assert navbar(client.get("/").content.decode())["menu"] == USER_MENU + ["Thông báo"]
    finally:
        navigation._ITEMS.pop(item.url_name)


# --- portal knows no domain app -----------------------------------------------------------------


def domain_url_names() -> set[str]:
    from django.urls import get_resolver

    names = set()
    for entry in get_resolver().url_patterns:
        module = getattr(entry, "urlconf_name", None)
        module_name = module if isinstance(module, str) else getattr(module, "__name__", "")
        if module_name.split(".")[0] in DOMAIN_APPS:
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            names |= {f"{namespace}{name}" for name in entry.reverse_dict if isinstance(name, str)}
    return names


def test_portal_and_the_base_templates_name_no_domain_url_and_import_no_domain_app():
    names = domain_url_names()
    assert {"study_me", "session_list", "commitment_home", "study-api:commitment-list"} <= names
    sources = [*ROOT.glob("portal/**/*.py"), *ROOT.glob("portal/**/*.html"), *ROOT.glob("templates/**/*.html")]
    assert len(sources) > 20
    quoted = re.compile(r"""["']([\w:-]+)["']""")
    imports = re.compile(rf"^\s*(?:from|import)\s+({'|'.join(DOMAIN_APPS)})\b", re.M)
    for path in sources:
        text = path.read_text(encoding="utf-8")
        named = set(quoted.findall(text)) & names
        assert not named, f"{path.relative_to(ROOT)} names URLs of a domain app: {sorted(named)}"
        assert not imports.search(text), f"{path.relative_to(ROOT)} imports a domain app"
