"""Small helpers for the portal's templates."""

from datetime import timedelta
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

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


@register.simple_tag
def people_rows(page):
    """The rows of the people list, built in one pass: a page holds 50 people, and the
    template engine's per-variable work was the larger part of the page's cost."""
    detail = reverse("person_detail", args=[0])[:-2]
    rows = []
    for number, person in enumerate(page.object_list, start=page.start_index()):
        unit = escape(person.organization.name)
        born = date_format(person.birth_date, "SHORT_DATE_FORMAT") if person.birth_date else ""
        theory = escape(person.theory_level.name) if person.theory_level_id else "—"
        rows.append(
            "<tr>"
            f'<td class="num text-body-secondary d-none d-sm-table-cell">{number}</td>'
            f'<td><a class="text-nowrap" href="{detail}{person.pk}/">{escape(person.full_name)}</a>'
            f'<div class="d-md-none small text-body-secondary">{unit}</div></td>'
            f'<td class="d-none d-md-table-cell text-nowrap">{born}</td>'
            f'<td class="d-none d-lg-table-cell">{escape(person.get_gender_display())}</td>'
            f'<td class="d-none d-lg-table-cell text-nowrap">{escape(person.ethnicity.name)}</td>'
            f"<td>{escape(person.party_status.name)}</td>"
            f'<td class="d-none d-md-table-cell">{unit}</td>'
            f'<td class="d-none d-xl-table-cell">{theory}</td>'
            "</tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag
def unit_rows(units):
    """Rows of a table of units with their subtree counts, built in one pass like
    `people_rows`: a đảng bộ has a hundred units under it."""
    detail = reverse("unit_detail", args=["CODE"])
    rows = []
    for unit in units:
        members = number_format(unit.member_count, force_grouping=True)
        people = number_format(unit.people_count, force_grouping=True)
        rows.append(
            "<tr>"
            f'<td><a href="{escape(detail.replace("CODE", quote(unit.code)))}">{escape(unit.name)}</a></td>'
            f'<td class="d-none d-md-table-cell text-body-secondary">{escape(unit.level.name)}</td>'
            f'<td class="num">{members}</td>'
            f'<td class="num d-none d-sm-table-cell">{people}</td>'
            "</tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
