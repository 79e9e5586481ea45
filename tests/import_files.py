"""Spreadsheets built the way units make them, for the import tests: title rows merged across
the table, a header row (with or without diacritics), a blank line, a footer with the
signature block."""

import datetime
from pathlib import Path

from openpyxl import Workbook

from tests.factories import FACTORY_BIRTH

PEOPLE_HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Ngày vào Đảng", "Ngày chính thức",
                 "Số thẻ đảng viên", "Tình trạng", "Chi bộ", "Chức vụ", "Trình độ lý luận chính trị",
                 "Nghề nghiệp / nơi công tác"]
# The same columns as a unit without diacritics (or in another order) writes them.
PLAIN_HEADER = ["STT", "HO VA TEN", "Ngay sinh", "Gioi tinh", "Dan toc", "Ngay ket nap", "Ngay chinh thuc",
                "So the", "Tinh trang", "Chi bo", "Chuc vu", "Trinh do LLCT", "Nghe nghiep"]


def unit_workbook(path: Path, header: list, rows: list[list], *, titles=("ĐẢNG BỘ SỞ GIÁO DỤC",
                  "DANH SÁCH ĐẢNG VIÊN"), blank_after: int | None = 1, footer: bool = True,
                  date_format: str = "DD/MM/YYYY") -> Path:
    """An XLSX of `rows` under `header`, below title rows merged over the table; a blank line
    after the `blank_after`-th row; a footer ("Người lập biểu", a place and date) below."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    width = len(header)
    for number, title in enumerate(titles, start=1):
        sheet.cell(row=number, column=1, value=title)
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)
    sheet.append([])
    sheet.append(header)
    for index, row in enumerate(rows, start=1):
        sheet.append(row)
        if blank_after is not None and index == blank_after:
            sheet.append([])
    for line in sheet.iter_rows(min_row=len(titles) + 3):
        for cell in line:
            if isinstance(cell.value, datetime.date | datetime.datetime):
                cell.number_format = date_format
    if footer:
        sheet.append([])
        sheet.append(["Người lập biểu", None, None, None, None, None, None, None, "T/M CHI ỦY"])
        sheet.append(["(ký, ghi rõ họ tên)", None, None, None, None, None, None, None, "Ngày 05 tháng 3 năm 2026"])
    workbook.save(path)
    return path


def first_data_row(titles=2) -> int:
    """The sheet row of the first data row in `unit_workbook` (titles, a blank line, the header)."""
    return titles + 3


def person_row(name: str, *, birth=FACTORY_BIRTH, gender="Nam", ethnicity="Kinh",
               admitted=datetime.date(2010, 3, 2), official=datetime.date(2011, 3, 2), card=None,
               status="Chính thức", unit="", position="", theory="Sơ cấp", job="Chuyên viên") -> list:
    return [name, birth, gender, ethnicity, admitted, official, card, status, unit, position, theory, job]
