"""List totals and subtree counts are reused for a minute, then counted again."""

from django.core.cache import cache

from portal import selectors
from portal.pagination import cached_count
from tests.factories import PersonFactory


def test_totals_are_reused_until_the_cache_expires(province, settings, django_assert_num_queries):
    settings.LIST_COUNT_CACHE_SECONDS = 60
    cache.clear()
    people = selectors.people_list(province["users"]["tuyengiao"])
    assert cached_count(people) == 5
    PersonFactory(organization=province["units"]["CB2"])
    with django_assert_num_queries(0):
        assert cached_count(people) == 5  # a minute-old total, no query
    cache.clear()  # what expiry does
    assert cached_count(people) == 6


def test_each_filter_has_its_own_total(province, settings):
    settings.LIST_COUNT_CACHE_SECONDS = 60
    cache.clear()
    user = province["users"]["tuyengiao"]
    everyone = cached_count(selectors.people_list(user))
    searched = cached_count(selectors.people_list(user, selectors.PeopleFilter(query="tran thi dang")))
    assert (everyone, searched) == (5, 1)


def test_subtree_counts_match_a_recount(province, settings):
    settings.LIST_COUNT_CACHE_SECONDS = 60
    cache.clear()
    units = list(selectors.units_visible_to(province["users"]["admin"]))
    counted = {u.code: (u.member_count, u.people_count) for u in selectors.with_subtree_counts(units)}
    for unit in units:
        people = [p for p in selectors.people_visible_to(province["users"]["admin"]).select_related(
            "organization", "party_status") if p.organization.path.startswith(unit.path)]
        expected = (sum(p.party_status.is_member for p in people), len(people))
        assert counted[unit.code] == expected, unit.code
