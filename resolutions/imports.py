"""Import formats of the study area (portal.spreadsheets.imports): the attendance sheet of a
study session, and the documents of a unit's catalogue.

Each reads and checks the file without writing (`plan`), then writes through the rule the
pages use (`apply`): the attendance through `record_attendance`, the same single statement
that saves the attendance screen; documents by the rules of `save_document` (who may publish
where, the number-symbol's form and kind), in bulk. Row history names the importing user
(the engine writes inside `acting_as`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources, widgets

from portal.access import Action, can_manage, get_visible_or_404, restrict
from portal.models import Organization
from portal.spreadsheets.imports import ADMINISTRATOR, Change, ImportFormat, Plan, Problem, UnitFormat
from portal.spreadsheets.matching import (
    PERSON_COLUMNS,
    PeopleIndex,
    person_label,
    person_named,
    reject_duplicates,
)
from portal.spreadsheets.reading import Column, SourceRow, Table
from portal.spreadsheets.resources import ChoiceWidget, DayWidget, GroupResource, column_field
from portal.spreadsheets.text import match_key
from portal.spreadsheets.values import Choices, clean_text, day_text, is_empty, parse_date
from resolutions.models import Attendance, Document, DocumentKind, StudySession, Theme
from resolutions.selectors import sessions as session_selectors
from resolutions.services import documents as document_services
from resolutions.services import sessions as session_services

Status = Attendance.Status


# --- Attendance of a session -------------------------------------------------------------------

ATTENDANCE_COLUMNS = [
    *PERSON_COLUMNS,
    Column("status", "Tình trạng", ("Điểm danh", "Tình trạng tham dự", "Có mặt/vắng", "Có mặt hay vắng",
                                     "Tham dự", "Dự họp", "Có mặt, vắng")),
    # The other layout of a sheet: one column per status, a mark ("x") in one of them.
    Column("present", "Có mặt", ("Có mặt (x)", "Dự")),
    Column("excused", "Vắng có lý do", ("Vắng có phép", "Có lý do", "Có phép", "Vắng CLD", "Vắng CP")),
    Column("absent", "Vắng không lý do", ("Vắng không phép", "Không lý do", "Không phép", "Vắng KLD", "Vắng KP")),
    Column("reason", "Lý do", ("Lý do vắng", "Lý do vắng mặt", "Ghi chú")),
]
ATTENDANCE_TITLES = {column.key: column.title for column in ATTENDANCE_COLUMNS}
MARK_COLUMNS = {"present": Status.PRESENT, "excused": Status.EXCUSED, "absent": Status.ABSENT}

# "Vắng" without saying whether excused: excused when a reason is written, else not.
_ABSENT_UNSAID = "vang"
STATUS_WORDS = {
    Status.PRESENT: ["Có mặt", "Có", "x", "c", "cm", "Dự", "Có dự", "Tham dự", "Đi", "Đủ"],
    Status.EXCUSED: ["Vắng có lý do", "Có lý do", "Vắng có phép", "Có phép", "P", "VP", "VCP", "CP", "VCLD", "CLD",
                     "Nghỉ có phép", "Nghỉ có lý do", "Xin vắng", "Đã xin vắng"],
    Status.ABSENT: ["Vắng không lý do", "Không lý do", "Vắng không phép", "Không phép", "KP", "K", "VKP", "VKLD",
                    "KLD", "Nghỉ không phép", "Nghỉ không lý do"],
    _ABSENT_UNSAID: ["V", "Vắng", "Vắng mặt", "Nghỉ", "Không dự", "Không"],
}
TICKS = {"✓", "✔", "√", "☑", "🗸"}  # marks with no letters (their match_key is empty)
NOT_MARKED = {"", "-", "–", "—", "0"}
REASON_MAX = Attendance._meta.get_field("reason").max_length


def status_choices() -> Choices:
    pairs = [(written, status) for status, words in STATUS_WORDS.items() for written in words]
    pairs += [(form, value) for value, label in Status.choices for form in (value, label)]
    return Choices(pairs, label=gettext_lazy("tình trạng điểm danh"))


STATUS_CHOICES = status_choices()
STATUS_NAMES = dict(Status.choices)


def read_status(written):
    """The status a cell writes (a Status value, or _ABSENT_UNSAID); None for an empty cell."""
    text = clean_text(written)
    if text in TICKS:
        return Status.PRESENT
    return STATUS_CHOICES.get(text)


def _is_mark(value) -> bool:
    text = clean_text(value)
    return text not in NOT_MARKED and match_key(text) not in ("khong", "k")


def settled_status(status: str, reason: str) -> str:
    """"Vắng" without saying whether excused: excused when a reason is written, else not."""
    if status == _ABSENT_UNSAID:
        return Status.EXCUSED if reason else Status.ABSENT
    return status


def _require_recording(user, session: StudySession) -> None:
    """The attendance page's rule: who manages the session's unit records its attendance."""
    if not can_manage(user, session.organization):
        raise PermissionDenied(_("Chỉ bí thư, cấp ủy của %(unit)s mới làm được việc này.")
                               % {"unit": session.organization.name})


def _not_held_yet(session: StudySession) -> str:
    """Why the session's attendance cannot be recorded yet; "" once it is held."""
    if session.held_on <= timezone.localdate():
        return ""
    return _("Buổi sinh hoạt chưa diễn ra: điểm danh từ ngày %(date)s.") % {"date": day_text(session.held_on)}


@dataclass
class _Line:
    source: SourceRow
    person: object = None
    status: str = ""
    reason: str = ""
    problems: list[Problem] = field(default_factory=list)


@dataclass
class AttendancePayload:
    marks: list[session_services.Mark]


class AttendanceFormat(ImportFormat):
    """The attendance sheet of one session: one row per expected member."""

    code = "attendance"
    label = gettext_lazy("Điểm danh buổi sinh hoạt")
    columns = ATTENDANCE_COLUMNS
    target_label = gettext_lazy("Buổi sinh hoạt")
    target_help = gettext_lazy("Số của buổi sinh hoạt: số cuối trong địa chỉ trang của buổi đó (…/study/sessions/số/).")

    @property
    def resource_class(self):
        return AttendanceResource

    def target(self, user, target_id: str) -> StudySession:
        """A session the user may record attendance for: the attendance page's rule (404 outside
        the reach; seen but not managed: refused)."""
        session = session_selectors.session_by_id(user, str(target_id).strip())
        _require_recording(user, session)
        return session

    def target_organization(self, target: StudySession) -> Organization:
        return target.organization

    def target_url(self, target: StudySession) -> str:
        return reverse("session_detail", args=[target.pk])

    def template_columns(self):
        return [column for column in self.columns if column.key not in MARK_COLUMNS]

    def example_rows(self) -> list[list]:
        return [["Nguyễn Văn A", datetime.date(1985, 5, 17), "01234567", "Có mặt", ""],
                ["Trần Thị B", "20/11/1992", "", "Vắng có lý do", "Ốm, có giấy của trạm y tế"],
                ["Lê Văn C", "", "", "Vắng không lý do", ""]]

    def plan(self, table: Table, *, target: StudySession, user) -> Plan:
        session = target
        plan = Plan(header=list(table.header))
        people = list(session_selectors.expected_members(session)
                      .values_list("id", "full_name", "birth_date", "party_card_number", named=True))
        recorded = {pid: (status, reason) for pid, status, reason in
                    Attendance.objects.filter(session=session).values_list("person_id", "status", "reason")}
        index = PeopleIndex(people, group=_("danh sách phải dự buổi sinh hoạt này của %(unit)s")
                            % {"unit": session.organization.name})
        has_marks = any(key in table.columns for key in (*MARK_COLUMNS, "status"))
        lines = []
        for source in table.rows:
            plan.total += 1
            line = self._read(source, index, has_marks)
            lines.append(line)
        reject_duplicates(lines)
        if not_held := _not_held_yet(session):
            plan.problems.append(Problem(row=table.header_row, column="", value=day_text(session.held_on),
                                         reason=not_held))
        marks = []
        for line in lines:
            if line.problems:
                plan.reject(line.source, line.problems)
                continue
            person = line.person
            marks.append(session_services.Mark(person.id, line.status, line.reason))
            before = recorded.get(person.id)
            label = person_label(person.full_name, person.birth_date)
            if before is None:
                plan.created.append(Change(row=line.source.number, label=label, fields=[
                    (ATTENDANCE_TITLES["status"], "", str(STATUS_NAMES[line.status])),
                    *([(ATTENDANCE_TITLES["reason"], "", line.reason)] if line.reason else [])]))
            elif before != (line.status, line.reason):
                plan.changed.append(Change(row=line.source.number, label=label, fields=[
                    (title, old, new) for title, old, new in [
                        (ATTENDANCE_TITLES["status"], str(STATUS_NAMES[before[0]]), str(STATUS_NAMES[line.status])),
                        (ATTENDANCE_TITLES["reason"], before[1], line.reason)] if old != new]))
            else:
                plan.unchanged += 1
        # Whoever the file leaves out keeps what is recorded for him (a QR check-in, an
        # apology), as the attendance screen shows and saves it; with nothing recorded, the
        # file must say: "present" would be a guess.
        named = {line.person.id for line in lines if line.person is not None}
        for person in people:
            if person.id in named:
                continue
            if person.id in recorded:
                marks.append(session_services.Mark(person.id, *recorded[person.id]))
            else:
                plan.problems.append(Problem(row=table.header_row, column=ATTENDANCE_TITLES["full_name"],
                                             value=person.full_name, reason=_(
                    "%(name)s phải dự buổi này nhưng tệp không có dòng nào của người này: thêm một dòng ghi "
                    "tình trạng") % {"name": person.full_name}))
        plan.payload = AttendancePayload(marks)
        return plan

    def _read(self, source: SourceRow, index: PeopleIndex, has_marks: bool) -> _Line:
        values = source.values
        line = _Line(source)
        line.person, line.problems = person_named(index, source, ATTENDANCE_TITLES)

        def bad(key: str, reason: str) -> None:
            line.problems.append(Problem(row=source.number, column=ATTENDANCE_TITLES[key],
                                         value=clean_text(values.get(key)), reason=reason))

        line.reason = clean_text(values.get("reason"))
        if len(line.reason) > REASON_MAX:
            bad("reason", _("dài quá %(n)d ký tự") % {"n": REASON_MAX})
        status = None
        if not is_empty(values.get("status")):
            try:
                status = read_status(values["status"])
            except ValueError as error:
                bad("status", str(error))
                return line
        marked = [key for key in MARK_COLUMNS if key in values and _is_mark(values[key])]
        if len(marked) > 1:
            bad(marked[0], _("đánh dấu ở nhiều cột (%(columns)s): chỉ đánh dấu một cột")
                % {"columns": ", ".join(ATTENDANCE_TITLES[key] for key in marked)})
            return line
        if marked:
            by_mark = MARK_COLUMNS[marked[0]]
            if status is not None and by_mark != status and not (status == _ABSENT_UNSAID and by_mark != Status.PRESENT):
                bad("status", _("khác với dấu ở cột %(column)s") % {"column": ATTENDANCE_TITLES[marked[0]]})
                return line
            status = by_mark
        if status is None:
            bad("status", _("chưa ghi tình trạng: có mặt, vắng có lý do hoặc vắng không lý do") if has_marks else
                _("tệp không có cột Tình trạng (hoặc các cột Có mặt, Vắng có lý do, Vắng không lý do)"))
            return line
        status = settled_status(status, line.reason)
        if status == Status.EXCUSED and not line.reason:
            bad("reason", _("vắng có lý do cần ghi lý do"))
        line.status = status
        return line

    def apply(self, plan: Plan, *, target: StudySession, user) -> dict:
        """The attendance screen's own save: every expected member once, one statement."""
        summary = session_services.record_attendance(session=target, by=user, marks=plan.payload.marks)
        return {"created": len(plan.created), "changed": len(plan.changed), **summary}


