"""`import_template` and `import_people`: what they print, what they write and their exit status
(0 written or a clean dry run, 1 a bad row and nothing written, 2 a bad file, unit or user)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from portal.models import Person, RowHistory
from tests.import_files import PEOPLE_HEADER, first_data_row, person_row, unit_workbook

FIRST = first_data_row()


def command(*args) -> tuple[int, str]:
    """The exit status and what the command printed."""
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.fixture
def members(tmp_path):
    return unit_workbook(tmp_path / "ds.xlsx", PEOPLE_HEADER,
                         [person_row("Tạ Văn Một", card="71000001"), person_row("Tạ Thị Hai", gender="Nữ", card=None)])


def test_the_template_of_each_format(tmp_path):
    status, out = command("import_template", "people", "--out", str(tmp_path / "mau.xlsx"))
    assert status == 0 and out.strip().endswith("mau.xlsx")
    sheet = load_workbook(tmp_path / "mau.xlsx").active
    assert [cell.value for cell in sheet[1]] == PEOPLE_HEADER
    assert sheet["A2"].value == "Nguyễn Văn A" and sheet["B2"].number_format == "DD/MM/YYYY"
    status, out = command("import_template", "khong-co", "--out", str(tmp_path / "x.xlsx"))
    assert status == 2 and "Không có loại dữ liệu “khong-co”" in out and "people" in out
    status, out = command("import_template", "people", "--out", str(tmp_path / "khong" / "co" / "x.xlsx"))
    assert status == 2 and "thư mục không có" in out


def test_import_writes_and_prints_the_summary(province, members):
    bithu = province["users"]["bithu"]
    status, out = command("import_people", str(members), "--org", "CB1", "--user", "bithu")
    assert status == 0
    assert "Số dòng: 2; thêm mới: 2; thay đổi: 0; không đổi: 0; dòng lỗi: 0" in out
    assert "Đã nhập: thêm mới 2, thay đổi 0." in out
    one = Person.objects.get(party_card_number="71000001")
    assert one.organization.code == "CB1"
    assert RowHistory.objects.get(table_name="portal_person", row_id=one.pk).actor_id == bithu.pk

    status, out = command("import_people", str(members), "--org", "CB1", "--user", "bithu")
    assert status == 0 and "thêm mới: 0; thay đổi: 0; không đổi: 2" in out


def test_without_a_user_the_administrator_imports_anywhere(province, members):
    status, _out = command("import_people", str(members), "--org", "CB3")
    assert status == 0
    one = Person.objects.get(party_card_number="71000001")
    assert one.organization.code == "CB3"
    assert RowHistory.objects.get(table_name="portal_person", row_id=one.pk).actor_id is None


def test_a_bad_row_writes_nothing_and_exits_1(province, tmp_path):
    path = unit_workbook(tmp_path / "ds.xlsx", PEOPLE_HEADER,
                         [person_row("Tạ Văn Một", card="71000001"), person_row("Tạ Văn Sai", birth="31/02/1980")],
                         blank_after=None)
    for extra in ([], ["--dry-run"]):
        status, out = command("import_people", str(path), "--org", "CB1", "--user", "bithu", *extra)
        assert status == 1
        assert "Số dòng: 2; thêm mới: 1; thay đổi: 0; không đổi: 0; dòng lỗi: 1" in out
        assert f"Dòng {FIRST + 1}, cột Ngày sinh, giá trị '31/02/1980': không có ngày này trong lịch" in out
        assert "Có 1 dòng lỗi: chưa ghi gì." in out
    assert not Person.objects.filter(party_card_number="71000001").exists()


def test_a_dry_run_prints_and_writes_nothing(province, members):
    status, out = command("import_people", str(members), "--org", "CB1", "--user", "bithu", "--dry-run",
                          "--verbosity", "2")
    assert status == 0 and "Chạy thử: không có dòng lỗi, chưa ghi gì." in out
    assert f"Thêm mới — dòng {FIRST}, Tạ Văn Một (17/05/1985): Họ và tên: Tạ Văn Một; Ngày sinh: 17/05/1985" in out
    assert not Person.objects.filter(full_name__startswith="Tạ ").exists()


@pytest.mark.parametrize("args,message", [
    (["--org", "KHONGCO"], "Không có đơn vị “KHONGCO”, hoặc tài khoản không được nhập dữ liệu vào đó."),
    (["--org", "CB2", "--user", "bithu"], "Không có đơn vị “CB2”, hoặc tài khoản không được nhập dữ liệu vào đó."),
    (["--org", "CB1", "--user", "khong-co-ai"], "Không có tài khoản “khong-co-ai” đang hoạt động."),
])
def test_a_bad_unit_or_user_exits_2(province, members, args, message):
    status, out = command("import_people", str(members), *args)
    assert status == 2 and message in out
    assert not Person.objects.filter(full_name__startswith="Tạ ").exists()


def test_a_bad_file_exits_2(province, members, tmp_path):
    status, out = command("import_people", str(tmp_path / "khong-co.xlsx"), "--org", "CB1")
    assert status == 2 and "Không có tệp" in out
    macro = tmp_path / "ds.xlsm"
    macro.write_bytes(members.read_bytes())
    status, out = command("import_people", str(macro), "--org", "CB1")
    assert status == 2 and "macro" in out
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    status, out = command("import_people", str(broken), "--org", "CB1")
    assert status == 2 and out.strip()
    assert not Person.objects.filter(full_name__startswith="Tạ ").exists()


@pytest.mark.parametrize(("name", "option", "says"), [
    ("import_template", "--out", "Ghi tệp mẫu (XLSX)"),
    ("import_people", "--org", "Mã của đơn vị nhận danh sách"),
    ("import_attendance", "--session", "Số của buổi sinh hoạt"),
    ("import_results", "--class", "Số của lớp"),
])
def test_each_command_explains_itself(name, option, says):
    """`--help` prints the command's description and how to name its target (a lazy
    translation given to argparse made it crash)."""
    from django.core.management import load_command_class

    app = {"import_attendance": "resolutions", "import_results": "training"}.get(name, "portal")
    text = " ".join(load_command_class(app, name).create_parser("manage.py", name).format_help().split())
    assert option in text and says in text
