"""Figures counted at most once a minute.

Counting a province's 100,000 people costs more than showing a page of them; a total or a
per-unit count a minute old is good enough for lists, the tree and the dashboard. Keys
name the database, so test databases and production never share an entry.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def remember(compute, *key_parts):
    """`compute()`, reused for LIST_COUNT_CACHE_SECONDS under a key made of `key_parts`."""
    seconds = settings.LIST_COUNT_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    digest = hashlib.sha256(repr(key_parts).encode()).hexdigest()
    key = f"figures:{connection.settings_dict['NAME']}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value
