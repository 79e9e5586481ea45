"""A Document as PDF: reportlab (wheels only) and the bundled Liberation Serif, embedded
with its ToUnicode maps so the text extracts exactly as it was written."""

import bisect
import itertools
import os
import unicodedata
from xml.sax.saxutils import escape

import segno
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus import Table as PdfTable

from . import layout
from .document import PARTY_NAME, RECIPIENTS_LABEL, Document, Heading, Paragraph, QrCode, Table
from .typeface import BOLD, REGULAR, face, register_fonts, text_width

TEXT_WIDTH = layout.TEXT_WIDTH_MM * mm
RULE_WIDTH = 0.75
MASK = 2  # of a QR code (see _Qr)


def render_pdf(document: Document, stream_or_path) -> None:
    """Write `document` as an A4 PDF to a path or a binary stream."""
    register_fonts()
    target = os.fspath(stream_or_path) if isinstance(stream_or_path, os.PathLike) else stream_or_path
    template = SimpleDocTemplate(
        target,
        pagesize=A4,
        topMargin=layout.MARGIN_TOP_MM * mm,
        bottomMargin=layout.MARGIN_BOTTOM_MM * mm,
        leftMargin=layout.MARGIN_LEFT_MM * mm,
        rightMargin=layout.MARGIN_RIGHT_MM * mm,
        title=_nfc(f"{document.kind} {document.summary}".strip()),
        author=_nfc(document.issuer),
    )
    story = [_top_block(document), *_title(document)]
    for block, following in zip(document.body, [*document.body[1:], None], strict=True):
        story.extend(_block(block, before_table=isinstance(following, Table)))
    story.extend(_closing_block(document))
    template.build(story, onFirstPage=lambda canvas, doc: None, onLaterPages=_page_number)


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(REGULAR, layout.PAGE_NUMBER_SIZE)
    top = A4[1] - layout.PAGE_NUMBER_FROM_TOP_MM * mm
    canvas.drawCentredString(layout.MARGIN_LEFT_MM * mm + TEXT_WIDTH / 2, top, str(doc.page))
    canvas.restoreState()


def _nfc(text: str) -> str:
    # Decomposed input would draw loose combining marks; the font has every composed letter.
    return unicodedata.normalize("NFC", text)


def _style(size: float, *, bold=False, italic=False, align=TA_LEFT, **extra) -> ParagraphStyle:
    return ParagraphStyle(
        name="printing",
        fontName=face(bold=bold, italic=italic),
        fontSize=size,
        leading=size * layout.LINE_SPACING,
        alignment=align,
        **extra,
    )


def _para(text: str, size: float, **style) -> PdfParagraph:
    return PdfParagraph(escape(_nfc(text)), _style(size, **style))


class _Rule(Flowable):
    """A solid line of a given length, centred in its column (under "ĐẢNG CỘNG SẢN VIỆT NAM")."""

    def __init__(self, length: float):
        super().__init__()
        self.length = length

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, 3

    def draw(self):
        start = (self.width - self.length) / 2
        self.canv.setLineWidth(RULE_WIDTH)
        self.canv.line(start, 2, start + self.length, 2)


class _Qr(Flowable):
    """A QR code drawn as vector squares (sharp at any zoom, a few hundred bytes), centred."""

    def __init__(self, data: str, size: float):
        super().__init__()
        # A fixed mask: every reader decodes any of the eight, and searching for the best one
        # costs more than the rest of a one-page document (a batch of certificates prints many).
        self.matrix = segno.make(data, error="m", mask=MASK, micro=False).matrix
        self.size = size

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, self.size

    def draw(self):
        border = 2  # modules of quiet zone on each side
        count = len(self.matrix) + 2 * border
        module = self.size / count
        left = (self.width - self.size) / 2
        path = self.canv.beginPath()
        for y, row in enumerate(self.matrix):
            x = 0
            while x < len(row):  # one rectangle per run of dark modules
                if not row[x]:
                    x += 1
                    continue
                run = x
                while run < len(row) and row[run]:
                    run += 1
                path.rect(left + (x + border) * module, self.size - (y + border + 1) * module,
                          (run - x) * module, module)
                x = run
        self.canv.saveState()
        self.canv.setFillColor("black")
        self.canv.drawPath(path, stroke=0, fill=1)
        self.canv.restoreState()


def _borderless(rows, left_width: float) -> PdfTable:
    table = PdfTable(rows, colWidths=[left_width, TEXT_WIDTH - left_width])
    table.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
    )
    return table


