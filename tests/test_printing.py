"""portal.printing: the Party layout in DOCX and PDF, and the XLSX writer, read back from real files."""

import datetime
import io
import re
import time
import unicodedata

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import load_workbook
from pypdf import PdfReader

from portal.printing import (
    Column,
    Document,
    Heading,
    Paragraph,
    Row,
    Sheet,
    Signature,
    Table,
    format_value,
    render_docx,
    render_pdf,
    write_xlsx,
)

A4_POINTS = (595.28, 841.89)
EMU_PER_MM = 36000


def unit_table(rows: int = 3) -> Table:
    units = [Row(["", "Đảng bộ huyện Tân Biên", 4554, 4190, 0.92], bold=True)]
    units.append(Row(["1", "Chi bộ ấp Tân Lập", 31, 28, 0.9032], indent=1))
    units.extend(Row([str(n), f"Chi bộ số {n}", n, n - 1, 0.5], indent=2) for n in range(2, rows))
    return Table(
        columns=[
            Column("STT", 0.7, "center"),
            Column("Tổ chức đảng", 3.5),
            Column("Đảng viên", 1, "right", "#,##0"),
            Column("Đã học", 1, "right", "#,##0"),
            Column("Tỷ lệ", 1, "right", "0.0%"),
        ],
        rows=units,
        header_groups=[("", 3), ("Kết quả học tập", 2)],
    )


def report(table: Table | None = None, signer: str = "Nguyễn Thị Hường") -> Document:
    return Document(
        superior="TỈNH ỦY TÂY NINH",
        issuer="BAN TUYÊN GIÁO",
        number_symbol="12-BC/BTGTU",
        place="Tây Ninh",
        date=datetime.date(2026, 2, 5),
        kind="BÁO CÁO",
        summary="Kết quả học tập chuyên đề năm 2025",
        body=[
            Heading("I. KẾT QUẢ HỌC TẬP"),
            Paragraph("Các chi bộ đã tổ chức học tập đầy đủ."),
            table or unit_table(),
        ],
        recipients=["Ban Tuyên giáo Trung ương (b/c),", "Lưu VPTU."],
        signature=Signature(["T/M BAN THƯỜNG VỤ", "K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"], signer),
    )


def test_numbers_and_dates_print_vietnamese_style():
    assert format_value(4554) == "4.554"
    assert format_value(1234.5) == "1.234,5"
    assert format_value(0.9032, "0.0%") == "90,3%"
    assert format_value(2026, "0") == "2026"
    assert format_value(None) == ""
    assert report().place_date_line == "Tây Ninh, ngày 05 tháng 02 năm 2026"


def test_number_symbol_may_leave_the_number_blank_or_be_omitted():
    document = report()
    document.number_symbol = "-BC/BTGTU"
    assert document.number_line.startswith("Số") and document.number_line.endswith("\u00a0-BC/BTGTU")
    document.number_symbol = ""
    assert document.number_line == ""


def test_header_groups_must_span_the_columns():
    with pytest.raises(ValueError):
        Table(columns=[Column("A"), Column("B")], rows=[], header_groups=[("Nhóm", 3)])


# DOCX


def docx_runs(container):
    for paragraph in container.paragraphs:
        yield from ((paragraph, run) for run in paragraph.runs)


def find_run(document, text):
    containers = [document]
    for table in document.tables:
        containers.extend(cell for row in table.rows for cell in row.cells)
    for container in containers:
        for paragraph, run in docx_runs(container):
            if run.text == text:
                return paragraph, run
    raise AssertionError(f"{text!r} not in the document")


