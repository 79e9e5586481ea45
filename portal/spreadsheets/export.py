"""Lists exported as the page shows them, to XLSX and CSV.

Each list describes its columns once (`ListExport`): a title, where the value comes from,
a number format. Its `source` answers the rows of the page for the same query string, by
the page's own filter and selector, so an export holds what the page lists, under the same
access rule (a unit or class outside the reach is a 404 there as here).

Rows are read from a queryset with `values()` and `iterator()` (a server-side cursor, a few
thousand rows at a time), so a province-wide list never sits in memory: CSV goes out as it
is read (StreamingHttpResponse); XLSX is written by openpyxl's write-only workbook into a
temporary file on disk and streamed from there. A list longer than
settings.EXPORT_JOB_ROWS is made by a portal job instead: writing 300,000 rows takes longer
than a web worker may hold a request (gunicorn's 60 s), and the person gets a progress bar
and a file he can download again.

Text a spreadsheet would evaluate (=, +, -, @, tab, CR first) is neutralised by the one
rule of portal.printing.xlsx, in both formats. Exports are written in Vietnamese, whatever
the page's language: their headers are the import formats' headers.
"""

import csv
import datetime
import io
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files import File
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import register_converter
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.access import Action
from portal.jobs import JobError, JobKind
from portal.jobs.services import start_job
from portal.pagination import cached_count
from portal.printing import format_number
from portal.printing.xlsx import neutralise
from portal.spreadsheets.download import XLSX
from portal.spreadsheets.matching import PERSON_COLUMNS

CHUNK_ROWS = 2000  # rows fetched from the server-side cursor at a time
CSV_CHUNK_CHARS = 1 << 16  # characters of CSV sent at a time
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
INTEGER_FORMAT = "#,##0"
CONTENT_TYPES = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}
JOB_KIND = "spreadsheets.list_export"
_NOT_ASCII_WORD = re.compile(r"[^A-Za-z0-9]+")

CellValue = str | int | float | Decimal | datetime.date | datetime.datetime | None


@dataclass(frozen=True)
class Column:
    """One column of an exported list. `value` is a lookup read with `values()` ("birth_date",
    "organization__name") or a function of the row; a function reading a queryset's rows
    names the lookups it reads in `lookups`. Dates and times get their format by themselves;
    `number_format` is for numbers ("#,##0")."""

    title: str
    value: str | Callable[[Any], CellValue]
    number_format: str | None = None
    width: float = 16
    lookups: tuple[str, ...] = ()

    def fields(self) -> tuple[str, ...]:
        return (self.value,) if isinstance(self.value, str) else self.lookups

    def read(self, row) -> CellValue:
        return self.reader()(row)

    def reader(self) -> Callable[[Any], CellValue]:
        return itemgetter(self.value) if isinstance(self.value, str) else self.value


def person_columns(path: str = "person__") -> list[Column]:
    """Who a row is about, in the import formats' own columns (Họ và tên, Ngày sinh, Số thẻ
    đảng viên), read from the person at `path` ("person__", "enrollment__person__")."""
    return [Column(column.title, f"{path}{column.key}", width=width)
            for column, width in zip(PERSON_COLUMNS, (28, 12, 16), strict=True)]


def label_of(choices) -> Callable[[str], str]:
    """A choice's label as the page shows it in Vietnamese ("nu" -> "Nữ"), "" for none;
    the labels are translated once, not once a row."""
    labels = {}

    def label(value) -> str:
        if not labels:
            with translation.override("vi"):
                labels.update((key, str(text)) for key, text in choices)
        return labels.get(value, value or "")

    return label


def scope_of(*parts) -> str:
    """What a list is narrowed to, for its file's name: the parts given ("CB01", 2026), joined."""
    return "-".join(str(part) for part in parts if part)


@dataclass
class Rows:
    """What a list's source answers: the rows (a queryset, read by the columns' lookups, or
    rows already computed), and the code the list is narrowed to (a unit's, "lop-12"…),
    which names the file."""

    rows: QuerySet | Iterable
    scope: str = ""

    def count(self) -> int | None:
        """How many rows, for a queryset (the page's own cached count); None for rows
        computed in memory, which are bounded by the page itself (a unit, a class)."""
        return cached_count(self.rows) if isinstance(self.rows, QuerySet) else None


@dataclass(frozen=True)
class ListExport:
    code: str  # "people"
    file_stem: str  # "danh-sach-dang-vien": the file's name begins with it
    sheet: str  # the XLSX tab ("Đảng viên")
    columns: Sequence[Column]
    # source(user, query: QueryDict, **the URL's arguments) -> Rows: the page's rows, by the
    # page's filter and selector; Http404 for what the page answers with 404.
    source: Callable[..., Rows]
    label: Any = ""  # what the job page calls it ("Danh sách đảng viên")

    def file_name(self, scope: str, extension: str, day: datetime.date | None = None) -> str:
        """"danh-sach-dang-vien-CB01-2026-11-30.xlsx": ASCII whatever the unit's name."""
        day = day or timezone.localdate()
        parts = (self.file_stem, ascii_slug(scope), f"{day:%Y-%m-%d}")
        return "-".join(part for part in parts if part) + f".{extension}"


