"""{% export_menu "person_list_export" %}: the "Xuất Excel" / "Xuất CSV" buttons of a list page,
each carrying the page's own query string (its filters), so the file holds what the page lists."""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("_export_menu.html", takes_context=True)
def export_menu(context, url_name, **kwargs):
    query = context["request"].GET.copy()
    query.pop("page", None)  # the file holds every page
    suffix = f"?{query.urlencode()}" if query else ""
    return {ext: reverse(url_name, kwargs={**kwargs, "ext": ext}) + suffix for ext in ("xlsx", "csv")}
