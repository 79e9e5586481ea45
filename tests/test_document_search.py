"""Search that finds documents as people name them (issue 11, point 4): kind names and their
symbols, numbers, titles and summaries together, without diacritics, ranked by relevance in
PostgreSQL; the same search over themes. The seeds' documents and themes, as resolutions.demo
has them."""

import pytest
from django.urls import reverse

from resolutions.demo import DOCUMENTS, TERM, TERM_SUMMARY, TERM_TITLE, YEAR_THEMES
from resolutions.models import Document, DocumentKind, Theme
from tests.factories import make_unit


@pytest.fixture
def catalogue(province):
    """The seeds' seven documents, addressed to the province, and three themes (two about
    "tư tưởng, đạo đức, phong cách Hồ Chí Minh", one not)."""
    kinds = {kind.code: kind for kind in DocumentKind.objects.all()}
    for seed in DOCUMENTS:
        Document.objects.create(kind=kinds[seed.kind], number_symbol=seed.number_symbol,
                                issuing_body=seed.issuing_body, issued_on=seed.issued_on, title=seed.title,
                                summary=seed.summary, organization=province["units"]["TINH"])
    themes = {
        "term": Theme.objects.create(kind=Theme.Kind.TERM, title=TERM_TITLE, term=TERM, summary=TERM_SUMMARY),
        "year": Theme.objects.create(kind=Theme.Kind.YEAR, year=2025, title=YEAR_THEMES[0], term=TERM),
        "other": Theme.objects.create(kind=Theme.Kind.YEAR, year=2024, term=TERM,
                                      title="Chuyển đổi số trong công tác tuyên giáo",
                                      summary="Ứng dụng công nghệ thông tin vào sinh hoạt chi bộ."),
    }
    return themes


def page_results(client, province, query) -> list[str]:
    client.force_login(province["users"]["dangvien"])
    response = client.get(reverse("study_document_list"), {"q": query})
    assert response.status_code == 200
    return [document.number_symbol for document in response.context["page"]]


def api_results(client, province, query) -> list[str]:
    client.force_login(province["users"]["dangvien"])
    response = client.get("/api/v1/documents/", {"q": query})
    assert response.status_code == 200
    return [row["number_symbol"] for row in response.json()["results"]]


@pytest.mark.parametrize("query", ["nghị quyết 35", "nghi quyet 35", "NQ 35", "nq35", "35-NQ", "35/NQ-TW",
                                   "35-nq/tw", "Nghị Quyết số 35"])
def test_the_ways_people_name_resolution_35_find_it_first(client, province, catalogue, query):
    assert page_results(client, province, query)[0] == "35-NQ/TW"


@pytest.mark.parametrize("query", ["chỉ thị 05", "chi thi 05", "chỉ thị 5", "CT 05", "05-CT/TW", "05/ct"])
def test_directive_05_comes_before_the_conclusion_that_cites_it(client, province, catalogue, query):
    found = page_results(client, province, query)
    assert found[0] == "05-CT/TW"
    assert "01-KL/TW" in found  # it names "Chỉ thị 05-CT/TW" in its title: found, but after
    assert not {"17-CT/TU", "27/CT-TTg"} & set(found)  # directives, but not number 05


@pytest.mark.parametrize(("query", "first"), [
    ("kết luận 01", "01-KL/TW"),
    ("ke hoach 195", "195-KH/ĐU"),
    ("195-KH/ĐU", "195-KH/ĐU"),
    ("cong van 434", "434-CV/BTGTU"),
    ("27/CT-TTg", "27/CT-TTg"),
    ("chỉ thị 27 thủ tướng", "27/CT-TTg"),
    ("CT 17 tinh uy", "17-CT/TU"),
    ("lười học", "17-CT/TU"),  # in its summary only: "khắc phục tình trạng lười học"
    ("phan bac quan diem sai trai", "35-NQ/TW"),
])
def test_kinds_numbers_titles_and_summaries_are_searched_together(client, province, catalogue, query, first):
    assert page_results(client, province, query)[0] == first


