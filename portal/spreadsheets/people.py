"""The people format: the member lists units keep in Excel.

Two ways in, one description of the columns. `PeopleFormat` is the one pages, the API and the
commands use: it reads the file with calamine (portal.spreadsheets.reading), validates every
row in Python against catalogues read in one query each and the people of the unit's subtree
read in one query, then writes everything in a few set-wise statements (COPY into a scratch
table, INSERT … SELECT / UPDATE … FROM), so the row-history triggers record each row with the
importing user. `PeopleResource` is the django-import-export description of the same columns:
the admin's export button, and django-import-export's own row-by-row import under the same
rules (the admin's import button stages the file through PeopleFormat like the pages).

The rules are the people services' own (portal.services): a new person's status history
starts with his status from party_status_since; a status change adds a PartyStatusChange
from party_status_since; a change of unit is a Transfer (chuyển sinh hoạt, dated the day of
the import) to an active unit; a chức vụ is a Position held from the day of the import.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Prefetch, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources, widgets

from portal import access
from portal.audit import bulk_load_history
from portal.bulk import copy_rows, next_ids
from portal.models import (
    Ethnicity,
    Organization,
    PartyStatus,
    PartyStatusChange,
    Person,
    Position,
    PositionRole,
    TheoryLevel,
    Transfer,
)
from portal.spreadsheets.imports import ADMINISTRATOR, Change, Plan, Problem, UnitFormat
from portal.spreadsheets.matching import BIRTH_DATE, FULL_NAME, PARTY_CARD, duplicate_reason, person_label
from portal.spreadsheets.reading import Column, SourceRow, Table
from portal.spreadsheets.resources import ChoiceWidget, DayWidget, column_field
from portal.spreadsheets.text import match_key, name_key
from portal.spreadsheets.values import Choices, clean_text, day_text, is_empty, parse_date

COLUMNS = [
    FULL_NAME,
    BIRTH_DATE,
    Column("gender", "Giới tính", ("Nam/Nữ", "Nam, nữ", "Giới")),
    Column("ethnicity", "Dân tộc"),
    Column("admitted_on", "Ngày vào Đảng", ("Ngày kết nạp", "Ngày kết nạp Đảng", "Ngày vào đảng")),
    Column("official_on", "Ngày chính thức", ("Ngày công nhận chính thức", "Ngày chuyển chính thức",
                                               "Ngày công nhận đảng viên chính thức")),
    PARTY_CARD,
    Column("party_status", "Tình trạng", ("Tình trạng đảng viên", "Loại đảng viên", "Chính thức/dự bị")),
    Column("unit", "Chi bộ", ("Chi bộ sinh hoạt", "Sinh hoạt tại", "Tên chi bộ", "Đơn vị")),
    Column("position", "Chức vụ", ("Chức vụ Đảng", "Chức vụ đảng hiện nay")),
    Column("theory_level", "Trình độ lý luận chính trị", ("Lý luận chính trị", "Trình độ LLCT", "LLCT",
                                                          "Trình độ chính trị")),
    Column("job_title", "Nghề nghiệp / nơi công tác", ("Nghề nghiệp", "Nơi công tác", "Nghề nghiệp, nơi công tác",
                                                        "Chức danh, nơi công tác", "Nghề nghiệp - nơi công tác")),
]
TITLES = {column.key: column.title for column in COLUMNS}

# Written forms people use beside the catalogues' names and codes (by the entry's code).
GENDERS = [("Nam", Person.Gender.MALE), ("Nữ", Person.Gender.FEMALE), ("M", Person.Gender.MALE),
           ("F", Person.Gender.FEMALE), ("Male", Person.Gender.MALE), ("Female", Person.Gender.FEMALE),
           (Person.Gender.MALE.value, Person.Gender.MALE), (Person.Gender.FEMALE.value, Person.Gender.FEMALE)]
STATUS_WORDS = {
    "quan-chung": ["Quần chúng", "QC", "Quần chúng ưu tú", "Cảm tình Đảng"],
    "du-bi": ["Dự bị", "ĐVDB", "Đảng viên dự bị", "DB"],
    "chinh-thuc": ["Chính thức", "ĐVCT", "Đảng viên chính thức", "CT"],
    "mien-sinh-hoat": ["Miễn sinh hoạt", "Miễn SH", "Miễn công tác và sinh hoạt", "Miễn sinh hoạt đảng"],
    "chuyen-tam-thoi": ["Sinh hoạt tạm thời", "Chuyển tạm thời", "Tạm thời"],
    "chuyen-di": ["Chuyển đi", "Đã chuyển đi", "Chuyển sinh hoạt đi"],
    "dinh-chi": ["Đình chỉ"],
    "tu-tran": ["Đã mất", "Qua đời"],
}
ROLE_WORDS = {
    "bi-thu": ["BT", "Bí thư chi bộ", "Bí thư Đảng ủy", "Bí thư Đảng bộ"],
    "pho-bi-thu": ["PBT", "Phó Bí thư chi bộ", "Phó Bí thư Đảng ủy", "Phó Bí thư Đảng bộ"],
    "uv-ban-thuong-vu": ["UVBTV", "UV BTV", "Ủy viên Thường vụ", "Thường vụ"],
    "cap-uy-vien": ["CUV", "Chi ủy viên", "Đảng ủy viên", "Cấp ủy", "Ủy viên Ban Chấp hành", "UV BCH"],
    "chu-nhiem-ubkt": ["Chủ nhiệm UBKT"],
    "uy-vien-ubkt": ["UV UBKT", "Ủy viên UBKT"],
}
NO_POSITION = ["Đảng viên", "ĐV", "Không"]  # "chức vụ: đảng viên": he holds none
THEORY_WORDS = {
    "so-cap": ["SC", "Sơ cấp LLCT", "Sơ cấp lý luận chính trị", "Sơ cấp chính trị"],
    "trung-cap": ["TC", "Trung cấp LLCT", "Trung cấp lý luận chính trị", "Trung cấp chính trị"],
    "cao-cap": ["CC", "Cao cấp LLCT", "Cao cấp lý luận chính trị", "Cao cấp chính trị"],
    "cu-nhan": ["CN", "Cử nhân chính trị", "Cử nhân LLCT", "Cử nhân lý luận chính trị"],
}
NO_THEORY = ["Chưa qua đào tạo", "Chưa có", "Chưa học", "Không"]
ETHNIC_WORDS = {
    "kinh": ["Việt", "Kinh (Việt)"],
    "khmer": ["Khơ-me", "Khơ me", "Khome"],
    "mong": ["H'Mông", "Hmông", "Hmong", "Mèo"],
    "e-de": ["Êđê", "Ê-đê", "Rhađê"],
    "gia-rai": ["Jrai", "Gia-rai", "Giarai"],
    "ba-na": ["Bahnar", "Bana", "Ba-na"],
    "cham": ["Chàm"],
    "xo-dang": ["Xê Đăng", "Sedang"],
    "kho-mu": ["Khmu", "Khơ-mú"],
    "bru-van-kieu": ["Bru", "Vân Kiều"],
    "hre": ["H'rê"],
    "mnong": ["M'nông"],
}
# From this many new people, their history is written set-wise with the trigger off.
BULK_HISTORY_ROWS = 2000
HISTORY_TABLES = ("portal_person", "portal_partystatuschange", "portal_transfer", "portal_position")
# The statuses whose start the row's own dates give (the demo's history follows the same dates).
PROBATION, FULL_MEMBER = "du-bi", "chinh-thuc"

_NONE = object()  # a written form meaning "none" ("chức vụ: đảng viên")


# --- Catalogues, one query each ---------------------------------------------------------------


@dataclass
class Catalogue:
    """A catalogue as an import reads it: every entry's name by id (old values), the entries in
    force by name, code and written synonyms (new values)."""

    names: dict[int, str]
    codes: dict[str, int]
    choices: Choices


def catalogue(model, words: dict[str, list[str]], label, *, none_words: Sequence[str] = (),
              on: datetime.date | None = None) -> Catalogue:
    on = on or timezone.localdate()
    rows = list(model.objects.values_list("pk", "code", "name", "valid_from", "valid_to"))
    in_force = [(pk, code, name) for pk, code, name, start, end in rows
                if (start is None or start <= on) and (end is None or end >= on)]
    pairs = [(written, pk) for pk, code, name in in_force for written in (name, code, *words.get(code, ()))]
    pairs += [(written, _NONE) for written in none_words]
    return Catalogue(names={pk: name for pk, _code, name, *_ in rows}, codes={code: pk for pk, code, *_ in rows},
                     choices=Choices(pairs, label=str(label)))


def ethnicities(on=None) -> Catalogue:
    return catalogue(Ethnicity, ETHNIC_WORDS, _("dân tộc"), on=on)


def statuses(on=None) -> Catalogue:
    return catalogue(PartyStatus, STATUS_WORDS, _("tình trạng đảng viên"), on=on)


def roles(on=None) -> Catalogue:
    return catalogue(PositionRole, ROLE_WORDS, _("chức vụ"), none_words=NO_POSITION, on=on)


def theory_levels(on=None) -> Catalogue:
    return catalogue(TheoryLevel, THEORY_WORDS, _("trình độ lý luận chính trị"), none_words=NO_THEORY, on=on)


GENDER_CHOICES = Choices(GENDERS, label=gettext_lazy("giới tính"))
GENDER_NAMES = dict(Person.Gender.choices)


@dataclass
class Units:
    """The units of a subtree: every one's name by id, the active ones by name and code."""

    top: Organization | None
    names: dict[int, str]
    cells: set[int]
    by_key: dict[str, object]
    choices: Choices

    def find(self, written) -> int:
        """The active unit written, else ValueError with a Vietnamese reason."""
        if match_key(clean_text(written)) not in self.by_key:
            if self.top is None:
                raise ValueError(_("không có đơn vị (đang hoạt động) nào tên hoặc mã như vậy"))
            raise ValueError(_("không phải đơn vị (đang hoạt động) thuộc %(unit)s") % {"unit": self.top.name})
        return self.choices.get(written)


