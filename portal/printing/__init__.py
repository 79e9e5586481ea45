"""Printing: one document model rendered to DOCX and PDF in the Party's layout (Hướng dẫn
36-HD/VPTW), and a safe XLSX writer. It imports no domain app: callers bring plain data.

Build a document and render it::

    from portal.printing import Column, Document, Heading, Paragraph, Row, Signature, Table
    from portal.printing import render_docx, render_pdf

    document = Document(
        superior="TỈNH ỦY TÂY NINH",
        issuer="BAN TUYÊN GIÁO",
        number_symbol="12-BC/BTGTU",  # "-BC/BTGTU" leaves the number blank
        place="Tây Ninh",
        date=datetime.date(2026, 2, 5),  # printed "Tây Ninh, ngày 05 tháng 02 năm 2026"
        kind="BÁO CÁO",
        summary="Kết quả học tập chuyên đề năm 2025",
        body=[
            Heading("I. KẾT QUẢ"),
            Paragraph("…"),
            Table(
                columns=[
                    Column("Đơn vị", width=3),
                    Column("Đảng viên", width=1, align="right", number_format="#,##0"),
                    Column("Tỷ lệ", width=1, align="right", number_format="0.0%"),
                ],
                rows=[Row(["Đảng bộ huyện Tân Biên", 4554, 0.875], bold=True),
                      Row(["Chi bộ ấp Tân Lập", 31, 0.9], indent=1)],
            ),
        ],
        recipients=["Ban Tuyên giáo Trung ương (b/c),", "Lưu VPTU."],
        signature=Signature(["T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ"], "Nguyễn Thị Hường"),
    )
    render_pdf(document, "bao-cao.pdf")  # a path or a binary stream
    render_docx(document, stream)

The same Table goes into a spreadsheet, numbers as numbers with the columns' formats::

    write_xlsx(stream, [Sheet("Tiến độ", table, title_lines=["TIẾN ĐỘ HỌC TẬP"])])

A `QrCode(data, size_mm=30, caption="")` block prints a QR code (segno, drawn as vector
squares in the PDF, a picture in the DOCX), centred, with its caption below.

Text cells that a spreadsheet would evaluate (starting with =, +, -, @, tab or CR) are
written with a leading apostrophe.
"""

from .document import (
    Column,
    Document,
    Heading,
    Paragraph,
    QrCode,
    Row,
    Signature,
    Table,
    format_number,
    format_percent,
    format_value,
    vietnamese_date,
)
from .docx import render_docx
from .pdf import render_pdf
from .xlsx import Sheet, neutralise, write_xlsx

__all__ = [
    "Column",
    "Document",
    "Heading",
    "Paragraph",
    "QrCode",
    "Row",
    "Sheet",
    "Signature",
    "Table",
    "format_number",
    "format_percent",
    "format_value",
    "neutralise",
    "render_docx",
    "render_pdf",
    "vietnamese_date",
    "write_xlsx",
]
