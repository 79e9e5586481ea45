"""The access matrix: every list and detail URL, HTML and API, for every demo role.

Each role sees exactly its reach (DESIGN.md §1): nothing outside (404, like a missing
id), nothing missing inside. The expected reach below is written out by hand from the
`province` fixture, not computed by the code under test. `test_every_url_is_in_the_matrix`
walks the URL configuration, so a new URL that is not classified here fails the suite
until someone decides how it is checked.
"""

import importlib
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from portal import access
from portal.models import Organization, Person, Position

ROLES = ["admin", "tuyengiao", "daotao", "bithu", "dangvien"]
ALL_UNITS = {"TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"}
UNITS = {
    "admin": ALL_UNITS,
    "tuyengiao": ALL_UNITS,
    "daotao": {"DBK", "CS1", "CB1", "CB2"},
    "bithu": {"CB1"},
    "dangvien": set(),
}
# People of the fixture by key: secretary, member (CB1), cb1 (CB1), cb2 (CB2), cb3 (CB3).
ALL_PEOPLE = {"secretary", "member", "cb1", "cb2", "cb3"}
PEOPLE = {
    "admin": ALL_PEOPLE,
    "tuyengiao": ALL_PEOPLE,
    "daotao": {"secretary", "member", "cb1", "cb2"},
    "bithu": {"secretary", "member", "cb1"},
    "dangvien": {"member"},
}
# The one position of the fixture (the secretary's) lies in CB1; dangvien is not its holder.
POSITIONS = {"admin": True, "tuyengiao": True, "daotao": True, "bithu": True, "dangvien": False}

# How each URL is checked. Every named URL outside the admin must be in exactly one group.
PUBLIC = {"login", "healthz", "set_language", "api:token", "api:schema", "api:docs"}
OWN_PAGES = {"dashboard", "logout", "password_change", "password_change_done", "api:root"}
UNIT_DETAILS = {"unit_detail": "/units/{code}/", "unit_children": "/units/{code}/children/",
                "api:organization-detail": "/api/v1/organizations/{code}/",
                "api:organization-children": "/api/v1/organizations/{code}/children/"}
PERSON_DETAILS = {"person_detail": "/people/{pk}/", "api:person-detail": "/api/v1/people/{pk}/"}
POSITION_DETAILS = {"api:position-detail": "/api/v1/positions/{pk}/"}
# Writes on one object: the object must be in reach (else 404) and the user must manage its unit.
POSITION_WRITES = {"api:position-end": "/api/v1/positions/{pk}/end/"}
LISTS = {"unit_tree", "person_list", "api:organization-list", "api:person-list", "api:position-list"}
CLASSIFIED = PUBLIC | OWN_PAGES | set(UNIT_DETAILS) | set(PERSON_DETAILS) | set(POSITION_DETAILS) | set(POSITION_WRITES) | LISTS