def units_of(top: Organization | None, units=None) -> Units:
    """`top`'s subtree (or `units`, a queryset of units), in one query."""
    if units is None:
        units = Organization.objects.filter(path__startswith=top.path)
    rows = list(units.values_list("pk", "code", "name", "active", "level__is_cell"))
    choices = Choices([(written, pk) for pk, code, name, active, _cell in rows if active for written in (name, code)],
                      label=_("đơn vị"))
    return Units(top=top, names={pk: name for pk, _code, name, *_ in rows},
                 cells={pk for pk, _c, _n, active, cell in rows if cell and active}, by_key=choices.by_key,
                 choices=choices)


# --- Reading one row --------------------------------------------------------------------------


class _Cached:
    """A catalogue lookup remembered per written value: a file of a hundred thousand rows writes
    a few hundred different values in such a column (names, cards, dates are not remembered:
    nearly each is new)."""

    def __init__(self, parse: Callable):
        self._parse = parse
        self._known: dict = {}

    def __call__(self, value):
        key = value if value.__class__ is str else (type(value), value)
        try:
            found = self._known[key]
        except KeyError:
            try:
                found = (self._parse(value), None)
            except ValueError as error:
                found = (None, str(error))
            except TypeError:
                return self._parse(value)  # an unhashable cell: not remembered
            self._known[key] = found
        if found[1] is not None:
            raise ValueError(found[1])
        return found[0]