def test_docx_has_the_party_layout(tmp_path):
    path = tmp_path / "bao-cao.docx"
    render_docx(report(), path)
    document = docx.Document(path)

    section = document.sections[0]
    assert round(section.page_width / EMU_PER_MM) == 210 and round(section.page_height / EMU_PER_MM) == 297
    margins = [round(margin / EMU_PER_MM, 1) for margin in (section.top_margin, section.bottom_margin)]
    assert all(20 <= margin <= 25 for margin in margins)
    assert 30 <= round(section.left_margin / EMU_PER_MM, 1) <= 35
    assert 15 <= round(section.right_margin / EMU_PER_MM, 1) <= 20
    assert document.styles["Normal"].font.name == "Times New Roman"

    _, party = find_run(document, "ĐẢNG CỘNG SẢN VIỆT NAM")
    assert party.font.size == Pt(15) and party.bold
    party_paragraph = party._r.getparent()
    assert party_paragraph.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:val")) == "single"
    _, superior = find_run(document, "TỈNH ỦY TÂY NINH")
    assert superior.font.size == Pt(14) and not superior.bold
    _, issuer = find_run(document, "BAN TUYÊN GIÁO")
    assert issuer.font.size == Pt(14) and issuer.bold
    find_run(document, "*")
    _, number = find_run(document, "Số 12-BC/BTGTU")
    assert number.font.size == Pt(14)
    _, place_date = find_run(document, "Tây Ninh, ngày 05 tháng 02 năm 2026")
    assert place_date.italic and place_date.font.size == Pt(14)
    kind_paragraph, kind = find_run(document, "BÁO CÁO")
    assert kind.bold and kind_paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert Pt(15) <= kind.font.size <= Pt(16)
    _, summary = find_run(document, "Kết quả học tập chuyên đề năm 2025")
    assert summary.bold and summary.font.size == Pt(14)
    body_paragraph, _ = find_run(document, "Các chi bộ đã tổ chức học tập đầy đủ.")
    assert body_paragraph.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY

    _, label = find_run(document, "Nơi nhận:")
    assert label.underline and label.font.size == Pt(14)
    _, recipient = find_run(document, "- Lưu VPTU.")
    assert recipient.font.size == Pt(12)
    _, authority = find_run(document, "T/M BAN THƯỜNG VỤ")
    assert authority.bold and authority.font.size == Pt(14)
    _, signer = find_run(document, "Nguyễn Thị Hường")
    assert signer.bold and signer.font.size == Pt(14)


def test_docx_table_holds_the_numbers_and_repeats_its_header(tmp_path):
    path = tmp_path / "bao-cao.docx"
    render_docx(report(), path)
    table = docx.Document(path).tables[1]

    assert [cell.text for cell in table.rows[2].cells] == [
        "",
        "Đảng bộ huyện Tân Biên",
        "4.554",
        "4.190",
        "92,0%",
    ]
    assert [cell.text for cell in table.rows[3].cells] == ["1", "Chi bộ ấp Tân Lập", "31", "28", "90,3%"]
    assert table.rows[1].cells[3].text == "Đã học" and table.rows[0].cells[3].text == "Kết quả học tập"
    assert table.rows[2].cells[2].paragraphs[0].runs[0].bold
    indent = table.rows[4].cells[1].paragraphs[0].paragraph_format.left_indent
    assert round(indent / EMU_PER_MM) == 8  # two levels down the tree
    repeated = [row._tr.trPr.find(qn("w:tblHeader")) is not None for row in table.rows]
    assert repeated == [True, True, False, False, False]


def test_docx_pages_are_numbered_from_the_second(tmp_path):
    stream = io.BytesIO()
    render_docx(report(), stream)
    section = docx.Document(io.BytesIO(stream.getvalue())).sections[0]

    assert section.different_first_page_header_footer
    later_pages = section.header._element.xml
    assert 'w:instr=" PAGE "' in later_pages
    assert section.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" not in section.first_page_header._element.xml


# PDF


def pdf_pages(document: Document) -> list:
    stream = io.BytesIO()
    render_pdf(document, stream)
    return PdfReader(io.BytesIO(stream.getvalue())).pages


def texts_above(page, height: float) -> list[str]:
    """The texts drawn with their baseline above `height` points from the bottom."""
    found = []

    def visit(text, user_matrix, text_matrix, font, size):
        if text.strip() and user_matrix[5] + text_matrix[5] > height:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


def test_pdf_text_extracts_exactly_on_a4_pages():
    pages = pdf_pages(report())
    text = "\n".join(page.extract_text() for page in pages)

    for page in pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_POINTS, abs=0.01)
    for expected in (
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Chi bộ ấp Tân Lập",
        "Nguyễn Thị Hường",
        "TỈNH ỦY TÂY NINH",
        "Số 12-BC/BTGTU",
        "Tây Ninh, ngày 05 tháng 02 năm 2026",
        "Nơi nhận:",
        "4.554",
        "4.190",
        "90,3%",
    ):
        assert expected in text
    assert unicodedata.is_normalized("NFC", text)


def test_pdf_prints_decomposed_input_composed():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    text = "".join(page.extract_text() for page in pdf_pages(report(signer=decomposed)))
    assert "Nguyễn Thị Hường" in text and decomposed not in text


def test_pdf_long_table_splits_with_its_header_repeated_and_pages_numbered_from_two():
    pages = pdf_pages(report(unit_table(rows=200)))
    texts = [page.extract_text() for page in pages]

    assert len(pages) >= 4
    table_pages = [text for text in texts if "Chi bộ số" in text]
    assert len(table_pages) >= 4
    assert all("Tổ chức đảng" in text and "Kết quả học tập" in text for text in table_pages)
    numbers = [int(n) for n in re.findall(r"Chi bộ số (\d+)\b", "\n".join(texts))]
    assert numbers == list(range(2, 200))
    page_number_band = A4_POINTS[1] - 20 / 25.4 * 72  # inside the top margin
    assert texts_above(pages[0], page_number_band) == []
    assert texts_above(pages[1], page_number_band) == ["2"]
    assert texts_above(pages[-1], page_number_band) == [str(len(pages))]


