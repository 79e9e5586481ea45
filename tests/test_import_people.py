"""Importing member lists as units keep them: every value stored, all or nothing, matching of
existing people, the access rule, history naming the importing user."""

import datetime
import io

import pytest
import tablib
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from portal.models import (
    Ethnicity,
    PartyStatus,
    PartyStatusChange,
    Person,
    Position,
    RowHistory,
    TheoryLevel,
    Transfer,
)
from portal.spreadsheets import people as people_format
from portal.spreadsheets.imports import import_file, stage_import
from portal.spreadsheets.people import PEOPLE, PeopleResource
from portal.spreadsheets.reading import read_table
from tests.factories import PersonFactory
from tests.import_files import PEOPLE_HEADER, PLAIN_HEADER, first_data_row, person_row, unit_workbook

TODAY = timezone.localdate


def run(user, unit, path, *, dry_run=False):
    return import_file(user=user, format_code="people", target_id=unit.code, path=path, dry_run=dry_run)


@pytest.fixture
def bithu(province):
    return province["users"]["bithu"]


@pytest.fixture
def cb1(province):
    return province["units"]["CB1"]


# --- A file as a unit keeps it ----------------------------------------------------------------


def test_a_unit_style_file_stores_every_value(province, bithu, cb1, tmp_path):
    """Title rows and merged cells above, headers without diacritics and in another order, a
    blank line, a footer; Excel dates and text dates; statuses, genders, ethnic groups,
    positions and theory levels in words; units by name without diacritics."""
    rows = [
        [1, "Nguyễn Thị Thu  Hà", datetime.date(1990, 4, 30), "nu", "Khơ-me", "02/09/2015", "2/9/16", 12345678,
         "Đảng viên chính thức", "chi bo van phong", "PBT", "TC", "Giáo viên, Trường THPT Tân An"],
        [2, "Lê Văn Hùng", "05-01-1999", "M", "Tày", datetime.date(2025, 6, 1), None, None, "dự bị", "", "Đảng viên",
         "", "Kỹ sư"],
        [3, "Phạm Thu Trang", "17.08.2004", "F", "Kinh", None, None, None, "Quần chúng ưu tú", "CB1", "", None,
         "Sinh viên"],
    ]
    path = unit_workbook(tmp_path / "danh sach.xlsx", PLAIN_HEADER, rows)

    plan, counts = run(bithu, cb1, path)

    assert plan.ok, [str(p) for p in plan.problems]
    assert (len(plan.created), len(plan.changed), plan.unchanged) == (3, 0, 0)
    assert counts["created"] == 3
    ha = Person.objects.get(full_name="Nguyễn Thị Thu Hà")
    assert (ha.birth_date, ha.gender, ha.ethnicity.code) == (datetime.date(1990, 4, 30), "nu", "khmer")
    assert (ha.admitted_on, ha.official_on) == (datetime.date(2015, 9, 2), datetime.date(2016, 9, 2))
    assert ha.party_card_number == "12345678"
    assert ha.party_status.code == "chinh-thuc" and ha.party_status_since == datetime.date(2016, 9, 2)
    assert ha.organization == cb1 and ha.theory_level.code == "trung-cap"
    assert ha.job_title == "Giáo viên, Trường THPT Tân An"
    assert (ha.given_name, ha.search_key) == ("Hà", "nguyen thi thu ha")
    # Dự bị from the admission, chính thức from the official day: reports of past years count her.
    assert list(ha.status_changes.values_list("status__code", "effective_on")) == [
        ("du-bi", datetime.date(2015, 9, 2)), ("chinh-thuc", datetime.date(2016, 9, 2))]
    assert list(Position.objects.filter(person=ha).values_list("organization__code", "role__code", "started_on",
                                                                "ended_on")) == [("CB1", "pho-bi-thu", TODAY(), None)]

    hung = Person.objects.get(full_name="Lê Văn Hùng")
    assert (hung.birth_date, hung.gender, hung.ethnicity.code) == (datetime.date(1999, 1, 5), "nam", "tay")
    assert (hung.admitted_on, hung.official_on, hung.party_card_number) == (datetime.date(2025, 6, 1), None, None)
    assert hung.party_status.code == "du-bi" and hung.party_status_since == datetime.date(2025, 6, 1)
    assert hung.organization == cb1 and hung.theory_level is None and hung.job_title == "Kỹ sư"
    assert not Position.objects.filter(person=hung).exists()  # "Đảng viên": no chức vụ
    assert list(hung.status_changes.values_list("status__code", "effective_on")) == [
        ("du-bi", datetime.date(2025, 6, 1))]

    trang = Person.objects.get(full_name="Phạm Thu Trang")
    assert (trang.birth_date, trang.gender, trang.party_status.code) == (datetime.date(2004, 8, 17), "nu",
                                                                         "quan-chung")
    assert trang.admitted_on is None and trang.party_status_since == TODAY()
    assert list(trang.status_changes.values_list("status__code", "effective_on")) == [("quan-chung", TODAY())]


