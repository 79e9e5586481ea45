"""The columns that name a person, read the same way in every list (Họ và tên, Ngày sinh, Số
thẻ đảng viên), and which known person a row of a list is about when the list concerns a
fixed group (the people expected at a session, the learners of a class): by party card
number, else by full name and birth date; two candidates are reported, never guessed. The
people format matches the same way within a unit's subtree, where a name and a birth date
must both be given (portal.spreadsheets.people)."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from portal.spreadsheets.imports import Problem
from portal.spreadsheets.reading import Column, SourceRow
from portal.spreadsheets.text import name_key
from portal.spreadsheets.values import clean_text, day_text, parse_date

FULL_NAME = Column("full_name", "Họ và tên", ("Họ tên", "Tên đảng viên", "Họ và tên đảng viên", "Họ, tên"),
                   required=True)
# Not "Năm sinh": a year alone (1985) would read as an Excel day number.
BIRTH_DATE = Column("birth_date", "Ngày sinh", ("Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Sinh ngày"))
PARTY_CARD = Column("party_card_number", "Số thẻ đảng viên", ("Số thẻ", "Số thẻ Đảng", "Số thẻ ĐV", "Số thẻ đảng"))
PERSON_COLUMNS = [FULL_NAME, BIRTH_DATE, PARTY_CARD]
PERSON_TITLES = {column.key: column.title for column in PERSON_COLUMNS}


def person_label(name: str, birth_date) -> str:
    """How a change names its person: "Nguyễn Văn A (12/03/1980)", the name alone without a birth date."""
    return f"{name} ({day_text(birth_date)})" if birth_date else name


@dataclass(frozen=True)
class Found:
    """The person a row is about (None when no one or several), or why not."""

    person: object = None
    column: str = ""  # the key of the column the reason is about: "party_card_number" or "full_name"
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
            return Found(column=FULL_NAME.key, reason=_(
                "trùng họ tên với %(n)d người trong %(group)s, không xác định được là ai: hãy ghi số thẻ đảng viên "
                "hoặc ngày sinh") % {"n": len(candidates), "group": self.group})
        if card:
            return Found(column=PARTY_CARD.key,
                         reason=_("không có ai mang số thẻ này trong %(group)s") % {"group": self.group})
        return Found(column=FULL_NAME.key, reason=_("không có người này trong %(group)s") % {"group": self.group})


@dataclass(frozen=True)
class Identity:
    name: str
    card: str
    birth_date: object  # datetime.date | None

    def written(self, key: str) -> str:
        """The cell of column `key` as the row writes it."""
        return self.card if key == PARTY_CARD.key else self.name


def read_identity(values: dict, number: int, titles: dict[str, str]) -> tuple[Identity, list[Problem]]:
    """The name, card number and birth date a row gives, and the problems of those cells."""
    problems = []
    name = unicodedata.normalize("NFC", clean_text(values.get(FULL_NAME.key)))
    if not name:
        problems.append(Problem(row=number, column=titles[FULL_NAME.key], value="", reason=_("cần ghi họ và tên")))
    card = clean_text(values.get(PARTY_CARD.key))
    try:
        birth = parse_date(values.get(BIRTH_DATE.key))
    except ValueError as error:
        birth = None
        problems.append(Problem(row=number, column=titles[BIRTH_DATE.key],
                                value=clean_text(values.get(BIRTH_DATE.key)), reason=str(error)))
    return Identity(name, card, birth), problems


def person_named(index: PeopleIndex, source: SourceRow, titles: dict[str, str]) -> tuple[object, list[Problem]]:
    """The person of the group a row names (None when it names no one, or several), and the
    problems of its name, birth date and card cells."""
    identity, problems = read_identity(source.values, source.number, titles)
    if not identity.name:
        return None, problems
    found = index.find(card=identity.card, name=identity.name, birth_date=identity.birth_date)
    if found.person is None:
        problems.append(Problem(row=source.number, column=titles[found.column], value=identity.written(found.column),
                                reason=found.reason))
    return found.person, problems


def duplicate_reason(others: Iterable[int]) -> str:
    return _("cùng một người với dòng %(rows)s: mỗi người chỉ ghi một dòng") % {
        "rows": ", ".join(str(number) for number in others)}


def reject_duplicates(lines: Iterable) -> None:
    """Rows (each with `source`, `person`, `problems`) naming the same person: each gets a
    problem naming the others (which one is right is not for us to say)."""
    by_person = defaultdict(list)
    for line in lines:
        if line.person is not None:
            by_person[line.person.id].append(line)
    for same in by_person.values():
        if len(same) < 2:
            continue
        for line in same:
            line.problems.append(Problem(row=line.source.number, column="", value="", reason=duplicate_reason(
                other.source.number for other in same if other is not line)))
