"""The import pages and API, as a secretary uses them: the template, the upload, the preview
(what will be created, changed old → new, every bad row), the confirmation and what it wrote;
refused files said on the form; the rejected rows as a file; a large file through a job and its
progress bar; confirming twice writes once; the preview page's cost does not grow with the file."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from portal.jobs.models import Job
from portal.jobs.services import run_job
from portal.models import Person, RowHistory
from portal.spreadsheets.models import ImportBatch
from tests.import_files import PEOPLE_HEADER, first_data_row, person_row, unit_workbook

FIRST = first_data_row()  # the sheet row of the first data row of unit_workbook
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def bithu(province, client):
    client.force_login(province["users"]["bithu"])
    return client


def upload(client, path, code="CB1", fmt="people"):
    with path.open("rb") as handle:
        return client.post(reverse("import_start", args=[fmt, code]), {"file": handle})


def new_rows():
    return [person_row("Đỗ Văn Mới", card="55000001", birth=datetime.date(1990, 4, 30), ethnicity="Tày",
                       status="Dự bị", official=None, theory="Trung cấp", job="Kế toán"),
            person_row("Ngô Thị Hai", card="55000002", birth="20/11/1992", gender="Nữ")]


def page_text(response) -> str:
    return response.content.decode()


# --- Upload, preview, confirm -----------------------------------------------------------------


def test_upload_preview_confirm_stores_the_people(province, bithu, tmp_path):
    member = province["others"]["cb1"]  # Lê Văn Cùng: matched by his card, his job changes
    unit_page = page_text(bithu.get(reverse("unit_detail", args=["CB1"])))
    assert reverse("import_start", args=["people", "CB1"]) in unit_page
    start = page_text(bithu.get(reverse("import_start", args=["people", "CB1"])))
    assert reverse("import_template", args=["people"]) in start and "Chưa có lần nhập nào" in start

    path = unit_workbook(tmp_path / "dang vien chi bo.xlsx", PEOPLE_HEADER, [
        *new_rows(), person_row(member.full_name, card=member.party_card_number, job="Trưởng phòng")])
    response = upload(bithu, path)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("import_batch", args=[batch.pk])

    preview = bithu.get(response["Location"])
    text = page_text(preview)
    counts = {key: preview.context["summary"][key] for key in ("created", "changed", "unchanged", "bad_rows")}
    assert counts == {"created": 2, "changed": 1, "unchanged": 0, "bad_rows": 0}
    assert "Sẽ thêm" in text and "Đỗ Văn Mới" in text and "Ngô Thị Hai" in text
    assert "Sẽ sửa" in text and "Nghề nghiệp / nơi công tác: <del>—</del> → <ins>Trưởng phòng</ins>" in text
    assert 'id="confirm-import">' in text  # enabled
    assert Person.objects.filter(party_card_number__in=["55000001", "55000002"]).count() == 0  # nothing yet

    history_before = RowHistory.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    done = bithu.post(reverse("import_confirm", args=[batch.pk]), follow=True)
    text = page_text(done)
    assert "Đã nhập xong tệp dang vien chi bo.xlsx" in text and "Đã thêm 2, đã sửa 1, giữ nguyên 0" in text
    assert f'href="{reverse("unit_detail", args=["CB1"])}" data-target-link' in text
    new = Person.objects.select_related("organization", "ethnicity", "party_status", "theory_level").get(
        party_card_number="55000001")
    assert (new.full_name, new.birth_date, new.organization.code, new.ethnicity.code, new.party_status.code,
            new.theory_level.code, new.job_title) == (
        "Đỗ Văn Mới", datetime.date(1990, 4, 30), "CB1", "tay", "du-bi", "trung-cap", "Kế toán")
    assert Person.objects.get(party_card_number="55000002").birth_date == datetime.date(1992, 11, 20)
    member.refresh_from_db()
    assert member.job_title == "Trưởng phòng"
    # Row history names the secretary who imported.
    written = RowHistory.objects.filter(pk__gt=history_before, table_name="portal_person",
                                        row_id__in=[new.pk, member.pk])
    assert {(row.row_id, row.actor.username) for row in written} == {(new.pk, "bithu"), (member.pk, "bithu")}
    # His unit page lists them, and the upload page's history shows the import.
    unit_page = page_text(bithu.get(reverse("unit_detail", args=["CB1"])))
    assert "Đỗ Văn Mới" in unit_page and "Ngô Thị Hai" in unit_page
    history = page_text(bithu.get(reverse("import_start", args=["people", "CB1"])))
    assert "dang vien chi bo.xlsx" in history and "Đã nhập" in history


def test_the_template_is_the_format_s_columns_and_reads_back(province, bithu, tmp_path):
    response = bithu.get(reverse("import_template", args=["people"]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "filename*=utf-8''M%E1%BA%ABu%20nh%E1%BA%ADp" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == PEOPLE_HEADER
    assert sheet.max_row >= 2  # the example rows
    # Filled in (its example rows replaced by one person) and uploaded back, it previews cleanly.
    sheet.delete_rows(2, sheet.max_row)
    sheet.append(person_row("Phan Văn Mẫu", card="55000009"))
    path = tmp_path / "mau.xlsx"
    sheet.parent.save(path)
    upload(bithu, path)
    assert ImportBatch.objects.get().summary["created"] == 1


# --- Refused files ----------------------------------------------------------------------------


def text_file(path):
    path.write_bytes(b"Ho va ten\nAn\n")
    return path


def macro_file(path):
    openpyxl.Workbook().save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    return path


@pytest.mark.parametrize("name, make, message", [
    ("co macro.xlsx", macro_file, "có macro: không nhận"),
    ("bang.xlsm", lambda p: openpyxl.Workbook().save(p) or p, "Excel có macro"),
    ("khong phai.xlsx", text_file, "không phải tệp Excel"),
    ("thieu cot.xlsx", lambda p: unit_workbook(p, ["Ngày sinh", "Dân tộc"], [["01/01/1980", "Kinh"]]),
     "Không tìm thấy cột “Họ và tên”"),
])
def test_a_refused_file_is_said_on_the_form_and_nothing_is_kept(province, bithu, tmp_path, name, make, message):
    path = make(tmp_path / name)
    response = upload(bithu, path)
    text = page_text(response)
    assert response.status_code == 400
    assert "Tệp chưa được nhận, chưa ghi gì:" in text and message in text
    assert "Nhập từ Excel: Danh sách đảng viên" in text and 'name="file"' in text  # the same form, same target
    assert ImportBatch.objects.count() == 0


def test_a_file_too_large_is_refused_with_the_limit(province, bithu, tmp_path, settings):
    settings.SPREADSHEET_MAX_MB = 1
    path = tmp_path / "lon.csv"
    path.write_bytes(b"Ho va ten\n" + b"Nguyen Van An\n" * 90_000)
    text = page_text(upload(bithu, path))
    assert "vượt giới hạn 1 MB" in text and ImportBatch.objects.count() == 0


# --- Bad rows ---------------------------------------------------------------------------------


def bad_file(tmp_path):
    rows = [person_row("Đúng Văn Một", card="55000011"),
            person_row("Sai Ngày Sinh", card="55000012", birth="31/02/1980"),
            person_row("Đúng Thị Hai", card="55000013"),
            person_row("Sai Dân Tộc", card="55000014", ethnicity="Sao Hỏa")]
    return unit_workbook(tmp_path / "co loi.xlsx", PEOPLE_HEADER, rows, blank_after=None), rows


def test_bad_rows_are_shown_and_confirm_is_refused(province, bithu, tmp_path):
    path, _rows = bad_file(tmp_path)
    batch_url = upload(bithu, path)["Location"]
    response = bithu.get(batch_url)
    text = page_text(response)
    problems = {(p["row"], p["column"], p["value"]) for p in response.context["problems"]}
    assert problems == {(FIRST + 1, "Ngày sinh", "31/02/1980"), (FIRST + 3, "Dân tộc", "Sao Hỏa")}
    assert all(p["reason"] for p in response.context["problems"])
    for row, column, value in problems:
        assert f'<td class="num">{row}</td>' in text and column in text and value in text
    assert "Tệp có 2 dòng lỗi: chưa thể nhập, chưa ghi gì." in text
    assert 'id="confirm-import" disabled' in text and "Chỉ nhập được khi tệp không còn dòng lỗi." in text

    batch = ImportBatch.objects.get()
    refused = bithu.post(reverse("import_confirm", args=[batch.pk]), follow=True)
    assert "Tệp còn 2 lỗi" in page_text(refused)
    assert not Person.objects.filter(party_card_number__startswith="550000").exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_the_rejected_rows_file_holds_exactly_the_bad_rows(province, bithu, tmp_path):
    path, rows = bad_file(tmp_path)
    page = bithu.get(upload(bithu, path)["Location"])
    link = page.context["rejected_url"]
    assert f'href="{link}" data-rejected' in page_text(page)
    response = bithu.get(link)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    lines = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert lines[0] == [*PEOPLE_HEADER, "Lý do"]
    assert [line[0] for line in lines[1:]] == ["Sai Ngày Sinh", "Sai Dân Tộc"]
    assert lines[1][1] == "31/02/1980" and lines[2][3] == "Sao Hỏa"
    assert lines[1][-1].startswith("Ngày sinh") and lines[2][-1].startswith("Dân tộc")
    assert len(lines) == 3


# --- Once only --------------------------------------------------------------------------------


def test_a_batch_confirmed_twice_creates_nothing_twice(province, bithu, tmp_path):
    path = unit_workbook(tmp_path / "hai lan.xlsx", PEOPLE_HEADER, new_rows())
    batch_url = upload(bithu, path)["Location"]
    batch = ImportBatch.objects.get()
    bithu.post(reverse("import_confirm", args=[batch.pk]))
    people, history = Person.objects.count(), RowHistory.objects.count()

    again = bithu.post(reverse("import_confirm", args=[batch.pk]), follow=True)
    assert "Tệp này đã được nhập rồi." in page_text(again)
    assert client_api(province).post(f"/api/v1/imports/{batch.pk}/confirm/").status_code == 400
    # The same file uploaded again leads to the import already made.
    assert upload(bithu, path)["Location"] == batch_url
    assert (Person.objects.count(), RowHistory.objects.count(), ImportBatch.objects.count()) == (people, history, 1)


# --- Cost of the preview page -----------------------------------------------------------------


def preview_queries(client, path) -> int:
    batch_url = upload(client, path)["Location"]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(batch_url)
    assert response.status_code == 200
    return len(captured)


def test_the_preview_page_costs_the_same_for_5_and_150_rows(province, bithu, tmp_path):
    def rows(n, bad_every):
        return [person_row(f"Người Thứ {i}", card=f"56{i:06d}", birth="31/02/1980" if i % bad_every == 0 else
                           datetime.date(1980, 1, 1)) for i in range(1, n + 1)]

    small = preview_queries(bithu, unit_workbook(tmp_path / "it.xlsx", PEOPLE_HEADER, rows(5, 3)))
    large = preview_queries(bithu, unit_workbook(tmp_path / "nhieu.xlsx", PEOPLE_HEADER, rows(150, 3)))
    assert large == small


# --- Large files: a job and its progress bar --------------------------------------------------


def test_a_large_file_is_checked_and_written_by_jobs_with_a_progress_bar(province, bithu, tmp_path, settings):
    settings.IMPORT_JOB_ROWS = 3
    rows = [person_row(f"Người Lớn {i}", card=f"57{i:06d}") for i in range(1, 6)]
    batch_url = upload(bithu, unit_workbook(tmp_path / "lon.xlsx", PEOPLE_HEADER, rows))["Location"]
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.PLANNING

    text = page_text(bithu.get(batch_url))
    assert "job-progress" in text and f'hx-get="{batch_url}"' in text and "Xác nhận nhập" not in text
    assert bithu.get(batch_url, HTTP_HX_REQUEST="true").status_code == 204  # still working: nothing to redraw
    run_job(batch.job_id)
    assert bithu.get(batch_url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    job_page = page_text(bithu.get(reverse("job_detail", args=[batch.job_id])))
    assert f'href="{batch_url}" data-job-result' in job_page  # the job leads back to the import

    preview = bithu.get(batch_url)
    assert preview.context["summary"]["created"] == 5 and preview.context["may_confirm"]
    bithu.post(reverse("import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLYING and batch.job.kind == "spreadsheets.import_apply"
    assert "job-progress" in page_text(bithu.get(batch_url))
    run_job(batch.job_id)
    assert Job.objects.get(pk=batch.job_id).status == Job.Status.SUCCEEDED
    assert Person.objects.filter(party_card_number__startswith="57").count() == 5
    assert "Đã thêm 5, đã sửa 0" in page_text(bithu.get(batch_url))


def test_a_cancelled_check_stops_the_page_and_the_file_can_be_sent_again(province, bithu, tmp_path, settings):
    settings.IMPORT_JOB_ROWS = 1
    path = unit_workbook(tmp_path / "huy.xlsx", PEOPLE_HEADER, new_rows())
    batch_url = upload(bithu, path)["Location"]
    batch = ImportBatch.objects.get()
    bithu.post(reverse("job_cancel", args=[batch.job_id]))
    assert bithu.get(batch_url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"  # no endless polling
    text = page_text(bithu.get(batch_url))
    assert "Việc xử lý tệp đã dừng, chưa ghi gì." in text and "hx-get" not in text.split("<main")[1]
    assert upload(bithu, path)["Location"] == batch_url  # sent again: the same import, checked anew
    run_job(ImportBatch.objects.get().job_id)
    assert bithu.get(batch_url).context["summary"]["created"] == 2


# --- The API ----------------------------------------------------------------------------------


def client_api(province, role="bithu") -> APIClient:
    client = APIClient()
    client.force_login(province["users"][role])
    return client


def api_upload(client, path, target="CB1", fmt="people"):
    with path.open("rb") as handle:
        return client.post("/api/v1/imports/", {"format": fmt, "target": target, "file": handle}, format="multipart")


def test_api_upload_preview_confirm(province, tmp_path):
    client = client_api(province)
    created = api_upload(client, unit_workbook(tmp_path / "api.xlsx", PEOPLE_HEADER, new_rows()))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["format"], body["target"], body["organization"], body["status"]) == (
        "people", "CB1", "CB1", "previewed")
    assert body["summary"]["created"] == 2 and body["preview"]["problems"] == []
    assert [change["label"].split(" (")[0] for change in body["preview"]["created"]] == ["Đỗ Văn Mới", "Ngô Thị Hai"]
    assert client.get(body["url"]).json()["id"] == body["id"]

    confirmed = client.post(f"/api/v1/imports/{body['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "applied"
    assert confirmed.json()["summary"]["written"]
    assert Person.objects.filter(party_card_number__in=["55000001", "55000002"]).count() == 2
    again = client.post(f"/api/v1/imports/{body['id']}/confirm/")
    assert again.status_code == 400 and "đã được nhập rồi" in str(again.json())
    # The same file again: the import already made (200, not a new one).
    same = api_upload(client, tmp_path / "api.xlsx")
    assert same.status_code == 200 and same.json()["id"] == body["id"]


def test_api_bad_rows_refused_file_and_reach(province, tmp_path):
    client = client_api(province)
    path, _rows = bad_file(tmp_path)
    body = api_upload(client, path).json()
    assert body["summary"]["bad_rows"] == 2 and body["rejected_file"].endswith(
        reverse("file_download", args=["import-rejected", body["id"]]))
    assert {p["row"] for p in body["preview"]["problems"]} == {FIRST + 1, FIRST + 3}
    refused = client.post(f"/api/v1/imports/{body['id']}/confirm/")
    assert refused.status_code == 400 and "Tệp còn 2 lỗi" in str(refused.json())

    macro = api_upload(client, macro_file(tmp_path / "macro.xlsx"))
    assert macro.status_code == 400 and "macro" in macro.json()["file"][0]
    outside = api_upload(client, unit_workbook(tmp_path / "ngoai.xlsx", PEOPLE_HEADER, new_rows()), target="CB3")
    assert outside.status_code == 404
    unknown = api_upload(client, tmp_path / "ngoai.xlsx", fmt="nothing")
    assert unknown.status_code == 400 and "format" in unknown.json()
    assert ImportBatch.objects.count() == 1


def test_api_large_file_answers_202_with_the_job(province, tmp_path, settings):
    settings.IMPORT_JOB_ROWS = 1
    client = client_api(province)
    response = api_upload(client, unit_workbook(tmp_path / "lon.xlsx", PEOPLE_HEADER, new_rows()))
    batch = ImportBatch.objects.get()
    assert response.status_code == 202
    assert response.json()["kind"] == "spreadsheets.import_preview" and response.json()["id"] == batch.job_id
    assert response["Location"].endswith(f"/api/v1/imports/{batch.pk}/")
    run_job(batch.job_id)
    assert client.get(response["Location"]).json()["summary"]["created"] == 2
    confirmed = client.post(f"/api/v1/imports/{batch.pk}/confirm/")
    assert confirmed.status_code == 202 and confirmed.json()["kind"] == "spreadsheets.import_apply"


def test_api_template(province):
    response = client_api(province, "dangvien").get("/api/v1/imports/templates/people/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == PEOPLE_HEADER


# --- The admin's buttons ----------------------------------------------------------------------


def admin_secretary(province):
    """bithu as staff who may view people in the admin: his reach is still his cell."""
    from tests.test_admin import staff

    return staff(province["users"]["bithu"], "view_person", "change_person")


def test_admin_export_is_the_format_s_columns_over_the_admin_s_queryset_neutralised(province, client):
    member = province["member"]
    member.full_name = '=HYPERLINK("http://x","y")'
    member.save(update_fields=["full_name"])
    client.force_login(admin_secretary(province))
    changelist = page_text(client.get("/admin/portal/person/"))
    assert "Nhập từ Excel" in changelist and "Xuất Excel" in changelist and "Xuất CSV" in changelist

    xlsx = client.get("/admin/portal/person/export/")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    lines = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert lines[0] == PEOPLE_HEADER
    names = {line[0] for line in lines[1:]}
    assert names == {"Nguyễn Văn Bí", "'=HYPERLINK(\"http://x\",\"y\")", "Lê Văn Cùng"}  # his cell only
    csv = client.get("/admin/portal/person/export/csv/").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "Hoàng Văn Xa" not in csv and csv.splitlines()[0].startswith("Họ và tên,")
    # The list's own filters narrow the file like the list.
    filtered = client.get("/admin/portal/person/export/csv/", {"q": "le van cung"}).content.decode("utf-8-sig")
    assert "Lê Văn Cùng" in filtered and "Nguyễn Văn Bí" not in filtered


def test_admin_import_goes_through_the_preview_page(province, client, tmp_path):
    client.force_login(admin_secretary(province))
    form = client.get("/admin/portal/person/import/")
    assert form.status_code == 200 and reverse("import_template", args=["people"]) in page_text(form)
    path = unit_workbook(tmp_path / "qua admin.xlsx", PEOPLE_HEADER, new_rows())
    with path.open("rb") as handle:
        outside = client.post("/admin/portal/person/import/", {"target": "CB3", "file": handle})
    assert outside.status_code == 400 and "Không có đích nhập này" in page_text(outside)
    with macro_file(tmp_path / "macro.xlsx").open("rb") as handle:
        refused = client.post("/admin/portal/person/import/", {"target": "CB1", "file": handle})
    assert refused.status_code == 400 and "có macro: không nhận" in page_text(refused)
    assert ImportBatch.objects.count() == 0

    with path.open("rb") as handle:
        staged = client.post("/admin/portal/person/import/", {"target": "CB1", "file": handle})
    batch = ImportBatch.objects.get()
    assert staged["Location"] == reverse("import_batch", args=[batch.pk]) and batch.status == "previewed"
    assert not Person.objects.filter(party_card_number="55000001").exists()  # written only once confirmed
    assert client.post("/admin/portal/person/process_import/").status_code == 404  # no second way to write
    client.post(reverse("import_confirm", args=[batch.pk]))
    assert Person.objects.filter(party_card_number__in=["55000001", "55000002"]).count() == 2


def test_admin_import_button_follows_the_format_s_permission(province, client):
    from tests.test_admin import staff

    tuyengiao = staff(province["users"]["tuyengiao"], "view_person")  # sees people, changes none
    client.force_login(tuyengiao)
    assert "Nhập từ Excel" not in page_text(client.get("/admin/portal/person/"))
    assert client.get("/admin/portal/person/import/").status_code == 403
    client.force_login(province["users"]["admin"])
    for model in ("resolutions/document", "resolutions/attendance", "training/enrollment", "portal/person"):
        text = page_text(client.get(f"/admin/{model}/"))
        assert "Nhập từ Excel" in text and "Xuất CSV" in text, model
        assert client.get(f"/admin/{model}/import/").status_code == 200, model
        assert client.get(f"/admin/{model}/export/").status_code == 200, model
    assert client.get("/admin/spreadsheets/importbatch/").status_code == 200


def test_the_api_list_and_history_cost_the_same_for_2_and_12_imports(province, tmp_path):
    client = client_api(province)
    unit = province["units"]["CB1"]
    bithu = province["users"]["bithu"]

    def add(n):
        ImportBatch.objects.bulk_create([
            ImportBatch(format_code="people", organization=unit, target_id="CB1", filename=f"tep {i}.xlsx",
                        sha256=f"{i:064d}", status=ImportBatch.Status.PREVIEWED, created_by=bithu,
                        summary={"total": 1, "created": 1, "changed": 0, "unchanged": 0, "problems": 0, "bad_rows": 0})
            for i in range(ImportBatch.objects.count(), ImportBatch.objects.count() + n)])

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add(2)
    urls = ["/api/v1/imports/", reverse("import_start", args=["people", "CB1"])]
    few = [queries(url) for url in urls]
    add(10)
    assert [queries(url) for url in urls] == few
