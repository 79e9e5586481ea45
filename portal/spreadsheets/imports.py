"""The import engine: one description per format, a preview computed without writing, then a
confirmation that re-reads the stored file and writes everything or nothing.

A format (people, attendance, results, documents) subclasses `ImportFormat` and registers an
instance with `register_format`. Pages, the API and the commands go through the services
below (`stage_import`, `confirm_import`, `import_file`); files with more rows than
settings.IMPORT_JOB_ROWS are previewed and written by a portal job with a progress bar.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import hashlib
import io
import itertools
import shutil
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import access
from portal.access import Action, Reach
from portal.audit import acting_as
from portal.jobs import JobError, JobKind
from portal.jobs.models import Job
from portal.jobs.services import start_job
from portal.printing import format_number
from portal.spreadsheets.models import ImportBatch
from portal.spreadsheets.safety import SpreadsheetRefused

if TYPE_CHECKING:
    from portal.models import Organization
    from portal.spreadsheets.reading import Column, SourceRow, Table

PREVIEW_ROWS = 200  # created / changed rows kept for the page
PREVIEW_PROBLEMS = 1000  # problems kept for the page (the rejected-rows file holds them all)
PROGRESS_EVERY = 2000  # rows between two progress reports of a job
IMPORT_LOCK = 7310  # the advisory lock class of imports (pg_advisory_xact_lock's first key)

# Commands are run by whoever administers the server: every unit is within their reach.
ADMINISTRATOR = Reach(everything=True, signed_in=True)


# --- What an import would do ------------------------------------------------------------------


@dataclass
class Problem:
    """One bad cell (or a whole bad row, `column` ""), shown in the preview and written to the
    rejected-rows file."""

    row: int  # the row's number in the sheet
    column: str  # the column's header title ("Ngày sinh"); "" for a problem of the whole row
    value: str  # the value as written
    reason: str  # Vietnamese

    def __str__(self) -> str:
        if self.column:
            return _("Dòng %(row)d, cột %(column)s, giá trị '%(value)s': %(reason)s") % {
                "row": self.row, "column": self.column, "value": self.value, "reason": self.reason}
        return _("Dòng %(row)d: %(reason)s") % {"row": self.row, "reason": self.reason}

    @property
    def short(self) -> str:
        """The reason as the rejected-rows file's "Lý do" column gives it, beside the row itself."""
        return f"{self.column}: {self.reason}" if self.column else self.reason

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class Change:
    """One row that creates or changes something."""

    row: int
    label: str  # what it is about ("Nguyễn Văn A (12/03/1980)")
    fields: list[tuple[str, str, str]]  # (column title, old text, new text); old "" for a creation

    def as_dict(self) -> dict:
        return {"row": self.row, "label": self.label, "fields": [list(f) for f in self.fields]}


@dataclass
class Plan:
    """What an import would do, computed without writing anything."""

    total: int = 0
    created: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    rejected_rows: list[tuple[list, str]] = field(default_factory=list)  # (original cells, reasons)
    header: list[str] = field(default_factory=list)
    payload: object = None  # what the format's apply() writes

    @property
    def ok(self) -> bool:
        return not self.problems

    def reject(self, source: SourceRow, problems: Sequence[Problem]) -> None:
        """Count `source` as a bad row with its problems (at least one)."""
        self.problems.extend(problems)
        self.rejected_rows.append((list(source.cells), "; ".join(problem.short for problem in problems)))

    def counts(self) -> dict[str, int]:
        return {"total": self.total, "created": len(self.created), "changed": len(self.changed),
                "unchanged": self.unchanged, "problems": len(self.problems), "bad_rows": len(self.rejected_rows)}


