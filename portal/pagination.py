"""Pagination whose total is counted at most once a minute (portal.figures_cache)."""

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from portal.figures_cache import remember


def cached_count(queryset) -> int:
    # The count's own SQL and parameters are the key: every filter and reach has its entry.
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # an empty reach: nothing to count, no query to run
        return 0
    return remember(queryset.count, "count", sql, params)


class CachedCountPaginator(Paginator):
    @cached_property
    def count(self):
        return cached_count(self.object_list)


class CachedCountPagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator
