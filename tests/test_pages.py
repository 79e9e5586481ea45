"""The HTML pages: dashboard per role, unit tree and unit page, person page, accounts, language."""

import datetime
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from portal.models import PersonReadLog, Transfer
from tests.factories import bulk_people


@pytest.fixture(scope="session", autouse=True)
def _compiled_messages(django_db_blocker):
    # `make test` compiles them too; this keeps a plain `pytest` run honest.
    call_command("compilemessages", ignore=[".venv"], verbosity=0)


def login(client, province, role):
    client.force_login(province["users"][role])
    return client


# --- dashboard --------------------------------------------------------------------------------


def test_secretary_dashboard_shows_his_cell(client, province):
    html = login(client, province, "bithu").get(reverse("dashboard")).content.decode()
    assert "Chi bộ Văn phòng" in html
    assert "Bí thư" in html
    assert "Đảng viên chính thức" in html  # counts by status
    assert reverse("unit_detail", args=["CB1"]) in html


def test_staff_dashboard_lists_units_in_reach_with_counts(client, province):
    response = login(client, province, "daotao").get(reverse("dashboard"))
    html = response.content.decode()
    assert "Đảng bộ Khối các cơ quan tỉnh" in html and "Đảng bộ Sở Giáo dục" in html
    assert "Đảng bộ xã Tân Hòa" not in html
    (unit, children), = response.context["unit_groups"]
    assert unit.code == "DBK" and unit.member_count == 4  # CB1 (3) + CB2 (1)
    assert [(c.code, c.member_count) for c in children] == [("CS1", 4)]


def test_tuyengiao_dashboard_covers_the_province(client, province):
    response = login(client, province, "tuyengiao").get(reverse("dashboard"))
    (unit, children), = response.context["unit_groups"]
    assert unit.code == "TINH" and unit.member_count == 5
    assert {c.code: c.member_count for c in children} == {"DBK": 4, "DBX": 1}


def test_member_dashboard_shows_his_own_record(client, province):
    html = login(client, province, "dangvien").get(reverse("dashboard")).content.decode()
    assert "Hồ sơ của tôi" in html and "Trần Thị Đảng" in html and "Chi bộ Văn phòng" in html
    assert reverse("person_detail", args=[province["member"].pk]) in html
    assert "Đơn vị được phân quyền" not in html


def test_admin_dashboard_overview(client, province):
    response = login(client, province, "admin").get(reverse("dashboard"))
    assert response.context["overview"]["units"] == 7
    assert response.context["overview"]["members"] == 5
    (unit, children), = response.context["unit_groups"]
    assert unit.code == "TINH" and [c.code for c in children] == ["DBK", "DBX"]
    assert reverse("admin:index") in response.content.decode()


def test_account_without_reach_is_told_what_to_do(client, province, django_user_model):
    client.force_login(django_user_model.objects.create_user("moi", password="x-very-long-1"))
    html = client.get(reverse("dashboard")).content.decode()
    assert "chưa được phân quyền" in html and "liên hệ quản trị viên" in html


def test_dashboard_queries_do_not_grow_with_units(client, province, django_assert_max_num_queries):
    from tests.factories import make_unit

    login(client, province, "tuyengiao")
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(14) as few:  # 2 of them the reports card
        client.get(reverse("dashboard"))
    for i in range(20):
        make_unit(f"Đảng bộ thêm {i}", parent=province["units"]["TINH"], level_code="dang-bo-truc-thuoc")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("dashboard"))


# --- layout -----------------------------------------------------------------------------------


def test_layout_has_navigation_skip_link_and_post_logout(client, province):
    html = login(client, province, "bithu").get(reverse("dashboard")).content.decode()
    assert 'href="#main"' in html and 'id="main"' in html
    assert 'action="/accounts/logout/" method="post"' in html
    assert 'action="/i18n/setlang/" method="post"' in html
    for url in [reverse("unit_tree"), reverse("person_list"), "/api/v1/docs/", reverse("password_change")]:
        assert f'href="{url}"' in html
    assert reverse("admin:index") not in html  # not staff
    assert "cdn." not in html and "//unpkg" not in html
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html and "/static/vendor/htmx/htmx.min.js" in html


def test_messages_are_shown(db):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.template.loader import render_to_string

    html = render_to_string("_messages.html", {"messages": [Message(constants.ERROR, "Không lưu được")]})
    assert "alert-danger" in html and "Không lưu được" in html


# --- unit tree and unit page ------------------------------------------------------------------


def test_unit_tree_shows_the_tops_of_the_reach(client, province):
    response = login(client, province, "daotao").get(reverse("unit_tree"))
    html = response.content.decode()
    assert "Đảng bộ Khối các cơ quan tỉnh" in html
    assert [unit.code for unit in response.context["units"]] == ["DBK"]  # TINH is above his reach
    assert f'hx-get="{reverse("unit_children", args=["DBK"])}"' in html


