"""List exports (portal.spreadsheets.export), on the people lists: the file holds what the
page lists for the same filters, value for value, in XLSX (opened with openpyxl: dates are
dates, numbers numbers) and in CSV (UTF-8 with BOM, comma-separated); formulas are
neutralised in both; the number of queries does not grow with the list; a long list is
streamed without growing the process's memory, and above settings.EXPORT_JOB_ROWS it is
made by a job; the file names read well."""

import csv
import datetime
import io
import os
import re
import subprocess
import sys
import textwrap

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.jobs.models import Job
from portal.jobs.services import run_job
from portal.models import Person, TheoryLevel
from portal.spreadsheets.export import ListExport, attachment_header
from tests.factories import PersonFactory, bulk_people, give_position

PEOPLE_HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Ngày vào Đảng", "Ngày chính thức",
                 "Số thẻ đảng viên", "Tình trạng", "Chi bộ", "Chức vụ", "Trình độ lý luận chính trị",
                 "Nghề nghiệp / nơi công tác"]
FORMULA = '=HYPERLINK("http://x","y")'


def content_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_xlsx(response) -> tuple[list, list[list], openpyxl.worksheet.worksheet.Worksheet]:
    """Header, rows (values as openpyxl reads them) and the sheet itself."""
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(content_of(response))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:], sheet