ATTENDANCE = AttendanceFormat()


# --- Documents of a unit's catalogue -----------------------------------------------------------

DOCUMENT_COLUMNS = [
    Column("number_symbol", "Số, ký hiệu", ("Số ký hiệu", "Số, ký hiệu văn bản", "Số và ký hiệu", "Số hiệu",
                                             "Số văn bản", "Ký hiệu", "Số/ký hiệu"), required=True),
    Column("title", "Trích yếu", ("Trích yếu nội dung", "Tên văn bản", "Tên, trích yếu", "Tên, trích yếu văn bản",
                                  "Tiêu đề"), required=True),
    Column("kind", "Loại văn bản", ("Loại", "Thể loại", "Loại VB")),
    Column("issuing_body", "Cơ quan ban hành", ("Nơi ban hành", "Cơ quan", "Đơn vị ban hành", "Cấp ban hành")),
    Column("issued_on", "Ngày ban hành", ("Ngày ký", "Ngày văn bản", "Ngày, tháng, năm ban hành",
                                          "Ngày tháng ban hành"), required=True),
    Column("summary", "Tóm tắt nội dung", ("Tóm tắt", "Nội dung chính", "Nội dung tóm tắt")),
    Column("themes", "Chuyên đề", ("Chủ đề", "Thuộc chuyên đề", "Các chuyên đề")),
]
DOCUMENT_TITLES = {column.key: column.title for column in DOCUMENT_COLUMNS}
DOCUMENT_FIELDS = ["kind_id", "issuing_body", "title", "summary"]  # what an import may change
THEME_SEPARATORS = (";", "\n")
MAX_LENGTHS = {name: Document._meta.get_field(name).max_length for name in ("number_symbol", "issuing_body", "title")}