def test_words_without_diacritics_find_documents_and_themes(client, province, catalogue):
    found = page_results(client, province, "tu tuong dao duc")
    assert found[0] == "05-CT/TW"  # in its title and twice in its summary
    assert {"05-CT/TW", "01-KL/TW", "27/CT-TTg"} <= set(found)
    assert "35-NQ/TW" not in found  # "tư tưởng" without "đạo đức"
    response = client.get(reverse("study_document_list"), {"q": "tu tuong dao duc"})
    assert set(response.context["themes_found"]) == {catalogue["term"], catalogue["year"]}
    assert "Chuyên đề khớp với từ tìm" in response.content.decode()
    themes = client.get("/api/v1/themes/", {"q": "tu tuong dao duc"}).json()
    assert {theme["id"] for theme in themes} == {catalogue["term"].pk, catalogue["year"].pk}


def test_the_api_list_searches_the_same_way(client, province, catalogue):
    assert api_results(client, province, "NQ 35")[0] == "35-NQ/TW"
    assert api_results(client, province, "chỉ thị 05")[0] == "05-CT/TW"
    assert api_results(client, province, "khong co van ban nay") == []


def test_any_query_answers_without_error(client, province, catalogue):
    assert api_results(client, province, "9" * 5000) == []  # more digits than int() reads
    assert api_results(client, province, "nq " + "0" * 30) == []
    assert len(api_results(client, province, "’'\"&|!:*()<>")) == len(DOCUMENTS)  # no word: no search
    assert client.get("/api/v1/themes/", {"q": "'&|!:*"}).status_code == 200


def test_a_typo_still_finds_the_documents(client, province, catalogue):
    found = page_results(client, province, "phong cach ho chi mnh")
    assert set(found) == {"05-CT/TW", "01-KL/TW", "27/CT-TTg"}  # "phong cách Hồ Chí Minh" in their titles


def test_search_keeps_the_other_filters(client, province, catalogue):
    client.force_login(province["users"]["dangvien"])
    page = client.get(reverse("study_document_list"), {"q": "tu tuong dao duc", "kind": "CT"}).context["page"]
    assert [document.number_symbol for document in page] == ["05-CT/TW", "27/CT-TTg"]


def test_no_match_shows_the_empty_state(client, province, catalogue):
    client.force_login(province["users"]["dangvien"])
    response = client.get(reverse("study_document_list"), {"q": "khong co van ban nay"})
    assert response.status_code == 200 and not response.context["page"].object_list
    assert not response.context["themes_found"]
    assert "Không có văn bản nào khớp" in response.content.decode()
    assert client.get("/api/v1/themes/", {"q": "khong co chuyen de nay"}).json() == []


def test_without_a_query_the_newest_come_first_and_every_theme_is_listed(client, province, catalogue):
    found = page_results(client, province, "")
    assert len(found) == len(DOCUMENTS) and found[0] == "17-CT/TU"  # issued 22/02/2022
    assert len(client.get("/api/v1/themes/").json()) == 3


def test_search_sees_only_what_the_user_may_see(client, province, catalogue):
    kinds = DocumentKind.objects.get(code="NQ")
    Document.objects.create(kind=kinds, number_symbol="35-NQ/ĐU", issuing_body="Đảng ủy khác",
                            issued_on=DOCUMENTS[1].issued_on, title="Nghị quyết của đảng bộ khác",
                            organization=make_unit(parent=province["units"]["CS1"]))
    assert "35-NQ/ĐU" not in page_results(client, province, "nghi quyet 35")


def test_search_queries_do_not_grow_with_the_documents(client, province, catalogue, django_assert_max_num_queries):
    client.force_login(province["users"]["dangvien"])
    url = reverse("study_document_list")
    with django_assert_max_num_queries(20) as small:
        client.get(url, {"q": "nghi quyet 35"})
    kind = DocumentKind.objects.get(code="NQ")
    for number in range(100, 140):
        Document.objects.create(kind=kind, number_symbol=f"{number}-NQ/TU", issuing_body="Tỉnh ủy",
                                issued_on=DOCUMENTS[1].issued_on, title=f"Nghị quyết số {number} về tư tưởng",
                                organization=province["units"]["TINH"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, {"q": "nghi quyet 35"}).context["page"][0].number_symbol == "35-NQ/TW"
