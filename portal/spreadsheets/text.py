"""Texts as people type them into spreadsheets, compared without regard to case,
diacritics, punctuation and spacing."""

import re
import unicodedata

from portal.text import search_key

_PUNCTUATION = re.compile(r"[^\w]+")


def match_key(text) -> str:
    """ " Họ và  tên " , "HO VA TEN" and "Họ-và-tên:" all give "ho va ten"."""
    if text is None:
        return ""
    return " ".join(_PUNCTUATION.sub(" ", search_key(str(text))).split())


def name_key(name: str) -> str:
    """A name as people write it, compared case-insensitively (diacritics count: "Hùng" is not "Hưng")."""
    return " ".join(unicodedata.normalize("NFC", name or "").casefold().split())
