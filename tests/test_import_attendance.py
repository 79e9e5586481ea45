"""Importing the attendance sheet of a session as units keep it: statuses as people write them
(one column or a mark per status), people matched within those expected at the session, the
attendance screen's own save (the same rows as the page), all or nothing, the access rule,
history naming the importing user, a constant number of queries."""

import datetime
import io

import pytest
import tablib
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from portal.models import PartyStatus, RowHistory
from portal.spreadsheets.imports import import_file, stage_import, write_template
from portal.spreadsheets.reading import read_table
from resolutions.imports import ATTENDANCE, AttendanceResource
from resolutions.models import Attendance
from tests.factories import FACTORY_BIRTH, PersonFactory
from tests.import_files import first_data_row, unit_workbook
from tests.test_attendance import add_members, sheet_post
from tests.test_sessions import as_user, make_session

Status = Attendance.Status
HELD = datetime.date(2025, 9, 9)
# Headers as a unit types them without diacritics.
PLAIN = ["STT", "HO VA TEN", "Ngay sinh", "So the dang vien", "Tinh trang", "Ly do"]
MARKS = ["TT", "Họ và tên", "Ngày sinh", "Có mặt", "Vắng có phép", "Vắng không phép", "Ghi chú"]
TITLES = ("ĐẢNG BỘ SỞ GIÁO DỤC", "CHI BỘ VĂN PHÒNG", "DANH SÁCH ĐIỂM DANH SINH HOẠT CHI BỘ THÁNG 9/2025")


def run(user, session, path, *, dry_run=False):
    return import_file(user=user, format_code="attendance", target_id=str(session.pk), path=path, dry_run=dry_run)


def sheet(tmp_path, rows, header=PLAIN, name="diem danh.xlsx"):
    return unit_workbook(tmp_path / name, header, rows, titles=TITLES)


def stored(session):
    return {a.person.full_name: (a.status, a.reason, a.method)
            for a in Attendance.objects.filter(session=session).select_related("person")}


@pytest.fixture
def session(province):
    return make_session(province["units"]["CB1"], HELD)


@pytest.fixture
def bithu(province):
    return province["users"]["bithu"]


@pytest.fixture
def people(province):
    """The three expected at a session of CB1 (the factory gives each a card number)."""
    return {"bi": province["secretary"], "dang": province["member"], "cung": province["others"]["cb1"]}


def test_a_sheet_as_units_keep_it_stores_every_mark(province, session, bithu, people, tmp_path):
    """Title rows merged above, headers without diacritics, a blank line, a footer; a person
    by card, one by name and a text date, one by name alone; statuses as people write them."""
    path = sheet(tmp_path, [
        [1, "Nguyễn Văn Bí", None, people["bi"].party_card_number, "x", None],
        [2, "TRẦN THỊ ĐẢNG", "17/05/1985", None, "P", "  Ốm,  có giấy  "],
        [3, "Lê Văn Cùng", None, None, "vắng", None],
    ])

    plan, counts = run(bithu, session, path)

    assert plan.ok, [str(p) for p in plan.problems]
    assert (plan.total, len(plan.created), len(plan.changed), plan.unchanged) == (3, 3, 0, 0)
    assert counts == {"created": 3, "changed": 0, "present": 1, "excused": 1, "absent": 1, "total": 3}
    assert stored(session) == {
        "Nguyễn Văn Bí": (Status.PRESENT, "", Attendance.Method.SECRETARY),
        "Trần Thị Đảng": (Status.EXCUSED, "Ốm, có giấy", Attendance.Method.SECRETARY),
        "Lê Văn Cùng": (Status.ABSENT, "", Attendance.Method.SECRETARY),
    }
    first = first_data_row(len(TITLES))
    assert [(c.row, c.label) for c in plan.created] == [
        (first, "Nguyễn Văn Bí (17/05/1985)"), (first + 2, "Trần Thị Đảng (17/05/1985)"),
        (first + 3, "Lê Văn Cùng (17/05/1985)")]


