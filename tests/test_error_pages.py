"""Error pages in the portal's layout, in Vietnamese (English when chosen), with a way
back; Django's debug pages only with DEBUG=true."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import include, path


def crash(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied


def bad(request):
    raise SuspiciousOperation("tampered")


urlpatterns = [
    path("test-errors/crash/", crash),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/bad/", bad),
    path("", include("portal.urls")),
]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False


@pytest.mark.urls("tests.test_error_pages")
@pytest.mark.parametrize(("url", "status", "heading"), [
    ("/khong-co-trang-nay/", 404, "Không tìm thấy trang"),
    ("/test-errors/forbidden/", 403, "Bạn không có quyền làm việc này"),
    ("/test-errors/bad/", 400, "Yêu cầu không hợp lệ"),
    ("/test-errors/crash/", 500, "Có lỗi xảy ra ở máy chủ"),
])
def test_error_pages_in_the_layout(url, status, heading, production, province):
    client = Client(raise_request_exception=False)
    client.force_login(province["users"]["bithu"])
    response = client.get(url)
    assert response.status_code == status
    page = response.content.decode()
    assert heading in page and "Về trang chủ" in page and 'href="/"' in page
    assert "site-header" in page  # the portal's layout, not Django's plain page
    assert "Traceback" not in page and "a bug" not in page


@pytest.mark.urls("tests.test_error_pages")
def test_error_pages_speak_english_when_chosen(production, province, settings):
    client = Client(raise_request_exception=False)
    client.force_login(province["users"]["bithu"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/khong-co-trang-nay/").content.decode()
    assert "Page not found" in page and "Back to the home page" in page


def test_a_missing_object_outside_the_reach_is_the_same_404_page(production, province, client):
    client.force_login(province["users"]["dangvien"])
    other_unit = client.get("/units/CB3/")
    missing = client.get("/units/NOPE/")
    assert other_unit.status_code == missing.status_code == 404
    assert "Không tìm thấy trang" in other_unit.content.decode()


def test_the_admin_speaks_vietnamese(province, client):
    """Strings of Django's admin and django-axes that their catalogues lack come from
    portal/vendor_translations."""
    client.force_login(province["users"]["admin"])
    page = client.get("/admin/").content.decode()
    for english in ["Toggle theme", "Skip to main content", "Model name", "Add link", "Access attempts",
                    "Access failures", "Access logs"]:
        assert english not in page, english
    assert "Đổi giao diện sáng/tối" in page and "Lần đăng nhập" in page
