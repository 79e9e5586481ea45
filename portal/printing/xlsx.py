"""Tables as an XLSX workbook (openpyxl, write-only so big sheets stream to the file):
numbers stay numbers with their columns' formats, and no text is ever evaluated."""

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .document import CellValue, Table

# A text starting with one of these is a formula (or a DDE call) to Excel and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_LENGTH = 31  # Excel's limit
DEFAULT_SHEET_WIDTH = 100  # characters shared by a table's relative widths when no widths are given
MIN_COLUMN_WIDTH = 6

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
BOLD_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass
class Sheet:
    """A worksheet: its tab's name, title lines above the table (merged over its width),
    and the table. `widths` are in characters; by default the table's relative widths
    share about a hundred."""

    name: str
    table: Table
    title_lines: list[str] = field(default_factory=list)
    widths: list[float] | None = None


def neutralise(value: CellValue) -> CellValue:
    """A text a spreadsheet would evaluate gets a leading apostrophe, and loses the control
    characters XML cannot hold; numbers and other values pass unchanged."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def write_xlsx(stream_or_path, sheets: Iterable[Sheet]) -> None:
    """Write the sheets, in order, to a path or a binary stream."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    workbook.save(stream_or_path)


def _sheet_title(name: str) -> str:
    for forbidden in "[]:*?/\\":
        name = name.replace(forbidden, " ")
    return name[:SHEET_TITLE_LENGTH].strip() or "Sheet"


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    table = sheet.table
    worksheet = workbook.create_sheet(_sheet_title(sheet.name))
    cells = _StyledCells(worksheet)
    column_count = len(table.columns)
    last_column = get_column_letter(column_count)
    widths = sheet.widths or [
        max(MIN_COLUMN_WIDTH, round(share * DEFAULT_SHEET_WIDTH, 1)) for share in table.relative_widths()
    ]
    # A write-only sheet writes its columns and panes before its first row.
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    first_body_row = len(sheet.title_lines) + table.header_row_count + 1
    worksheet.freeze_panes = f"A{first_body_row}"

    for number, line in enumerate(sheet.title_lines, start=1):
        worksheet.append([cells.styled(neutralise(line), font=TITLE_FONT)])
        if column_count > 1:
            worksheet.merged_cells.add(f"A{number}:{last_column}{number}")

    header_top = len(sheet.title_lines) + 1
    header = [[None] * column_count for _ in range(table.header_row_count)]
    for row, column, row_span, column_span, title in table.header_cells():
        header[row][column] = title
        if row_span > 1 or column_span > 1:
            first = f"{get_column_letter(column + 1)}{header_top + row}"
            last = f"{get_column_letter(column + column_span)}{header_top + row + row_span - 1}"
            worksheet.merged_cells.add(f"{first}:{last}")
    for titles in header:
        worksheet.append(
            [
                cells.styled(neutralise(title), font=HEADER_FONT, alignment=HEADER_ALIGNMENT)
                for title in titles
            ]
        )

    formats = [column.number_format for column in table.columns]
    for row in table.iter_rows():
        values = []
        for index, value in enumerate(row.cells):
            value = neutralise(value)
            numeric = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
            number_format = formats[index] if numeric else None
            indent = row.indent if index == table.indent_column else 0
            if number_format or row.bold or indent:
                value = cells.body(value, bold=row.bold, indent=indent, number_format=number_format)
            values.append(value)  # a bare value when no style is needed: much cheaper to write
        worksheet.append(values)


class _StyledCells:
    """Cells of a sheet with a font, an alignment or a number format. Setting those looks
    each one up in the workbook's style tables; a table's body has a handful of
    combinations, so each is looked up once and copied into every cell that has it."""

    def __init__(self, worksheet):
        self.worksheet = worksheet
        self.body_styles = {}

    def styled(self, value, *, font=None, alignment=None, number_format=None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.worksheet, value)
        if font:
            cell.font = font
        if alignment:
            cell.alignment = alignment
        if number_format:
            cell.number_format = number_format
        return cell

    def body(self, value, *, bold: bool, indent: int, number_format: str | None) -> WriteOnlyCell:
        key = (bold, indent, number_format)
        if key not in self.body_styles:
            prototype = self.styled(
                None,
                font=BOLD_FONT if bold else None,
                alignment=Alignment(indent=indent) if indent else None,
                number_format=number_format,
            )
            self.body_styles[key] = prototype._style
        cell = WriteOnlyCell(self.worksheet, value)
        cell._style = copy.copy(self.body_styles[key])
        return cell
