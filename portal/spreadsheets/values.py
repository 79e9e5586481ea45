"""Cell values as units write them: dates as Excel dates, serial numbers or text in the
Vietnamese order, decimals with a comma, catalogue entries by name, code or a synonym.
Each parser gives None for an empty cell and raises ValueError with a Vietnamese reason."""

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .text import match_key

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 is 01/01/1900 (Excel's 1900 leap-year bug included)
_DATE_TEXT = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?\s*$")
TWO_DIGIT_YEAR_PIVOT = 30  # "d/m/yy": 00–29 are 2000–2029, 30–99 are 1930–1999


def day_text(value: datetime.date | None) -> str:
    """A date as the portal and the units write it: dd/mm/yyyy; "" for none."""
    return value.strftime("%d/%m/%Y") if value else ""


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value) -> str:
    """A cell as text: stripped, inner spaces collapsed, a whole number without ".0"."""
    if is_empty(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return day_text(value)
    return " ".join(str(value).split())


def parse_date(value) -> datetime.date | None:
    if is_empty(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:  # up to 31/12/9999
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise ValueError(_("không phải ngày hợp lệ"))
    text = str(value).strip()
    if match := _DATE_TEXT.match(text):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year += 2000 if year < TWO_DIGIT_YEAR_PIVOT else 1900
    elif match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError(_("không đọc được ngày, hãy ghi theo dạng dd/mm/yyyy"))
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(_("không có ngày này trong lịch")) from None


def parse_decimal(value) -> Decimal | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError(_("không phải số"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("không phải số")) from None
    if not number.is_finite():
        raise ValueError(_("không phải số"))
    return number


def parse_int(value) -> int | None:
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(_("phải là số nguyên"))
    return int(number)


class Choices:
    """A catalogue looked up as people write it: every written form (name, code, synonym)
    by its match_key. A form that two entries share is ambiguous and never guessed."""

    _AMBIGUOUS = object()

    def __init__(self, pairs: Iterable[tuple[str, object]], *, label: str = ""):
        self.label = label
        self.by_key: dict[str, object] = {}
        for written, value in pairs:
            key = match_key(written)
            if not key:
                continue
            known = self.by_key.get(key)
            if known is None or known == value:
                self.by_key[key] = value
            else:
                self.by_key[key] = self._AMBIGUOUS

    def get(self, written):
        """The entry written, None for an empty cell."""
        if is_empty(written):
            return None
        found = self.by_key.get(match_key(clean_text(written)))
        if found is None:
            raise ValueError(_("“%(value)s” không có trong danh mục %(label)s")
                             % {"value": clean_text(written), "label": self.label})
        if found is self._AMBIGUOUS:
            raise ValueError(_("“%(value)s” ứng với nhiều mục của danh mục %(label)s, hãy ghi rõ hơn")
                             % {"value": clean_text(written), "label": self.label})
        return found