class ImportFormat:
    """One kind of file that can be imported. Subclasses set the attributes and implement the
    methods; `plan` never writes, `apply` writes in bulk inside the caller's transaction."""

    code: str  # "people", "attendance", "results", "documents"
    label: str  # lazy Vietnamese label ("Danh sách đảng viên")
    columns: Sequence[Column]
    resource_class: type  # the django-import-export resource describing the same columns
    target_label: str  # what the import goes into ("Chi bộ", "Buổi sinh hoạt", "Lớp")
    target_help: str  # how to name the target, for the admin's form and the commands (a unit's code…)
    # The permission over the target's unit that writing needs (and that lets others see its jobs).
    action: str = Action.MANAGE

    def target(self, user, target_id: str) -> Model:
        """The target under the access rule for writing; Http404 outside it."""
        raise NotImplementedError

    def target_key(self, target) -> str:
        """How `target()` finds the target again (stored on the batch)."""
        return str(target.pk)

    def target_organization(self, target) -> Organization:
        raise NotImplementedError

    def describe_target(self, target) -> str:
        return str(target)

    def target_url(self, target) -> str | None:
        """The target's own page, linked from the import's result ("Chi bộ Văn phòng", a session)."""
        return None

    def template_columns(self) -> Sequence[Column]:
        """The columns the template shows; `columns` may also read other layouts units keep."""
        return self.columns

    def example_rows(self) -> list[list]:
        """The template's example rows, one value per `template_columns()`."""
        return []

    def plan(self, table: Table, *, target, user) -> Plan:
        raise NotImplementedError

    def apply(self, plan: Plan, *, target, user) -> dict:
        raise NotImplementedError


class UnitFormat(ImportFormat):
    """A format whose target is a unit, named by its code (a list of people, a catalogue)."""

    def target_key(self, target: Organization) -> str:
        return target.code

    def target_organization(self, target: Organization) -> Organization:
        return target

    def describe_target(self, target: Organization) -> str:
        return target.name


_FORMATS: dict[str, ImportFormat] = {}


def register_format(fmt: ImportFormat) -> None:
    _FORMATS[fmt.code] = fmt


def get_format(code: str) -> ImportFormat:
    try:
        return _FORMATS[code]
    except KeyError:
        raise LookupError(f"no import format {code!r}: register it with register_format") from None


def all_formats() -> list[ImportFormat]:
    return list(_FORMATS.values())


# --- Templates --------------------------------------------------------------------------------


def write_template(format_code: str, stream_or_path) -> None:
    """The file to fill: the Vietnamese headers on the first row, then the example row(s)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from portal.printing.xlsx import neutralise

    fmt = get_format(format_code)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(fmt.label)[:31]
    columns = fmt.template_columns()
    sheet.append([column.title for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in fmt.example_rows():
        sheet.append([neutralise(value) for value in row])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column.title) + 4)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    workbook.save(stream_or_path)


# --- Reading the stored file ------------------------------------------------------------------


def _read(fmt: ImportFormat, path: Path, filename: str) -> Table:
    from portal.spreadsheets.reading import read_table

    return read_table(path, filename, fmt.columns)


def _suffix(filename: str) -> str:
    """A local copy keeps the file's extension: calamine chooses its reader by it."""
    return "." + filename.rpartition(".")[2].lower()


def _runs_as_job(rows: int) -> bool:
    """A file this long is previewed and written by a job, with a progress bar."""
    return rows > settings.IMPORT_JOB_ROWS


@contextlib.contextmanager
def _local_copy(batch: ImportBatch) -> Iterator[Path]:
    """The stored file as a local path (private storage may be remote)."""
    with tempfile.NamedTemporaryFile(suffix=_suffix(batch.filename)) as local, batch.file.open("rb") as stored:
        shutil.copyfileobj(stored, local)
        local.flush()
        yield Path(local.name)


@contextlib.contextmanager
def _uploaded_copy(upload, filename: str) -> Iterator[tuple[Path, str]]:
    """The upload as a local file and its SHA-256."""
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(suffix=_suffix(filename)) as local:
        source = open(upload, "rb") if isinstance(upload, (str, Path)) else upload  # noqa: SIM115
        try:
            chunks = source.chunks() if hasattr(source, "chunks") else iter(lambda: source.read(1 << 16), b"")
            for chunk in chunks:
                digest.update(chunk)
                local.write(chunk)
        finally:
            if source is not upload:
                source.close()
        local.flush()
        yield Path(local.name), digest.hexdigest()


class _Counted:
    """A table's rows, reporting how many have been read to a job every PROGRESS_EVERY rows."""

    def __init__(self, rows, report):
        self._rows = rows
        self._report = report
        self.count = 0

    def __iter__(self):
        for row in self._rows:
            self.count += 1
            if self.count % PROGRESS_EVERY == 0:
                self._report(self.count)
            yield row


# --- The preview ------------------------------------------------------------------------------