@pytest.mark.parametrize("bulk", [False, True], ids=["by the trigger", "set-wise"])
def test_history_names_the_importing_user(province, bithu, cb1, tmp_path, monkeypatch, bulk):
    """Row by row by the trigger, or for many new people in one statement per table with the
    trigger off (portal.audit.bulk_load_history): the same history."""
    monkeypatch.setattr(people_format, "BULK_HISTORY_ROWS", 1 if bulk else 10**9)
    changed = province["member"]
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER,
                         [person_row("Đỗ Văn Mạnh", position="Bí thư"),
                          person_row(changed.full_name, card=changed.party_card_number, job="Văn thư", gender=None)])
    run(bithu, cb1, path)
    update = RowHistory.objects.get(table_name="portal_person", row_id=changed.pk, action="U")
    assert (update.actor_id, update.old, update.new) == (bithu.pk, {"job_title": ""}, {"job_title": "Văn thư"})
    person = Person.objects.get(full_name="Đỗ Văn Mạnh")
    rows = RowHistory.objects.filter(
        table_name__in=["portal_person", "portal_partystatuschange", "portal_position"],
        row_id__in=[person.pk, *person.status_changes.values_list("pk", flat=True),
                    *Position.objects.filter(person=person).values_list("pk", flat=True)])
    assert {(row.table_name, row.action, row.actor_id) for row in rows} == {
        ("portal_person", "I", bithu.pk), ("portal_partystatuschange", "I", bithu.pk),
        ("portal_position", "I", bithu.pk)}
    assert len(rows) == 4  # the person, dự bị and chính thức, the position
    assert all(row.context == "import people (lệnh)" for row in rows)
    inserted = rows.get(table_name="portal_person")
    assert inserted.new["full_name"] == "Đỗ Văn Mạnh" and inserted.new["organization_id"] == cb1.pk


def test_a_template_like_file_reads_the_same(province, bithu, cb1, tmp_path):
    """The template's own headers, no title row, dates as text only."""
    path = unit_workbook(tmp_path / "mau.xlsx", PEOPLE_HEADER,
                         [person_row("Vũ Thị Lan", birth="03/04/1979", gender="Nữ", admitted="01/01/2005",
                                     official="01/01/2006", card="0098765", theory="Cao cấp lý luận chính trị")],
                         titles=(), footer=False)
    plan, _counts = run(bithu, cb1, path)
    assert plan.ok
    lan = Person.objects.get(full_name="Vũ Thị Lan")
    assert (lan.birth_date, lan.party_card_number, lan.theory_level.code) == (datetime.date(1979, 4, 3), "0098765",
                                                                              "cao-cap")


# --- All or nothing ----------------------------------------------------------------------------


def test_one_bad_row_among_5000_writes_nothing_and_names_it(province, bithu, cb1, tmp_path, settings):
    settings.IMPORT_JOB_ROWS = 10_000  # previewed at once (tests/test_import_engine.py runs the job)
    rows = [person_row(f"Nguyễn Văn Số{i:04d}", birth=datetime.date(1980, 1, 1) + datetime.timedelta(days=i),
                       card=f"{50000000 + i}") for i in range(5000)]
    bad_index = 3210
    rows[bad_index][1] = "31/02/1980"
    path = unit_workbook(tmp_path / "lon.xlsx", PEOPLE_HEADER, rows, blank_after=None)
    people_before, history_before = Person.objects.count(), RowHistory.objects.count()

    plan, counts = run(bithu, cb1, path)

    assert counts is None
    assert (Person.objects.count(), RowHistory.objects.count()) == (people_before, history_before)
    bad_row_number = first_data_row() + bad_index
    assert [(p.row, p.column, p.value) for p in plan.problems] == [(bad_row_number, "Ngày sinh", "31/02/1980")]
    assert str(plan.problems[0]) == (f"Dòng {bad_row_number}, cột Ngày sinh, giá trị '31/02/1980': "
                                     "không có ngày này trong lịch")
    assert plan.total == 5000 and len(plan.created) == 4999

    # The rejected-rows file holds exactly that row, as written, with its reason.
    with path.open("rb") as upload:
        batch = stage_import(user=bithu, format_code="people", target_id="CB1", upload=upload, filename="lon.xlsx")
    assert Person.objects.count() == people_before
    sheet = load_workbook(io.BytesIO(batch.rejected_file.read())).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0] == (*PEOPLE_HEADER, "Lý do")
    assert len(lines) == 2
    assert lines[1][:12] == (f"Nguyễn Văn Số{bad_index:04d}", "31/02/1980", "Nam", "Kinh",
                             datetime.datetime(2010, 3, 2), datetime.datetime(2011, 3, 2), f"{50000000 + bad_index}",
                             "Chính thức", None, None, "Sơ cấp", "Chuyên viên")
    assert lines[1][12] == "Ngày sinh: không có ngày này trong lịch"