@dataclass(slots=True)
class _Row:
    """One row read: the fields it gives (only the non-empty ones), and its cells as written
    (for the rejected-rows file; a hundred thousand rows are kept until the plan is done)."""

    number: int
    cells: list
    values: dict  # Person attname -> new value; "role_id" -> PositionRole id or None
    person: object = None  # the existing person it is about (named tuple), None for a new one
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.values.get("full_name", "")

    @property
    def card(self) -> str | None:
        return self.values.get("party_card_number")

    def label(self) -> str:
        return person_label(self.name, self.values.get("birth_date") or (self.person.birth_date if self.person else None))


NAME_CHECKED_FROM = 50  # a name this long might not fit the derived columns (given_name, sort_key…)
# Texts longer than their Person column are bad cells (the database would refuse the whole file).
MAX_LENGTHS = {name: Person._meta.get_field(name).max_length for name in ("full_name", "party_card_number", "job_title")}


def _names_fit(name: str) -> bool:
    """The columns derived from a long name fit their size (a cell of text without spaces does not)."""
    derived = _with_names({"full_name": name})
    return all(len(derived[field]) <= Person._meta.get_field(field).max_length for field in NAME_FIELDS)


class _RowReader:
    """Turns the cells of a row into Person fields, naming each bad cell."""

    def __init__(self, *, units: Units, ethnicity: Catalogue, status: Catalogue, role: Catalogue, theory: Catalogue,
                 today: datetime.date):
        self.today = today
        self.lookups = {
            "gender": ("gender", _Cached(GENDER_CHOICES.get)),
            "ethnicity": ("ethnicity_id", _Cached(ethnicity.choices.get)),
            "party_status": ("party_status_id", _Cached(status.choices.get)),
            "theory_level": ("theory_level_id", _Cached(theory.choices.get)),
            "position": ("role_id", _Cached(role.choices.get)),
            "unit": ("organization_id", _Cached(units.find)),
        }

    @staticmethod
    def _bad(row: _Row, cells: dict, key: str, reason: str) -> None:
        row.problems.append(Problem(row=row.number, column=TITLES[key], value=clean_text(cells.get(key)),
                                    reason=reason))

    @classmethod
    def _text(cls, row: _Row, cells: dict, key: str) -> str:
        """The cell as text, "" (a problem named) when longer than its Person field."""
        text = clean_text(cells.get(key))
        if len(text) > MAX_LENGTHS[key]:
            cls._bad(row, cells, key, _("dài quá %(n)d ký tự") % {"n": MAX_LENGTHS[key]})
            return ""
        return text

    def read(self, source: SourceRow) -> _Row:
        cells = source.values
        row = _Row(number=source.number, cells=source.cells, values={})
        values = row.values
        name = clean_text(cells.get("full_name"))
        if not name:
            self._bad(row, cells, "full_name", _("cần ghi họ và tên"))
        elif len(name) > MAX_LENGTHS["full_name"]:
            self._bad(row, cells, "full_name", _("dài quá %(n)d ký tự") % {"n": MAX_LENGTHS["full_name"]})
        elif len(name) > NAME_CHECKED_FROM and not _names_fit(name):
            self._bad(row, cells, "full_name", _("không phải họ tên (có chữ quá dài)"))
        else:
            values["full_name"] = unicodedata.normalize("NFC", name)
        for key in ("birth_date", "admitted_on", "official_on"):
            raw = cells.get(key)
            if is_empty(raw):
                continue
            try:
                day = parse_date(raw)
            except ValueError as error:
                self._bad(row, cells, key, str(error))
                continue
            if day > self.today:
                self._bad(row, cells, key, _("ngày này chưa tới"))
            else:
                values[key] = day
        for key, (attname, lookup) in self.lookups.items():
            raw = cells.get(key)
            if is_empty(raw):
                continue
            try:
                found = lookup(raw)
            except ValueError as error:
                self._bad(row, cells, key, str(error))
                continue
            values[attname] = None if found is _NONE else found
        for key in ("party_card_number", "job_title"):
            if text := self._text(row, cells, key):
                values[key] = text
        return row