def _record_plan(batch: ImportBatch, plan: Plan) -> None:
    """Keep what the page shows of the plan, and the rejected rows as a file to fix."""
    batch.summary = plan.counts()
    batch.preview = {
        "header": plan.header,
        "created": [change.as_dict() for change in plan.created[:PREVIEW_ROWS]],
        "changed": [change.as_dict() for change in plan.changed[:PREVIEW_ROWS]],
        "problems": [problem.as_dict() for problem in plan.problems[:PREVIEW_PROBLEMS]],
    }
    batch.status = ImportBatch.Status.PREVIEWED
    batch.error = ""
    if batch.pk is None:
        batch.save()  # the rejected-rows file is named after it
    if batch.rejected_file:
        batch.rejected_file.delete(save=False)
    if plan.rejected_rows:
        from portal.spreadsheets.rejected import write_rejected

        stream = io.BytesIO()
        write_rejected(stream, plan.header, plan.rejected_rows)
        batch.rejected_file.save("loi.xlsx", ContentFile(stream.getvalue()), save=False)
    batch.save()


@contextlib.contextmanager
def _without_gc() -> Iterator[None]:
    """Python's cycle collector off while a plan of many small objects is built and written: it
    would walk them all again and again (a third of the time of a 100,000-row plan), and they
    hold no cycles; it runs once afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plan(fmt: ImportFormat, table: Table, *, target, user) -> Plan:
    with _without_gc():
        plan = fmt.plan(table, target=target, user=user)
    plan.header = plan.header or list(table.header)
    return plan


def stage_import(*, user, format_code: str, target_id: str, upload, filename: str) -> ImportBatch:
    """Keep the file and compute its preview (or start the job that computes it, when the file
    holds more than IMPORT_JOB_ROWS rows). The same file for the same target already imported:
    that batch, as it is; waiting for the user's confirmation: that batch, its preview computed
    again. Http404 for a target
    outside the user's reach; SpreadsheetRefused (a Vietnamese message) for a file refused
    before anything is kept: unsafe, not a spreadsheet, no header row."""
    fmt = get_format(format_code)
    target = fmt.target(user, target_id)
    with _uploaded_copy(upload, filename) as (path, sha256):
        table = _read(fmt, path, filename)
        first_rows = list(itertools.islice(table.rows, settings.IMPORT_JOB_ROWS + 1))
        key = fmt.target_key(target)
        same_file = ImportBatch.objects.filter(format_code=fmt.code, target_id=key, sha256=sha256)
        done = same_file.filter(status__in=[ImportBatch.Status.APPLYING, ImportBatch.Status.APPLIED]).first()
        if done is not None and settle(done).status != ImportBatch.Status.FAILED:
            return done
        batch = same_file.filter(created_by_id=getattr(user, "pk", None),
                                 status__in=[ImportBatch.Status.PREVIEWED, ImportBatch.Status.PLANNING]).first()
        if batch is None:
            batch = ImportBatch(format_code=fmt.code, target_id=key, sha256=sha256, filename=filename[:255],
                                organization=fmt.target_organization(target),
                                created_by=user if getattr(user, "is_authenticated", False) else None)
            with path.open("rb") as stored:
                batch.file.save(filename, File(stored), save=False)
        if _runs_as_job(len(first_rows)):
            batch.status = ImportBatch.Status.PLANNING
            batch.save()
            batch.job = start_job(PREVIEW_KIND, {"batch": batch.pk}, by=user)
            batch.save(update_fields=["job"])
            return batch
        table.rows = iter(first_rows)
        _record_plan(batch, _plan(fmt, table, target=target, user=user))
    return batch


# --- Confirming -------------------------------------------------------------------------------


class _Stale(Exception):
    """The data changed since the preview: the new plan has problems, nothing was written."""

    def __init__(self, plan: Plan):
        self.plan = plan


def _lock_import(fmt: ImportFormat) -> None:
    """One import of a format at a time (units nest: two imports into a đảng bộ and one of its
    chi bộ could match the same people): the second waits, then plans against what the first
    wrote. A key that is the same in every process (Python's own str hash is not)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK, zlib.crc32(fmt.code.encode()) % 2**31])


def _write(fmt: ImportFormat, table: Table, *, target, user, context: str) -> tuple[Plan, dict | None]:
    """Plan and, when the plan has no problem, apply, in the caller's transaction, the writes
    attributed to `user`."""
    _lock_import(fmt)
    plan = _plan(fmt, table, target=target, user=user)
    if not plan.ok:
        return plan, None
    with acting_as(user if not isinstance(user, Reach) else None, context), _without_gc():
        counts = fmt.apply(plan, target=target, user=user)
    return plan, counts


def _apply_batch(batch: ImportBatch, *, user, report=None) -> ImportBatch:
    """Re-read the stored file and write it, all or nothing. Whatever stops it (the data
    changed, a service refusing on a race, the user's rights gone, a crash) leaves the batch
    out of "applying", so the same file can be sent again."""
    fmt = get_format(batch.format_code)
    try:
        target = fmt.target(user, batch.target_id)
        with _local_copy(batch) as path, transaction.atomic():
            table = _read(fmt, path, batch.filename)
            if report is not None:
                table.rows = _Counted(table.rows, report)
            plan, counts = _write(fmt, table, target=target, user=user,
                                  context=f"import {fmt.code} #{batch.pk}")
            if counts is None:
                raise _Stale(plan)
            updated = ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.APPLIED, applied_at=timezone.now(),
                summary={**plan.counts(), "written": counts})
            if not updated:
                raise JobError(_("Lần nhập này không còn nữa."))
    except _Stale as stale:
        _record_plan(batch, stale.plan)
        raise ValidationError(_("Dữ liệu đã thay đổi từ lúc xem trước: tệp nay có %(n)d dòng lỗi, chưa nhập gì. "
                                "Xem lại bản xem trước.") % {"n": len(stale.plan.rejected_rows)}) from None
    except (ValidationError, SpreadsheetRefused) as refused:
        _fail(batch, " ".join(getattr(refused, "messages", [str(refused)])))
        raise
    except Exception:
        _fail(batch, _("Nhập không thành công, chưa ghi gì."))
        raise
    batch.refresh_from_db()
    return batch