def ascii_slug(text: str) -> str:
    """"Chi bộ Đồng Xoài" -> "Chi-bo-Dong-Xoai": letters without their marks (đ -> d), case
    kept (a unit's code reads as written), anything else a hyphen."""
    text = text.replace("đ", "d").replace("Đ", "D")
    plain = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return _NOT_ASCII_WORD.sub("-", plain).strip("-")


_LISTS: dict[str, ListExport] = {}


def register_list(export: ListExport) -> ListExport:
    _LISTS[export.code] = export
    return export


def get_list(code: str) -> ListExport:
    try:
        return _LISTS[code]
    except KeyError:
        raise LookupError(f"no list export {code!r}: register it with register_list") from None


# --- Reading rows ----------------------------------------------------------------------------


def cell_rows(columns: Sequence[Column], rows: QuerySet | Iterable) -> Iterator[list[CellValue]]:
    """Each row's cells, neutralised. A queryset is read by the columns' lookups only,
    through a server-side cursor: one query, whatever the number of rows."""
    if isinstance(rows, QuerySet):
        lookups = list(dict.fromkeys(lookup for column in columns for lookup in column.fields()))
        rows = rows.values(*lookups).iterator(chunk_size=CHUNK_ROWS)
    readers = [column.reader() for column in columns]
    for row in rows:
        yield [neutralise(read(row)) for read in readers]


def _local(value: datetime.datetime) -> datetime.datetime:
    """Excel knows no time zones: the local time, as the page shows it."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


# --- XLSX ------------------------------------------------------------------------------------


def write_xlsx(stream, columns: Sequence[Column], rows: QuerySet | Iterable, *, sheet_title: str,
               progress: Callable[[int], None] | None = None) -> int:
    """The rows as a one-sheet workbook: a bold header row (frozen), then a row per row;
    dates are dates (dd/mm/yyyy), numbers numbers. Returns the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, neutralise(column.title))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    styles = _CellStyles(sheet)
    formats = [column.number_format for column in columns]
    written = 0
    with translation.override("vi"):
        for cells in cell_rows(columns, rows):
            sheet.append([styles.cell(value, number_format) for value, number_format in zip(cells, formats, strict=True)])
            written += 1
            if progress and written % CHUNK_ROWS == 0:
                progress(written)
    workbook.save(stream)
    return written


class _CellStyles:
    """A date or a formatted number needs a styled cell; each style is looked up in the
    workbook once and copied, which costs far less than setting it on every cell."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.styles = {}

    def cell(self, value, number_format):
        if value is None or type(value) is str:
            return value or None  # most cells: nothing to look at; an empty text is no cell at all
        if isinstance(value, datetime.datetime):
            value, number_format = _local(value), DATETIME_FORMAT
        elif isinstance(value, datetime.date):
            number_format = DATE_FORMAT
        elif not number_format or not isinstance(value, int | float | Decimal) or isinstance(value, bool):
            return value  # a bare value: much cheaper to write
        style = self.styles.get(number_format)
        if style is None:
            prototype = WriteOnlyCell(self.sheet)
            prototype.number_format = number_format
            style = self.styles[number_format] = prototype._style
        cell = WriteOnlyCell(self.sheet, value)
        cell._style = style
        return cell


# --- CSV -------------------------------------------------------------------------------------


def csv_text(value: CellValue) -> str:
    """A cell as CSV text: dates dd/mm/yyyy as the pages write them, numbers as numbers."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{_local(value):%d/%m/%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 8.50 -> "8.5", 10.00 -> "10"
    return str(value)


def csv_chunks(columns: Sequence[Column], rows: QuerySet | Iterable,
               progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The rows as CSV (comma-separated, UTF-8 with a byte order mark so Excel reads the
    Vietnamese right), in pieces of about 64 KB as the rows are read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(column.title) for column in columns])
    written = 0
    with translation.override("vi"):
        for cells in cell_rows(columns, rows):
            writer.writerow([csv_text(value) for value in cells])
            written += 1
            if buffer.tell() >= CSV_CHUNK_CHARS:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
                if progress:
                    progress(written)
    yield buffer.getvalue().encode()


def write_csv(stream, columns: Sequence[Column], rows: QuerySet | Iterable,
              progress: Callable[[int], None] | None = None) -> None:
    for chunk in csv_chunks(columns, rows, progress):
        stream.write(chunk)


