"""Figures counted at most once a minute.

Counting a province's 100,000 people costs more than showing a page of them; a total or a
per-unit count a minute old is good enough for lists, the tree and the dashboard. Keys
name the database, so test databases and production never share an entry.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def cache_key(prefix: str, *parts) -> str:
    """A cache key of `parts` under `prefix`, naming the database."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"{prefix}:{connection.settings_dict['NAME']}:{digest}"


def remember(compute, *key_parts):
    """`compute()`, reused for LIST_COUNT_CACHE_SECONDS under a key made of `key_parts`."""
    seconds = settings.LIST_COUNT_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    key = cache_key("figures", *key_parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value
