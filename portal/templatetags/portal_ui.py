"""Small helpers for the portal's templates."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value) -> int:
    """A duration in whole minutes, rounded up (the lockout page says "15 phút")."""
    if not isinstance(value, timedelta):
        return 0
    return -(-int(value.total_seconds()) // 60)


@register.simple_tag
def page_links(page):
    """Page numbers around the current one, with `None` where numbers are left out."""
    ellipsis = page.paginator.ELLIPSIS
    return [None if n == ellipsis else n
            for n in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)]
