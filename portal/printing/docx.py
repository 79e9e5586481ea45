"""A Document as DOCX (python-docx), in Times New Roman, for the office to edit and sign."""

import copy
import io
import unicodedata

from docx import Document as new_docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from segno import make as make_qr

from . import layout
from .document import PARTY_NAME, RECIPIENTS_LABEL, Document, Heading, Paragraph, QrCode, Table
from .typeface import text_width

FONT = "Times New Roman"
ALIGNMENTS = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
CENTER = WD_ALIGN_PARAGRAPH.CENTER


def render_docx(document: Document, stream_or_path) -> None:
    """Write `document` as an A4 DOCX to a path or a binary stream."""
    docx = new_docx()
    _page_setup(docx)
    _default_font(docx)
    docx.core_properties.title = _nfc(f"{document.kind} {document.summary}".strip())
    docx.core_properties.author = _nfc(document.issuer)
    _top_block(docx, document)
    _title(docx, document)
    for block in document.body:
        _block(docx, block)
    _closing_block(docx, document)
    docx.save(stream_or_path)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _page_setup(docx) -> None:
    section = docx.sections[0]
    section.page_width, section.page_height = Mm(layout.PAGE_WIDTH_MM), Mm(layout.PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(layout.MARGIN_TOP_MM), Mm(layout.MARGIN_BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(layout.MARGIN_LEFT_MM), Mm(layout.MARGIN_RIGHT_MM)
    section.header_distance = Mm(layout.PAGE_NUMBER_FROM_TOP_MM - 5)
    # Page numbers from page 2: the first page has its own, empty, header.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), " PAGE ")
    number._p.append(field)
    placeholder = number.add_run("2")
    field.append(placeholder._r)
    placeholder.font.size = Pt(layout.PAGE_NUMBER_SIZE)


def _default_font(docx) -> None:
    normal = docx.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(layout.BODY_SIZE)
    fonts = normal.element.rPr.rFonts
    for attribute in ("w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0


def _write(paragraph, text: str, size: float, *, bold=False, italic=False, underline=False, align=None):
    run = paragraph.add_run(_nfc(text))
    run.font.size = Pt(size)
    run.bold, run.italic = bold or None, italic or None
    if underline:
        run.underline = True
    if align is not None:
        paragraph.alignment = align
    return run


def _cell_paragraph(cell, index: int):
    """The cell's first paragraph (a new cell holds one, empty), or a new one after it."""
    return cell.paragraphs[0] if index == 0 else cell.add_paragraph()


def _set_widths(table, widths_mm: list[float]) -> None:
    table.autofit = False  # a fixed layout: Word and LibreOffice keep the widths given
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for grid_column, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
        grid_column.w = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def _cell_margins(table, *, horizontal_pt: float, vertical_pt: float) -> None:
    margins = OxmlElement("w:tblCellMar")
    for edge, points in (
        ("top", vertical_pt),
        ("left", horizontal_pt),
        ("bottom", vertical_pt),
        ("right", horizontal_pt),
    ):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), str(Pt(points).twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


def _borderless_table(docx, rows: int, left_width_mm: float):
    table = docx.add_table(rows=rows, cols=2)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        border = OxmlElement(f"w:{edge}")
        border.set(qn("w:val"), "nil")
        borders.append(border)
    table._tbl.tblPr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
    _cell_margins(table, horizontal_pt=0, vertical_pt=0)
    _set_widths(table, [left_width_mm, layout.TEXT_WIDTH_MM - left_width_mm])
    return table


def _top_block(docx, document: Document) -> None:
    table = _borderless_table(docx, 2, layout.TOP_LEFT_WIDTH_MM)
    issuer, party = table.rows[0].cells
    lines = [(document.superior, False)] if document.superior else []
    lines += [(document.issuer, True), ("*", False)]
    for index, (text, bold) in enumerate(lines):
        _write(_cell_paragraph(issuer, index), text, layout.HEADER_SIZE, bold=bold, align=CENTER)

    party_line = party.paragraphs[0]
    _rule_under(
        party_line,
        PARTY_NAME,
        layout.PARTY_SIZE,
        column_width_mm=layout.TEXT_WIDTH_MM - layout.TOP_LEFT_WIDTH_MM,
    )
    _write(party_line, PARTY_NAME, layout.PARTY_SIZE, bold=True, align=CENTER)

    number, place_date = table.rows[1].cells
    _write(number.paragraphs[0], document.number_line, layout.HEADER_SIZE, align=CENTER)
    _write(place_date.paragraphs[0], document.place_date_line, layout.HEADER_SIZE, italic=True, align=CENTER)


def _rule_under(paragraph, text: str, size: float, *, column_width_mm: float) -> None:
    """A bottom border as long as the text: the paragraph is indented from both sides so
    its border, which spans the paragraph's width, spans the text's. Call it on a paragraph
    without properties: the border comes first among them, python-docx orders the rest."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for attribute, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(attribute), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
    text_pt = text_width(text, size, bold=True) + 2  # a little slack so the line never wraps
    indent = Pt(max(0, (Mm(column_width_mm).pt - text_pt) / 2))
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = indent


def _title(docx, document: Document) -> None:
    kind = docx.add_paragraph()
    kind.paragraph_format.space_before = Pt(18)
    _write(kind, document.kind, layout.KIND_SIZE, bold=True, align=CENTER)
    if document.summary:
        _write(docx.add_paragraph(), document.summary, layout.SUMMARY_SIZE, bold=True, align=CENTER)
    docx.paragraphs[-1].paragraph_format.space_after = Pt(12)


def _body_paragraph(docx):
    paragraph = docx.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Mm(layout.FIRST_LINE_INDENT_MM)
    paragraph.paragraph_format.space_after = Pt(layout.PARAGRAPH_SPACE_AFTER)
    return paragraph


def _block(docx, block) -> None:
    if isinstance(block, Heading):
        paragraph = _body_paragraph(docx)
        paragraph.paragraph_format.space_before = Pt(layout.PARAGRAPH_SPACE_AFTER)
        paragraph.paragraph_format.keep_with_next = True
        _write(paragraph, block.text, layout.BODY_SIZE, bold=True, italic=block.level >= 3)
    elif isinstance(block, Paragraph):
        _write(_body_paragraph(docx), block.text, layout.BODY_SIZE, bold=block.bold, italic=block.italic)
    elif isinstance(block, Table):
        _table(docx, block)
        docx.add_paragraph().paragraph_format.space_after = Pt(layout.PARAGRAPH_SPACE_AFTER)
    elif isinstance(block, QrCode):
        picture = io.BytesIO()
        make_qr(block.data, error="m").save(picture, kind="png", scale=8, border=2)
        paragraph = docx.add_paragraph()
        paragraph.alignment = CENTER
        paragraph.add_run().add_picture(picture, width=Mm(block.size_mm))
        if block.caption:
            _write(docx.add_paragraph(), block.caption, layout.RECIPIENTS_SIZE, align=CENTER)
    else:
        raise TypeError(f"Unknown block: {block!r}")


def _table(docx, block: Table) -> None:
    size = block.text_size
    table = docx.add_table(rows=block.header_row_count, cols=len(block.columns))
    table.style = "Table Grid"
    _cell_margins(table, horizontal_pt=layout.CELL_PADDING_X, vertical_pt=layout.CELL_PADDING_Y)
    _set_widths(table, [share * layout.TEXT_WIDTH_MM for share in block.relative_widths()])
    # Merge the header before the rows exist: every table.cell() call walks the whole table.
    for row, column, row_span, column_span, title in block.header_cells():
        cell = table.cell(row, column)
        if row_span > 1 or column_span > 1:
            cell = cell.merge(table.cell(row + row_span - 1, column + column_span - 1))
        _write(cell.paragraphs[0], title, size, bold=True, align=CENTER)
    for row in table.rows:
        _row_properties(row, header=True)
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    # python-docx takes about half a millisecond a cell; a province's tree has 24,000 cells.
    # So each row is a copy of a prototype row built once, with only its texts filled in.
    prototypes = {bold: _prototype_row(table, block, bold=bold) for bold in (False, True)}
    indent_twips = Mm(layout.TREE_INDENT_MM).twips
    for source in block.iter_rows():
        row = copy.deepcopy(prototypes[source.bold])
        for index, (text, value) in enumerate(zip(row.iter(qn("w:t")), source.cells, strict=False)):
            text.text = _nfc(block.cell_text(index, value))
        if source.indent:
            indent = row.findall(qn("w:tc"))[block.indent_column].find(f".//{qn('w:ind')}")
            indent.set(qn("w:left"), str(indent_twips * source.indent))
        table._tbl.append(row)


def _prototype_row(table, block: Table, *, bold: bool):
    """A body row formatted like every row (alignment, size, weight) holding placeholder
    texts, taken out of the table to be copied."""
    row = table.add_row()
    _row_properties(row, header=False)
    for index, (cell, column) in enumerate(zip(row.cells, block.columns, strict=True)):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        if index == block.indent_column:
            paragraph.paragraph_format.left_indent = 0
        run = _write(paragraph, "-", block.text_size, bold=bold, align=ALIGNMENTS[column.align])
        run._r.find(qn("w:t")).set(qn("xml:space"), "preserve")
    table._tbl.remove(row._tr)
    return row._tr


def _row_properties(row, *, header: bool) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))  # repeated at the top of every page


def _closing_block(docx, document: Document) -> None:
    if not document.recipients and not document.signature:
        return
    docx.add_paragraph().paragraph_format.space_after = Pt(6)
    table = _borderless_table(docx, 1, layout.CLOSING_LEFT_WIDTH_MM)
    _row_properties(table.rows[0], header=False)  # the signature block stays on one page
    recipients, signature = table.rows[0].cells
    if document.recipients:
        _write(recipients.paragraphs[0], RECIPIENTS_LABEL, layout.RECIPIENTS_LABEL_SIZE, underline=True)
        for line in document.recipients:
            _write(recipients.add_paragraph(), f"- {line}", layout.RECIPIENTS_SIZE)
    if document.signature:
        authority = document.signature.authority
        for index, line in enumerate(authority):
            _write(_cell_paragraph(signature, index), line, layout.SIGNATURE_SIZE, bold=True, align=CENTER)
        name = _cell_paragraph(signature, len(authority))
        name.paragraph_format.space_before = Mm(layout.SIGNATURE_SPACE_MM)
        _write(name, document.signature.name, layout.SIGNATURE_SIZE, bold=True, align=CENTER)
