"""The document model: plain dataclasses a caller fills, and the renderers read.

The fixed words of the layout ("ĐẢNG CỘNG SẢN VIỆT NAM", "Số", "ngày … tháng … năm",
"Nơi nhận:") are part of the Party's document format (Hướng dẫn 36-HD/VPTW), which is
Vietnamese whatever the reader's interface language, so they are not translated.
"""

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"
RECIPIENTS_LABEL = "Nơi nhận:"

Align = Literal["left", "center", "right"]
CellValue = str | int | float | Decimal | None


@dataclass
class Heading:
    """A section heading of the body: level 1 "I. KẾT QUẢ…", level 2 "1. …", level 3 "a) …"."""

    text: str
    level: int = 1


@dataclass
class Paragraph:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Column:
    """A table column. `width` is relative: the widths of a table are scaled to the text
    width (PDF, DOCX) or to about 100 characters (XLSX). `number_format` is Excel's
    ("#,##0", "0.0%", "0.00"); the PDF and DOCX print numbers by it, Vietnamese style."""

    title: str
    width: float = 1.0
    align: Align = "left"
    number_format: str | None = None


@dataclass
class Row:
    cells: Sequence[CellValue]
    indent: int = 0  # tree depth, shown as an indent of the table's indent_column
    bold: bool = False


@dataclass
class Table:
    """Columns, an optional group row above their titles, and rows.

    `header_groups` spans titles over neighbouring columns, e.g. [("", 2), ("Đã học", 2)]
    over four columns: an empty group leaves its columns' titles spanning both header rows.
    `rows` may be any iterable (a generator for a big XLSX); plain sequences are rows too.
    """

    columns: list[Column]
    rows: Iterable[Row | Sequence[CellValue]]
    header_groups: list[tuple[str, int]] | None = None
    indent_column: int | None = None  # the column a row's indent shifts; default: the first left-aligned one
    font_size: float | None = None  # default: 13 pt, 12 pt for a wide table

    def __post_init__(self):
        if self.header_groups and sum(span for _, span in self.header_groups) != len(self.columns):
            raise ValueError("header_groups must span exactly the table's columns")
        if self.indent_column is None:
            self.indent_column = next(
                (i for i, column in enumerate(self.columns) if column.align == "left"), 0
            )

    @property
    def text_size(self) -> float:
        if self.font_size:
            return self.font_size
        return 13 if len(self.columns) <= 6 else 12

    @property
    def header_row_count(self) -> int:
        return 2 if self.header_groups else 1

    def relative_widths(self) -> list[float]:
        total = sum(column.width for column in self.columns)
        return [column.width / total for column in self.columns]

    def iter_rows(self) -> Iterator[Row]:
        """The rows as Row objects, short ones padded with empty cells to the columns' count."""
        width = len(self.columns)
        for row in self.rows:
            row = row if isinstance(row, Row) else Row(row)
            if len(row.cells) < width:
                row = Row([*row.cells, *[None] * (width - len(row.cells))], row.indent, row.bold)
            yield row

    def header_cells(self) -> list[tuple[int, int, int, int, str]]:
        """The header as (row, column, row span, column span, text), rows 0 and 1."""
        if not self.header_groups:
            return [(0, index, 1, 1, column.title) for index, column in enumerate(self.columns)]
        cells, start = [], 0
        for title, span in self.header_groups:
            if title:
                cells.append((0, start, 1, span, title))
                cells.extend(
                    (1, index, 1, 1, self.columns[index].title) for index in range(start, start + span)
                )
            else:
                cells.extend(
                    (0, index, 2, 1, self.columns[index].title) for index in range(start, start + span)
                )
            start += span
        return cells

    def cell_text(self, column_index: int, value: CellValue) -> str:
        return format_value(value, self.columns[column_index].number_format)


@dataclass
class QrCode:
    """A QR code of `data` (e.g. a verification URL), `size_mm` wide, centred, with an
    optional caption under it (the URL written out for those who cannot scan)."""

    data: str
    size_mm: float = 30
    caption: str = ""


Block = Heading | Paragraph | Table | QrCode


@dataclass
class Signature:
    """Authority lines top down ("T/M BAN THƯỜNG VỤ", "K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")
    and the signer's name; the space for the signature lies between them."""

    authority: list[str]
    name: str


@dataclass
class Document:
    """A Party document. `number_symbol` is printed after "Số ": "12-BC/BTGTU", or
    "-BC/BTGTU" to leave the number blank for the office to fill in, or "" for no line."""

    superior: str  # cơ quan cấp trên, e.g. "TỈNH ỦY TÂY NINH"; may be empty
    issuer: str  # cơ quan ban hành, e.g. "BAN TUYÊN GIÁO"
    place: str
    date: datetime.date
    kind: str  # "BÁO CÁO", "KẾ HOẠCH", …
    summary: str = ""  # trích yếu
    number_symbol: str = ""
    body: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # "Ban Thường vụ Tỉnh ủy (b/c),", …, "Lưu VPTU."
    signature: Signature | None = None

    @property
    def number_line(self) -> str:
        if not self.number_symbol:
            return ""
        if self.number_symbol.startswith("-"):
            return "Số" + "\u00a0" * 8 + self.number_symbol
        return f"Số {self.number_symbol}"

    @property
    def place_date_line(self) -> str:
        return f"{self.place}, {vietnamese_date(self.date)}"


def vietnamese_date(day: datetime.date) -> str:
    """ "ngày 05 tháng 02 năm 2026": the day and month on two digits, as the guidance asks."""
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def format_number(value: int | float | Decimal, decimals: int = 0, *, grouping: bool = True) -> str:
    """A number written the Vietnamese way: "1.127", "3,5" (dots group thousands, a comma
    before decimals). Sentences, tables, DOCX and PDF all print numbers through it."""
    text = f"{value:{',' if grouping else ''}.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")  # 1,234.5 → 1.234,5


def format_percent(percent: int | float | Decimal, decimals: int = 1) -> str:
    """A percentage (58.2 means 58,2%) written the Vietnamese way: "58,2%"."""
    return format_number(percent, decimals, grouping=False) + "%"


def format_value(value: CellValue, number_format: str | None = None) -> str:
    """A cell as printed: numbers Vietnamese style ("1.234", "87,5%"), by the column's
    Excel format when it has one (a "%" format holds fractions, as in Excel: 0.875);
    text as it is; None as nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not number_format:
        return format_number(value, 0 if isinstance(value, int) else 1)
    decimals = len(number_format.rstrip("%").partition(".")[2])
    if number_format.endswith("%"):
        return format_percent(value * 100, decimals)
    return format_number(value, decimals, grouping="," in number_format)
