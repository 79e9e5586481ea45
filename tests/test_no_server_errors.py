"""No input answers 500: every page and API route of the URL configuration, with bad
values in its path parameters, its query string and its posted body (a NUL character, a
year of 10000 or -1, a 25-digit number, a non-numeric id, a very long text, an impossible
date) answers 400 with a Vietnamese message, or 404, or anything but a server error."""

import itertools
import json

import pytest
from django.urls import NoReverseMatch, reverse

from tests.test_access_matrix import named_urls

BAD_VALUES = ["\x00", "10000", "-1", "9479011666778218746085376", "abc", "x" * 3000, "2026-02-30",
              "30/02/2026", "²", "1e400"]
# Every name a filter of the portal reads (grep GET.get / query_params.get).
QUERY_NAMES = ["q", "year", "unit", "theme", "kind", "status", "document", "page", "all", "current",
               "organization", "party_status", "gender", "ethnicity", "theory_level", "minorities_only"]
# Every field name a form or serializer of the portal posts about people, units, sessions,
# documents, campaigns and commitments.
BODY_NAMES = [*QUERY_NAMES, "full_name", "birth_date", "held_on", "starts_at", "person", "rows", "documents",
              "campaign", "number_symbol", "issued_on", "title", "deadline", "starts_on", "audience",
              "rating", "self_rating", "comment", "ended_on", "started_on", "role", "bridge_points", "format"]
# Signing out would end the test's session; the schema is fuzzed by tests/test_api_schema.py.
SKIPPED = {"logout", "api:schema", "api:docs"}
INT_MARKER, STR_MARKER = "7654321", "zqzqzq"


def route_templates():
    """(name, path with markers in the place of each parameter) for every named URL."""
    from django.urls import get_resolver

    for name in sorted(set(named_urls()) - SKIPPED):
        keys = _parameters(name, get_resolver())
        for markers in itertools.product([INT_MARKER, STR_MARKER], repeat=len(keys)):
            try:
                yield name, reverse(name, kwargs=dict(zip(keys, markers, strict=True)))
                break
            except NoReverseMatch:
                continue


def _parameters(name, resolver) -> list[str]:
    possibilities = resolver.reverse_dict.getlist(name.split(":")[-1]) if ":" not in name else None
    if possibilities is None:
        namespace, _, short = name.rpartition(":")
        for part in namespace.split(":"):
            resolver = resolver.namespace_dict[part][1]
        possibilities = resolver.reverse_dict.getlist(short)
    return list(possibilities[0][0][0][1]) if possibilities else []


def bad_requests(path: str):
    """(path, value) pairs: a route with parameters gets each bad value in each parameter's
    place (markers elsewhere); one without gets them in its query string and body."""
    from urllib.parse import quote

    markers = [marker for marker in (INT_MARKER, STR_MARKER) if marker in path]
    for marker in markers:
        for value in BAD_VALUES:
            yield path.replace(marker, quote(value, safe=""), 1), value
    if not markers:
        for value in BAD_VALUES:
            yield path, value


def test_no_route_answers_500_to_bad_input(logged_in):
    client = logged_in("tuyengiao")  # the widest reach: every filter runs over the whole fixture
    client.raise_request_exception = False
    templates = list(route_templates())
    assert len(templates) > 60  # the walk found the routes
    failures = []
    for name, template in templates:
        for path, value in bad_requests(template):
            query, body = dict.fromkeys(QUERY_NAMES, value), dict.fromkeys(BODY_NAMES, value)
            answers = {"GET": client.get(path, query)}
            if path.startswith("/api/"):
                answers["POST"] = client.post(path, json.dumps(body), content_type="application/json")
            else:
                answers["POST"] = client.post(path, body)
            failures += [(name, path[:80], method, value[:20], answer.status_code)
                         for method, answer in answers.items() if answer.status_code >= 500]
    assert not failures, failures[:30]


@pytest.mark.parametrize("path", ["/api/v1/people/?q=%00", "/api/v1/people/%00/", "/api/v1/documents/?q=a%00b"])
def test_a_nul_in_an_api_request_is_a_400_with_a_message(path, logged_in):
    response = logged_in("tuyengiao").get(path)
    assert response.status_code == 400
    assert response.json() == {"detail": "Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL)."}


@pytest.mark.parametrize("path", ["/people/?unit=%00", "/study/documents/?q=%00", "/units/%00/"])
def test_a_nul_in_a_page_request_is_the_400_page(path, logged_in):
    assert logged_in("tuyengiao").get(path).status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/documents/abc/", "/api/v1/study-sessions/1a/attendance/",
                                  "/api/v1/people/9479011666778218746085376/"])
def test_a_text_or_huge_id_is_a_404(path, logged_in):
    assert logged_in("tuyengiao").get(path).status_code == 404


@pytest.mark.parametrize("query", ["year=10000", "year=-1", "year=9479011666778218746085376", "year=abc"])
@pytest.mark.parametrize("path", ["/api/v1/documents/", "/api/v1/study-sessions/", "/api/v1/commitments/"])
def test_a_year_out_of_bounds_is_a_400_by_field(path, query, logged_in):
    response = logged_in("tuyengiao").get(f"{path}?{query}")
    assert response.status_code == 400
    assert "Năm phải là một số từ" in response.json()["year"][0]


def test_a_nul_in_a_json_body_is_a_400(logged_in, province):
    response = logged_in("tuyengiao").post("/api/v1/people/", json.dumps({"full_name": "A", "organization": "\u0000"}),
                                         content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL)."}
