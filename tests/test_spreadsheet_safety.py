"""Hostile spreadsheets: a zip bomb, an XML entity bomb, macro-enabled files, a file that
is not what its name says, one too big. Each is refused with a Vietnamese message before
any parser reads it, and the process stays within its memory."""

import zipfile

import openpyxl
import psutil
import pytest

from portal.spreadsheets.reading import Column, read_table
from portal.spreadsheets.safety import SpreadsheetRefused, check_upload

COLUMNS = [Column("name", "Họ và tên", required=True)]
MB = 1024 * 1024
MEMORY_CEILING_MB = 600

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / MB


def valid_workbook(path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Họ và tên"])
    workbook.active.append(["Nguyễn Văn An"])
    workbook.save(path)


def test_a_plain_workbook_passes(tmp_path):
    path = tmp_path / "ok.xlsx"
    valid_workbook(path)
    assert check_upload(path, path.name) == "xlsx"
    assert [row.values["name"] for row in read_table(path, path.name, COLUMNS).rows] == ["Nguyễn Văn An"]


def test_zip_bomb_refused_while_unpacking_memory_bounded(tmp_path):
    """A 2 GB sheet of spaces packed into a couple of MB: refused once the unpacked bytes
    pass the limit, read in chunks so memory does not follow the unpacked size."""
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", "<workbook/>")
        chunk = b" " * (16 * MB)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for _ in range(128):
                part.write(chunk)
    assert path.stat().st_size < 20 * MB
    before = rss_mb()
    with pytest.raises(SpreadsheetRefused, match="giải nén ra quá lớn"):
        read_table(path, path.name, COLUMNS)
    assert rss_mb() < MEMORY_CEILING_MB
    assert rss_mb() - before < 100


def test_zip_with_too_many_parts_refused(tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for number in range(10_001):
            archive.writestr(f"xl/x{number}.bin", b"")
    with pytest.raises(SpreadsheetRefused, match="giải nén ra quá lớn"):
        check_upload(path, path.name)


def test_xml_entity_bomb_refused(tmp_path):
    """The billion laughs: entities defined in a DTD that expand to gigabytes."""
    path = tmp_path / "laughs.xlsx"
    valid_workbook(path)
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><sst><si><t>&lol9;</t></si></sst>'
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["xl/sharedStrings.xml"] = bomb.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(SpreadsheetRefused, match="DOCTYPE/ENTITY"):
        read_table(path, path.name, COLUMNS)
    assert rss_mb() < MEMORY_CEILING_MB


def test_macro_enabled_files_refused(tmp_path):
    named = tmp_path / "macro.xlsm"
    valid_workbook(named)
    with pytest.raises(SpreadsheetRefused, match="macro"):
        check_upload(named, named.name)

    hidden = tmp_path / "hidden.xlsx"  # macros inside a file named .xlsx
    valid_workbook(hidden)
    with zipfile.ZipFile(hidden, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    with pytest.raises(SpreadsheetRefused, match="macro"):
        check_upload(hidden, hidden.name)

    typed = tmp_path / "typed.xlsx"  # the macro-enabled content type
    with zipfile.ZipFile(typed, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.replace("sheet.main+xml",
                                                                      "sheet.macroEnabled.main+xml"))
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(SpreadsheetRefused, match="macro"):
        check_upload(typed, typed.name)


@pytest.mark.parametrize("name, content, message", [
    ("list.xlsx", b"Ho va ten\nAn\n", "không phải tệp Excel"),
    ("list.csv", b"PK\x03\x04binary", "không phải tệp CSV"),
    ("list.xls", b"\xd0\xcf\x11\xe0", "định dạng cũ"),
    ("list.pdf", b"%PDF-1.4", "không phải Excel"),
])
def test_files_that_are_not_what_they_say(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SpreadsheetRefused, match=message):
        check_upload(path, name)


def test_size_limit(tmp_path, settings):
    settings.SPREADSHEET_MAX_MB = 1
    path = tmp_path / "big.csv"
    path.write_bytes(b"Ho va ten\n" + b"a" * (MB + 1))
    with pytest.raises(SpreadsheetRefused, match="vượt giới hạn 1 MB"):
        check_upload(path, path.name)