# --- Planning ---------------------------------------------------------------------------------

# The Person columns an import sets (besides the derived name columns).
PERSON_FIELDS = ["full_name", "birth_date", "gender", "ethnicity_id", "party_status_id", "party_status_since",
                 "party_card_number", "admitted_on", "official_on", "organization_id", "theory_level_id", "job_title"]
# What the preview lists, in the file's column order.
SHOWN = [("full_name", "full_name"), ("birth_date", "birth_date"), ("gender", "gender"),
         ("ethnicity_id", "ethnicity"), ("admitted_on", "admitted_on"), ("official_on", "official_on"),
         ("party_card_number", "party_card_number"), ("party_status_id", "party_status"),
         ("organization_id", "unit"), ("theory_level_id", "theory_level"), ("job_title", "job_title")]


@dataclass
class _Texts:
    """How the preview writes a field's value."""

    units: Units
    ethnicity: Catalogue
    status: Catalogue
    role: Catalogue
    theory: Catalogue

    def of(self, attname: str, value) -> str:
        if value is None or value == "":
            return ""
        if attname in ("birth_date", "admitted_on", "official_on"):
            return day_text(value)
        if attname == "gender":
            return str(GENDER_NAMES.get(value, value))
        names = {"ethnicity_id": self.ethnicity.names, "party_status_id": self.status.names,
                 "organization_id": self.units.names, "theory_level_id": self.theory.names,
                 "role_id": self.role.names}.get(attname)
        return names.get(value, str(value)) if names is not None else str(value)


class _Described(Sequence):
    """A change's (column, old, new) list, written out only when asked for: a plan of a
    hundred thousand new people keeps one small object each, not a dozen strings."""

    def __init__(self, describe: Callable[[], list]):
        self._describe = describe

    def __getitem__(self, index):
        return self._describe()[index]

    def __len__(self):
        return len(self._describe())


@dataclass
class PeoplePayload:
    """What apply() writes."""

    today: datetime.date
    new: list[tuple] = field(default_factory=list)  # PERSON_FIELDS of each new person, in that order
    new_history: list[list[tuple[int, datetime.date]]] = field(default_factory=list)  # per new person
    updates: list[dict] = field(default_factory=list)  # "id" and the PERSON_FIELDS of a changed person
    status_changes: list[tuple[int, int, datetime.date]] = field(default_factory=list)  # person, status, from
    transfers: list[tuple[int, int, int]] = field(default_factory=list)  # person, from, to
    positions: list[tuple[object, int, int]] = field(default_factory=list)  # person id or ("new", i), unit, role


EXISTING_FIELDS = ["id", "full_name", "birth_date", "gender", "ethnicity_id", "party_status_id",
                   "party_status_since", "party_card_number", "admitted_on", "official_on", "organization_id",
                   "theory_level_id", "job_title"]