@pytest.mark.parametrize(("written", "reason", "status"), [
    ("Có mặt", "", Status.PRESENT), ("có", "", Status.PRESENT), ("√", "", Status.PRESENT),
    ("vắng có phép", "Đi công tác", Status.EXCUSED), ("VCLD", "Ốm", Status.EXCUSED),
    ("v", "Con ốm", Status.EXCUSED), ("Vắng không lý do", "", Status.ABSENT), ("KP", "", Status.ABSENT),
    ("vang_khong_ly_do", "", Status.ABSENT),
])
def test_statuses_as_people_write_them(province, session, bithu, people, tmp_path, written, reason, status):
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, written, reason or None],
                            [2, "Trần Thị Đảng", None, None, "x", None],
                            [3, "Lê Văn Cùng", None, None, "x", None]])
    plan, _counts = run(bithu, session, path)
    assert plan.ok, [str(p) for p in plan.problems]
    assert stored(session)["Nguyễn Văn Bí"][:2] == (status, reason)


def test_a_mark_in_one_column_per_status(province, session, bithu, people, tmp_path):
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", FACTORY_BIRTH, "x", None, None, None],
                            [2, "Trần Thị Đảng", FACTORY_BIRTH, None, "X", None, "Họp phụ huynh"],
                            [3, "Lê Văn Cùng", FACTORY_BIRTH, None, None, "x", None]], header=MARKS)
    plan, _counts = run(bithu, session, path)
    assert plan.ok, [str(p) for p in plan.problems]
    assert {name: status[:2] for name, status in stored(session).items()} == {
        "Nguyễn Văn Bí": (Status.PRESENT, ""), "Trần Thị Đảng": (Status.EXCUSED, "Họp phụ huynh"),
        "Lê Văn Cùng": (Status.ABSENT, "")}


def test_the_import_gives_the_same_rows_as_the_attendance_screen(client, province, session, bithu, people,
                                                                 tmp_path):
    """The same sheet saved on the page for one session and imported for another: the same rows."""
    on_page = make_session(province["units"]["CB1"], HELD)
    response = as_user(client, province, "bithu").post(
        f"/study/sessions/{on_page.pk}/attendance/",
        sheet_post(list(people.values()), {people["dang"].pk: Status.EXCUSED, people["cung"].pk: Status.ABSENT},
                   {people["dang"].pk: "Ốm, có giấy"}))
    assert response.status_code == 302
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "Có mặt", None],
                            [2, "Trần Thị Đảng", None, None, "Vắng có lý do", "Ốm, có giấy"],
                            [3, "Lê Văn Cùng", None, None, "Vắng không lý do", None]])
    run(bithu, session, path)
    assert stored(session) == stored(on_page)
    # And the page's sheet imported again into its own session changes nothing.
    before = RowHistory.objects.filter(table_name="resolutions_attendance").count()
    plan, _counts = run(bithu, on_page, path)
    assert (len(plan.created), len(plan.changed), plan.unchanged) == (0, 0, 3)
    assert RowHistory.objects.filter(table_name="resolutions_attendance").count() == before


def test_one_bad_row_writes_nothing_and_is_named(province, session, bithu, people, tmp_path):
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "đến muộn", None],
                            [3, "Lê Văn Cùng", None, None, "P", None]])

    plan, counts = run(bithu, session, path)

    assert counts is None and not Attendance.objects.exists()
    first = first_data_row(len(TITLES))
    assert [(p.row, p.column, p.value) for p in plan.problems] == [
        (first + 2, "Tình trạng", "đến muộn"), (first + 3, "Lý do", "")]
    assert "không có trong danh mục tình trạng điểm danh" in plan.problems[0].reason
    assert plan.problems[1].reason == "vắng có lý do cần ghi lý do"
    assert [(cells[1], reason) for cells, reason in plan.rejected_rows] == [
        ("Trần Thị Đảng", f"Tình trạng: {plan.problems[0].reason}"), ("Lê Văn Cùng", "Lý do: vắng có lý do cần ghi lý do")]


