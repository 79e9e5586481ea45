"""A table read from the files units keep: the first sheet of an XLSX (python-calamine) or
a CSV; the header row found below title rows and merged cells, headers matched without
regard to case, diacritics and spacing; blank lines skipped and reading stopped at the
footer ("Người lập biểu", "Ngày … tháng … năm …", signatures)."""

import codecs
import csv
import functools
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from portal.printing import format_number

from .safety import SpreadsheetRefused, check_upload
from .text import match_key
from .values import is_empty

HEADER_SEARCH_ROWS = 30
# A footer's first words, or the place and date line anywhere in a cell ("Tân An, ngày 05 tháng 3 năm 2026").
_FOOTER = re.compile(
    r"^(nguoi lap|nguoi ky|thu truong|xac nhan|ky ten|ky va ghi ro|t m |tm )"
    r"|(^|\s)ngay( \d{1,2})? thang( \d{1,2})? nam\b"
)
CSV_DELIMITERS = ",;\t"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def keys(self) -> set[str]:
        return {match_key(self.title), *(match_key(alias) for alias in self.aliases)}


@dataclass
class SourceRow:
    number: int
    cells: list
    values: dict[str, object]


@dataclass
class Table:
    header_row: int
    header: list[str]
    columns: dict[str, int]
    rows: Iterator[SourceRow] = field(repr=False)


def read_table(path: Path, filename: str, columns: Sequence[Column]) -> Table:
    kind = check_upload(path, filename)
    numbered = _xlsx_rows(path, filename) if kind == "xlsx" else _csv_rows(path, filename)
    top = list(itertools.islice(numbered, HEADER_SEARCH_ROWS))
    header_index, header, found = _find_header(top, columns)
    missing = [column.title for column in columns if column.required and column.key not in found]
    if missing:
        raise SpreadsheetRefused(
            _("Không tìm thấy cột %(columns)s trong tệp %(name)s. Hãy dùng tệp mẫu hoặc đặt tên cột như tệp mẫu.")
            % {"columns": ", ".join(f"“{title}”" for title in missing), "name": filename}
        )
    header_number = top[header_index][0]
    body = itertools.chain(top[header_index + 1:], numbered)
    return Table(header_row=header_number, header=header, columns=found, rows=_body_rows(body, found))


def _find_header(top: list[tuple[int, list]], columns: Sequence[Column]) -> tuple[int, list[str], dict[str, int]]:
    """The row naming the most columns; a second header line below it (a merged group over
    sub-columns) adds the columns it names. Returns its index, texts and column positions."""
    keys = [(column.key, column.keys()) for column in columns]

    def matches(cells: list) -> dict[str, int]:
        found = {}
        for index, cell in enumerate(cells):
            cell_key = match_key(cell) if isinstance(cell, str) else ""
            for column_key, accepted in keys:
                if cell_key and cell_key in accepted and column_key not in found:
                    found[column_key] = index
                    break
        return found

    best_index, best = 0, {}
    for index, (_number, cells) in enumerate(top):
        found = matches(cells)
        if len(found) > len(best):
            best_index, best = index, found
    if not best:
        return 0, [], {}
    header = [_header_text(cell) for cell in top[best_index][1]]
    if best_index + 1 < len(top):
        below = matches(top[best_index + 1][1])
        extra = {key: index for key, index in below.items() if key not in best and index not in best.values()}
        if extra:
            best = {**best, **extra}
            for index in extra.values():
                while len(header) <= index:
                    header.append("")
                header[index] = _header_text(top[best_index + 1][1][index])
            best_index += 1
    return best_index, header, best


def _header_text(cell) -> str:
    return "" if is_empty(cell) else " ".join(str(cell).split())


def _too_many_rows() -> SpreadsheetRefused:
    return SpreadsheetRefused(_("Tệp có hơn %(limit)s dòng: hãy chia thành nhiều tệp nhỏ hơn.")
                              % {"limit": format_number(settings.SPREADSHEET_MAX_ROWS)})


def _body_rows(numbered, columns: dict[str, int]) -> Iterator[SourceRow]:
    limit = settings.SPREADSHEET_MAX_ROWS
    count = 0
    for number, cells in numbered:
        if _is_footer(cells):
            return
        values = {key: cells[index] if index < len(cells) else None for key, index in columns.items()}
        if all(is_empty(value) for value in values.values()):
            continue
        count += 1
        if count > limit:
            raise _too_many_rows()
        yield SourceRow(number=number, cells=cells, values=values)


def _is_footer(cells: list) -> bool:
    return any(isinstance(cell, str) and _footer_text(cell) for cell in cells)


@functools.lru_cache(maxsize=65_536)  # statuses, genders, units, jobs repeat down a column
def _footer_text(text: str) -> bool:
    # Footers start with a word ("Người lập biểu", "Ngày … tháng …"); a number never (cards, text dates).
    return not text.lstrip()[:1].isdigit() and bool(_FOOTER.search(match_key(text)))


def _xlsx_rows(path: Path, filename: str) -> Iterator[tuple[int, list]]:
    """(sheet row number, cells) with cells at their Excel column positions: calamine yields
    rows from the sheet's first row but cells from the first used column, so they are
    shifted back into place."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, IndexError, ValueError) as error:
        raise SpreadsheetRefused(
            _("Không đọc được tệp %(name)s: tệp Excel bị hỏng hoặc không có trang tính.") % {"name": filename}
        ) from error
    if sheet.height > settings.SPREADSHEET_MAX_ROWS + HEADER_SEARCH_ROWS + 100:  # its titles, blanks and footer
        raise _too_many_rows()
    padding = [None] * (sheet.start or (0, 0))[1]
    return _rows_from(sheet, padding, workbook)


def _rows_from(sheet, padding: list, workbook) -> Iterator[tuple[int, list]]:
    try:
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            yield number, padding + [None if cell == "" else cell for cell in cells]
    finally:
        workbook.close()


def _csv_rows(path: Path, filename: str) -> Iterator[tuple[int, list]]:
    with open(path, "rb") as stream:
        sample = stream.read(64 * 1024)
    try:
        text = codecs.decode(sample, "utf-8-sig")
    except UnicodeDecodeError:
        # A cut multi-byte character at the sample's end is not an encoding error.
        try:
            text = codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
        except UnicodeDecodeError as error:
            raise SpreadsheetRefused(
                _("Tệp CSV %(name)s không ở mã UTF-8: hãy lưu lại với kiểu “CSV UTF-8”.") % {"name": filename}
            ) from error
    try:
        delimiter = csv.Sniffer().sniff(text, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    return _csv_lines(path, filename, delimiter)


def _csv_lines(path: Path, filename: str, delimiter: str) -> Iterator[tuple[int, list]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        try:
            for number, cells in enumerate(csv.reader(stream, delimiter=delimiter), start=1):
                yield number, [cell if cell.strip() else None for cell in cells]
        except (UnicodeDecodeError, csv.Error) as error:
            raise SpreadsheetRefused(
                _("Tệp CSV %(name)s không đọc được (mã chữ hoặc dấu ngoặc kép sai): hãy lưu lại với kiểu “CSV UTF-8”.")
                % {"name": filename}
            ) from error
