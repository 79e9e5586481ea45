"""The API's router: an id in a route is digits, so `/documents/abc/` is a 404 before any
view runs, instead of a text reaching an integer lookup."""

from rest_framework.routers import SimpleRouter


class Router(SimpleRouter):
    # A viewset looking up by another field (a unit's code) sets its own lookup_value_regex.
    _default_value_pattern = "[0-9]+"