class _Kinds:
    """The document kinds, read once: by written name or code for the file, in force by code
    for the number-symbol's rule."""

    def __init__(self):
        self.all = {kind.pk: kind for kind in DocumentKind.objects.all()}
        pairs = []
        for kind in self.all.values():
            pairs += [(kind.code, kind.pk), (kind.name, kind.pk), *((part, kind.pk) for part in kind.name.split(","))]
        self.choices = Choices(pairs, label=_("loại văn bản"))
        self.by_code = {kind.code: kind for kind in self.all.values()}

    def in_force(self, code: str, on: datetime.date) -> bool:
        kind = self.by_code.get(code)
        return kind is not None and (kind.valid_from is None or kind.valid_from <= on) and (
            kind.valid_to is None or kind.valid_to >= on)


class _Themes:
    """The themes, read once: by title (or title and term, as the catalogue names them)."""

    def __init__(self):
        self.all = {theme.pk: theme for theme in Theme.objects.all()}
        self.choices = Choices([(written, pk) for pk, theme in self.all.items() for written in {theme.title, str(theme)}],
                               label=_("chuyên đề"))
        self.names = {pk: str(theme) for pk, theme in self.all.items()}


@dataclass
class _DocumentRow:
    source: SourceRow
    values: dict = field(default_factory=dict)  # number_symbol, issued_on and the DOCUMENT_FIELDS given
    themes: list[int] | None = None  # None: the column is empty, the themes are left as they are
    problems: list[Problem] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, datetime.date]:
        return self.values["number_symbol"], self.values["issued_on"]


@dataclass
class DocumentsPayload:
    new: list[tuple[dict, list[int]]] = field(default_factory=list)  # fields, themes
    changed: list[tuple[int, dict, list[int] | None]] = field(default_factory=list)  # id, all fields, themes