def test_reimporting_the_same_file_changes_and_creates_nothing(province, bithu, cb1, tmp_path):
    rows = [person_row("Trần Văn Nam", card="60000001", position="Bí thư"),
            person_row("Trần Thị Mai", gender="Nữ", card=None, birth=datetime.date(1991, 2, 3))]
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER, rows)
    run(bithu, cb1, path)
    counts_before = [model.objects.count() for model in (Person, PartyStatusChange, Position, Transfer, RowHistory)]

    plan, counts = run(bithu, cb1, path)

    assert (len(plan.created), len(plan.changed), plan.unchanged) == (0, 0, 2)
    assert counts == {"created": 0, "changed": 0, "status_changes": 0, "transfers": 0, "positions": 0}
    assert [model.objects.count() for model in (Person, PartyStatusChange, Position, Transfer, RowHistory)] == \
        counts_before


def test_changes_of_an_existing_member_follow_the_people_rules(province, bithu, tmp_path):
    """Matched by card: each changed field listed old → new; the status change recorded from
    its day, the change of cell as a transfer, the chức vụ as a position."""
    cs1 = province["units"]["CS1"]
    bithu.grants.create(organization=cs1, role_id=_staff_role("tochuc"))  # may manage CS1's subtree
    member = PersonFactory(full_name="Ngô Văn Tài", gender="nam", organization=province["units"]["CB1"],
                           party_card_number="61000001",
                           party_status=PartyStatus.objects.get(code="du-bi"), official_on=None,
                           admitted_on=datetime.date(2024, 12, 1), birth_date=datetime.date(1995, 7, 7),
                           job_title="Chuyên viên")
    row = person_row("Ngô Văn Tài", birth=datetime.date(1995, 7, 7), card="61000001", admitted="01/12/2024",
                     official="01/12/2025", status="Chính thức", unit="Chi bộ Phòng Tổ chức", position="Chi ủy viên",
                     theory="Sơ cấp", job="Trưởng phòng")
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER, [row])

    plan, counts = run(bithu, cs1, path)

    assert plan.ok and len(plan.changed) == 1 and not plan.created
    change = plan.changed[0]
    assert change.label == "Ngô Văn Tài (07/07/1995)"
    assert list(change.fields) == [
        ("Ngày chính thức", "", "01/12/2025"), ("Tình trạng", "Đảng viên dự bị", "Đảng viên chính thức"),
        ("Chi bộ", "Chi bộ Văn phòng", "Chi bộ Phòng Tổ chức"), ("Nghề nghiệp / nơi công tác", "Chuyên viên",
                                                                 "Trưởng phòng"),
        ("Chức vụ", "", "Cấp ủy viên")]
    member.refresh_from_db()
    assert member.official_on == datetime.date(2025, 12, 1) and member.party_status.code == "chinh-thuc"
    assert member.party_status_since == datetime.date(2025, 12, 1)
    assert member.organization.code == "CB2" and member.job_title == "Trưởng phòng"
    assert list(member.status_changes.values_list("status__code", "effective_on")) == [
        ("chinh-thuc", datetime.date(2025, 12, 1))]
    transfer = Transfer.objects.get(person=member)
    assert (transfer.from_organization.code, transfer.to_organization.code, transfer.transferred_on,
            transfer.kind) == ("CB1", "CB2", TODAY(), Transfer.Kind.PERMANENT)
    assert Position.objects.get(person=member).role.code == "cap-uy-vien"
    assert counts == {"created": 0, "changed": 1, "status_changes": 1, "transfers": 1, "positions": 1}
    update = RowHistory.objects.filter(table_name="portal_person", row_id=member.pk, action="U").get()
    assert update.actor_id == bithu.pk
    assert update.new["organization_id"] == province["units"]["CB2"].pk and update.new["job_title"] == "Trưởng phòng"