def _fail(batch: ImportBatch, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).exclude(status=ImportBatch.Status.APPLIED).update(
        status=ImportBatch.Status.FAILED, error=message[:500])


def settle(batch: ImportBatch) -> ImportBatch:
    """A batch whose apply job ended without writing (cancelled while queued, or failed for
    good) is failed rather than "applying" for ever: the file can be sent again."""
    if batch.status == ImportBatch.Status.APPLYING and batch.job_id is not None:
        job_status = Job.objects.filter(pk=batch.job_id).values_list("status", flat=True).first()
        if job_status in (Job.Status.CANCELLED, Job.Status.FAILED):
            _fail(batch, _("Việc nhập đã dừng trước khi ghi, chưa ghi gì. Hãy tải tệp lên lại."))
            batch.refresh_from_db()
    return batch


def confirm_import(batch: ImportBatch, *, user) -> ImportBatch:
    """Write the previewed file, all or nothing (a job for a large file). Refuses, with a
    Vietnamese ValidationError, a batch with problems, not previewed, or already applied."""
    with transaction.atomic():
        batch = settle(ImportBatch.objects.select_for_update().get(pk=batch.pk))
        if batch.status in (ImportBatch.Status.APPLIED, ImportBatch.Status.APPLYING):
            raise ValidationError(_("Tệp này đã được nhập rồi."), code="already_applied")
        if batch.status != ImportBatch.Status.PREVIEWED:
            raise ValidationError(_("Tệp này chưa kiểm tra xong hoặc đã bị từ chối: không thể nhập."),
                                  code="not_previewed")
        if batch.problem_count:
            raise ValidationError(_("Tệp còn %(n)d lỗi: hãy sửa các dòng lỗi rồi tải lên lại.")
                                  % {"n": batch.problem_count}, code="has_problems")
        get_format(batch.format_code).target(user, batch.target_id)  # still his to write: 404 if not
        batch.status = ImportBatch.Status.APPLYING
        try:
            with transaction.atomic():
                batch.save(update_fields=["status"])
        except IntegrityError:  # the same file for the same target confirmed in another batch
            raise ValidationError(_("Tệp này đã được nhập rồi."), code="already_applied") from None
        if _runs_as_job(batch.summary.get("total", 0)):
            batch.job = start_job(APPLY_KIND, {"batch": batch.pk, "rows": batch.summary.get("total", 0)}, by=user)
            batch.save(update_fields=["job"])
            return batch
    return _apply_batch(batch, user=user)