def _top_block(document: Document) -> PdfTable:
    centred = {"align": TA_CENTER}
    issuer = [
        *([_para(document.superior, layout.HEADER_SIZE, **centred)] if document.superior else []),
        _para(document.issuer, layout.HEADER_SIZE, bold=True, **centred),
        _para("*", layout.HEADER_SIZE, **centred),
    ]
    party = [
        _para(PARTY_NAME, layout.PARTY_SIZE, bold=True, **centred),
        _Rule(text_width(PARTY_NAME, layout.PARTY_SIZE, bold=True)),
    ]
    number = _para(document.number_line, layout.HEADER_SIZE, **centred)
    place_date = _para(document.place_date_line, layout.HEADER_SIZE, italic=True, **centred)
    return _borderless([[issuer, party], [number, place_date]], layout.TOP_LEFT_WIDTH_MM * mm)


def _title(document: Document) -> list[Flowable]:
    flowables = [
        Spacer(0, 18),
        _para(document.kind, layout.KIND_SIZE, bold=True, align=TA_CENTER),
    ]
    if document.summary:
        flowables.append(_para(document.summary, layout.SUMMARY_SIZE, bold=True, align=TA_CENTER))
    flowables.append(Spacer(0, 12))
    return flowables


def _block(block, *, before_table: bool = False) -> list[Flowable]:
    # A heading is kept with what follows, except a table: reportlab would move the heading
    # and a table of many pages to a new page together, leaving the rest of this one blank.
    indent = {"firstLineIndent": layout.FIRST_LINE_INDENT_MM * mm, "align": TA_JUSTIFY}
    if isinstance(block, Heading):
        return [
            _para(
                block.text,
                layout.BODY_SIZE,
                bold=True,
                italic=block.level >= 3,
                spaceBefore=layout.PARAGRAPH_SPACE_AFTER,
                spaceAfter=layout.PARAGRAPH_SPACE_AFTER,
                keepWithNext=0 if before_table else 1,
                **indent,
            )
        ]
    if isinstance(block, Paragraph):
        return [
            _para(
                block.text,
                layout.BODY_SIZE,
                bold=block.bold,
                italic=block.italic,
                spaceAfter=layout.PARAGRAPH_SPACE_AFTER,
                **indent,
            )
        ]
    if isinstance(block, Table):
        return [_TablePart(_PreparedTable(block)), Spacer(0, layout.PARAGRAPH_SPACE_AFTER)]
    if isinstance(block, QrCode):
        caption = [_para(block.caption, layout.RECIPIENTS_SIZE, align=TA_CENTER)] if block.caption else []
        return [_Qr(block.data, block.size_mm * mm), *caption, Spacer(0, layout.PARAGRAPH_SPACE_AFTER)]
    raise TypeError(f"Unknown block: {block!r}")


def _closing_block(document: Document) -> list[Flowable]:
    recipients = []
    if document.recipients:
        recipients.append(
            PdfParagraph(f"<u>{escape(RECIPIENTS_LABEL)}</u>", _style(layout.RECIPIENTS_LABEL_SIZE))
        )
        recipients.extend(_para(f"- {line}", layout.RECIPIENTS_SIZE) for line in document.recipients)
    signature = []
    if document.signature:
        centred = {"bold": True, "align": TA_CENTER}
        signature.extend(
            _para(line, layout.SIGNATURE_SIZE, **centred) for line in document.signature.authority
        )
        signature.append(Spacer(0, layout.SIGNATURE_SPACE_MM * mm))
        signature.append(_para(document.signature.name, layout.SIGNATURE_SIZE, **centred))
    if not recipients and not signature:
        return []
    # One table row never splits, so the signature stays in one piece on one page.
    return [Spacer(0, 12), _borderless([[recipients, signature]], layout.CLOSING_LEFT_WIDTH_MM * mm)]