class DocumentsFormat(UnitFormat):
    """The documents a unit makes known to its subtree, matched by number-symbol and issue date
    (what makes a document one: numbers start again with each term). No attachments: PDFs are
    added on the document's page."""

    code = "documents"
    label = gettext_lazy("Danh mục văn bản")
    columns = DOCUMENT_COLUMNS
    target_label = gettext_lazy("Đơn vị phổ biến")
    target_help = gettext_lazy("Mã của đơn vị phổ biến các văn bản, ví dụ TINH.")
    action = Action.PUBLISH

    @property
    def resource_class(self):
        return DocumentResource

    def target(self, user, target_id: str) -> Organization:
        """A unit (by code) whose catalogue the user may publish to: 404 outside his reach,
        refused where he only sees (save_document's rule)."""
        unit = get_visible_or_404(Organization.objects.filter(active=True), user, code=str(target_id).strip())
        document_services.require_publish(user, unit)
        return unit

    def target_url(self, target: Organization) -> str:
        return reverse("study_document_list")

    def example_rows(self) -> list[list]:
        return [["35-NQ/TW", "Về tăng cường bảo vệ nền tảng tư tưởng của Đảng, đấu tranh phản bác các quan điểm sai "
                 "trái, thù địch trong tình hình mới", "Nghị quyết", "Ban Chấp hành Trung ương",
                 datetime.date(2018, 10, 22), "", ""],
                ["195-KH/ĐU", "Kế hoạch học tập, quán triệt Chỉ thị 05-CT/TW", "", "Đảng ủy Khối", "15/03/2024",
                 "Tổ chức học tập trong toàn Đảng bộ", ""]]

    def plan(self, table: Table, *, target: Organization, user) -> Plan:
        plan = Plan(header=list(table.header))
        kinds = _Kinds()
        themes = _Themes()
        rows = []
        for source in table.rows:
            plan.total += 1
            rows.append(self._read(source, kinds, themes.choices))
        by_key: dict[tuple, list[_DocumentRow]] = {}
        for row in rows:
            if not row.problems:
                by_key.setdefault(row.key, []).append(row)
        for same in by_key.values():
            if len(same) > 1:
                for row in same:
                    row.problems.append(Problem(row=row.source.number, column="", value="", reason=_(
                        "cùng số, ký hiệu và ngày ban hành với dòng %(rows)s: mỗi văn bản chỉ ghi một dòng")
                        % {"rows": ", ".join(str(r.source.number) for r in same if r is not row)}))
        existing = {(d["number_symbol"], d["issued_on"]): d for d in Document.objects.filter(
            number_symbol__in=sorted({key[0] for key in by_key})).values(
            "id", "number_symbol", "issued_on", "organization_id", *DOCUMENT_FIELDS)}
        linked: dict[int, set[int]] = {}
        for document_id, theme_id in Document.themes.through.objects.filter(
                document_id__in=[d["id"] for d in existing.values()]).values_list("document_id", "theme_id"):
            linked.setdefault(document_id, set()).add(theme_id)
        payload = DocumentsPayload()
        for row in rows:
            if not row.problems:
                self._plan_row(row, plan, payload, existing.get(row.key), target=target, kinds=kinds,
                               theme_names=themes.names, linked=linked)
            if row.problems:
                plan.reject(row.source, row.problems)
        plan.payload = payload
        return plan

    def _read(self, source: SourceRow, kinds: _Kinds, themes: Choices) -> _DocumentRow:
        cells = source.values
        row = _DocumentRow(source)

        def bad(key: str, reason: str) -> None:
            row.problems.append(Problem(row=source.number, column=DOCUMENT_TITLES[key],
                                        value=clean_text(cells.get(key)), reason=reason))

        for key in ("title", "issuing_body", "summary"):
            text = clean_text(cells.get(key))
            if key in MAX_LENGTHS and len(text) > MAX_LENGTHS[key]:
                bad(key, _("dài quá %(n)d ký tự") % {"n": MAX_LENGTHS[key]})
            elif text:
                row.values[key] = text
        try:
            issued_on = parse_date(cells.get("issued_on"))
        except ValueError as error:
            bad("issued_on", str(error))
            issued_on = None
        else:
            if issued_on is None:
                bad("issued_on", _("cần ghi ngày ban hành"))
            elif issued_on > timezone.localdate():
                bad("issued_on", _("ngày này chưa tới"))
        kind = None
        if not is_empty(cells.get("kind")):
            try:
                kind = kinds.all[kinds.choices.get(cells["kind"])]
            except ValueError as error:
                bad("kind", str(error))
        else:
            kind = kinds.by_code.get(document_services.symbol_kind(clean_text(cells.get("number_symbol"))) or "")
        try:
            symbol = document_services.validate_number_symbol(clean_text(cells.get("number_symbol")), kind, issued_on,
                                                              kind_in_force=kinds.in_force)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                bad("kind" if name == "kind" else "number_symbol", " ".join(messages))
            symbol = None
        if symbol is not None and len(symbol) > MAX_LENGTHS["number_symbol"]:
            bad("number_symbol", _("dài quá %(n)d ký tự") % {"n": MAX_LENGTHS["number_symbol"]})
        if symbol is not None and kind is None and not row.problems:
            bad("kind", _("cần ghi loại văn bản (số, ký hiệu không cho biết loại)"))
        written = clean_text(cells.get("themes"))
        if written:
            row.themes = []
            for part in _split(written):
                try:
                    row.themes.append(themes.get(part))
                except ValueError as error:
                    bad("themes", str(error))
        if not row.problems:
            row.values.update(number_symbol=symbol, issued_on=issued_on, kind_id=kind.pk)
        return row

    def _plan_row(self, row: _DocumentRow, plan: Plan, payload: DocumentsPayload, before: dict | None, *,
                  target: Organization, kinds: _Kinds, theme_names: dict[int, str],
                  linked: dict[int, set[int]]) -> None:
        number = row.source.number
        label = f"{row.values['number_symbol']} ({day_text(row.values['issued_on'])})"

        def text(name: str, value) -> str:
            if name == "kind_id":
                return kinds.all[value].name if value else ""
            return value or ""

        titles = {"kind_id": DOCUMENT_TITLES["kind"], "issuing_body": DOCUMENT_TITLES["issuing_body"],
                  "title": DOCUMENT_TITLES["title"], "summary": DOCUMENT_TITLES["summary"]}

        def theme_text(ids) -> str:
            return "; ".join(sorted(theme_names[pk] for pk in ids))

        if before is None:
            missing = [key for key in ("title", "issuing_body") if key not in row.values]
            for key in missing:
                row.problems.append(Problem(row=number, column=DOCUMENT_TITLES[key], value="",
                                            reason=_("văn bản mới: cần ghi %(column)s")
                                            % {"column": DOCUMENT_TITLES[key].lower()}))
            if missing:
                return
            values = {name: row.values.get(name, "") for name in DOCUMENT_FIELDS}
            values.update(number_symbol=row.values["number_symbol"], issued_on=row.values["issued_on"])
            themes = sorted(set(row.themes or []))
            plan.created.append(Change(row=number, label=label, fields=[
                *((titles[name], "", text(name, values[name])) for name in DOCUMENT_FIELDS if values[name]),
                *([(DOCUMENT_TITLES["themes"], "", theme_text(themes))] if themes else [])]))
            payload.new.append((values, themes))
            return
        if before["organization_id"] != target.pk:
            row.problems.append(Problem(row=number, column=DOCUMENT_TITLES["number_symbol"],
                                        value=row.values["number_symbol"], reason=_(
                "văn bản có số, ký hiệu và ngày ban hành này đã có trong danh mục của đơn vị khác")))
            return
        values = {name: row.values.get(name, before[name]) for name in DOCUMENT_FIELDS}
        fields = [(titles[name], text(name, before[name]), text(name, values[name]))
                  for name in DOCUMENT_FIELDS if values[name] != before[name]]
        old_themes = linked.get(before["id"], set())
        themes = None
        if row.themes is not None and set(row.themes) != old_themes:
            themes = sorted(set(row.themes))
            fields.append((DOCUMENT_TITLES["themes"], theme_text(old_themes), theme_text(themes)))
        if not fields:
            plan.unchanged += 1
            return
        values.update(number_symbol=before["number_symbol"], issued_on=before["issued_on"])
        plan.changed.append(Change(row=number, label=label, fields=fields))
        payload.changed.append((before["id"], values, themes))

    def apply(self, plan: Plan, *, target: Organization, user) -> dict:
        """New documents in one INSERT, changed ones in one UPDATE, their themes in two statements."""
        payload: DocumentsPayload = plan.payload
        created = [Document(organization=target, **values) for values, _themes in payload.new]
        changed = [Document(pk=pk, organization=target, **values) for pk, values, _themes in payload.changed]
        for document in (*created, *changed):
            document.refresh_search_fields()
        Document.objects.bulk_create(created)
        Document.objects.bulk_update(changed, ["kind_id", "issuing_body", "title", "summary", "search_key",
                                               "search_text"])
        through = Document.themes.through
        retheme = [pk for pk, _values, themes in payload.changed if themes is not None]
        if retheme:
            through.objects.filter(document_id__in=retheme).delete()
        links = [through(document_id=document.pk, theme_id=theme)
                 for document, (_values, themes) in zip(created, payload.new, strict=True) for theme in themes]
        links += [through(document_id=pk, theme_id=theme) for pk, _values, themes in payload.changed
                  if themes is not None for theme in themes]
        through.objects.bulk_create(links)
        return {"created": len(created), "changed": len(changed)}