def test_the_rejected_rows_file_holds_the_bad_row_with_its_reason(province, session, bithu, people, tmp_path):
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "x", None],
                            [3, "Lê Văn Cùng", None, None, "có mặt và vắng", None]])
    with path.open("rb") as upload:
        batch = stage_import(user=bithu, format_code="attendance", target_id=str(session.pk), upload=upload,
                             filename=path.name)
    assert batch.summary["problems"] == 1
    with batch.rejected_file.open("rb") as stream:
        rows = list(load_workbook(io.BytesIO(stream.read())).active.iter_rows(values_only=True))
    assert rows[0][-1] == "Lý do" and len(rows) == 2
    assert rows[1][1] == "Lê Văn Cùng" and rows[1][4] == "có mặt và vắng" and rows[1][-1].startswith("Tình trạng: ")


def test_reimporting_the_same_file_changes_nothing(province, session, bithu, people, tmp_path):
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "P", "Ốm"],
                            [3, "Lê Văn Cùng", None, None, "x", None]])
    run(bithu, session, path)
    rows = stored(session)
    history = RowHistory.objects.filter(table_name="resolutions_attendance").count()

    plan, counts = run(bithu, session, path)

    assert (len(plan.created), len(plan.changed), plan.unchanged) == (0, 0, 3)
    assert stored(session) == rows
    assert RowHistory.objects.filter(table_name="resolutions_attendance").count() == history


def test_a_change_shows_old_and_new(province, session, bithu, people, tmp_path):
    run(bithu, session, sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                                         [2, "Trần Thị Đảng", None, None, "x", None],
                                         [3, "Lê Văn Cùng", None, None, "x", None]]))
    plan, _counts = run(bithu, session, sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                                                         [2, "Trần Thị Đảng", None, None, "P", "Ốm"],
                                                         [3, "Lê Văn Cùng", None, None, "x", None]], name="b.xlsx"))
    assert [c.fields for c in plan.changed] == [[("Tình trạng", "Có mặt", "Vắng có lý do"), ("Lý do", "", "Ốm")]]
    assert plan.unchanged == 2
    assert stored(session)["Trần Thị Đảng"][:2] == (Status.EXCUSED, "Ốm")


def test_history_names_the_importing_user(province, session, bithu, people, tmp_path):
    run(bithu, session, sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                                         [2, "Trần Thị Đảng", None, None, "x", None],
                                         [3, "Lê Văn Cùng", None, None, "x", None]]))
    history = RowHistory.objects.filter(table_name="resolutions_attendance")
    assert history.count() == 3
    assert set(history.values_list("actor_id", flat=True)) == {bithu.pk}
    assert {row.new["status"] for row in history} == {Status.PRESENT}


def test_a_session_outside_the_reach_answers_404(province, bithu, tmp_path):
    elsewhere = make_session(province["units"]["CB3"], HELD)
    path = sheet(tmp_path, [[1, "Hoàng Văn Xa", None, None, "x", None]])
    with pytest.raises(Http404):
        run(bithu, elsewhere, path)
    with pytest.raises(Http404):
        import_file(user=bithu, format_code="attendance", target_id="999999", path=path, dry_run=False)
    assert not Attendance.objects.exists()


def test_a_member_who_sees_the_session_may_not_import(province, session, people, tmp_path):
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None]])
    with pytest.raises(PermissionDenied):
        run(province["users"]["dangvien"], session, path)


def test_rows_for_people_not_expected_are_rejected(province, session, bithu, people, tmp_path):
    """Someone of another cell, someone by another unit's card, a member excused from meetings."""
    excused = PersonFactory(full_name="Võ Văn Miễn", organization=province["units"]["CB1"],
                            party_status=PartyStatus.objects.get(code="mien-sinh-hoat"))
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "x", None],
                            [3, "Lê Văn Cùng", None, None, "x", None],
                            [4, "Phạm Thị Khác", None, None, "x", None],
                            [5, "Hoàng Văn Xa", None, province["others"]["cb3"].party_card_number, "x", None],
                            [6, "Võ Văn Miễn", None, None, "x", None]])

    plan, counts = run(bithu, session, path)

    assert counts is None and not Attendance.objects.exists()
    first = first_data_row(len(TITLES))
    assert [(p.row, p.column) for p in plan.problems] == [
        (first + 4, "Họ và tên"), (first + 5, "Số thẻ đảng viên"), (first + 6, "Họ và tên")]
    assert all("danh sách phải dự buổi sinh hoạt này của Chi bộ Văn phòng" in p.reason for p in plan.problems)
    assert excused.pk not in {mark.person for mark in plan.payload.marks}


