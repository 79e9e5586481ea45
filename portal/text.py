"""Vietnamese names: sort order by given name, and a search key without diacritics."""

import functools
import unicodedata

# The Vietnamese alphabet in its own order; tone marks are a secondary key.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Two characters per letter: digits 00–09 first, then the alphabet from 10, others last.
_RANK = {**{str(d): f"0{d}" for d in range(10)}, **{ch: f"{i + 10:02d}" for i, ch in enumerate(_ALPHABET)}}
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}  # huyền hỏi ngã sắc nặng
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)


def name_parts(full_name: str) -> list[str]:
    return full_name.split()


def search_key(text: str) -> str:
    """Lower case, no diacritics, đ→d, single spaces: "Nguyễn Văn Đức" → "nguyen van duc"."""
    text = text.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())


@functools.lru_cache(maxsize=4096)  # names repeat: a few hundred words make up a province
def _word_key(word: str) -> tuple[str, str]:
    letters, tones = [], []
    for cluster in _clusters(word.lower()):
        base, marks = cluster[0], cluster[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
        letters.append(_RANK.get(letter, "99"))
        tones.append(next((_TONES[m] for m in marks if m in _TONES), "0"))
    return "".join(letters), "".join(tones)


def _clusters(word: str):
    cluster = ""
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch) and cluster:
            cluster += ch
        else:
            if cluster:
                yield cluster
            cluster = ch
    if cluster:
        yield cluster


def vietnamese_sort_key(full_name: str) -> str:
    """Order by given name, then middle names, then family name; letters in the Vietnamese
    alphabet's order (a < ă < â, d < đ), tone marks breaking ties. Plain ASCII, so the
    database compares it byte by byte whatever its collation."""
    words = name_parts(full_name)
    if not words:
        return ""
    ordered = [words[-1], *words[1:-1], words[0]] if len(words) > 1 else words
    keys = [_word_key(w) for w in ordered]
    return " ".join(k[0] for k in keys) + " | " + " ".join(k[1] for k in keys)