def _split(written: str) -> list[str]:
    for separator in THEME_SEPARATORS[1:]:
        written = written.replace(separator, THEME_SEPARATORS[0])
    return [part.strip() for part in written.split(THEME_SEPARATORS[0]) if part.strip()]


DOCUMENTS = DocumentsFormat()


# --- django-import-export: the same columns for the admin's buttons ----------------------------


class ReasonWidget(widgets.Widget):
    """A reason as the sheet gives it: an empty cell is no reason (as on the attendance screen)."""

    def clean(self, value, row=None, **kwargs):
        return clean_text(value)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class AttendanceResource(GroupResource):
    """The attendance columns for django-import-export. Exports what the user sees; imports
    into one `session` (give it), row by row, each row about one of its expected members and
    under the sheet's rules (the status, a reason when excused, only once the session is held).
    The attendance format is what pages, the API, the commands and the admin's import use: it
    writes the whole sheet through the attendance screen's own service."""

    group_field = "session"

    status = column_field(ATTENDANCE_TITLES, "status", "status", ChoiceWidget(read_status, STATUS_NAMES))
    reason = column_field(ATTENDANCE_TITLES, "reason", "reason", ReasonWidget())

    class Meta:
        model = Attendance
        fields = ["full_name", "birth_date", "party_card_number", "status", "reason"]

    def __init__(self, *, session: StudySession | None = None, user=None, **kwargs):
        super().__init__(group=session, group_label=_("danh sách phải dự buổi sinh hoạt này"), user=user, **kwargs)

    def group_people(self):
        return session_selectors.expected_members(self.group)

    def before_import(self, dataset, **kwargs):
        session = self.group
        if session is None:
            raise ValidationError(_("Chọn buổi sinh hoạt cần nhập điểm danh."))
        _require_recording(self.user or ADMINISTRATOR, session)
        if not_held := _not_held_yet(session):
            raise ValidationError(not_held)

    def init_instance(self, row=None):
        return Attendance(session=self.group, person_id=self.person_in_row(row))

    def before_save_instance(self, instance, row, **kwargs):
        instance.reason = " ".join((instance.reason or "").split())
        instance.status = settled_status(instance.status, instance.reason)
        if instance.status not in Status.values:
            raise ValidationError(capfirst(_("chưa ghi tình trạng: có mặt, vắng có lý do hoặc vắng không lý do")))
        if instance.status == Status.EXCUSED and not instance.reason:
            raise ValidationError(capfirst(_("vắng có lý do cần ghi lý do")))
        instance.method = Attendance.Method.SECRETARY
        instance.checked_in_at = timezone.now()


