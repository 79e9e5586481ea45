"""The report's files hold exactly the computed figures, written the Vietnamese way: the
XLSX cells (openpyxl) as numbers, the DOCX tables and sentences (python-docx), the PDF text
(pypdf); the document in the Party layout (issuing body, number, place and date, sections,
"Nơi nhận", signature)."""

import datetime
import io
from decimal import Decimal

import pytest
from docx import Document as read_docx
from openpyxl import load_workbook
from pypdf import PdfReader

from portal.printing import format_value
from reports.models import ReportKind
from reports.rendering import (
    SUMMARY_SHEET,
    issuing_body,
    report_document,
    report_summary,
    write_docx,
    write_pdf,
    write_xlsx,
)
from tests.test_report_figures import report_of, report_world  # noqa: F401 - a fixture

DAY = datetime.date(2026, 2, 10)


@pytest.fixture
def report(request):
    return report_of(request.getfixturevalue("report_world"), "TINH")


def tables_of(report) -> list[dict]:
    return [table for block in report["indicators"] for table in block["tables"] if table["rows"]]


def printed(value, kind) -> str:
    """A cell as the documents print it: the one Vietnamese writing of numbers."""
    if kind == "percent":
        return format_value(None if value is None else Decimal(str(value)) / 100, "0.0%")
    return format_value(value, "#,##0" if kind == "count" else None)


def test_xlsx_cells_are_the_figures_as_numbers(report):
    stream = io.BytesIO()
    write_xlsx(report, stream)
    workbook = load_workbook(io.BytesIO(stream.getvalue()))
    tables = tables_of(report)
    assert workbook.sheetnames[0] == SUMMARY_SHEET and len(workbook.sheetnames) == 1 + len(tables)

    summary = {row[1]: row[2:5] for row in workbook[SUMMARY_SHEET].iter_rows(min_row=4, values_only=True)}
    for block in report["indicators"]:
        for item in block["figures"]:
            count, total, share = summary[item["label"]]
            if item["kind"] == "count":
                assert count == item["value"] and isinstance(count, int), item["code"]
            else:
                assert (count, total) == (item["done"], item["total"]), item["code"]
                assert share == pytest.approx(item["percent"] / 100) if item["percent"] is not None else share is None

    for sheet_name, table in zip(workbook.sheetnames[1:], tables, strict=True):
        sheet = workbook[sheet_name]
        header_row = 3
        assert [cell.value for cell in sheet[header_row]] == [column["label"] for column in table["columns"]]
        body = list(sheet.iter_rows(min_row=header_row + 1))
        expected = [*table["rows"], *([table["total"]] if table["total"] else [])]
        assert len(body) == len(expected), sheet_name
        for cells, values in zip(body, expected, strict=True):
            for cell, value, column in zip(cells, values, table["columns"], strict=True):
                if column["kind"] == "percent" and value is not None:
                    assert cell.value == pytest.approx(value / 100) and cell.number_format == "0.0%"
                else:
                    assert cell.value == value
                if column["kind"] == "count":
                    assert isinstance(cell.value, int) and cell.number_format == "#,##0"


def test_docx_holds_the_sentences_and_the_tables(report):
    kind = ReportKind.objects.get(code="ct17")
    stream = io.BytesIO()
    write_docx(report_document(report, kind, {"strengths": "Cấp ủy quan tâm chỉ đạo."}, number="12-BC/TU",
                               place="Tây Ninh", day=DAY, signer="Nguyễn Văn Bí"), stream)
    docx = read_docx(io.BytesIO(stream.getvalue()))
    text = "\n".join(paragraph.text for paragraph in docx.paragraphs)
    for block in report["indicators"]:
        for sentence in block["sentences"]:
            assert sentence in text
    assert "Cấp ủy quan tâm chỉ đạo." in text
    assert "11/16 lượt đảng viên có mặt, đạt 68,8%" in text
    for section in kind.sections:
        if section["default"] or section["code"] in ("situation", "strengths", "assessment"):
            assert section["heading"] in text, section["code"]
    assert "IV. KIẾN NGHỊ, ĐỀ XUẤT" not in text  # an empty section is left out

    # The first table is the top block, the last the closing one; between them the figures.
    top, *tables, closing = docx.tables
    header_text = "\n".join(cell.text for row in top.rows for cell in row.cells)
    assert "TỈNH ỦY" in header_text and "Số 12-BC/TU" in header_text
    assert "Tây Ninh, ngày 10 tháng 02 năm 2026" in header_text and "ĐẢNG CỘNG SẢN VIỆT NAM" in header_text
    closing_text = "\n".join(cell.text for row in closing.rows for cell in row.cells)
    assert "Nơi nhận:" in closing_text and "T/M TỈNH ỦY" in closing_text and "Nguyễn Văn Bí" in closing_text
    figures_tables = tables_of(report)
    assert len(tables) == len(figures_tables)
    for printed_table, table in zip(tables, figures_tables, strict=True):
        rows = [[cell.text for cell in row.cells] for row in printed_table.rows]
        assert rows[0] == [column["label"] for column in table["columns"]]
        expected = [*table["rows"], *([table["total"]] if table["total"] else [])]
        assert rows[1:] == [[printed(value, column["kind"]) for value, column in zip(values, table["columns"],
                                                                                  strict=True)]
                            for values in expected]


def test_pdf_text_holds_the_figures(report):
    kind = ReportKind.objects.get(code="ct17")
    stream = io.BytesIO()
    write_pdf(report_document(report, kind, {}, day=DAY, signer="Nguyễn Văn Bí"), stream)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(stream.getvalue())).pages)
    flat = " ".join(text.split())
    for phrase in ["Đã mở 3 lớp bồi dưỡng với 6 lượt học viên", "11/16 lượt đảng viên có mặt, đạt 68,8%",
                   "7/13 đảng viên đã học, đạt 53,8%", "5/13 đảng viên đã xây dựng bản cam kết",
                   "BÁO CÁO", "ĐẢNG CỘNG SẢN VIỆT NAM", "ngày 10 tháng 02 năm 2026", "-BC/TU", "T/M TỈNH ỦY",
                   "Nơi nhận:", "năm 2025", "Tổng cộng 3 1 6 1 3"]:
        assert phrase in flat, phrase
    assert "68.8" not in flat and "53.8" not in flat  # never the English writing


def test_summary_line_and_issuing_bodies(catalogues):
    summary = report_summary(ReportKind.objects.get(code="kl01"), {"period": {"label": "2021–2025", "years": 5}})
    assert summary.startswith("Kết quả thực hiện Kết luận số 01-KL/TW") and summary.endswith("giai đoạn 2021–2025")
    assert issuing_body("Đảng bộ tỉnh Tây Ninh") == ("Tỉnh ủy Tây Ninh", "TU")
    assert issuing_body("Đảng bộ xã Hiệp Lộc") == ("Đảng ủy xã Hiệp Lộc", "ĐU")
    assert issuing_body("Chi bộ ấp Tân Lập") == ("Chi bộ ấp Tân Lập", "CB")
    assert issuing_body("Đảng bộ huyện Tân Biên") == ("Huyện ủy Tân Biên", "HU")