def test_empty_cells_keep_what_is_recorded(province, bithu, cb1, tmp_path):
    member = province["member"]
    path = unit_workbook(tmp_path / "a.xlsx", ["Họ và tên", "Số thẻ đảng viên", "Nghề nghiệp"],
                         [[member.full_name, member.party_card_number, None]])
    plan, _counts = run(bithu, cb1, path)
    assert plan.ok and plan.unchanged == 1


# --- Who a row is about ------------------------------------------------------------------------


def test_matched_by_name_and_birth_date_when_no_card(province, bithu, cb1, tmp_path):
    person = PersonFactory(full_name="Hồ Thị Xuân", gender="nu", organization=cb1, party_card_number=None,
                           birth_date=datetime.date(1970, 3, 8))
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER,
                         [person_row("hồ thị  xuân", birth="08/03/1970", gender="Nữ", card="62000001")])
    plan, _counts = run(bithu, cb1, path)
    assert plan.ok and len(plan.changed) == 1 and not plan.created
    person.refresh_from_db()
    assert person.party_card_number == "62000001" and person.full_name == "hồ thị xuân"


def test_an_ambiguous_match_is_reported_never_guessed(province, bithu, cb1, tmp_path):
    for _ in range(2):
        PersonFactory(full_name="Lý Văn Trùng", organization=cb1, party_card_number=None,
                      birth_date=datetime.date(1980, 1, 1))
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER,
                         [person_row("Lý Văn Trùng", birth=datetime.date(1980, 1, 1), card=None, job="Bảo vệ")])
    before = Person.objects.count()
    plan, counts = run(bithu, cb1, path)
    assert counts is None and Person.objects.count() == before
    [problem] = plan.problems
    assert problem.column == "Họ và tên" and "trùng" in problem.reason and "không xác định được" in problem.reason
    assert "2 người" in problem.reason


def test_two_rows_for_the_same_person_are_both_rejected(province, bithu, cb1, tmp_path):
    rows = [person_row("Mai Văn Một", card="63000001"), person_row("Mai Văn Hai", card="63000002"),
            person_row("Mai Văn Một", card="63000001", job="Khác")]
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER, rows, blank_after=None)
    plan, counts = run(bithu, cb1, path)
    assert counts is None
    first = first_data_row()
    assert [(p.row, p.reason) for p in plan.problems] == [
        (first, f"cùng một người với dòng {first + 2}: mỗi người chỉ ghi một dòng"),
        (first + 2, f"cùng một người với dòng {first}: mỗi người chỉ ghi một dòng")]


def test_a_card_held_outside_the_unit_is_rejected(province, bithu, cb1, tmp_path):
    stranger = province["others"]["cb3"]
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER,
                         [person_row("Người Khác", card=stranger.party_card_number)])
    plan, counts = run(bithu, cb1, path)
    assert counts is None
    [problem] = plan.problems
    assert problem.column == "Số thẻ đảng viên" and "không thuộc Chi bộ Văn phòng" in problem.reason
    assert stranger.full_name not in problem.reason  # nothing about a person outside his reach


# --- The access rule ---------------------------------------------------------------------------


def test_a_unit_outside_the_users_reach_answers_404(province, bithu, tmp_path):
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER, [person_row("Ai Đó")])
    for user, code in [(bithu, "CB2"), (bithu, "CS1"), (province["users"]["tuyengiao"], "CB1"),
                       (province["users"]["dangvien"], "CB1"), (bithu, "KHONGCO")]:
        with pytest.raises(Http404):
            import_file(user=user, format_code="people", target_id=code, path=path, dry_run=True)
        with pytest.raises(Http404), path.open("rb") as upload:
            stage_import(user=user, format_code="people", target_id=code, upload=upload, filename="a.xlsx")
    assert not Person.objects.filter(full_name="Ai Đó").exists()


