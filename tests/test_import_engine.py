"""The import engine: a file staged and previewed without writing, confirmed all or nothing,
once only; a large file previewed and written by jobs; a refused file kept nowhere; the data
changed between preview and confirmation; templates of every format; who sees a batch."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from portal.jobs.models import Job
from portal.jobs.services import cancel_job, run_job
from portal.models import Person, Position, RowHistory
from portal.spreadsheets.imports import (
    Change,
    Problem,
    all_formats,
    confirm_import,
    get_format,
    import_file,
    stage_import,
    visible_batches,
    write_template,
)
from portal.spreadsheets.models import ImportBatch
from portal.spreadsheets.reading import read_table
from portal.spreadsheets.safety import SpreadsheetRefused
from tests.factories import PersonFactory
from tests.import_files import PEOPLE_HEADER, first_data_row, person_row, unit_workbook

FIRST = first_data_row()


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def bithu(province):
    return province["users"]["bithu"]


def stage(user, path, code="CB1", filename=None):
    with path.open("rb") as upload:
        return stage_import(user=user, format_code="people", target_id=code, upload=upload,
                            filename=filename or path.name)


def members_file(tmp_path, rows, name="ds.xlsx"):
    return unit_workbook(tmp_path / name, PEOPLE_HEADER, rows, blank_after=None)


def test_staging_previews_without_writing_and_confirming_writes_everything(province, bithu, tmp_path):
    path = members_file(tmp_path, [person_row("Quách Văn Một", card="70100001"),
                                   person_row("Quách Thị Hai", gender="Nữ", card="70100002", position="Bí thư")])
    people_before = Person.objects.count()

    batch = stage(bithu, path)

    assert Person.objects.count() == people_before
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.is_ready
    assert (batch.organization.code, batch.target_id, batch.filename, batch.created_by) == (
        "CB1", "CB1", "ds.xlsx", bithu)
    assert batch.summary == {"total": 2, "created": 2, "changed": 0, "unchanged": 0, "problems": 0, "bad_rows": 0}
    created = batch.preview["created"]
    assert [change["label"] for change in created] == ["Quách Văn Một (17/05/1985)", "Quách Thị Hai (17/05/1985)"]
    assert ["Chức vụ", "", "Bí thư"] in created[1]["fields"] and ["Họ và tên", "", "Quách Thị Hai"] in created[1]["fields"]
    assert batch.preview["header"] == PEOPLE_HEADER and not batch.rejected_file

    batch = confirm_import(batch, user=bithu)

    assert batch.status == ImportBatch.Status.APPLIED and batch.applied_at is not None
    assert batch.summary["written"] == {"created": 2, "changed": 0, "status_changes": 4, "transfers": 0,
                                        "positions": 1}
    one = Person.objects.get(party_card_number="70100001")
    history = RowHistory.objects.get(table_name="portal_person", row_id=one.pk)
    assert (history.actor_id, history.context) == (bithu.pk, f"import people #{batch.pk}")


def test_the_same_file_is_written_once(province, bithu, tmp_path):
    path = members_file(tmp_path, [person_row("Quách Văn Một", card="70100001")])
    first = stage(bithu, path)
    assert stage(bithu, path, filename="lan-hai.xlsx").pk == first.pk  # staged again: the same batch
    confirm_import(first, user=bithu)
    again = stage(bithu, path)
    assert again.pk == first.pk and again.status == ImportBatch.Status.APPLIED
    with pytest.raises(ValidationError, match="đã được nhập rồi"):
        confirm_import(again, user=bithu)
    assert Person.objects.filter(party_card_number="70100001").count() == 1

    # Another secretary of the cell stages the same file before it was confirmed: confirming
    # his batch after the first one finds the first.
    path2 = members_file(tmp_path, [person_row("Quách Văn Ba", card="70100003")], name="ba.xlsx")
    mine = stage(bithu, path2)
    admin = province["users"]["admin"]
    his = stage(admin, path2)
    assert his.pk != mine.pk
    confirm_import(mine, user=bithu)
    with pytest.raises(ValidationError, match="đã được nhập rồi"):
        confirm_import(his, user=admin)
    assert Person.objects.filter(party_card_number="70100003").count() == 1


def test_a_batch_with_bad_rows_cannot_be_confirmed(province, bithu, tmp_path):
    path = members_file(tmp_path, [person_row("Đúng", card="70100001"), person_row("Sai", gender="Gà")])
    batch = stage(bithu, path)
    assert batch.summary["problems"] == 1 and not batch.is_ready
    assert batch.preview["problems"] == [{"row": FIRST + 1, "column": "Giới tính", "value": "Gà",
                                          "reason": "“Gà” không có trong danh mục giới tính"}]
    lines = list(load_workbook(io.BytesIO(batch.rejected_file.read())).active.iter_rows(values_only=True))
    assert [line[0] for line in lines] == ["Họ và tên", "Sai"] and lines[1][-1] == "Giới tính: “Gà” không có trong danh mục giới tính"
    with pytest.raises(ValidationError, match="còn 1 lỗi"):
        confirm_import(batch, user=bithu)
    assert not Person.objects.filter(full_name="Đúng").exists()


def test_data_changed_since_the_preview_writes_nothing(province, bithu, tmp_path):
    batch = stage(bithu, members_file(tmp_path, [person_row("Quách Văn Một", card="70100001"),
                                                 person_row("Quách Văn Hai", card="70100002")]))
    assert batch.is_ready
    PersonFactory(full_name="Người Ở Xa", organization=province["units"]["CB3"], party_card_number="70100002")

    with pytest.raises(ValidationError, match="Dữ liệu đã thay đổi từ lúc xem trước"):
        confirm_import(batch, user=bithu)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.summary["problems"] == 1
    assert batch.preview["problems"][0]["row"] == FIRST + 1
    assert not Person.objects.filter(party_card_number="70100001").exists()


def test_a_refused_file_is_kept_nowhere(province, bithu, tmp_path):
    path = members_file(tmp_path, [person_row("Ai Đó")])
    macro = tmp_path / "ds.xlsm"
    macro.write_bytes(path.read_bytes())
    with pytest.raises(SpreadsheetRefused, match="macro"):
        stage(bithu, macro)
    no_names = unit_workbook(tmp_path / "khac.xlsx", ["Cột A", "Cột B"], [["x", "y"]])
    with pytest.raises(SpreadsheetRefused, match="Họ và tên"):
        stage(bithu, no_names)
    assert not ImportBatch.objects.exists()


def test_a_large_file_is_previewed_and_written_by_jobs(province, bithu, tmp_path, settings):
    settings.IMPORT_JOB_ROWS = 3
    rows = [person_row(f"Quách Văn Số{i}", card=f"{70200000 + i}") for i in range(8)]
    batch = stage(bithu, members_file(tmp_path, rows))
    assert batch.status == ImportBatch.Status.PLANNING and batch.job.kind == "spreadsheets.import_preview"
    assert batch.job.requested_by == bithu and batch.job.organization.code == "CB1"

    run_job(batch.job.pk)

    batch.refresh_from_db()
    assert batch.job.status == Job.Status.SUCCEEDED
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.summary["created"] == 8
    assert not Person.objects.filter(party_card_number="70200000").exists()

    batch = confirm_import(batch, user=bithu)
    assert batch.status == ImportBatch.Status.APPLYING and batch.job.kind == "spreadsheets.import_apply"
    assert batch.job.params == {"batch": batch.pk, "rows": 8}
    run_job(batch.job.pk)
    batch.refresh_from_db()
    assert batch.job.status == Job.Status.SUCCEEDED and batch.status == ImportBatch.Status.APPLIED
    assert Person.objects.filter(party_card_number__startswith="702000").count() == 8
    person = Person.objects.get(party_card_number="70200003")
    history = RowHistory.objects.get(table_name="portal_person", row_id=person.pk)
    assert (history.actor_id, history.context) == (bithu.pk, f"import people #{batch.pk}")


def test_a_file_refused_by_the_preview_job(province, bithu, tmp_path, settings):
    settings.IMPORT_JOB_ROWS = 2
    settings.SPREADSHEET_MAX_ROWS = 4
    batch = stage(bithu, members_file(tmp_path, [person_row(f"Quách Văn Số{i}") for i in range(6)]))
    run_job(batch.job.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REFUSED and "hơn 4 dòng" in batch.error
    assert batch.job.status == Job.Status.FAILED and batch.job.error == batch.error
    with pytest.raises(ValidationError, match="bị từ chối"):
        confirm_import(batch, user=bithu)


def test_who_sees_a_batch(province, bithu, tmp_path):
    batch = stage(bithu, members_file(tmp_path, [person_row("Ai Đó", gender="Gà")]))
    users = province["users"]
    seen = {name: visible_batches(user).filter(pk=batch.pk).exists() for name, user in users.items()}
    # His own; the administrator; not tuyengiao (sees the province, may not change its records),
    # not a member, not the training staff.
    assert seen == {"bithu": True, "admin": True, "tuyengiao": False, "dangvien": False, "daotao": False}


def test_a_dry_run_writes_nothing(province, bithu, tmp_path):
    path = members_file(tmp_path, [person_row("Quách Văn Một", card="70100001")])
    plan, counts = import_file(user=bithu, format_code="people", target_id="CB1", path=path, dry_run=True)
    assert counts is None and len(plan.created) == 1
    assert not Person.objects.filter(party_card_number="70100001").exists()


@pytest.mark.parametrize("fmt", [fmt.code for fmt in all_formats()])
def test_every_format_has_a_template_its_reader_reads(fmt, tmp_path):
    path = tmp_path / f"{fmt}.xlsx"
    write_template(fmt, path)
    sheet = load_workbook(path).active
    format_ = get_format(fmt)
    titles = [column.title for column in format_.template_columns()]
    assert [cell.value for cell in sheet[1]] == titles
    examples = format_.example_rows()
    assert examples and sheet.max_row == 1 + len(examples)
    table = read_table(path, path.name, format_.columns)
    assert table.header == titles and len(list(table.rows)) == len(examples)


def test_the_people_template_imports_as_it_is(province, bithu, tmp_path):
    path = tmp_path / "mau.xlsx"
    write_template("people", path)
    plan, counts = import_file(user=bithu, format_code="people", target_id="CB1", path=path, dry_run=False)
    assert plan.ok and counts["created"] == 2
    example = Person.objects.get(full_name="Nguyễn Văn A")
    assert example.organization.code == "CB1" and example.party_status.code == "chinh-thuc"


def test_problems_and_changes_as_shown():
    assert str(Problem(row=7, column="Ngày sinh", value="31/02/1980", reason="không có ngày này trong lịch")) == \
        "Dòng 7, cột Ngày sinh, giá trị '31/02/1980': không có ngày này trong lịch"
    assert str(Problem(row=9, column="", value="", reason="cùng một người với dòng 8")) == \
        "Dòng 9: cùng một người với dòng 8"
    assert Change(row=3, label="A", fields=[("Chi bộ", "X", "Y")]).as_dict() == {
        "row": 3, "label": "A", "fields": [["Chi bộ", "X", "Y"]]}


def test_an_apply_job_cancelled_before_it_ran_frees_the_file(province, bithu, tmp_path, settings):
    settings.IMPORT_JOB_ROWS = 3
    path = members_file(tmp_path, [person_row(f"Quách Văn Số{i}", card=f"{70300000 + i}") for i in range(5)])
    batch = stage(bithu, path)
    run_job(batch.job.pk)
    batch = confirm_import(ImportBatch.objects.get(pk=batch.pk), user=bithu)
    assert batch.status == ImportBatch.Status.APPLYING
    cancel_job(batch.job)

    again = stage(bithu, path)  # the stuck batch is settled as failed; the file is checked anew
    assert again.pk != batch.pk and again.status == ImportBatch.Status.PLANNING
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "chưa ghi gì" in batch.error
    run_job(again.job.pk)
    again = confirm_import(ImportBatch.objects.get(pk=again.pk), user=bithu)
    run_job(again.job.pk)
    again.refresh_from_db()
    assert again.status == ImportBatch.Status.APPLIED
    assert Person.objects.filter(party_card_number__startswith="703000").count() == 5


def test_rights_withdrawn_before_the_apply_job_ran_write_nothing_and_free_the_file(province, bithu, tmp_path,
                                                                                   settings):
    settings.IMPORT_JOB_ROWS = 3
    path = members_file(tmp_path, [person_row(f"Quách Văn Số{i}", card=f"{70400000 + i}") for i in range(5)])
    batch = stage(bithu, path)
    run_job(batch.job.pk)
    batch = confirm_import(ImportBatch.objects.get(pk=batch.pk), user=bithu)
    Position.objects.filter(person__user=bithu).update(ended_on=datetime.date.today() - datetime.timedelta(days=1))

    run_job(batch.job.pk)

    batch.refresh_from_db()
    assert batch.job.status == Job.Status.FAILED
    assert batch.status == ImportBatch.Status.FAILED
    assert not Person.objects.filter(party_card_number__startswith="704000").exists()
    assert not ImportBatch.objects.filter(status=ImportBatch.Status.APPLYING).exists()


def test_a_service_refusing_while_writing_leaves_the_file_free(province, bithu, tmp_path, monkeypatch):
    """A rule that only the write itself can see (a seat taken on the page between preview
    and confirmation): the refusal is said, nothing is written, and the file may be sent again."""
    path = members_file(tmp_path, [person_row("Quách Văn Một", card="70500001")])
    batch = stage(bithu, path)
    people = get_format("people")
    real_apply = type(people).apply

    def refused(*args, **kwargs):
        raise ValidationError("Lớp đã đủ chỗ.")

    monkeypatch.setattr(type(people), "apply", refused)
    with pytest.raises(ValidationError, match="đủ chỗ"):
        confirm_import(batch, user=bithu)
    batch.refresh_from_db()
    assert (batch.status, batch.error) == (ImportBatch.Status.FAILED, "Lớp đã đủ chỗ.")

    monkeypatch.setattr(type(people), "apply", real_apply)
    again = stage(bithu, path)
    assert again.pk != batch.pk
    confirm_import(again, user=bithu)
    assert Person.objects.filter(party_card_number="70500001").count() == 1