class KindWidget(widgets.Widget):
    """A kind by name or code; the kinds read once, when first needed."""

    _kinds = None

    @property
    def kinds(self) -> _Kinds:
        if self._kinds is None:
            self._kinds = _Kinds()
        return self._kinds

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return None
        return self.kinds.all[self.kinds.choices.get(value)]

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class ThemesWidget(widgets.ManyToManyWidget):
    """Themes by title, separated by ";" or a new line; the themes read once, when first needed.
    (DocumentResource leaves a document's themes as they are when the cell is empty.)"""

    _themes = None

    def __init__(self):
        super().__init__(Theme, field="title", separator=";")

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return []
        if self._themes is None:
            self._themes = _Themes()
        return [self._themes.all[self._themes.choices.get(part)] for part in _split(clean_text(value))]

    def render(self, value, obj=None, **kwargs):
        return "; ".join(str(theme) for theme in value.all()) if value is not None else ""


class DocumentResource(resources.ModelResource):
    """The catalogue columns for django-import-export. Exports the documents the user sees;
    imports into one unit's catalogue (`target`), matched by number-symbol and issue date,
    each row by save_document's rules. The documents format is what pages, the API, the
    commands and the admin's import use."""

    number_symbol = column_field(DOCUMENT_TITLES, "number_symbol", "number_symbol")
    title = column_field(DOCUMENT_TITLES, "title", "title")
    kind = column_field(DOCUMENT_TITLES, "kind", "kind", KindWidget())
    issuing_body = column_field(DOCUMENT_TITLES, "issuing_body", "issuing_body")
    issued_on = column_field(DOCUMENT_TITLES, "issued_on", "issued_on", DayWidget())
    summary = column_field(DOCUMENT_TITLES, "summary", "summary")
    themes = column_field(DOCUMENT_TITLES, "themes", "themes", ThemesWidget())

    class Meta:
        model = Document
        fields = ["number_symbol", "title", "kind", "issuing_body", "issued_on", "summary", "themes"]
        import_id_fields = ["number_symbol", "issued_on"]
        skip_unchanged = True
        report_skipped = True

    def __init__(self, *, target: Organization | None = None, user=None, **kwargs):
        super().__init__(**kwargs)
        self.target = target
        self.user = user

    def get_queryset(self):
        documents = Document.objects.select_related("kind").prefetch_related("themes")
        documents = restrict(documents, self.user or ADMINISTRATOR)
        if self.target is not None:
            documents = documents.filter(organization=self.target)
        return documents

    def before_import(self, dataset, **kwargs):
        if self.target is None:
            raise ValidationError(_("Chọn đơn vị cần nhập danh mục văn bản."))
        document_services.require_publish(self.user or ADMINISTRATOR, self.target)

    def before_import_row(self, row, **kwargs):
        # An empty "Chuyên đề" leaves the document's themes as they are, as the documents format does.
        if is_empty(row.get(DOCUMENT_TITLES["themes"])):
            row.pop(DOCUMENT_TITLES["themes"], None)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute == "number_symbol":
            # Matched as stored: "05-ct/tw" is 05-CT/TW (the full check is in before_save_instance).
            row = {**row, field.column_name: document_services.validate_number_symbol(
                clean_text(row.get(field.column_name)), None, None)}
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def get_instance(self, instance_loader, row):
        try:
            symbol = document_services.validate_number_symbol(
                clean_text(row.get(DOCUMENT_TITLES["number_symbol"])), None, None)
            issued_on = parse_date(row.get(DOCUMENT_TITLES["issued_on"]))
        except (ValidationError, ValueError):
            return None
        return Document.objects.filter(number_symbol=symbol, issued_on=issued_on).first()

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            instance.organization = self.target
        elif instance.organization_id != self.target.pk:
            raise ValidationError(capfirst(_("văn bản có số, ký hiệu và ngày ban hành này đã có trong danh mục của "
                                             "đơn vị khác")))
        if instance.kind_id is None:
            instance.kind = self.fields["kind"].widget.kinds.by_code.get(
                document_services.symbol_kind(instance.number_symbol) or "")
        instance.number_symbol = document_services.validate_number_symbol(
            instance.number_symbol, instance.kind if instance.kind_id else None, instance.issued_on,
            kind_in_force=self.fields["kind"].widget.kinds.in_force)
        instance.full_clean(exclude=["themes"])