def import_file(*, user, format_code: str, target_id: str, path: Path, dry_run: bool,
                filename: str | None = None) -> tuple[Plan, dict | None]:
    """The commands' path: plan the file and, unless `dry_run` or a row is bad, write it all in
    one transaction. `user` None: the server's administrator (no one's reach, no one named in
    the history)."""
    fmt = get_format(format_code)
    reach_or_user = user if user is not None else ADMINISTRATOR
    target = fmt.target(reach_or_user, target_id)
    path = Path(path)
    table = _read(fmt, path, filename or path.name)
    if dry_run:
        return _plan(fmt, table, target=target, user=reach_or_user), None
    with transaction.atomic():
        return _write(fmt, table, target=target, user=reach_or_user, context=f"import {fmt.code} (lệnh)")


# --- Who sees a batch -------------------------------------------------------------------------


def visible_batches(user) -> QuerySet[ImportBatch]:
    """The batches a user may see: his own, and those of units where he may do what their
    format's writing needs."""
    return access.started_or_reached(ImportBatch.objects.all(), user, owner="created_by", kind="format_code",
                                     actions=[(fmt.code, fmt.action) for fmt in all_formats()])


# --- The jobs ---------------------------------------------------------------------------------


def _find_batch(params: dict) -> ImportBatch | None:
    return ImportBatch.objects.select_related("organization").filter(pk=params["batch"]).first()


def _batch_of(params: dict) -> ImportBatch:
    batch = _find_batch(params)
    if batch is None:
        raise JobError(_("Lần nhập này không còn nữa."))
    return batch


def _organization(params: dict):
    batch = _find_batch(params)
    return batch.organization if batch else None


def _describe(params: dict) -> str:
    batch = _find_batch(params)
    if batch is None:
        return "—"
    return f"{batch.filename} · {batch.organization.name}"


def _batch_link(params: dict) -> tuple[str, str]:
    """Where a finished import job leads: its batch's page (the preview, or what was written)."""
    return _("Xem kết quả nhập tệp"), reverse("import_batch", args=[params["batch"]])


def _progress(run, start: float, span: float, verb: str):
    """Progress by rows read: of the rows the preview counted when writing; while previewing, the
    total is not known yet, so the bar moves on ever slower (half way at 50,000 rows)."""
    total = run.params.get("rows") or 0

    def report(done: int) -> None:
        share = min(1.0, done / total) if total else done / (done + 50_000)
        run.progress(start + span * share, _("%(verb)s: đã đọc %(n)s dòng…")
                     % {"verb": verb, "n": format_number(done)})
    return report


def run_preview(run) -> None:
    batch = _batch_of(run.params)
    fmt = get_format(batch.format_code)
    user = run.job.requested_by
    try:
        target = fmt.target(user, batch.target_id)
        run.progress(1, _("Đang đọc tệp…"))
        with _local_copy(batch) as path:
            table = _read(fmt, path, batch.filename)
            table.rows = _Counted(table.rows, _progress(run, 1, 90, _("Đang kiểm tra")))
            plan = _plan(fmt, table, target=target, user=user)
        run.progress(95, _("Đang lưu bản xem trước…"))
        _record_plan(batch, plan)
    except SpreadsheetRefused as refused:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.REFUSED, error=str(refused)[:500])
        raise JobError(str(refused)) from None
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED,
                                                       error=_("Không kiểm tra được tệp."))
        raise


def run_apply(run) -> None:
    batch = _batch_of(run.params)
    try:
        run.progress(1, _("Đang đọc tệp…"))
        _apply_batch(batch, user=run.job.requested_by, report=_progress(run, 1, 90, _("Đang nhập")))
    except ValidationError as error:
        raise JobError(" ".join(error.messages)) from None


PREVIEW_KIND = "spreadsheets.import_preview"
APPLY_KIND = "spreadsheets.import_apply"

# Writing is checked by the format (`target()`, with its own permission: MANAGE for people,
# TRAIN for class results) when the job starts and again when it runs; the jobs' own action
# only says who else sees them: those who see the unit.
IMPORT_PREVIEW = JobKind(code=PREVIEW_KIND, label=gettext_lazy("Kiểm tra tệp nhập"), action=Action.VIEW,
                         organization=_organization, run=run_preview, describe=_describe,
                         result_link=_batch_link)
IMPORT_APPLY = JobKind(code=APPLY_KIND, label=gettext_lazy("Nhập dữ liệu từ tệp"), action=Action.VIEW,
                       organization=_organization, run=run_apply, describe=_describe,
                       result_link=_batch_link)