def test_namesakes_are_reported_never_guessed(province, session, bithu, people, tmp_path):
    PersonFactory(full_name="Lê Văn Cùng", organization=province["units"]["CB1"])  # same name and birth date
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "x", None],
                            [3, "Lê Văn Cùng", "17/05/1985", None, "x", None]])
    plan, _counts = run(bithu, session, path)
    assert [p.column for p in plan.problems][:1] == ["Họ và tên"]
    assert "trùng họ tên với 2 người" in plan.problems[0].reason
    # With the card, the same row is his.
    card = province["others"]["cb1"].party_card_number
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "x", None],
                            [3, "Lê Văn Cùng", None, card, "x", None],
                            [4, "Lê Văn Cùng", None, None, "v", None]], name="b.xlsx")
    plan, _counts = run(bithu, session, path)
    # Row 3 is his by the card; row 4 names him or his namesake, and says nothing more.
    assert plan.problems[0].row == first_data_row(len(TITLES)) + 4
    assert "trùng họ tên với 2 người" in plan.problems[0].reason


def test_two_rows_for_the_same_person_are_both_rejected(province, session, bithu, people, tmp_path):
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "x", None],
                            [3, "Lê Văn Cùng", None, None, "x", None],
                            [4, "Nguyễn Văn Bí", None, None, "v", None]])
    plan, _counts = run(bithu, session, path)
    first = first_data_row(len(TITLES))
    assert [p.row for p in plan.problems] == [first, first + 4]
    assert "cùng một người với dòng" in plan.problems[0].reason


def test_someone_expected_left_out_keeps_his_record_or_is_asked_for(province, session, bithu, people, tmp_path):
    """A QR check-in stays when the file leaves him out; someone with nothing recorded must be in the file."""
    Attendance.objects.create(session=session, person=people["cung"], status=Status.PRESENT,
                              method=Attendance.Method.QR, checked_in_at=timezone.now())
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None]])
    plan, counts = run(bithu, session, path)
    assert counts is None
    assert [(p.column, p.value) for p in plan.problems] == [("Họ và tên", "Trần Thị Đảng")]
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "x", None]], name="b.xlsx")
    plan, counts = run(bithu, session, path)
    assert plan.ok and counts["total"] == 3
    assert stored(session)["Lê Văn Cùng"] == (Status.PRESENT, "", Attendance.Method.QR)


def test_a_session_not_held_yet_is_refused(province, bithu, people, tmp_path):
    later = make_session(province["units"]["CB1"], timezone.localdate() + datetime.timedelta(days=3))
    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "x", None],
                            [3, "Lê Văn Cùng", None, None, "x", None]])
    plan, counts = run(bithu, later, path)
    assert counts is None and "chưa diễn ra" in plan.problems[0].reason