class PeopleFormat(UnitFormat):
    code = "people"
    label = gettext_lazy("Danh sách đảng viên")
    columns = COLUMNS
    target_label = gettext_lazy("Đơn vị")
    target_help = gettext_lazy("Mã của đơn vị nhận danh sách, ví dụ CB01 (xem ở trang của đơn vị).")

    @property
    def resource_class(self):
        return PeopleResource

    def target(self, user, target_id: str) -> Organization:
        """An active unit the user may manage (change people's records), by its code; 404 otherwise."""
        unit = (access.restrict_to_managed(Organization.objects.filter(active=True), user)
                .select_related("level").filter(code=str(target_id).strip()).first())
        if unit is None:
            raise Http404
        return unit

    def target_url(self, target) -> str:
        return reverse("unit_detail", args=[target.code])

    def example_rows(self) -> list[list]:
        return [
            ["Nguyễn Văn A", datetime.date(1985, 5, 17), "Nam", "Kinh", datetime.date(2010, 3, 2),
             datetime.date(2011, 3, 2), "01234567", "Chính thức", "", "Bí thư", "Trung cấp",
             "Chuyên viên, Văn phòng"],
            ["Trần Thị B", "20/11/1992", "Nữ", "Tày", "19/05/2024", "", "", "Dự bị", "", "Đảng viên", "Sơ cấp",
             "Giáo viên"],
        ]

    # -- plan --

    def plan(self, table: Table, *, target: Organization, user) -> Plan:
        today = timezone.localdate()
        units = units_of(target)
        cats = {"ethnicity": ethnicities(today), "status": statuses(today), "role": roles(today),
                "theory": theory_levels(today)}
        reader = _RowReader(units=units, today=today, **cats)
        texts = _Texts(units=units, **cats)
        plan = Plan(header=list(table.header))
        rows: list[_Row] = []
        bad: list[_Row] = []
        for source in table.rows:
            plan.total += 1
            row = reader.read(source)
            (bad if row.problems else rows).append(row)

        existing = _Existing.load(target, rows, today)
        matcher = _Matcher(existing, target)
        for row in rows:
            matcher.match(row)
        matcher.mark_duplicates(rows)

        payload = PeoplePayload(today=today)
        for row in rows:
            if not row.problems:
                self._plan_row(row, plan, payload, existing=existing, units=units, texts=texts, cats=cats,
                               target=target)
            if row.problems:
                bad.append(row)
            else:
                row.values = row.cells = None  # planned: what it writes is in the payload now
        for row in sorted(bad, key=lambda r: r.number):
            plan.reject(row, row.problems)
        plan.payload = payload
        return plan

    def _plan_row(self, row: _Row, plan: Plan, payload: PeoplePayload, *, existing: _Existing, units: Units,
                  texts: _Texts, cats: dict, target: Organization) -> None:
        values = dict(row.values)
        role_id = values.pop("role_id", None)
        status_codes = cats["status"].codes
        if row.person is None:
            self._plan_new(row, values, role_id, plan, payload, units=units, texts=texts, codes=status_codes,
                           target=target)
            return
        person = row.person
        old = {name: getattr(person, name) for name in PERSON_FIELDS}
        new = {**old, **values}
        if not _dates_agree(row, new):
            return
        status_changed = new["party_status_id"] != old["party_status_id"]
        if status_changed:
            new["party_status_since"] = _status_since(new, status_codes, payload.today)
        fields = [(TITLES[key], texts.of(attname, old[attname]), texts.of(attname, new[attname]))
                  for attname, key in SHOWN if new[attname] != old[attname]]
        unit_id = new["organization_id"]
        if role_id is not None and (person.id, unit_id, role_id) not in existing.positions:
            fields.append((TITLES["position"], "", texts.of("role_id", role_id)))
            payload.positions.append((person.id, unit_id, role_id))
        if not fields:
            plan.unchanged += 1
            return
        if any(new[name] != old[name] for name in PERSON_FIELDS):
            payload.updates.append({"id": person.id, **new})
        if status_changed:
            payload.status_changes.append((person.id, new["party_status_id"], new["party_status_since"]))
        if unit_id != old["organization_id"]:
            payload.transfers.append((person.id, old["organization_id"], unit_id))
        plan.changed.append(Change(row=row.number, label=row.label(), fields=fields))

    def _plan_new(self, row: _Row, values: dict, role_id, plan: Plan, payload: PeoplePayload, *, units: Units,
                  texts: _Texts, codes: dict[str, int], target: Organization) -> None:
        def missing(key: str, reason: str) -> None:
            row.problems.append(Problem(row=row.number, column=TITLES[key], value="", reason=reason))

        if "organization_id" not in values:
            if target.pk in units.cells:
                values["organization_id"] = target.pk
            else:
                missing("unit", _("cần ghi chi bộ của người mới (%(unit)s không phải là chi bộ)")
                        % {"unit": target.name})
        if "gender" not in values:
            missing("gender", _("cần ghi giới tính của người mới (Nam hoặc Nữ)"))
        if "ethnicity_id" not in values:
            missing("ethnicity", _("cần ghi dân tộc của người mới"))
        if "party_status_id" not in values:
            # A list of members says who is chính thức and who dự bị by the dates it gives.
            inferred = codes.get(FULL_MEMBER) if values.get("official_on") else (
                codes.get(PROBATION) if values.get("admitted_on") else None)
            if inferred is None:
                missing("party_status", _("cần ghi tình trạng của người mới (chính thức, dự bị, quần chúng…)"))
            values["party_status_id"] = inferred
        new = {name: values.get(name) for name in PERSON_FIELDS}
        new["job_title"] = new["job_title"] or ""
        if row.problems or not _dates_agree(row, new):
            return
        new["party_status_since"] = _status_since(new, codes, payload.today)
        index = len(payload.new)
        person = tuple(new[name] for name in PERSON_FIELDS)  # a tuple: a tenth of a dict's size
        payload.new.append(person)
        payload.new_history.append(_history_of_new(new, codes))
        if role_id is not None:
            payload.positions.append((("new", index), new["organization_id"], role_id))

        def describe() -> list:
            values = dict(zip(PERSON_FIELDS, person, strict=True))
            shown = [(TITLES[key], "", texts.of(attname, values[attname])) for attname, key in SHOWN
                     if values[attname] not in (None, "")]
            if role_id is not None:
                shown.append((TITLES["position"], "", texts.of("role_id", role_id)))
            return shown

        plan.created.append(Change(row=row.number, label=row.label(), fields=_Described(describe)))

    # -- apply --

    def apply(self, plan: Plan, *, target: Organization, user) -> dict:
        payload: PeoplePayload = plan.payload
        today = payload.today
        _update_people(payload.updates)  # before the trigger may go off: an update's history is its diff
        # Many new rows: their history written by one statement per table rather than by the
        # trigger row by row (portal.audit.bulk_load_history, as seed_demo loads people). Other
        # writers to these tables wait until the import commits; readers do not.
        bulk = len(payload.new) >= BULK_HISTORY_ROWS
        with bulk_load_history(*HISTORY_TABLES) if bulk else contextlib.nullcontext():
            new_ids = next_ids("portal_person", len(payload.new))  # after the lock: above every id before it
            _insert_people(payload.new, new_ids, direct=bulk)
            history = [(person_id, status_id, since)
                       for person_id, steps in zip(new_ids, payload.new_history, strict=True) for status_id, since in steps]
            history += payload.status_changes
            _insert("portal_partystatuschange", ["person_id", "status_id", "effective_on", "decision_number"],
                    ((person_id, status_id, since, "") for person_id, status_id, since in history), direct=bulk)
            _insert("portal_transfer", ["person_id", "from_organization_id", "to_organization_id", "transferred_on",
                                        "kind", "decision_number"],
                    ((person_id, source, to, today, Transfer.Kind.PERMANENT.value, "")
                     for person_id, source, to in payload.transfers), direct=bulk)
            _insert("portal_position", ["person_id", "organization_id", "role_id", "started_on", "ended_on"],
                    ((new_ids[ref[1]] if isinstance(ref, tuple) else ref, unit_id, role_id, today, None)
                     for ref, unit_id, role_id in payload.positions), direct=bulk)
        return {"created": len(payload.new), "changed": len(payload.updates), "status_changes": len(history),
                "transfers": len(payload.transfers), "positions": len(payload.positions)}