def read_csv(response) -> tuple[list, list[list]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = content_of(response)
    assert raw.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return rows[0], rows[1:]


def imported_again(response, tmp_path, *, user, format_code: str, target_id: str):
    """The plan of importing an exported file back into where it came from (a dry run)."""
    from portal.spreadsheets.imports import import_file

    path = tmp_path / f"{format_code}.xlsx"
    path.write_bytes(content_of(response))
    plan, _written = import_file(user=user, format_code=format_code, target_id=target_id, path=path, dry_run=True)
    assert not plan.problems, plan.problems
    return plan


def date_text(day) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


@pytest.fixture
def tuyengiao(client, province):
    client.force_login(province["users"]["tuyengiao"])
    return client


@pytest.fixture
def people(province):
    """A few more people in CB2 and CB3 with every field filled in, one with no dates."""
    unit, other = province["units"]["CB2"], province["units"]["CB3"]
    cao_cap = TheoryLevel.objects.get(code="cao-cap")
    made = [PersonFactory(full_name=name, organization=unit, job_title="Chuyên viên Sở Giáo dục", theory_level=cao_cap)
            for name in ["Đỗ Thị Ánh", "Ngô Văn Bảo", "Lý Thị Chi"]]
    made.append(PersonFactory(full_name="Mai Văn Dũng", organization=other, birth_date=None, admitted_on=None,
                              official_on=None, party_card_number=None, theory_level=None))
    give_position(made[0], unit, "bi-thu")
    return made


def page_people(client, query) -> list[Person]:
    response = client.get(reverse("person_list"), query)
    assert response.status_code == 200
    return list(response.context["page"].object_list)


def expected_row(person: Person) -> dict:
    """What the people page shows of a person, by the export's header."""
    return {"Họ và tên": person.full_name, "Ngày sinh": person.birth_date, "Giới tính": person.get_gender_display(),
            "Dân tộc": person.ethnicity.name, "Tình trạng": person.party_status.name,
            "Chi bộ": person.organization.name,
            "Trình độ lý luận chính trị": person.theory_level.name if person.theory_level else None,
            "Ngày vào Đảng": person.admitted_on, "Ngày chính thức": person.official_on,
            "Số thẻ đảng viên": person.party_card_number, "Nghề nghiệp / nơi công tác": person.job_title or None}


@pytest.mark.parametrize("query", [{}, {"unit": "CS1"}, {"q": "thi", "gender": "nu"}, {"theory_level": "cao-cap"},
                                   {"unit": "CB3", "minorities_only": "on"}])
def test_xlsx_holds_what_the_page_lists(tuyengiao, people, query):
    shown = page_people(tuyengiao, query)
    response = tuyengiao.get(reverse("person_list_export", kwargs={"ext": "xlsx"}), query)
    assert response.status_code == 200
    header, rows, sheet = read_xlsx(response)
    assert header == PEOPLE_HEADER
    assert sheet.freeze_panes == "A2" and sheet.title == "Đảng viên"
    assert len(rows) == len(shown)
    for person, row in zip(shown, rows, strict=True):
        in_file = dict(zip(header, row, strict=True))
        for title, value in expected_row(person).items():
            found = in_file[title]
            if isinstance(found, datetime.datetime):  # openpyxl reads an Excel date as a datetime
                found = found.date()
            assert found == value, (person.full_name, title)
    dated = next(i for i, row in enumerate(rows) if row[1] is not None) if rows else None
    if dated is not None:
        assert sheet.cell(row=dated + 2, column=2).number_format == "dd/mm/yyyy"
        assert sheet.cell(row=dated + 2, column=2).is_date


@pytest.mark.parametrize("query", [{}, {"unit": "CB2"}, {"q": "van"}])
def test_csv_holds_what_the_page_lists(tuyengiao, people, query):
    shown = page_people(tuyengiao, query)
    header, rows = read_csv(tuyengiao.get(reverse("person_list_export", kwargs={"ext": "csv"}), query))
    assert header == PEOPLE_HEADER
    assert len(rows) == len(shown)
    for person, row in zip(shown, rows, strict=True):
        in_file = dict(zip(header, row, strict=True))
        for title, value in expected_row(person).items():
            text = date_text(value) if isinstance(value, datetime.date) else value or ""
            assert in_file[title] == text, (person.full_name, title)


def test_current_positions_at_the_own_unit(tuyengiao, people, province):
    give_position(people[0], province["units"]["CB2"], "pho-bi-thu", started_on=datetime.date(2019, 1, 1))
    ended = give_position(people[1], province["units"]["CB2"], "pho-bi-thu")
    ended.ended_on = datetime.date(2021, 1, 1)
    ended.save()
    give_position(people[2], province["units"]["CB1"], "pho-bi-thu")  # not his own unit
    _header, rows = read_csv(tuyengiao.get(reverse("person_list_export", kwargs={"ext": "csv"}), {"unit": "CB2"}))
    positions = {row[0]: row[9] for row in rows}
    assert positions == {"Đỗ Thị Ánh": "Bí thư, Phó Bí thư", "Ngô Văn Bảo": "", "Lý Thị Chi": "",
                         "Phạm Thị Khác": ""}


def test_unit_members_export_is_the_unit_page_list(client, province, people):
    client.force_login(province["users"]["bithu"])
    page = client.get(reverse("unit_detail", args=["CB1"]))
    shown = [person.full_name for person in page.context["members"]]
    assert 'href="/units/CB1/export.xlsx"' in page.content.decode()
    _header, rows, _sheet = read_xlsx(client.get(reverse("unit_members_export", args=["CB1", "xlsx"])))
    assert [row[0] for row in rows] == shown == ["Nguyễn Văn Bí", "Lê Văn Cùng", "Trần Thị Đảng"]
    _header, rows = read_csv(client.get(reverse("unit_members_export", args=["CB1", "csv"])))
    assert [row[0] for row in rows] == shown
    assert client.get(reverse("unit_members_export", args=["CB2", "xlsx"])).status_code == 404


def test_formulas_are_neutralised_in_both_formats(tuyengiao, province):
    PersonFactory(full_name="Nguyễn Văn Công", organization=province["units"]["CB3"], job_title=FORMULA)
    PersonFactory(full_name="Lê Văn Cộng", organization=province["units"]["CB3"], job_title="+84 912 345 678")
    PersonFactory(full_name="Trần Văn Trừ", organization=province["units"]["CB3"], job_title="-1+1")
    PersonFactory(full_name="Phạm Văn A", organization=province["units"]["CB3"], job_title="@SUM(A1)")
    PersonFactory(full_name="Phạm Văn B", organization=province["units"]["CB3"], job_title="\tTab")
    PersonFactory(full_name="Phạm Văn C", organization=province["units"]["CB3"], job_title="\rCR")
    query = {"unit": "CB3"}
    url = reverse("person_list_export", kwargs={"ext": "xlsx"})
    header, rows, sheet = read_xlsx(tuyengiao.get(url, query))
    column = header.index("Nghề nghiệp / nơi công tác")
    written = {row[0]: row[column] for row in rows}
    assert written["Nguyễn Văn Công"] == "'" + FORMULA
    assert written["Lê Văn Cộng"] == "'+84 912 345 678" and written["Trần Văn Trừ"] == "'-1+1"
    assert written["Phạm Văn A"] == "'@SUM(A1)" and written["Phạm Văn B"] == "'\tTab"
    assert written["Phạm Văn C"] == "'\rCR"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # no formula at all
    header, rows = read_csv(tuyengiao.get(url.replace(".xlsx", ".csv"), query))
    written = {row[0]: row[column] for row in rows}
    assert written["Nguyễn Văn Công"] == "'" + FORMULA
    assert written["Lê Văn Cộng"] == "'+84 912 345 678" and written["Phạm Văn A"] == "'@SUM(A1)"
    assert written["Phạm Văn B"] == "'\tTab" and written["Phạm Văn C"] == "'\rCR"


def test_file_names_and_headers(tuyengiao, people, province):
    today = datetime.date.today()
    response = tuyengiao.get(reverse("person_list_export", kwargs={"ext": "xlsx"}), {"unit": "CB2"})
    name = f"danh-sach-dang-vien-CB2-{today:%Y-%m-%d}.xlsx"
    assert response["Content-Disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    assert response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"
    response = tuyengiao.get(reverse("person_list_export", kwargs={"ext": "csv"}))
    assert f"danh-sach-dang-vien-{today:%Y-%m-%d}.csv" in response["Content-Disposition"]
    export = ListExport(code="x", file_stem="ban-cam-ket", sheet="x", columns=[], source=None)
    assert export.file_name("Chi bộ Đồng Xoài", "csv", today) == f"ban-cam-ket-Chi-bo-Dong-Xoai-{today:%Y-%m-%d}.csv"
    assert attachment_header("Tiến độ.xlsx") == (
        "attachment; filename=\"Tin .xlsx\"; filename*=UTF-8''Ti%E1%BA%BFn%20%C4%91%E1%BB%99.xlsx")
    assert tuyengiao.get("/people/export.pdf").status_code == 404


def test_buttons_carry_the_page_filters(tuyengiao, people):
    body = tuyengiao.get(reverse("person_list"), {"unit": "CB2", "gender": "nu", "page": "1"}).content.decode()
    links = re.findall(r'href="(/people/export\.(?:xlsx|csv)[^"]*)"', body)
    assert links == ["/people/export.xlsx?unit=CB2&amp;gender=nu", "/people/export.csv?unit=CB2&amp;gender=nu"]
    assert "Xuất Excel" in body and "Xuất CSV" in body


@pytest.mark.parametrize("ext", ["xlsx", "csv"])
def test_queries_do_not_grow_with_the_list(tuyengiao, province, ext):
    url = reverse("person_list_export", kwargs={"ext": ext})
    counts = []
    for total, added in ((5, 4), (200, 195)):  # CB3 has one person already
        bulk_people(province["units"]["CB3"], added, prefix=f"Trần Văn {total}")
        with CaptureQueriesContext(connection) as captured:
            response = tuyengiao.get(url, {"unit": "CB3"})
            rows = read_csv(response)[1] if ext == "csv" else read_xlsx(response)[1]
        assert len(rows) == total
        counts.append(len(captured.captured_queries))
    # Who asks, his reach, the unit, the filter's choices, the count, and the rows by a cursor.
    assert counts[0] == counts[1] <= 9, counts
    assert 'CURSOR WITHOUT HOLD FOR SELECT "portal_person"."full_name"' in captured.captured_queries[-1]["sql"]


@pytest.fixture
def large_list(settings):
    settings.EXPORT_JOB_ROWS = 5


def test_a_long_list_is_made_by_a_job(tuyengiao, province, people, large_list, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("person_list_export", kwargs={"ext": "xlsx"})
    offer = tuyengiao.get(url, {"unit": "CS1", "page": "2"}, HTTP_REFERER="http://testserver/people/?unit=CS1")
    assert offer.status_code == 200 and not Job.objects.exists()
    body = offer.content.decode()
    assert "7 dòng" in body and 'href="http://testserver/people/?unit=CS1"' in body
    assert 'action="/people/export.xlsx?unit=CS1&amp;page=2"' in body
    response = tuyengiao.post(f"{url}?unit=CS1&page=2")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.params == {"list": "people", "format": "xlsx", "query": "unit=CS1", "args": {},
                          "user": province["users"]["tuyengiao"].pk}
    assert job.organization is None and job.title == "Danh sách đảng viên · XLSX"
    assert tuyengiao.post(f"{url}?unit=CS1").status_code == 302 and Job.objects.count() == 1  # the same job
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    (file,) = job.files.all()
    assert file.name == f"danh-sach-dang-vien-CS1-{datetime.date.today():%Y-%m-%d}.xlsx"
    download = tuyengiao.get(reverse("file_download", args=["job-file", file.pk]))
    _header, rows, _sheet = read_xlsx(download)
    assert [row[0] for row in rows] == [person.full_name for person in page_people(tuyengiao, {"unit": "CS1"})]
    # Another user never sees that job nor its file.
    tuyengiao.force_login(province["users"]["bithu"])
    assert tuyengiao.get(f"/jobs/{job.pk}/").status_code == 404


def test_a_job_for_a_unit_no_longer_in_reach_fails_cleanly(client, province, large_list, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bulk_people(province["units"]["CB1"], 10)
    client.force_login(province["users"]["bithu"])
    client.post(reverse("unit_members_export", args=["CB1", "csv"]))
    job = Job.objects.get()
    province["secretary"].positions.update(ended_on=datetime.date(2020, 12, 31))
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "Danh sách này không còn trong phạm vi bạn được xem."


MEMORY_SCRIPT = textwrap.dedent("""
    import re

    import django

    django.setup()
    from django.test import Client
    from portal.models import User

    def peak_mb():
        # This process's own high-water mark: getrusage's would start from the parent's
        # (pytest's) size, which the kernel carries over into a process it execs.
        with open("/proc/self/status") as status:
            return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)) // 1024

    client = Client()
    client.force_login(User.objects.get(username="tuyengiao"))
    for ext in ("xlsx", "csv"):  # warm: code, templates, connections
        response = client.get(f"/people/export.{ext}?unit=CB1", secure=True)
        for _chunk in response.streaming_content:
            pass
    start = peak_mb()
    for ext in ("xlsx", "csv"):
        response = client.get(f"/people/export.{ext}", secure=True)
        print(ext, response.status_code, sum(len(chunk) for chunk in response.streaming_content), peak_mb() - start)
""")


@pytest.mark.django_db(transaction=True)
def test_a_long_list_is_streamed_in_bounded_memory(province):
    """50,000 people exported by a process of their own (this one's peak says nothing about
    one request): its peak memory grows by far less than the list would take if held."""
    bulk_people(province["units"]["CB3"], 50_000)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "EXPORT_JOB_ROWS": "1000000", "ALLOWED_HOSTS": "testserver",
           "DJANGO_SETTINGS_MODULE": "portal.settings"}
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    for ext, status, size, growth in (line.split() for line in done.stdout.splitlines()):
        assert status == "200"
        assert int(size) > 1_000_000, (ext, size)  # the whole list was written
        assert int(growth) < 25, f"{ext}: the process grew by {growth} MB for 50,000 rows"


def test_an_exported_list_imports_again_unchanged(client, province, people, tmp_path):
    """The people export is the people import format: the file of a unit, imported back into
    it as it is, finds every person and changes nothing."""
    client.force_login(province["users"]["admin"])
    response = client.get(reverse("person_list_export", kwargs={"ext": "xlsx"}), {"unit": "CS1"})
    plan = imported_again(response, tmp_path, user=province["users"]["admin"], format_code="people", target_id="CS1")
    assert plan.total == plan.unchanged == Person.objects.filter(organization__path__startswith=province["units"][
        "CS1"].path).count()
    assert not plan.created and not plan.changed
