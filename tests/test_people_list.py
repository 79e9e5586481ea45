"""The people list: diacritic-insensitive search, filters within the reach, name order,
pagination that keeps the filters, and a number of queries that does not grow with the data."""

import datetime
import re

import pytest
from django.urls import reverse

from portal.models import Ethnicity, PartyStatus, Person, TheoryLevel
from tests.factories import PersonFactory, bulk_people

URL = reverse("person_list")


def names(response):
    return [person.full_name for person in response.context["page"].object_list]


def as_user(client, province, role):
    client.force_login(province["users"][role])
    return client




def test_lists_exactly_the_reach(client, province):
    assert set(names(as_user(client, province, "bithu").get(URL))) == {"Nguyễn Văn Bí", "Trần Thị Đảng", "Lê Văn Cùng"}
    assert set(names(as_user(client, province, "dangvien").get(URL))) == {"Trần Thị Đảng"}
    assert len(names(as_user(client, province, "tuyengiao").get(URL))) == 5


@pytest.mark.parametrize("query", ["nguyen van an", "Nguyễn Văn An", "NGUYEN VAN AN", "  nguyen   van an ", "văn an"])
def test_search_ignores_diacritics_and_case(client, province, query):
    PersonFactory(full_name="Nguyễn Văn An", organization=province["units"]["CB2"])
    PersonFactory(full_name="Nguyễn Văn Ân", organization=province["units"]["CB2"])  # "an" too, without marks
    PersonFactory(full_name="Nguyễn Văn Bình", organization=province["units"]["CB2"])
    found = names(as_user(client, province, "tuyengiao").get(URL, {"q": query}))
    assert "Nguyễn Văn An" in found and "Nguyễn Văn Bình" not in found


def test_search_with_d_stroke(client, province):
    found = names(as_user(client, province, "tuyengiao").get(URL, {"q": "dang"}))
    assert found == ["Trần Thị Đảng"]


def test_order_is_by_given_name(client, province):
    unit = province["units"]["CB3"]
    for name in ["Trần Văn Bình", "Lê Thị Ánh", "Nguyễn Văn An", "Phạm Văn Đức", "Hoàng Thị Dung", "Vũ Văn Ân"]:
        PersonFactory(full_name=name, organization=unit)
    found = names(as_user(client, province, "tuyengiao").get(URL, {"unit": "CB3"}))
    assert found == ["Nguyễn Văn An", "Lê Thị Ánh", "Vũ Văn Ân", "Trần Văn Bình", "Hoàng Thị Dung",
                     "Phạm Văn Đức", "Hoàng Văn Xa"]


def test_unit_filter_takes_the_subtree(client, province):
    client = as_user(client, province, "tuyengiao")
    assert set(names(client.get(URL, {"unit": "CS1"}))) == {
        "Nguyễn Văn Bí", "Trần Thị Đảng", "Lê Văn Cùng", "Phạm Thị Khác"}
    assert names(client.get(URL, {"unit": "CB2"})) == ["Phạm Thị Khác"]


def test_unit_outside_the_reach_is_not_a_way_in(client, province):
    # CB3 is not a choice for the secretary: the filter is dropped, the list stays his reach.
    response = as_user(client, province, "bithu").get(URL, {"unit": "CB3"})
    assert "Hoàng Văn Xa" not in names(response)
    assert set(names(response)) == {"Nguyễn Văn Bí", "Trần Thị Đảng", "Lê Văn Cùng"}
    assert "Chi bộ ấp Tân Lập" not in response.content.decode()


def test_filters(client, province):
    others = province["others"]
    tay = Ethnicity.objects.get(name="Tày")
    Person.objects.filter(pk=others["cb3"].pk).update(ethnicity=tay, theory_level=TheoryLevel.objects.get(code="trung-cap"))
    Person.objects.filter(pk=others["cb2"].pk).update(party_status=PartyStatus.objects.get(code="du-bi"))
    client = as_user(client, province, "tuyengiao")
    assert names(client.get(URL, {"party_status": "du-bi"})) == ["Phạm Thị Khác"]
    assert set(names(client.get(URL, {"gender": "nu"}))) == {
        p.full_name for p in Person.objects.filter(gender="nu")}
    assert names(client.get(URL, {"ethnicity": tay.code})) == ["Hoàng Văn Xa"]
    assert names(client.get(URL, {"minorities_only": "on"})) == ["Hoàng Văn Xa"]
    assert names(client.get(URL, {"theory_level": "trung-cap"})) == ["Hoàng Văn Xa"]
    assert names(client.get(URL, {"minorities_only": "on", "unit": "DBK"})) == []
    html = client.get(URL, {"q": "khong co ai"}).content.decode()
    assert "Không tìm thấy ai" in html


def test_pagination_keeps_the_filters(client, province):
    bulk_people(province["units"]["CB2"], 120)
    client = as_user(client, province, "tuyengiao")
    response = client.get(URL, {"q": "nguyen van so", "unit": "CB2"})
    page = response.context["page"]
    assert page.paginator.count == 120 and len(page.object_list) == 50 and page.paginator.num_pages == 3
    html = response.content.decode()
    links = set(re.findall(r'href="(\?[^"]*page=\d+[^"]*)"', html))
    assert links and all("q=nguyen+van+so" in link and "unit=CB2" in link for link in links)
    second = client.get(URL, {"q": "nguyen van so", "unit": "CB2", "page": 2})
    expected = Person.objects.filter(organization=province["units"]["CB2"], full_name__startswith="Nguyễn Văn Số")
    assert names(second) == list(expected.order_by("sort_key", "id").values_list("full_name", flat=True)[50:100])


def test_dropdowns_are_filled_from_the_catalogues(client, province):
    html = as_user(client, province, "tuyengiao").get(URL).content.decode()
    assert html.count("<option") >= 54 + 7 + 10 + 4  # ethnicities, units, statuses, theory levels
    assert "Ê Đê" in html and "Đảng viên dự bị" in html and "Trung cấp" in html


def test_query_count_does_not_grow_with_people(client, province, django_assert_max_num_queries):
    client = as_user(client, province, "tuyengiao")
    params = {"q": "nguyen", "unit": "TINH", "party_status": "chinh-thuc", "minorities_only": "", "page": 1}
    bulk_people(province["units"]["CB2"], 10)
    with django_assert_max_num_queries(12) as small:
        response = client.get(URL, params)
    assert response.context["page"].paginator.count == 11
    bulk_people(province["units"]["CB3"], 990, prefix="Nguyễn Thị")
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(URL, {**params, "page": 3})
    assert response.context["page"].paginator.count == 1001
    assert len(large.captured_queries) == len(small.captured_queries)


def test_rows_escape_names_and_show_vietnamese_dates(client, province):
    from tests.factories import PersonFactory

    PersonFactory(full_name="Lê <b>Văn</b> Ẩn", organization=province["units"]["CB1"],
                  birth_date=datetime.date(1990, 7, 3))
    client = as_user(client, province, "bithu")
    html = client.get(URL).content.decode()
    assert "Lê &lt;b&gt;Văn&lt;/b&gt; Ẩn" in html and "<b>Văn" not in html
    assert "03/07/1990" in html
