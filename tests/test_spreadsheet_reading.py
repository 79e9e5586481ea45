"""Reading the files units keep: header below titles and merged cells, blank lines and the
footer skipped, headers and values matched without diacritics, dates as Excel dates,
serials and text, catalogue entries by written form, and the rejected-rows file."""

import datetime
from decimal import Decimal

import openpyxl
import pytest

from portal.spreadsheets.reading import Column, read_table
from portal.spreadsheets.rejected import write_rejected
from portal.spreadsheets.safety import SpreadsheetRefused
from portal.spreadsheets.text import match_key
from portal.spreadsheets.values import Choices, clean_text, parse_date, parse_decimal, parse_int

COLUMNS = [
    Column("name", "Họ và tên", aliases=("Họ tên",), required=True),
    Column("birth", "Ngày sinh"),
    Column("admitted", "Ngày vào Đảng", aliases=("Vào Đảng",)),
    Column("official", "Ngày chính thức", aliases=("Chính thức",)),
    Column("card", "Số thẻ đảng viên", aliases=("Số thẻ",)),
]


def unit_sheet(path):
    """A list as a cell keeps it: titles merged over the table, the header a few rows down
    written without diacritics, a grouped two-line header, a blank line, a footer."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B1"] = "ĐẢNG BỘ XÃ AN BÌNH"
    sheet.merge_cells("B1:G1")
    sheet["B2"] = "DANH SÁCH ĐẢNG VIÊN CHI BỘ THÔN 1"
    sheet.merge_cells("B2:G2")
    sheet["B4"], sheet["C4"], sheet["D4"], sheet["E4"], sheet["G4"] = "STT", "HO VA TEN", "NGAY SINH", "Ngày tháng", "SO THE"
    sheet.merge_cells("E4:F4")
    sheet["E5"], sheet["F5"] = "Vào Đảng", "chinh thuc"
    sheet.append([None, 1, "Nguyễn Văn An", datetime.date(1980, 3, 12), "05/06/2001", 37049.0, "01234567"])
    sheet["F6"].number_format = "0"  # an Excel serial left as a number
    sheet.append([])
    sheet.append([None, 2, "  Trần   Thị Bình ", "5/6/85", "1-2-10", "01.02.2011", 7654321])
    sheet.append([None, 3, None, None, None, None, None])  # numbered but empty: skipped like a blank line
    sheet.append([None, None, None, None, None, "Tân An, ngày 30 tháng 11 năm 2026"])
    sheet.append([None, None, "Người lập biểu"])
    sheet.append([None, None, "Lê Văn Cường"])
    workbook.save(path)


def test_header_found_below_titles_with_a_grouped_second_line(tmp_path, settings):
    path = tmp_path / "danh-sach.xlsx"
    unit_sheet(path)
    table = read_table(path, path.name, COLUMNS)
    assert table.header_row == 5
    assert table.columns == {"name": 2, "birth": 3, "admitted": 4, "official": 5, "card": 6}
    rows = list(table.rows)
    assert [row.number for row in rows] == [6, 8]  # the blank, the numbered empty line and the footer are gone
    first, second = rows
    assert first.values["name"] == "Nguyễn Văn An"
    assert parse_date(first.values["birth"]) == datetime.date(1980, 3, 12)
    assert parse_date(first.values["admitted"]) == datetime.date(2001, 6, 5)
    assert parse_date(first.values["official"]) == datetime.date(2001, 6, 7)  # serial 37049
    assert clean_text(first.values["card"]) == "01234567"
    assert clean_text(second.values["name"]) == "Trần Thị Bình"
    assert parse_date(second.values["birth"]) == datetime.date(1985, 6, 5)
    assert parse_date(second.values["admitted"]) == datetime.date(2010, 2, 1)
    assert parse_date(second.values["official"]) == datetime.date(2011, 2, 1)
    assert clean_text(second.values["card"]) == "7654321"


def test_missing_required_header_is_named(tmp_path):
    path = tmp_path / "x.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["STT", "Ngày sinh"])
    workbook.active.append([1, "01/01/1990"])
    workbook.save(path)
    with pytest.raises(SpreadsheetRefused, match="Họ và tên"):
        read_table(path, path.name, COLUMNS)


def test_csv_with_semicolons_and_bom(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Họ tên;Ngày sinh\nPhạm Thị Dung;31/12/1990\n;\n", encoding="utf-8-sig")
    table = read_table(path, path.name, COLUMNS)
    rows = list(table.rows)
    assert table.header_row == 1
    assert [(row.number, row.values["name"], parse_date(row.values["birth"])) for row in rows] == [
        (2, "Phạm Thị Dung", datetime.date(1990, 12, 31))
    ]


def test_csv_not_utf8_is_refused(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes("Họ tên,Ngày sinh\nLê Văn E,01/01/1990\n".encode("windows-1252", errors="replace")
                     .replace(b"?", b"\xe1"))  # a legacy code page: é/á bytes that are not UTF-8
    with pytest.raises(SpreadsheetRefused, match="UTF-8"):
        list(read_table(path, path.name, COLUMNS).rows)


def test_row_limit(tmp_path, settings):
    settings.SPREADSHEET_MAX_ROWS = 3
    path = tmp_path / "list.csv"
    path.write_text("Họ tên\n" + "".join(f"Người {n}\n" for n in range(4)), encoding="utf-8")
    table = read_table(path, path.name, COLUMNS)
    with pytest.raises(SpreadsheetRefused, match="hơn 3 dòng"):
        list(table.rows)


@pytest.mark.parametrize(
    "written, expected",
    [
        ("31/12/1990", datetime.date(1990, 12, 31)),
        ("1/2/03", datetime.date(2003, 2, 1)),
        ("1/2/45", datetime.date(1945, 2, 1)),
        ("09-11-2001", datetime.date(2001, 11, 9)),
        ("2001-11-09", datetime.date(2001, 11, 9)),
        (45000, datetime.date(2023, 3, 15)),
        (datetime.datetime(2020, 5, 6, 7, 8), datetime.date(2020, 5, 6)),
        ("", None),
        (None, None),
    ],
)
def test_dates(written, expected):
    assert parse_date(written) == expected


@pytest.mark.parametrize("written", ["31/02/1990", "ngày 3", "13/13/2000", -5])
def test_bad_dates_say_why(written):
    with pytest.raises(ValueError) as error:
        parse_date(written)
    assert str(error.value)  # a Vietnamese reason, shown to the user


def test_numbers():
    assert parse_decimal("7,5") == Decimal("7.5")
    assert parse_decimal(7.5) == Decimal("7.5")
    assert parse_decimal(" 8 ") == Decimal(8)
    assert parse_int(12.0) == 12
    with pytest.raises(ValueError):
        parse_decimal("bảy")
    with pytest.raises(ValueError):
        parse_int("7,5")


def test_match_key_ignores_case_diacritics_punctuation_spacing():
    assert match_key(" Họ và  tên ") == match_key("HO VA TEN") == match_key("Họ-và-tên:") == "ho va ten"
    assert match_key("Đảng viên") == "dang vien"


def test_choices_by_written_form_and_ambiguity():
    statuses = Choices(
        [("Đảng viên chính thức", 1), ("chính thức", 1), ("CT", 1), ("Đảng viên dự bị", 2), ("dự bị", 2),
         ("Khác", 3), ("khac", 4)],
        label="tình trạng",
    )
    assert statuses.get("CHINH THUC") == 1
    assert statuses.get("Dự  bị") == 2
    assert statuses.get("") is None
    with pytest.raises(ValueError, match="không có trong danh mục tình trạng"):
        statuses.get("đã mất")
    with pytest.raises(ValueError, match="nhiều mục"):
        statuses.get("Khác")


def test_rejected_rows_file_reads_back(tmp_path):
    path = tmp_path / "loi.xlsx"
    header = ["STT", "Họ và tên", "Ngày sinh"]
    write_rejected(path, header, [([1, "=HYPERLINK(\"x\")", datetime.date(1990, 1, 2)], "Ngày sinh không hợp lệ")])
    sheet = openpyxl.load_workbook(path).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["STT", "Họ và tên", "Ngày sinh", "Lý do"]
    assert rows[1][0] == 1
    assert rows[1][1] == "'=HYPERLINK(\"x\")"  # never evaluated when opened
    assert rows[1][2] == datetime.datetime(1990, 1, 2)
    assert rows[1][3] == "Ngày sinh không hợp lệ"
    assert len(rows) == 2
    again = read_table(path, path.name, COLUMNS)
    assert [row.values["name"] for row in again.rows] == ["'=HYPERLINK(\"x\")"]