def test_a_row_naming_another_unit_is_rejected(province, bithu, cb1, tmp_path):
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER,
                         [person_row("Ai Đó", unit="Chi bộ Phòng Tổ chức"), person_row("Ai Khác", unit="CB3")],
                         blank_after=None)
    plan, counts = run(bithu, cb1, path)
    assert counts is None
    assert [(p.column, p.value, p.reason) for p in plan.problems] == [
        ("Chi bộ", "Chi bộ Phòng Tổ chức", "không phải đơn vị (đang hoạt động) thuộc Chi bộ Văn phòng"),
        ("Chi bộ", "CB3", "không phải đơn vị (đang hoạt động) thuộc Chi bộ Văn phòng")]


def test_new_people_need_a_cell(province, tmp_path):
    """Into a đảng bộ, each new person's row names his chi bộ."""
    admin = province["users"]["admin"]
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER,
                         [person_row("Ai Đó", unit=""), person_row("Ai Khác", unit="Chi bo Phong To chuc")],
                         blank_after=None)
    plan, _counts = run(admin, province["units"]["CS1"], path, dry_run=True)
    assert [(p.column, p.reason) for p in plan.problems] == [
        ("Chi bộ", "cần ghi chi bộ của người mới (Đảng bộ Sở Giáo dục không phải là chi bộ)")]
    assert len(plan.created) == 1


# --- Bad values --------------------------------------------------------------------------------


def test_each_bad_cell_is_named_with_its_reason(province, bithu, cb1, tmp_path):
    rows = [
        person_row("", job="Không tên"),
        person_row("Sai Giới", gender="X"),
        person_row("Sai Dân Tộc", ethnicity="Sao Hỏa"),
        person_row("Sai Ngày", admitted="mùng 2 tháng 9"),
        person_row("Ngày Chính Thức Sớm", admitted=datetime.date(2012, 1, 1), official=datetime.date(2011, 1, 1)),
        person_row("Sai Tình Trạng", status="Ủy viên"),
        person_row("Sai Chức Vụ", position="Giám đốc"),
        person_row("Thiếu Giới", gender=None),
        person_row("Ngày Tới", birth=TODAY() + datetime.timedelta(days=3)),
        person_row("Nguyễn " + "X" * 60),
    ]
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER, rows, blank_after=None)
    plan, counts = run(bithu, cb1, path)
    assert counts is None
    found = [(p.row - first_data_row(), p.column, p.value, p.reason) for p in plan.problems]
    future = (TODAY() + datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    assert found == [
        (0, "Họ và tên", "", "cần ghi họ và tên"),
        (1, "Giới tính", "X", "“X” không có trong danh mục giới tính"),
        (2, "Dân tộc", "Sao Hỏa", "“Sao Hỏa” không có trong danh mục dân tộc"),
        (3, "Ngày vào Đảng", "mùng 2 tháng 9", "không đọc được ngày, hãy ghi theo dạng dd/mm/yyyy"),
        (4, "Ngày chính thức", "01/01/2011", "ngày chính thức phải sau ngày vào Đảng (01/01/2012)"),
        (5, "Tình trạng", "Ủy viên", "“Ủy viên” không có trong danh mục tình trạng đảng viên"),
        (6, "Chức vụ", "Giám đốc", "“Giám đốc” không có trong danh mục chức vụ"),
        (7, "Giới tính", "", "cần ghi giới tính của người mới (Nam hoặc Nữ)"),
        (8, "Ngày sinh", future, "ngày này chưa tới"),
        (9, "Họ và tên", "Nguyễn " + "X" * 60, "không phải họ tên (có chữ quá dài)"),
    ]
    assert len(plan.rejected_rows) == 10


def test_status_inferred_from_the_dates_when_not_written(province, bithu, cb1, tmp_path):
    rows = [person_row("Có Ngày Chính Thức", status=None), person_row("Mới Kết Nạp", status=None, official=None,
                                                                      admitted=datetime.date(2025, 3, 1)),
            person_row("Không Ngày", status=None, admitted=None, official=None)]
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER, rows, blank_after=None)
    plan, _counts = run(bithu, cb1, path, dry_run=True)
    assert [(p.column, p.reason) for p in plan.problems] == [
        ("Tình trạng", "cần ghi tình trạng của người mới (chính thức, dự bị, quần chúng…)")]
    assert [{title: new for title, _old, new in c.fields}["Tình trạng"] for c in plan.created] == ["Đảng viên chính thức", "Đảng viên dự bị"]


