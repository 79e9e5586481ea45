"""Which known person a row of a list is about, when the list concerns a fixed group (the
people expected at a session, the learners of a class): by party card number, else by full
name and birth date; two candidates are reported, never guessed. The people format matches
the same way within a unit's subtree (portal.spreadsheets.people)."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.spreadsheets.imports import Problem
from portal.spreadsheets.people import COLUMNS as PEOPLE_COLUMNS
from portal.spreadsheets.values import clean_text, parse_date


def name_key(name: str) -> str:
    """A name as people write it, compared case-insensitively (diacritics count: "Hùng" is not "Hưng")."""
    return " ".join(unicodedata.normalize("NFC", name or "").casefold().split())


@dataclass(frozen=True)
class Found:
    """The person a row is about (None when no one or several), or why not."""

    person: object = None
    column: str = ""  # "card" or "name": the column the reason is about
    reason: str = ""


class PeopleIndex:
    """A group of people (any objects with `party_card_number`, `full_name`, `birth_date`)
    looked up by card number, else by name and birth date. A row without a birth date is
    matched by name alone: the group is small and known, and two namesakes are still reported."""

    def __init__(self, people: Iterable, *, group: str):
        self.group = group  # how the reasons name the group ("danh sách phải dự buổi này")
        self.by_card = {}
        self.by_name = defaultdict(list)
        for person in people:
            if person.party_card_number:
                self.by_card[person.party_card_number] = person
            self.by_name[name_key(person.full_name)].append(person)

    def find(self, *, card: str, name: str, birth_date) -> Found:
        if card and card in self.by_card:
            return Found(self.by_card[card])
        candidates = self.by_name.get(name_key(name), [])
        if birth_date is not None:
            candidates = [person for person in candidates if person.birth_date == birth_date]
        if card:  # someone holding another card is someone else
            candidates = [person for person in candidates if not person.party_card_number]
        if len(candidates) == 1:
            return Found(candidates[0])
        if candidates:
            return Found(column="name", reason=_(
                "trùng họ tên với %(n)d người trong %(group)s, không xác định được là ai: hãy ghi số thẻ đảng viên "
                "hoặc ngày sinh") % {"n": len(candidates), "group": self.group})
        if card:
            return Found(column="card", reason=_("không có ai mang số thẻ này trong %(group)s") % {"group": self.group})
        return Found(column="name", reason=_("không có người này trong %(group)s") % {"group": self.group})


def duplicate_rows(rows: Iterable[tuple[int, object]]) -> dict[int, list[int]]:
    """For rows (number, person) naming the same person, each row's number → the other rows'
    numbers: both are bad (which one is right is not for us to say)."""
    by_person = defaultdict(list)
    for number, person in rows:
        by_person[person.id].append(number)
    return {number: [other for other in numbers if other != number]
            for numbers in by_person.values() if len(numbers) > 1 for number in numbers}


def duplicate_reason(others: list[int]) -> str:
    return _("cùng một người với dòng %(rows)s: mỗi người chỉ ghi một dòng") % {
        "rows": ", ".join(str(number) for number in others)}


# --- The columns that name a person, read the same way in every list ---------------------------


def person_columns():
    """Họ và tên (required), Ngày sinh, Số thẻ đảng viên: the people format's own columns."""
    by_key = {column.key: column for column in PEOPLE_COLUMNS}
    return [by_key["full_name"], by_key["birth_date"], by_key["party_card_number"]]


@dataclass(frozen=True)
class Identity:
    name: str
    card: str
    birth_date: object  # datetime.date | None

    def label(self) -> str:
        return f"{self.name} ({self.birth_date:%d/%m/%Y})" if self.birth_date else self.name


def read_identity(values: dict, number: int, titles: dict[str, str]) -> tuple[Identity, list]:
    """The name, card number and birth date a row gives, and the problems of those cells."""
    problems = []
    name = unicodedata.normalize("NFC", clean_text(values.get("full_name")))
    if not name:
        problems.append(Problem(row=number, column=titles["full_name"], value="", reason=_("cần ghi họ và tên")))
    card = clean_text(values.get("party_card_number"))
    try:
        birth = parse_date(values.get("birth_date"))
    except ValueError as error:
        birth = None
        problems.append(Problem(row=number, column=titles["birth_date"], value=clean_text(values.get("birth_date")),
                                reason=str(error)))
    return Identity(name, card, birth), problems


class GroupRows:
    """For a django-import-export resource whose rows are about the people of a fixed group
    (`group_people()`, a Person queryset): the person a row names, found as the formats find
    him, else a ValidationError the import shows beside the row."""

    group_label = ""
    _index = None

    def group_people(self):
        raise NotImplementedError

    def person_in_row(self, row) -> int:
        if self._index is None:
            self._index = PeopleIndex(self.group_people().values_list(
                "id", "full_name", "birth_date", "party_card_number", named=True), group=str(self.group_label))
        titles = {column.key: column.title for column in person_columns()}
        identity, problems = read_identity({key: row.get(title) for key, title in titles.items()}, 0, titles)
        if problems:
            raise ValidationError({problem.column: problem.reason for problem in problems})
        found = self._index.find(card=identity.card, name=identity.name, birth_date=identity.birth_date)
        if found.person is None:
            raise ValidationError(found.reason)
        return found.person.id