def test_unit_children_partial(client, province):
    login(client, province, "tuyengiao")
    response = client.get(reverse("unit_children", args=["TINH"]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Đảng bộ Khối các cơ quan tỉnh" in html and "Đảng bộ xã Tân Hòa" in html


@pytest.mark.parametrize("role, code", [("bithu", "CS1"), ("bithu", "CB2"), ("daotao", "DBX"), ("dangvien", "CB1")])
def test_unit_pages_outside_reach_are_404(client, province, role, code):
    login(client, province, role)
    assert client.get(reverse("unit_detail", args=[code])).status_code == 404
    assert client.get(reverse("unit_children", args=[code])).status_code == 404


def test_unit_page(client, province):
    response = login(client, province, "daotao").get(reverse("unit_detail", args=["CB1"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Văn Bí" in html and "Trần Thị Đảng" in html and "Lê Văn Cùng" in html
    assert "Bí thư" in html  # current positions
    assert f'{reverse("person_list")}?unit=CB1' in html
    # Breadcrumb: ancestors within his reach only.
    assert [u.code for u in response.context["ancestors"]] == ["DBK", "CS1"]


def test_unit_breadcrumb_stops_at_the_reach(client, province):
    response = login(client, province, "bithu").get(reverse("unit_detail", args=["CB1"]))
    assert list(response.context["ancestors"]) == []
    assert "Đảng bộ Sở Giáo dục" not in response.content.decode()


def test_unit_page_query_count_is_constant(client, province, django_assert_max_num_queries):
    login(client, province, "tuyengiao")
    url = reverse("unit_detail", args=["CB1"])
    bulk_people(province["units"]["CB1"], 10)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    bulk_people(province["units"]["CB1"], 990, prefix="Đinh Thị")
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url, {"page": 3})
    assert len(large.captured_queries) == len(small.captured_queries)
    assert response.context["members"].paginator.count == 1003
    assert len(response.context["members"].object_list) == 50


# --- person page ------------------------------------------------------------------------------


def test_person_page_logs_the_read_and_shows_dates(client, province):
    member = province["member"]
    Transfer.objects.create(person=member, from_organization=province["units"]["CB2"],
                            to_organization=province["units"]["CB1"], transferred_on=datetime.date(2021, 4, 9))
    login(client, province, "bithu")
    response = client.get(reverse("person_detail", args=[member.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Trần Thị Đảng" in html
    assert "17/05/1985" in html and "02/03/2010" in html and "02/03/2011" in html and "09/04/2021" in html
    assert "Chi bộ Phòng Tổ chức" in html  # the transfer
    log = PersonReadLog.objects.get()
    assert (log.user, log.person, log.via) == (province["users"]["bithu"], member, "web")


@pytest.mark.parametrize("role, target", [("bithu", "cb2"), ("bithu", "cb3"), ("daotao", "cb3"), ("dangvien", "cb1")])
def test_person_page_outside_reach_is_404_and_not_logged(client, province, role, target):
    login(client, province, role)
    assert client.get(reverse("person_detail", args=[province["others"][target].pk])).status_code == 404
    assert not PersonReadLog.objects.exists()


def test_member_reads_his_own_record(client, province):
    login(client, province, "dangvien")
    assert client.get(reverse("person_detail", args=[province["member"].pk])).status_code == 200
    assert client.get(reverse("person_detail", args=[province["secretary"].pk])).status_code == 404


# --- accounts ---------------------------------------------------------------------------------


def test_login_page(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in html and 'name="username"' in html and 'type="password"' in html


def test_wrong_password_message(client, province):
    html = client.post(reverse("login"), {"username": "bithu", "password": "sai"}).content.decode()
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in html and "is-invalid" not in html


def test_logout_is_a_post_and_shows_a_page(client, province):
    login(client, province, "bithu")
    response = client.post(reverse("logout"), follow=True)
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_logged_out_template(client, db):
    from django.template.loader import render_to_string

    assert "Bạn đã đăng xuất" in render_to_string("registration/logged_out.html")


def test_password_change(client, province):
    login(client, province, "bithu")
    assert "Mật khẩu cũ" in client.get(reverse("password_change")).content.decode()
    bad = client.post(reverse("password_change"), {"old_password": "demo12345", "new_password1": "12345678",
                                                   "new_password2": "12345678"})
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()
    response = client.post(reverse("password_change"), {"old_password": "demo12345",
                                                        "new_password1": "Hoc-tap-2026!", "new_password2": "Hoc-tap-2026!"},
                           follow=True)
    assert "Đã đổi mật khẩu" in response.content.decode()


def test_lockout_page_says_for_how_long(client, province):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "bithu", "password": "sai"})
    response = client.post(reverse("login"), {"username": "bithu", "password": "demo12345"})
    html = response.content.decode()
    assert response.status_code == 429
    assert "tạm khóa" in html
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert f"{minutes} phút" in html and "quản trị viên" in html


# --- language ---------------------------------------------------------------------------------


def test_switching_to_english(client, province):
    login(client, province, "bithu")
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("person_list")}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("person_list")
    assert '<html lang="en">' in html
    assert "List of party members" in html and "Danh sách đảng viên" not in html
    # Dates stay dd/mm/yyyy in English too.
    assert "17/05/1985" in client.get(reverse("person_detail", args=[province["member"].pk])).content.decode()
    back = client.post(reverse("set_language"), {"language": "vi", "next": "/"}, follow=True)
    assert "Hồ sơ của tôi" in back.content.decode()


def test_browser_language_does_not_switch_the_portal(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi" and "Đăng nhập" in response.content.decode()


def test_child_unit_rows_link_escape_and_count(client, province):
    from portal import tree

    tree.rename_organization(province["units"]["CB2"], new_name="Chi bộ <Phòng> Tổ chức",
                             effective_on=datetime.date(2026, 1, 5))
    login(client, province, "tuyengiao")
    html = client.get(reverse("unit_detail", args=["CS1"])).content.decode()
    row = html[html.index('href="/units/CB1/"'):]
    assert row.index("Chi bộ Văn phòng") < row.index("</tr>")
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row[: row.index("</tr>")])
    assert cells == ["3", "3"]  # CB1: three members, three records
    assert "Chi bộ &lt;Phòng&gt; Tổ chức" in html and "<Phòng>" not in html