def test_pdf_of_a_province_tree_renders_fast():
    columns = [*unit_table().columns, Column("Ghi chú", 1.2)]
    rows = [
        Row([str(n), f"Chi bộ ấp Tân Lập {n}", n, n, 0.5, "Báo cáo trễ hạn" if n % 9 else ""], n % 4)
        for n in range(4000)
    ]
    table = Table(columns, rows)
    start = time.perf_counter()
    pages = pdf_pages(report(table))
    elapsed = time.perf_counter() - start
    assert len(pages) > 80
    assert elapsed < 5, f"4,000 rows took {elapsed:.1f} s"


# XLSX


def test_xlsx_sheet_has_its_header_formats_and_widths(tmp_path):
    path = tmp_path / "tien-do.xlsx"
    write_xlsx(
        path,
        [Sheet("Tiến độ", unit_table(rows=5), title_lines=["TIẾN ĐỘ HỌC TẬP"], widths=[6, 40, 12, 12, 10])],
    )
    sheet = load_workbook(path)["Tiến độ"]

    assert sheet["A1"].value == "TIẾN ĐỘ HỌC TẬP" and sheet["A1"].font.bold
    assert sheet.freeze_panes == "A4"  # below the title and the two header rows
    assert [cell.value for cell in sheet[2]] == ["STT", "Tổ chức đảng", "Đảng viên", "Kết quả học tập", None]
    assert [cell.value for cell in sheet[3]][3:] == ["Đã học", "Tỷ lệ"]
    assert {"A1:E1", "D2:E2", "A2:A3", "B2:B3", "C2:C3"} == {
        str(merged) for merged in sheet.merged_cells.ranges
    }
    assert sheet["B2"].font.bold and sheet["B2"].alignment.wrap_text
    assert [sheet.column_dimensions[letter].width for letter in "ABCDE"] == [6, 40, 12, 12, 10]

    total = [cell.value for cell in sheet[4]]
    assert total == [None, "Đảng bộ huyện Tân Biên", 4554, 4190, 0.92]
    assert sheet["C4"].number_format == "#,##0" and sheet["E4"].number_format == "0.0%"
    assert sheet["B4"].font.bold
    assert sheet["B5"].alignment.indent == 1 and sheet["B6"].alignment.indent == 2


def test_xlsx_widths_follow_the_tables_relative_widths_by_default():
    stream = io.BytesIO()
    write_xlsx(stream, [Sheet("Tiến độ", unit_table())])
    sheet = load_workbook(stream).active
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDE"]
    assert widths[1] == pytest.approx(3.5 * widths[2], rel=0.01) and widths[0] < widths[2]
    assert sheet.freeze_panes == "A3"


def test_xlsx_text_that_would_be_evaluated_is_neutralised_and_numbers_stay_numbers():
    dangerous = ["=1+1", "+84", "-x", "@a", "\tx", "\rx"]
    rows = [[text, -5, 3.5] for text in dangerous] + [["Chi bộ ấp Tân Lập", 0, -0.25]]
    table = Table(
        columns=[Column("Nội dung"), Column("Số", number_format="#,##0"), Column("Tỷ lệ")], rows=rows
    )
    stream = io.BytesIO()
    write_xlsx(stream, [Sheet("=cmd|' /C calc'!A0", table, title_lines=['=HYPERLINK("http://x")'])])
    sheet = load_workbook(stream).active

    assert sheet["A1"].value == '\'=HYPERLINK("http://x")' and sheet["A1"].data_type == "s"
    body = list(sheet.iter_rows(min_row=3, values_only=False))
    assert [row[0].value for row in body] == ["'" + text for text in dangerous] + ["Chi bộ ấp Tân Lập"]
    assert all(row[0].data_type == "s" for row in body)
    assert [(row[1].value, row[2].value) for row in body][-2:] == [(-5, 3.5), (0, -0.25)]
    assert all(row[1].data_type == "n" and row[2].data_type == "n" for row in body)
    assert body[0][1].number_format == "#,##0"


def test_xlsx_streams_rows_from_a_generator():
    rows = (Row([f"Chi bộ {n}", n]) for n in range(4000))
    stream = io.BytesIO()
    write_xlsx(
        stream, [Sheet("Đơn vị", Table([Column("Đơn vị"), Column("Đảng viên", number_format="#,##0")], rows))]
    )
    sheet = load_workbook(stream, read_only=True).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == 4000 and values[-1] == ("Chi bộ 3999", 3999)
