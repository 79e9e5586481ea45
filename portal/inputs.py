"""What a request says, read once at the door: a NUL character anywhere refused for the
whole site (`RefuseNulMiddleware`), and the numbers that filters take (years, ids)
parsed with the bounds the database holds, so no input reaches a query it would crash.

A page falls back to its default on a bad filter (`year_or`); the API answers 400 with
the Vietnamese message (`parse_year`, `parse_id` raise Django's ValidationError, which
`portal.api.errors` turns into a 400 by field).
"""

import json

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

# Years a filter may ask for: from the Party's founding (nothing the portal holds is
# older) to a bound far enough ahead for any plan, and inside what a date can hold.
FIRST_YEAR = 1930
LAST_YEAR = 2100
# Ids are PostgreSQL bigints (DEFAULT_AUTO_FIELD); a larger number names nothing.
MAX_ID = 2**63 - 1
# A small integer field (years, counts) holds up to this.
MAX_SMALL = 32767


def _integer(value) -> int | None:
    text = str(value).strip()
    if not text:
        return None
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 20:
        raise ValueError(text)
    return int(text)


def parse_year(value, *, name: str = "year", first: int = FIRST_YEAR, last: int = LAST_YEAR) -> int | None:
    """The year in a filter, None when blank; ValidationError (on `name`) when not a year in [first, last]."""
    try:
        year = _integer(value)
    except ValueError:
        year = first - 1
    if year is not None and not first <= year <= last:
        raise ValidationError({name: _("Năm phải là một số từ %(first)d đến %(last)d.")
                               % {"first": first, "last": last}})
    return year


def year_or(value, default: int | None, *, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> int | None:
    """The year in a page's filter, or `default` when it is blank or not a year in [first, last]."""
    try:
        year = parse_year(value, first=first, last=last)
    except ValidationError:
        return default
    return default if year is None else year


def parse_id(value, *, name: str) -> int | None:
    """An id in a filter, None when blank; ValidationError (on `name`) when not a positive id."""
    try:
        number = _integer(value)
    except ValueError:
        number = 0
    if number is not None and not 1 <= number <= MAX_ID:
        raise ValidationError({name: _("Mã phải là một số nguyên dương.")})
    return number


def id_or(value, default: int | None = None) -> int | None:
    """The id in a page's parameter or a posted field, or `default` when it is not one."""
    try:
        number = parse_id(value, name="id")
    except ValidationError:
        return default
    return default if number is None else number


# --- NUL characters -------------------------------------------------------------------------


def _has_nul(data) -> bool:
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(_has_nul(key) or _has_nul(value) for key, value in data.items())
    if isinstance(data, list):
        return any(_has_nul(item) for item in data)
    return False


def _json_has_nul(request) -> bool:
    if "json" not in request.content_type or b"\\u0000" not in request.body:
        return False
    try:
        return _has_nul(json.loads(request.body))
    except ValueError:
        return False  # not JSON: the parser answers that


def request_has_nul(request) -> bool:
    """Whether the path, the query string, a form field or a JSON string holds a NUL character."""
    if "\x00" in request.path:
        return True
    if any(_has_nul(key) or _has_nul(values) for key, values in request.GET.lists()):
        return True
    if request.method in {"POST", "PUT", "PATCH"}:
        if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            return any(_has_nul(key) or _has_nul(values) for key, values in request.POST.lists())
        return _json_has_nul(request)
    return False


class RefuseNulMiddleware:
    """Answer 400 to any request carrying a NUL character: PostgreSQL cannot store one in
    text, and no field of the portal means one, so it is refused before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_has_nul(request):
            message = _("Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL).")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return bad_request(request, ValidationError(message))
        return self.get_response(request)