def _status_since(values: dict, codes: dict[str, int], today: datetime.date) -> datetime.date:
    """When the status began, as update_person and create_person record it (party_status_since,
    else the day of the change): the row's own date for dự bị and chính thức, else today."""
    status_id = values["party_status_id"]
    if status_id == codes.get(FULL_MEMBER) and values.get("official_on"):
        return values["official_on"]
    if status_id == codes.get(PROBATION) and values.get("admitted_on"):
        return values["admitted_on"]
    return today


def _history_of_new(values: dict, codes: dict[str, int]) -> list[tuple[int, datetime.date]]:
    """A new member's status history from the row's dates, as the demo loads members: dự bị from
    his admission, chính thức from his official day, then his status from party_status_since."""
    steps = []
    if values.get("admitted_on") and PROBATION in codes and values["admitted_on"] < values["party_status_since"]:
        steps.append((codes[PROBATION], values["admitted_on"]))
    if (values.get("official_on") and FULL_MEMBER in codes and values["official_on"] < values["party_status_since"]
            and values["party_status_id"] != codes[FULL_MEMBER]):
        steps.append((codes[FULL_MEMBER], values["official_on"]))
    steps.append((values["party_status_id"], values["party_status_since"]))
    return steps


def _dates_agree(row: _Row, values: dict) -> bool:
    """The row's dates against each other (and against what is kept for the columns it leaves
    empty): the database's rule, official after admission, and none before birth."""
    birth, admitted, official = values.get("birth_date"), values.get("admitted_on"), values.get("official_on")
    before = len(row.problems)
    if admitted and official and official <= admitted:
        row.problems.append(Problem(row=row.number, column=TITLES["official_on"], value=day_text(official),
                                    reason=_("ngày chính thức phải sau ngày vào Đảng (%(day)s)")
                                    % {"day": day_text(admitted)}))
    for key, day in (("admitted_on", admitted), ("official_on", official)):
        if birth and day and day <= birth:
            row.problems.append(Problem(row=row.number, column=TITLES[key], value=day_text(day),
                                        reason=_("trước ngày sinh (%(day)s)") % {"day": day_text(birth)}))
    return len(row.problems) == before


# --- Who the rows are about -------------------------------------------------------------------


class _Existing:
    """The people of the target's subtree (one query), their current positions (one query), and
    which of the file's card numbers belong to someone outside it (one query)."""

    def __init__(self, people, positions, cards_elsewhere):
        self.by_card = {}
        self.by_name = defaultdict(list)
        for person in people:
            if person.party_card_number:
                self.by_card[person.party_card_number] = person
            self.by_name[(name_key(person.full_name), person.birth_date)].append(person)
        self.positions = positions
        self.cards_elsewhere = cards_elsewhere

    @classmethod
    def load(cls, target: Organization, rows: list[_Row], today: datetime.date) -> _Existing:
        people = list(Person.objects.filter(organization__path__startswith=target.path)
                      .values_list(*EXISTING_FIELDS, named=True))
        inside = {person.party_card_number for person in people if person.party_card_number}
        cards = sorted({row.card for row in rows if row.card} - inside)
        elsewhere = set(Person.objects.filter(party_card_number__in=cards)
                        .values_list("party_card_number", flat=True)) if cards else set()
        positions = set(Position.objects.current(today).filter(organization__path__startswith=target.path)
                        .values_list("person_id", "organization_id", "role_id"))
        return cls(people, positions, elsewhere)