class _PreparedTable:
    """A table's cells wrapped into lines and its row heights summed, once: each page is
    then drawn as a small reportlab Table of the header and the rows that fit, so a long
    table costs time in proportion to its rows (reportlab's own splitting re-measures all
    the remaining rows at every page)."""

    def __init__(self, table: Table):
        self.size = table.text_size
        self.leading = self.size * layout.LINE_SPACING
        self.widths = [share * TEXT_WIDTH for share in table.relative_widths()]
        self.indent_column = table.indent_column
        self._header(table)
        self.cells, self.heights, self.indents, self.bold_rows = [], [], [], []
        for row in table.iter_rows():
            font = BOLD if row.bold else REGULAR
            lines = [
                self._wrap(table.cell_text(index, value), font, self._text_width(index, row.indent))
                for index, value in enumerate(row.cells)
            ]
            self.cells.append(["\n".join(cell) for cell in lines])
            self.heights.append(self._height(max(map(len, lines), default=1)))
            self.indents.append(row.indent)
            self.bold_rows.append(row.bold)
        self.offsets = list(itertools.accumulate(self.heights, initial=0))
        self.commands = [
            ("FONT", (0, 0), (-1, -1), REGULAR, self.size, self.leading),
            ("FONTNAME", (0, 0), (-1, self.header_count - 1), BOLD),
            ("GRID", (0, 0), (-1, -1), 0.5, "black"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, self.header_count - 1), "CENTER"),
            ("LEFTPADDING", (0, 0), (-1, -1), layout.CELL_PADDING_X),
            ("RIGHTPADDING", (0, 0), (-1, -1), layout.CELL_PADDING_X),
            ("TOPPADDING", (0, 0), (-1, -1), layout.CELL_PADDING_Y),
            ("BOTTOMPADDING", (0, 0), (-1, -1), layout.CELL_PADDING_Y),
            *self.spans,
            *(
                ("ALIGN", (index, self.header_count), (index, -1), column.align.upper())
                for index, column in enumerate(table.columns)
            ),
        ]

    def _header(self, table: Table) -> None:
        self.header_count = table.header_row_count
        self.header_cells = [[""] * len(self.widths) for _ in range(self.header_count)]
        self.header_heights = [self._height(1)] * self.header_count
        self.spans, tall_cells = [], []
        for row, column, row_span, column_span, title in table.header_cells():
            width = sum(self.widths[column : column + column_span]) - 2 * layout.CELL_PADDING_X
            lines = self._wrap(title, BOLD, width)
            self.header_cells[row][column] = "\n".join(lines)
            if row_span > 1 or column_span > 1:
                self.spans.append(("SPAN", (column, row), (column + column_span - 1, row + row_span - 1)))
            if row_span > 1:
                tall_cells.append(self._height(len(lines)))
            else:
                self.header_heights[row] = max(self.header_heights[row], self._height(len(lines)))
        # A title spanning both header rows may need the second one taller.
        shortfall = max(tall_cells, default=0) - sum(self.header_heights)
        if shortfall > 0:
            self.header_heights[-1] += shortfall

    def _text_width(self, column: int, indent: int) -> float:
        return self.widths[column] - 2 * layout.CELL_PADDING_X - self._indent(column, indent)

    def _indent(self, column: int, indent: int) -> float:
        return indent * layout.TREE_INDENT_MM * mm if column == self.indent_column else 0

    def _wrap(self, text: str, font: str, width: float) -> list[str]:
        return simpleSplit(_nfc(text), font, self.size, width) or [""]

    def _height(self, lines: int) -> float:
        return lines * self.leading + 2 * layout.CELL_PADDING_Y

    @property
    def width(self) -> float:
        return sum(self.widths)

    def height_from(self, start: int) -> float:
        return sum(self.header_heights) + self.offsets[-1] - self.offsets[start]

    def rows_fitting(self, start: int, available_height: float) -> int:
        """The end (exclusive) of the rows from `start` that fit under the header."""
        room = available_height - sum(self.header_heights) + self.offsets[start]
        return max(start, bisect.bisect_right(self.offsets, room) - 1)

    def page_table(self, start: int, end: int) -> PdfTable:
        table = PdfTable(
            self.header_cells + self.cells[start:end],
            colWidths=self.widths,
            rowHeights=self.header_heights + self.heights[start:end],
        )
        commands = list(self.commands)
        for offset, index in enumerate(range(start, end), start=self.header_count):
            if self.bold_rows[index]:
                commands.append(("FONTNAME", (0, offset), (-1, offset), BOLD))
            if self.indents[index]:
                padding = layout.CELL_PADDING_X + self._indent(self.indent_column, self.indents[index])
                cell = (self.indent_column, offset)
                commands.append(("LEFTPADDING", cell, cell, padding))
        table.setStyle(TableStyle(commands))
        return table


class _TablePart(Flowable):
    """The rows of a prepared table from `start` on; splits at the page's end."""

    def __init__(self, prepared: _PreparedTable, start: int = 0):
        super().__init__()
        self.prepared, self.start = prepared, start

    def wrap(self, available_width, available_height):
        self.width, self.height = self.prepared.width, self.prepared.height_from(self.start)
        return self.width, self.height

    def split(self, available_width, available_height):
        end = self.prepared.rows_fitting(self.start, available_height)
        if end == self.start:
            return []  # not one row fits under the header here: start on the next page
        parts = [self.prepared.page_table(self.start, end)]
        if end < len(self.prepared.cells):
            parts.append(_TablePart(self.prepared, end))
        return parts

    def draw(self):
        table = self.prepared.page_table(self.start, len(self.prepared.cells))
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)