def test_the_import_costs_the_same_queries_whatever_the_size(province, tmp_path):
    from portal.models import User
    from tests.factories import give_position

    counts = []
    for code, size in (("CB2", 10), ("CB3", 200)):
        unit = province["units"][code]
        give_position(province["secretary"], unit, "bi-thu")
        session = make_session(unit, HELD)
        members = add_members(unit, size)
        rows = [[i, m.full_name, None, None, "x" if i % 3 else "v", None] for i, m in enumerate(members, start=1)]
        rows += [[0, p.full_name, None, None, "x", None] for p in unit.people.exclude(pk__in=[m.pk for m in members])]
        path = sheet(tmp_path, rows, name=f"{code}.xlsx")
        with CaptureQueriesContext(connection) as queries:
            plan, written = run(User.objects.get(username="bithu"), session, path)
        assert plan.ok, [str(p) for p in plan.problems]
        assert written["total"] == len(rows)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_the_command_prints_the_summary_and_exits_by_the_outcome(province, session, bithu, people, tmp_path):
    good = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "x", None],
                            [3, "Lê Văn Cùng", None, None, "x", None]])
    out = io.StringIO()
    call_command("import_attendance", str(good), "--session", str(session.pk), "--dry-run", stdout=out)
    assert "thêm mới: 3" in out.getvalue() and not Attendance.objects.exists()
    call_command("import_attendance", str(good), "--session", str(session.pk), "--user", "bithu", stdout=out)
    assert Attendance.objects.count() == 3
    bad = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "??", None]], name="bad.xlsx")
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_attendance", str(bad), "--session", str(session.pk), "--user", "bithu", stdout=out)
    assert refused.value.returncode == 1
    assert f"Dòng {first_data_row(len(TITLES))}, cột Tình trạng, giá trị '??'" in out.getvalue()
    with pytest.raises(CommandError) as unusable:
        call_command("import_attendance", str(good), "--session", str(session.pk), "--user", "dangvien")
    assert unusable.value.returncode == 2 and "Chỉ bí thư, cấp ủy của Chi bộ Văn phòng" in str(unusable.value)
    with pytest.raises(CommandError) as unusable:
        call_command("import_attendance", str(good), "--session", "999999")
    assert unusable.value.returncode == 2


def test_the_template_reads_back(province, tmp_path):
    path = tmp_path / "mau.xlsx"
    write_template("attendance", path)
    header = next(load_workbook(path).active.iter_rows(values_only=True))
    assert header == ("Họ và tên", "Ngày sinh", "Số thẻ đảng viên", "Tình trạng", "Lý do")
    table = read_table(path, path.name, ATTENDANCE.columns)
    assert [row.values["status"] for row in table.rows] == ["Có mặt", "Vắng có lý do", "Vắng không lý do"]


def test_the_resource_describes_the_same_columns(province, session, bithu, people, tmp_path):
    run(bithu, session, sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                                         [2, "Trần Thị Đảng", None, None, "P", "Ốm"],
                                         [3, "Lê Văn Cùng", None, None, "x", None]]))
    exported = AttendanceResource(session=session, user=bithu).export()
    assert exported.headers == ["Họ và tên", "Ngày sinh", "Số thẻ đảng viên", "Tình trạng", "Lý do"]
    assert ["Trần Thị Đảng", "17/05/1985", people["dang"].party_card_number, "Vắng có lý do", "Ốm"] in [
        list(row) for row in exported]
    dataset = tablib.Dataset(["Lê Văn Cùng", "", "", "v", "Con ốm"], headers=exported.headers)
    result = AttendanceResource(session=session, user=bithu).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert stored(session)["Lê Văn Cùng"][:2] == (Status.EXCUSED, "Con ốm")
    outsider = tablib.Dataset(["Phạm Thị Khác", "", "", "x", ""], headers=exported.headers)
    result = AttendanceResource(session=session, user=bithu).import_data(outsider, dry_run=False)
    assert result.has_validation_errors() or result.has_errors()


def test_preview_then_confirm_writes_the_sheet(province, session, bithu, people, tmp_path):
    from portal.spreadsheets.imports import confirm_import

    path = sheet(tmp_path, [[1, "Nguyễn Văn Bí", None, None, "x", None],
                            [2, "Trần Thị Đảng", None, None, "P", "Ốm"],
                            [3, "Lê Văn Cùng", None, None, "x", None]])
    with path.open("rb") as upload:
        batch = stage_import(user=bithu, format_code="attendance", target_id=str(session.pk), upload=upload,
                             filename=path.name)
    assert batch.organization == session.organization and batch.summary["created"] == 3
    assert not Attendance.objects.exists()
    batch = confirm_import(batch, user=bithu)
    assert batch.status == batch.Status.APPLIED and batch.summary["written"]["excused"] == 1
    assert stored(session)["Trần Thị Đảng"][:2] == (Status.EXCUSED, "Ốm")
    assert set(RowHistory.objects.filter(table_name="resolutions_attendance").values_list("actor_id", flat=True)) == {
        bithu.pk}
