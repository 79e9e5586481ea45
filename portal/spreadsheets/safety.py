"""An uploaded spreadsheet is checked before any parser sees it: its size, that it is what
its name says, no macros, and, for an XLSX (a zip of XML parts), that unpacking it stays
within a limit counted while actually decompressing (a zip's declared sizes can lie) and
that no part declares a DOCTYPE or an entity (the "billion laughs" expansion)."""

import zipfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from portal.printing import format_number

MB = 1024 * 1024
XLSX_EXTENSIONS = {".xlsx"}
CSV_EXTENSIONS = {".csv"}
MACRO_EXTENSIONS = {".xlsm", ".xltm", ".xlam", ".xlsb"}
OLD_EXTENSIONS = {".xls", ".ods", ".numbers"}
MAX_ZIP_ENTRIES = 10_000
CHUNK = 1024 * 1024
# A DTD may sit anywhere before the root element; XML parts of real workbooks never carry one.
DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
MACRO_MARKERS = ("vbaproject.bin", "vbadata.xml", "macrosheets/")


class SpreadsheetRefused(Exception):
    """A file the portal will not read; the message says why, in Vietnamese."""


def check_upload(path: Path, filename: str) -> str:
    """The kind of a file that may be read ("xlsx" or "csv"), else SpreadsheetRefused."""
    path = Path(path)
    suffix = Path(filename).suffix.lower()
    size = path.stat().st_size
    if size > settings.SPREADSHEET_MAX_MB * MB:
        raise SpreadsheetRefused(
            _("Tệp %(name)s nặng %(size)s MB, vượt giới hạn %(limit)s MB.")
            % {"name": filename, "size": format_number(size / MB, 1), "limit": settings.SPREADSHEET_MAX_MB}
        )
    if suffix in MACRO_EXTENSIONS:
        raise SpreadsheetRefused(
            _("Tệp %(name)s là tệp Excel có macro: không nhận. Hãy lưu lại thành Excel Workbook (.xlsx).")
            % {"name": filename}
        )
    if suffix in OLD_EXTENSIONS:
        raise SpreadsheetRefused(
            _("Tệp %(name)s có định dạng cũ hoặc khác: hãy lưu lại thành Excel Workbook (.xlsx) hoặc CSV.")
            % {"name": filename}
        )
    if suffix in CSV_EXTENSIONS:
        _check_csv(path, filename)
        return "csv"
    if suffix in XLSX_EXTENSIONS:
        _check_xlsx(path, filename)
        return "xlsx"
    raise SpreadsheetRefused(
        _("Tệp %(name)s không phải Excel (.xlsx) hoặc CSV.") % {"name": filename}
    )


def _check_csv(path: Path, filename: str) -> None:
    with open(path, "rb") as stream:
        head = stream.read(4096)
    if head.startswith(b"PK\x03\x04") or b"\x00" in head:
        raise SpreadsheetRefused(_("Tệp %(name)s không phải tệp CSV (văn bản).") % {"name": filename})


def _check_xlsx(path: Path, filename: str) -> None:
    not_xlsx = SpreadsheetRefused(_("Tệp %(name)s không phải tệp Excel (.xlsx) hợp lệ.") % {"name": filename})
    if not zipfile.is_zipfile(path):
        raise not_xlsx
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise _bomb(filename)
            names = {entry.filename.lower() for entry in entries}
            if "[content_types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
                raise not_xlsx
            if any(marker in name for name in names for marker in MACRO_MARKERS):
                raise _macros(filename)
            budget = settings.SPREADSHEET_MAX_UNCOMPRESSED_MB * MB
            for entry in entries:
                budget = _read_part(archive, entry, budget, filename)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError) as error:
        raise not_xlsx from error


def _read_part(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: int, filename: str) -> int:
    """Decompress one part in chunks, counting what it really unpacks to; an XML part is
    also searched for a DTD (across chunk edges). Returns the budget left."""
    is_xml = entry.filename.lower().endswith((".xml", ".rels", ".vml"))
    is_content_types = entry.filename.lower() == "[content_types].xml"
    tail = b""
    with archive.open(entry) as part:
        while chunk := part.read(CHUNK):
            budget -= len(chunk)
            if budget < 0:
                raise _bomb(filename)
            if is_xml:
                window = tail + chunk
                if any(marker in window for marker in DTD_MARKERS):
                    raise SpreadsheetRefused(
                        _("Tệp %(name)s chứa khai báo XML không an toàn (DOCTYPE/ENTITY): không nhận.")
                        % {"name": filename}
                    )
                if is_content_types and b"macroenabled" in window.lower():
                    raise _macros(filename)
                tail = chunk[-16:]
    return budget


def _bomb(filename: str) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        _("Tệp %(name)s giải nén ra quá lớn (quá %(limit)s MB): không nhận.")
        % {"name": filename, "limit": settings.SPREADSHEET_MAX_UNCOMPRESSED_MB}
    )


def _macros(filename: str) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        _("Tệp %(name)s có macro: không nhận. Hãy lưu lại thành Excel Workbook (.xlsx) không có macro.")
        % {"name": filename}
    )