def named_urls(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # checked by test_every_admin_is_scoped
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_urls(entry, inner)
        elif isinstance(entry, URLPattern):
            if entry.name is None:
                raise AssertionError(f"URL without a name: {entry.pattern}")
            if entry.name.endswith("-root") or "format" in str(entry.pattern):
                continue  # DRF's format-suffix twins of the routes above
            yield f"{namespace}{entry.name}"


def checked_elsewhere() -> set[str]:
    """URLs that other access tests check: each tests/test_access_<area>.py names the URLs
    it covers in CHECKED_URLS, next to the tests that check them for every role."""
    names = set()
    for path in sorted(Path(__file__).parent.glob("test_access_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        names |= set(getattr(module, "CHECKED_URLS", ()))
    return names


def test_every_url_is_in_the_matrix():
    found = set(named_urls())
    classified = CLASSIFIED | checked_elsewhere()
    unclassified = found - classified
    assert not unclassified, f"URLs without an access check in this matrix: {sorted(unclassified)}"
    assert not classified - found, f"the matrix names URLs that no longer exist: {sorted(classified - found)}"


def test_every_admin_is_scoped():
    from portal.admin import ScopedAdmin, SuperuserOnlyAdmin

    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"portal", "resolutions", "training", "reports"}:
            continue
        assert isinstance(model_admin, ScopedAdmin | SuperuserOnlyAdmin), f"{model.__name__} admin is not scoped"
        if isinstance(model_admin, ScopedAdmin):
            assert access.is_registered(model), f"{model.__name__} has no scope in portal.access"


def people_keys(province, ids):
    by_id = {province["secretary"].pk: "secretary", province["member"].pk: "member"}
    by_id.update({p.pk: key for key, p in province["others"].items()})
    return {by_id[int(i)] for i in ids}


def all_people(province):
    return {"secretary": province["secretary"], "member": province["member"], **province["others"]}


@pytest.mark.parametrize("role", ROLES)
def test_unit_details(role, province, logged_in):
    client = logged_in(role)
    for name, template in UNIT_DETAILS.items():
        for code in ALL_UNITS:
            response = client.get(template.format(code=code))
            expected = 200 if code in UNITS[role] else 404
            assert response.status_code == expected, (name, code, response.status_code)
        assert client.get(template.format(code="KHONG-CO")).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_person_details(role, province, logged_in):
    client = logged_in(role)
    missing = Person.objects.order_by("-pk").first().pk + 1000
    for name, template in PERSON_DETAILS.items():
        for key, person in all_people(province).items():
            response = client.get(template.format(pk=person.pk))
            expected = 200 if key in PEOPLE[role] else 404
            assert response.status_code == expected, (name, key, response.status_code)
        assert client.get(template.format(pk=missing)).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_position_details(role, province, logged_in):
    client = logged_in(role)
    position = Position.objects.get()
    for name, template in POSITION_DETAILS.items():
        response = client.get(template.format(pk=position.pk))
        assert response.status_code == (200 if POSITIONS[role] else 404), name


def api_results(client, url):
    """Every result of a paginated API list."""
    results = []
    while url:
        body = client.get(url).json()
        results += body["results"]
        url = body["next"]
    return results


@pytest.mark.parametrize("role", ROLES)
def test_api_lists(role, province, logged_in):
    client = logged_in(role)
    codes = {row["code"] for row in api_results(client, "/api/v1/organizations/")}
    assert codes == UNITS[role]
    ids = {row["id"] for row in api_results(client, "/api/v1/people/")}
    assert people_keys(province, ids) == PEOPLE[role]
    positions = api_results(client, "/api/v1/positions/")
    assert len(positions) == (1 if POSITIONS[role] else 0)


@pytest.mark.parametrize("role", ROLES)
def test_html_people_list(role, province, logged_in):
    client = logged_in(role)
    response = client.get("/people/")
    assert response.status_code == 200
    ids = set(re.findall(r'href="/people/(\d+)/"', response.content.decode()))
    assert people_keys(province, ids) == PEOPLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_html_unit_tree_walk(role, province, logged_in):
    """The tree browser's tops, expanded node by node, show exactly the units in reach."""
    client = logged_in(role)
    response = client.get("/units/")
    assert response.status_code == 200
    seen, queue = set(), list(re.findall(r'href="/units/([^/"]+)/"', response.content.decode()))
    while queue:
        code = queue.pop()
        if code in seen:
            continue
        seen.add(code)
        children = client.get(f"/units/{code}/children/")
        assert children.status_code == 200
        queue += re.findall(r'href="/units/([^/"]+)/"', children.content.decode())
    assert seen == UNITS[role]


def test_writes_outside_reach_are_refused(province, logged_in):
    """bithu posts a person into a unit outside his cell: refused, nothing written."""
    client = logged_in("bithu")
    before = Person.objects.count()
    response = client.post("/api/v1/people/", {
        "full_name": "Người Ngoài Phạm Vi", "gender": "nam", "organization": "CB3",
        "ethnicity": "kinh", "party_status": "chinh-thuc",
    }, content_type="application/json")
    assert response.status_code in (400, 404)
    assert Person.objects.count() == before
    assert Organization.objects.filter(code="CB3").exists()


@pytest.mark.parametrize("role", ROLES)
def test_ending_a_position(role, province, logged_in):
    """Only those who manage the unit may end a position there; others change nothing."""
    client = logged_in(role)
    position = Position.objects.get()
    for name, template in POSITION_WRITES.items():
        response = client.post(template.format(pk=position.pk), {"ended_on": "2026-06-30"},
                               content_type="application/json")
        position.refresh_from_db()
        if role in {"admin", "bithu"}:  # bí thư of CB1 manages it; the superuser manages everything
            assert response.status_code == 200, (name, response.content)
            assert str(position.ended_on) == "2026-06-30"
        else:
            assert response.status_code in (403, 404), (name, response.status_code)
            assert position.ended_on is None