def write_list(stream, export: ListExport, rows: QuerySet | Iterable, extension: str,
               progress: Callable[[int], None] | None = None) -> None:
    """A list in the format of `extension` ("xlsx" or "csv")."""
    if extension == "csv":
        write_csv(stream, export.columns, rows, progress)
    else:
        write_xlsx(stream, export.columns, rows, sheet_title=export.sheet, progress=progress)


def file_on_disk(handle, name: str) -> File:
    """A temporary file just written, as a File to store (its size from where writing ended)."""
    stored = File(handle, name=name)
    stored.size = handle.tell()
    handle.seek(0)
    return stored


# --- Answering a request -----------------------------------------------------------------------


class SheetConverter:
    """<sheet:ext> in a URL: "xlsx" or "csv"; anything else is not an export URL (404)."""

    regex = "xlsx|csv"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(SheetConverter, "sheet")


def attachment_header(filename: str) -> str:
    """Content-Disposition for a download: the ASCII name, and the same in RFC 5987's
    filename* so no browser mangles it."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _private(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = attachment_header(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def file_response(export: ListExport, rows: Rows, extension: str) -> HttpResponse:
    """The file, streamed: CSV as it is read, XLSX from a temporary file on disk."""
    filename = export.file_name(rows.scope, extension)
    if extension == "csv":
        response = StreamingHttpResponse(csv_chunks(export.columns, rows.rows), content_type=CONTENT_TYPES["csv"])
        return _private(response, filename)
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # no name on disk: gone when closed
    try:
        write_xlsx(handle, export.columns, rows.rows, sheet_title=export.sheet)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    response = FileResponse(handle, content_type=CONTENT_TYPES["xlsx"])
    return _private(response, filename)


def export_view(code: str):
    """The view that exports the list `code`: GET answers the file, or for a list longer
    than settings.EXPORT_JOB_ROWS a page that offers to make it in the background; POST
    starts that job. The URL carries the list page's own query string."""

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request, ext, **kwargs):
        export = get_list(code)
        rows = export.source(request.user, request.GET, **kwargs)  # 404 (or 403) as the page answers
        if request.method == "POST":
            job = start_export_job(export, request.user, request.GET, kwargs, ext)
            return redirect("job_detail", job.pk)
        count = rows.count()
        if count is not None and count > settings.EXPORT_JOB_ROWS:
            back = request.headers.get("referer", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
                back = ""
            return render(request, "portal/export_large.html", {
                "export": export, "count": count, "extension": ext, "limit": settings.EXPORT_JOB_ROWS,
                "back": back})
        return file_response(export, rows, ext)

    view.__name__ = view.__qualname__ = f"export_{code}"
    return view


# --- The job for long lists ----------------------------------------------------------------------


def export_params(export: ListExport, user, query: QueryDict, kwargs: dict, extension: str) -> dict:
    # The requester is part of the parameters: the file holds what he may see, so two
    # people asking for "the same" list never share one job.
    query = query.copy()
    query.pop("page", None)
    return {"list": export.code, "format": extension, "query": query.urlencode(), "args": kwargs,
            "user": user.pk}


def start_export_job(export: ListExport, user, query: QueryDict, kwargs: dict, extension: str):
    return start_job(JOB_KIND, export_params(export, user, query, kwargs, extension), by=user)


def _describe(params: dict) -> str:
    export = _LISTS.get(params["list"])
    name = str(export.label or export.sheet) if export else params["list"]
    return f"{name} · {params['format'].upper()}"


def run_export(run) -> None:
    params = run.params
    user = run.job.requested_by
    export = _LISTS.get(params["list"])
    if user is None or not user.is_active or export is None:
        raise JobError(_("Không còn xuất được danh sách này."))
    try:
        rows = export.source(user, QueryDict(params["query"]), **params["args"])
    except Http404:
        raise JobError(_("Danh sách này không còn trong phạm vi bạn được xem.")) from None
    total = rows.count() or 0
    extension = params["format"]
    run.progress(2, _("Đang đọc %(n)s dòng…") % {"n": format_number(total)})

    def progress(done: int) -> None:
        run.progress(2 + 93 * done / max(total, 1), _("Đã ghi %(done)s/%(total)s dòng…") % {
            "done": format_number(done), "total": format_number(total)})

    with tempfile.TemporaryFile() as handle:
        write_list(handle, export, rows.rows, extension, progress)
        run.progress(96, _("Đang lưu tệp…"))
        name = export.file_name(rows.scope, extension)
        run.save_file(name, file_on_disk(handle, name), CONTENT_TYPES[extension])


LIST_EXPORT = JobKind(code=JOB_KIND, label=gettext_lazy("Xuất danh sách"), action=Action.VIEW,
                      organization=lambda params: None, run=run_export, describe=_describe)