# --- Cost --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 500])
def test_planning_costs_the_same_queries_whatever_the_size(province, bithu, cb1, tmp_path, size,
                                                           django_assert_max_num_queries):
    rows = [person_row(f"Nguyễn Văn Số{i:04d}", card=f"{64000000 + i}", unit="Chi bộ Văn phòng",
                       position="Bí thư" if i % 7 == 0 else "") for i in range(size)]
    rows[0][6] = province["others"]["cb3"].party_card_number  # a card held outside: its one query
    path = unit_workbook(tmp_path / "a.xlsx", PEOPLE_HEADER, rows)
    table = read_table(path, "a.xlsx", PEOPLE.columns)
    with django_assert_max_num_queries(8):
        plan = PEOPLE.plan(table, target=cb1, user=bithu)
    assert plan.total == size and len(plan.created) == size - 1


# --- django-import-export: the same columns ---------------------------------------------------


def test_the_resource_describes_the_same_columns(province, bithu, cb1, tmp_path):
    resource = PeopleResource(target=cb1, user=bithu)
    assert resource.get_export_headers() == [column.title for column in people_format.COLUMNS]
    dataset = tablib.Dataset(headers=PEOPLE_HEADER)
    dataset.append(person_row("Đinh Thị Hoa", gender="nu", ethnicity="Khơ-me", card="65000001", status="dự bị",
                              official=None, admitted="01/06/2025", position="BT", theory="TC"))
    result = resource.import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    hoa = Person.objects.get(full_name="Đinh Thị Hoa")
    assert (hoa.gender, hoa.ethnicity, hoa.party_status, hoa.theory_level, hoa.organization) == (
        "nu", Ethnicity.objects.get(code="khmer"), PartyStatus.objects.get(code="du-bi"),
        TheoryLevel.objects.get(code="trung-cap"), cb1)
    assert (hoa.admitted_on, hoa.party_status_since) == (datetime.date(2025, 6, 1), datetime.date(2025, 6, 1))
    assert list(hoa.status_changes.values_list("status__code", "effective_on")) == [
        ("du-bi", datetime.date(2025, 6, 1))]
    assert Position.objects.get(person=hoa).role.code == "bi-thu"

    exported = resource.export(Person.objects.filter(pk=hoa.pk))
    assert exported.dict[0] == {
        "Họ và tên": "Đinh Thị Hoa", "Ngày sinh": "17/05/1985", "Giới tính": "Nữ", "Dân tộc": "Khmer",
        "Ngày vào Đảng": "01/06/2025", "Ngày chính thức": "", "Số thẻ đảng viên": "65000001",
        "Tình trạng": "Đảng viên dự bị", "Chi bộ": "Chi bộ Văn phòng", "Chức vụ": "Bí thư",
        "Trình độ lý luận chính trị": "Trung cấp", "Nghề nghiệp / nơi công tác": "Chuyên viên"}

    # Re-importing the export changes nothing.
    again = PeopleResource(target=cb1, user=bithu).import_data(exported, dry_run=False)
    assert not again.has_errors() and again.totals["skip"] == 1
    assert Person.objects.filter(full_name="Đinh Thị Hoa").count() == 1


def test_the_resource_reads_the_statuses_once(province, bithu, cb1):
    """django-import-export's row-by-row import reads the status catalogue in one query, not
    once for each row whose status is new."""
    dataset = tablib.Dataset(headers=PEOPLE_HEADER)
    for n in range(6):
        dataset.append(person_row(f"Đinh Thị Hoa {n}", gender="nu", card=f"6600000{n}", status="dự bị", official=None,
                                  admitted="01/06/2025"))
    with CaptureQueriesContext(connection) as captured:
        result = PeopleResource(target=cb1, user=bithu).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert PartyStatusChange.objects.filter(person__full_name__startswith="Đinh Thị Hoa").count() == 6
    whole_catalogue = [q["sql"] for q in captured.captured_queries
                       if 'FROM "portal_partystatus"' in q["sql"] and "WHERE" not in q["sql"]]
    assert len(whole_catalogue) == 1, whole_catalogue  # (each row's status is still checked by its key)


def test_the_resource_refuses_a_unit_outside_its_target(province, bithu, cb1):
    dataset = tablib.Dataset(headers=PEOPLE_HEADER)
    dataset.append(person_row("Ai Đó", unit="CB3", card="65000002"))
    result = PeopleResource(target=cb1, user=bithu).import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert not Person.objects.filter(full_name="Ai Đó").exists()


def _staff_role(code):
    from portal.models import StaffRole

    return StaffRole.objects.get(code=code).pk