class _Matcher:
    """Finds the existing person a row is about: by card number, else by name and birth date
    within the subtree; never guesses between two."""

    def __init__(self, existing: _Existing, target: Organization):
        self.existing = existing
        self.target = target

    def match(self, row: _Row) -> None:
        card = row.card
        if card and card in self.existing.by_card:
            row.person = self.existing.by_card[card]
            return
        if card and card in self.existing.cards_elsewhere:
            row.problems.append(Problem(
                row=row.number, column=TITLES["party_card_number"], value=card,
                reason=_("số thẻ này đã được cấp cho một người không thuộc %(unit)s") % {"unit": self.target.name}))
            return
        candidates = self.existing.by_name.get((name_key(row.name), row.values.get("birth_date")), [])
        if card:  # someone with another card is someone else
            candidates = [person for person in candidates if not person.party_card_number]
        if len(candidates) > 1:
            row.problems.append(Problem(
                row=row.number, column=TITLES["full_name"], value=row.name,
                reason=_("trùng họ tên và ngày sinh với %(n)d người trong %(unit)s, không xác định được là ai: "
                         "hãy ghi số thẻ đảng viên") % {"n": len(candidates), "unit": self.target.name}))
        elif candidates:
            row.person = candidates[0]

    @staticmethod
    def mark_duplicates(rows: list[_Row]) -> None:
        """Two rows about the same person: both are bad (which one is right is not for us to say)."""
        groups = defaultdict(list)
        for row in rows:
            if row.problems:
                continue
            if row.person is not None:
                groups[("person", row.person.id)].append(row)
            elif row.card:
                groups[("card", row.card)].append(row)
            else:
                groups[("name", name_key(row.name), row.values.get("birth_date"))].append(row)
        # A new row without a card and one with a card, same name and birth date: the same person too.
        for row in rows:
            if not row.problems and row.person is None and row.card:
                same = groups.get(("name", name_key(row.name), row.values.get("birth_date")))
                if same:
                    same.append(row)
        for same in groups.values():
            if len(same) < 2:
                continue
            numbers = sorted({row.number for row in same})
            for row in same:
                reason = duplicate_reason(n for n in numbers if n != row.number)
                if not any(problem.reason == reason for problem in row.problems):
                    row.problems.append(Problem(row=row.number, column="", value="", reason=reason))


# --- Writing ----------------------------------------------------------------------------------


def _insert(table: str, columns: list[str], rows, *, direct: bool = False) -> None:
    """INSERT the rows set-wise. `direct`: COPY straight into the table (its history trigger is
    off, bulk_load_history writes the history). Else COPY into a scratch table, then one INSERT …
    SELECT: a statement portal.audit attributes to the importing user, so the row-history trigger
    names him (COPY passes by Django's cursor wrapper and would record no one)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    rows = itertools.chain([first], rows)
    if direct:
        copy_rows(table, columns, rows)
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE import_rows ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA")
    try:
        copy_rows("import_rows", columns, rows)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM import_rows")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS import_rows")


NAME_FIELDS = ["given_name", "sort_key", "search_key"]


def _with_names(values: dict) -> dict:
    """The derived name columns, by the model's own rule (Person.refresh_derived_names, run on
    a plain object: a model instance per row would cost more than the rest of the row)."""
    names = SimpleNamespace(full_name=values["full_name"])
    Person.refresh_derived_names(names)
    return {"full_name": names.full_name, **{name: getattr(names, name) for name in NAME_FIELDS}}


def _insert_people(new: list[tuple], ids: list[int], *, direct: bool) -> None:
    now = timezone.now()
    columns = ["id", *PERSON_FIELDS, *NAME_FIELDS, "education", "created_at", "updated_at"]

    def rows():
        for person_id, person in zip(ids, new, strict=True):
            values = dict(zip(PERSON_FIELDS, person, strict=True))
            merged = {**values, **_with_names(values)}
            yield (person_id, *(merged[name] for name in PERSON_FIELDS), *(merged[name] for name in NAME_FIELDS),
                   "", now, now)

    _insert("portal_person", columns, rows(), direct=direct)


def _update_people(updates: list[dict]) -> None:
    """One UPDATE … FROM for every changed person; the trigger records only what changed."""
    if not updates:
        return
    columns = ["id", *PERSON_FIELDS, *NAME_FIELDS]
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE import_people ON COMMIT DROP AS SELECT {names} FROM portal_person "
                       "WITH NO DATA")
    try:
        copy_rows("import_people", columns, (
            (values["id"], *({**values, **_with_names(values)}[name] for name in columns[1:])) for values in updates))
        assignments = ", ".join(f"{name} = u.{name}" for name in columns[1:])
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE portal_person p SET {assignments}, updated_at = now() FROM import_people u "
                           "WHERE p.id = u.id")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS import_people")


PEOPLE = PeopleFormat()


# --- django-import-export: the same columns for the admin's buttons ----------------------------


class CatalogueWidget(widgets.Widget):
    """A catalogue column by name, code or synonym (the same Choices as the fast path), stored as
    the entry's id; written back as its name. The catalogue is read once, when first needed."""

    def __init__(self, load: Callable[[], Catalogue | Units], **kwargs):
        super().__init__(**kwargs)
        self._load = load
        self._catalogue = None

    @property
    def catalogue(self):
        if self._catalogue is None:
            self._catalogue = self._load()
        return self._catalogue

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return None
        found = self.catalogue.find(value) if isinstance(self.catalogue, Units) else self.catalogue.choices.get(value)
        return None if found is _NONE else found

    def render(self, value, obj=None, **kwargs):
        return self.catalogue.names.get(value, "") if value is not None else ""


def _field(key: str, attribute: str | None, widget=None, **kwargs):
    return column_field(TITLES, key, attribute, widget, **kwargs)


class PeopleResource(resources.ModelResource):
    """The people columns for django-import-export (the admin's export). Rows are matched by
    party card number; each saved row follows the people services' rules (status history,
    transfer, position). `target` (a unit) or `user` (the units he manages) limits the units a
    row may name; the fast path (PeopleFormat) is what pages, the API, the commands and the
    admin's import use."""

    full_name = _field("full_name", "full_name")
    birth_date = _field("birth_date", "birth_date", DayWidget())
    gender = _field("gender", "gender", ChoiceWidget(GENDER_CHOICES.get, GENDER_NAMES))
    ethnicity = _field("ethnicity", "ethnicity_id", CatalogueWidget(ethnicities))
    admitted_on = _field("admitted_on", "admitted_on", DayWidget())
    official_on = _field("official_on", "official_on", DayWidget())
    party_card_number = _field("party_card_number", "party_card_number")
    party_status = _field("party_status", "party_status_id", CatalogueWidget(statuses))
    unit = _field("unit", "organization_id")  # its widget knows the units allowed: set in __init__
    position = _field("position", None, CatalogueWidget(roles), readonly=True)
    theory_level = _field("theory_level", "theory_level_id", CatalogueWidget(theory_levels))
    job_title = _field("job_title", "job_title")

    class Meta:
        model = Person
        fields = ["full_name", "birth_date", "gender", "ethnicity", "admitted_on", "official_on",
                  "party_card_number", "party_status", "unit", "position", "theory_level", "job_title"]
        import_id_fields = ["party_card_number"]
        clean_model_instances = True  # the model's checks, as the people services run them
        skip_unchanged = True
        report_skipped = True

    def __init__(self, *, target: Organization | None = None, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.target = target

        def units() -> Units:
            if target is not None:
                return units_of(target)
            allowed = Organization.objects.all()
            if user is not None:
                allowed = access.restrict_to_managed(allowed, user)
            return units_of(None, allowed)

        self.fields["unit"].widget = CatalogueWidget(units)
        self._today = timezone.localdate()

    def get_queryset(self):
        return access.restrict(Person.objects.all(), self.user or ADMINISTRATOR)

    def filter_export(self, queryset, **kwargs):
        # The current chức vụ of each, read with the people.
        current = Prefetch("positions", queryset=Position.objects.current(self._today), to_attr="current_positions")
        return access.restrict(queryset, self.user or ADMINISTRATOR).prefetch_related(current)

    def get_instance(self, instance_loader, row):
        if is_empty(row.get(TITLES["party_card_number"])):
            return None  # no card: a new person (an id-less row matches no one)
        return super().get_instance(instance_loader, row)

    def dehydrate_position(self, person) -> str:
        current = getattr(person, "current_positions", None)
        if current is None:
            current = Position.objects.current(self._today).filter(person=person)
        return ", ".join(self.fields["position"].widget.render(p.role_id) for p in current)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.organization_id is None and self.target is not None:
            if self.target.pk not in self.fields["unit"].widget.catalogue.cells:
                raise ValidationError({"organization": _("cần ghi chi bộ của người mới (%(unit)s không phải là "
                                                         "chi bộ)") % {"unit": self.target.name}})
            instance.organization_id = self.target.pk

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._imported_from = (None, None) if new else (instance.party_status_id, instance.organization_id)

    def before_save_instance(self, instance, row, **kwargs):
        status_before, unit_before = instance._imported_from
        if instance.party_status_id != status_before:
            codes = self.fields["party_status"].widget.catalogue.codes
            instance.party_status_since = _status_since(vars(instance), codes, self._today)
        if unit_before is not None and instance.organization_id != unit_before:
            if not Organization.objects.filter(pk=instance.organization_id, active=True).exists():
                raise ValueError(_("Đơn vị chuyển đến đã ngừng hoạt động."))

    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run"):
            return
        status_before, unit_before = instance._imported_from
        if instance.party_status_id != status_before:
            PartyStatusChange.objects.create(person=instance, status_id=instance.party_status_id,
                                             effective_on=instance.party_status_since or self._today)
        if unit_before is not None and instance.organization_id != unit_before:
            Transfer.objects.create(person=instance, from_organization_id=unit_before,
                                    to_organization_id=instance.organization_id, transferred_on=self._today)
        written = row.get(TITLES["position"])
        role_id = self.fields["position"].widget.clean(written) if not is_empty(written) else None
        if role_id is not None and not Position.objects.current(self._today).filter(
                Q(person=instance, organization_id=instance.organization_id, role_id=role_id)).exists():
            Position.objects.create(person=instance, organization_id=instance.organization_id, role_id=role_id,
                                    started_on=self._today)
