"""Importing a class's learners and results as training staff keep them: scores with a decimal
comma, results in words, the pass mark deciding when there is a test; people not yet enrolled
nominated through the nomination service and its checks; the results screen's own save; all or
nothing, the access rule, history naming the importing user, a constant number of queries."""

import datetime
import io
from decimal import Decimal

import pytest
import tablib
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import PartyStatus, Person, RowHistory, User
from portal.spreadsheets.imports import import_file, write_template
from portal.spreadsheets.reading import read_table
from tests.factories import FACTORY_BIRTH, PersonFactory
from tests.import_files import first_data_row, unit_workbook
from tests.test_training_classes import make_class, masses
from training.imports import RESULTS, EnrollmentResource
from training.models import Certificate, Enrollment

TODAY = timezone.localdate
PLAIN = ["STT", "HO VA TEN", "Ngay sinh", "So the", "Diem", "Ket qua", "Ghi chu"]
TITLES = ("TRUNG TÂM CHÍNH TRỊ", "KẾT QUẢ HỌC TẬP LỚP BỒI DƯỠNG NHẬN THỨC VỀ ĐẢNG")
FIRST = first_data_row(len(TITLES))


def run(user, training_class, path, *, dry_run=False):
    return import_file(user=user, format_code="results", target_id=str(training_class.pk), path=path,
                       dry_run=dry_run)


def sheet(tmp_path, rows, header=PLAIN, name="ket qua.xlsx"):
    return unit_workbook(tmp_path / name, header, rows, titles=TITLES)


def results(training_class):
    return {e.person.full_name: (e.score, e.result) for e in
            Enrollment.objects.filter(training_class=training_class).select_related("person")}


def enrol(training_class, people):
    return Enrollment.objects.bulk_create([Enrollment(training_class=training_class, person=p,
                                                      learner_organization_id=p.organization_id) for p in people])


@pytest.fixture
def daotao(province):
    return province["users"]["daotao"]


@pytest.fixture
def tested_class(province):
    """A class with a test (pass mark 5) for quần chúng, three of CB1 enrolled."""
    training_class = make_class(province["units"]["DBK"], starts_on=TODAY() - datetime.timedelta(days=20),
                                capacity=5)
    enrol(training_class, masses(province["units"]["CB1"], 3, "Trần Văn Học"))
    return training_class


def test_results_as_units_keep_them_are_stored(province, daotao, tested_class, tmp_path):
    """Title rows merged above, headers without diacritics, a blank line, a footer; a score with a
    comma, an Excel number, a blank; results in words; an extra column ignored."""
    path = sheet(tmp_path, [[1, "Trần Văn Học 0", "17/05/1985", None, "7,5", "Đạt", "Khá"],
                            [2, "trần văn học 1", FACTORY_BIRTH, None, 4.99, "khong dat", None],
                            [3, "Trần Văn Học 2", None, None, None, None, "Vắng thi"]])

    plan, counts = run(daotao, tested_class, path)

    assert plan.ok, [str(p) for p in plan.problems]
    assert (plan.total, len(plan.created), len(plan.changed), plan.unchanged) == (3, 0, 2, 1)
    assert counts == {"created": 0, "changed": 2, "enrolled": 0, "passed": 1, "failed": 1, "blank": 0, "total": 2}
    assert results(tested_class) == {"Trần Văn Học 0": (Decimal("7.50"), "dat"),
                                     "Trần Văn Học 1": (Decimal("4.99"), "khong_dat"),
                                     "Trần Văn Học 2": (None, "")}
    assert set(Enrollment.objects.exclude(result="").values_list("result_recorded_by", flat=True)) == {daotao.pk}
    assert [(c.row, c.fields) for c in plan.changed] == [
        (FIRST, [("Điểm", "", "7,5"), ("Kết quả", "", "Đạt")]),
        (FIRST + 2, [("Điểm", "", "4,99"), ("Kết quả", "", "Không đạt")])]


def test_the_pass_mark_decides_and_a_contrary_result_is_a_bad_row(province, daotao, tested_class, tmp_path):
    path = sheet(tmp_path, [[1, "Trần Văn Học 0", None, None, 4, "Đạt", None],
                            [2, "Trần Văn Học 1", None, None, None, "Đạt", None],
                            [3, "Trần Văn Học 2", None, None, "10,5", None, None]])
    plan, counts = run(daotao, tested_class, path)
    assert counts is None and not Enrollment.objects.exclude(result="").exists()
    assert [(p.row, p.column, p.value) for p in plan.problems] == [
        (FIRST, "Kết quả", "Đạt"), (FIRST + 2, "Điểm", ""), (FIRST + 3, "Điểm", "10,5")]
    assert plan.problems[0].reason == "điểm 4 so với điểm đạt 5 thì kết quả là “Không đạt”"
    assert "cần ghi điểm" in plan.problems[1].reason and "từ 0 đến 10" in plan.problems[2].reason


def test_without_a_test_the_result_is_as_written(province, daotao, tmp_path):
    training_class = make_class(province["units"]["DBK"], type_code="chuyen-de")
    enrol(training_class, masses(province["units"]["CB1"], 2, "Lê Chuyên"))
    plan, _counts = run(daotao, training_class, sheet(tmp_path, [[1, "Lê Chuyên 0", None, None, None, "Đạt", None],
                                                                 [2, "Lê Chuyên 1", None, None, None, "KĐ", None]]))
    assert plan.ok
    assert results(training_class) == {"Lê Chuyên 0": (None, "dat"), "Lê Chuyên 1": (None, "khong_dat")}
    plan, counts = run(daotao, training_class, sheet(tmp_path, [[1, "Lê Chuyên 0", None, None, 8, "Đạt", None]],
                                                     name="b.xlsx"))
    assert counts is None and plan.problems[0].reason == "lớp không có kiểm tra cuối khóa nên không ghi điểm"


def test_people_not_enrolled_are_nominated_through_the_nomination_rules(province, daotao, tested_class, tmp_path):
    """A quần chúng of another cell of daotao's reach joins the class; a chính thức member may not
    (the rule in force admits quần chúng only)."""
    newcomer = masses(province["units"]["CB2"], 1, "Phan Văn Mới")[0]
    path = sheet(tmp_path, [[1, "Trần Văn Học 0", None, None, "8", "Đạt", None],
                            [2, "Phan Văn Mới", None, None, "6,25", None, None]])
    plan, counts = run(daotao, tested_class, path)
    assert plan.ok, [str(p) for p in plan.problems]
    assert counts["enrolled"] == 1 and [c.label for c in plan.created] == ["Phan Văn Mới (17/05/1985)"]
    joined = Enrollment.objects.get(training_class=tested_class, person=newcomer)
    assert (joined.nominated_by, joined.learner_organization, joined.score, joined.result) == (
        daotao, province["units"]["CB2"], Decimal("6.25"), "dat")

    member = province["others"]["cb2"]  # chính thức
    plan, counts = run(daotao, tested_class, sheet(tmp_path, [[1, member.full_name, None, None, None, None, None]],
                                                   name="b.xlsx"))
    assert counts is None
    assert "chỉ dành cho: Quần chúng" in plan.problems[0].reason and plan.problems[0].row == FIRST
    assert not Enrollment.objects.filter(person=member).exists()


def test_nomination_refused_beyond_the_seats_left_and_after_the_roll_closed(province, daotao, tested_class,
                                                                          tmp_path):
    newcomers = masses(province["units"]["CB2"], 3, "Phan Văn Mới")
    path = sheet(tmp_path, [[i, p.full_name, None, None, None, None, None] for i, p in enumerate(newcomers)])
    plan, counts = run(daotao, tested_class, path)  # 3 enrolled, 5 seats
    assert counts is None and "Lớp còn 2 chỗ" in plan.problems[0].reason
    tested_class.results_closed_at = timezone.now()
    tested_class.save()
    plan, counts = run(daotao, tested_class, sheet(tmp_path, [[1, newcomers[0].full_name, None, None, 7, "", None]],
                                                   name="b.xlsx"))
    assert counts is None and "lớp đã chốt kết quả" in plan.problems[0].reason
    assert Enrollment.objects.filter(training_class=tested_class).count() == 3


def test_a_certified_result_does_not_change(province, daotao, tested_class, tmp_path):
    passed = Enrollment.objects.filter(training_class=tested_class).order_by("pk").first()
    Enrollment.objects.filter(pk=passed.pk).update(score=Decimal("8"), result="dat")
    Certificate.objects.create(enrollment=passed, organizer=tested_class.organizer, year=TODAY().year, number=1,
                               issued_on=TODAY())
    plan, counts = run(daotao, tested_class, sheet(tmp_path, [[1, passed.person.full_name, None, None, 3, None,
                                                               None]]))
    assert counts is None and "đã được cấp giấy chứng nhận" in plan.problems[0].reason
    # The same result (a new score above the mark) is not a change of result: it goes through.
    plan, counts = run(daotao, tested_class, sheet(tmp_path, [[1, passed.person.full_name, None, None, 9, None,
                                                               None]], name="b.xlsx"))
    assert plan.ok and results(tested_class)[passed.person.full_name] == (Decimal("9.00"), "dat")


def test_one_bad_row_writes_nothing_and_is_named(province, daotao, tested_class, tmp_path):
    newcomer = masses(province["units"]["CB2"], 1, "Phan Văn Mới")[0]
    path = sheet(tmp_path, [[1, "Trần Văn Học 0", None, None, 9, None, None],
                            [2, newcomer.full_name, None, None, 7, None, None],
                            [3, "Trần Văn Học 1", None, None, "bảy", None, None]])
    plan, counts = run(daotao, tested_class, path)
    assert counts is None
    assert [(p.row, p.column, p.value) for p in plan.problems] == [(FIRST + 3, "Điểm", "bảy")]
    assert [cells[1] for cells, _reason in plan.rejected_rows] == ["Trần Văn Học 1"]
    assert not Enrollment.objects.exclude(result="").exists()
    assert not Enrollment.objects.filter(person=newcomer).exists()


def test_reimporting_the_same_file_changes_nothing(province, daotao, tested_class, tmp_path):
    masses(province["units"]["CB2"], 1, "Phan Văn Mới")
    path = sheet(tmp_path, [[1, "Trần Văn Học 0", None, None, "7,5", None, None],
                            [2, "Phan Văn Mới", None, None, 6, None, None]])
    run(daotao, tested_class, path)
    before = results(tested_class)
    history = RowHistory.objects.filter(table_name="training_enrollment").count()
    plan, _counts = run(daotao, tested_class, path)
    assert (len(plan.created), len(plan.changed), plan.unchanged) == (0, 0, 2)
    assert results(tested_class) == before
    assert RowHistory.objects.filter(table_name="training_enrollment").count() == history


def test_history_names_the_importing_user(province, daotao, tested_class, tmp_path):
    masses(province["units"]["CB2"], 1, "Phan Văn Mới")
    last = RowHistory.objects.order_by("-id").values_list("id", flat=True).first()
    run(daotao, tested_class, sheet(tmp_path, [[1, "Trần Văn Học 0", None, None, "7,5", None, None],
                                               [2, "Phan Văn Mới", None, None, 6, None, None]]))
    history = RowHistory.objects.filter(table_name="training_enrollment", id__gt=last)
    assert sorted(history.values_list("action", flat=True)) == ["I", "U", "U"]
    assert set(history.values_list("actor_id", flat=True)) == {daotao.pk}


def test_a_class_outside_the_reach_answers_404(province, daotao, tmp_path):
    elsewhere = make_class(province["units"]["DBX"])
    path = sheet(tmp_path, [[1, "Hoàng Văn Xa", None, None, 7, None, None]])
    with pytest.raises(Http404):
        run(daotao, elsewhere, path)
    with pytest.raises(Http404):
        import_file(user=daotao, format_code="results", target_id="abc", path=path, dry_run=True)


def test_a_cell_secretary_who_sees_the_class_may_not_import(province, tested_class, tmp_path):
    with pytest.raises(PermissionDenied):
        run(province["users"]["bithu"], tested_class, sheet(tmp_path, [[1, "Trần Văn Học 0", None, None, 7, None,
                                                                         None]]))


def test_rows_for_people_outside_the_class_and_the_users_reach_are_rejected(province, daotao, tested_class,
                                                                           tmp_path):
    far = masses(province["units"]["CB3"], 1, "Hoàng Văn Xa")[0]  # a quần chúng outside daotao's reach
    path = sheet(tmp_path, [[1, "Trần Văn Học 0", None, None, 7, None, None],
                            [2, far.full_name, None, None, 7, None, None],
                            [3, "Không Có Ai", None, None, 7, None, None]])
    plan, counts = run(daotao, tested_class, path)
    assert counts is None
    assert [(p.row, p.column) for p in plan.problems] == [(FIRST + 2, "Họ và tên"), (FIRST + 3, "Họ và tên")]
    assert all("danh sách lớp và những người bạn được cử đi học" in p.reason for p in plan.problems)


def test_two_rows_for_the_same_learner_are_both_rejected(province, daotao, tested_class, tmp_path):
    plan, _counts = run(daotao, tested_class, sheet(tmp_path, [[1, "Trần Văn Học 0", None, None, 7, None, None],
                                                               [2, "Trần Văn Học 0", FACTORY_BIRTH, None, 3, None, None]]))
    assert [p.row for p in plan.problems] == [FIRST, FIRST + 2]


def test_an_external_programme_takes_no_class_results(province, daotao, tmp_path):
    training_class = make_class(province["units"]["DBK"], type_code="trung-cap-llct")
    enrol(training_class, masses(province["units"]["CB1"], 1, "Ngô Ngoài"))
    plan, counts = run(daotao, training_class, sheet(tmp_path, [[1, "Ngô Ngoài", None, None, None, "Đạt", None]]))
    assert counts is None and "cơ sở đào tạo bên ngoài" in plan.problems[0].reason


def test_the_import_costs_the_same_queries_whatever_the_size(province, tmp_path):
    counts = []
    for size in (10, 100):
        training_class = make_class(province["units"]["DBK"], capacity=500)
        learners = masses(province["units"]["CB1"], size, f"Học Viên {size}")
        enrol(training_class, learners[: size // 2])  # half enrolled, half nominated by the file
        rows = [[i, p.full_name, None, None, 5 + i % 5, None, None] for i, p in enumerate(learners)]
        path = sheet(tmp_path, rows, name=f"{size}.xlsx")
        with CaptureQueriesContext(connection) as queries:
            plan, written = run(User.objects.get(username="daotao"), training_class, path)
        assert plan.ok, [str(p) for p in plan.problems]
        assert written["total"] == size and written["enrolled"] == size // 2
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_the_command_prints_the_summary_and_exits_by_the_outcome(province, daotao, tested_class, tmp_path):
    good = sheet(tmp_path, [[1, "Trần Văn Học 0", None, None, "7,5", None, None]])
    out = io.StringIO()
    call_command("import_results", str(good), "--class", str(tested_class.pk), "--user", "daotao", "--dry-run",
                 stdout=out)
    assert "thay đổi: 1" in out.getvalue() and not Enrollment.objects.exclude(result="").exists()
    call_command("import_results", str(good), "--class", str(tested_class.pk), stdout=out)  # the server's admin
    assert results(tested_class)["Trần Văn Học 0"] == (Decimal("7.50"), "dat")
    bad = sheet(tmp_path, [[1, "Trần Văn Học 1", None, None, "x", None, None]], name="bad.xlsx")
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_results", str(bad), "--class", str(tested_class.pk), stdout=out)
    assert refused.value.returncode == 1 and f"Dòng {FIRST}, cột Điểm, giá trị 'x'" in out.getvalue()
    with pytest.raises(CommandError) as unusable:
        call_command("import_results", str(good), "--class", str(tested_class.pk), "--user", "bithu")
    assert unusable.value.returncode == 2


def test_the_template_reads_back(province, tmp_path):
    path = tmp_path / "mau.xlsx"
    write_template("results", path)
    table = read_table(path, path.name, RESULTS.columns)
    assert table.header == ["Họ và tên", "Ngày sinh", "Số thẻ đảng viên", "Điểm", "Kết quả"]
    assert [row.values["result"] for row in table.rows] == ["Đạt", "Không đạt"]


def test_the_resource_describes_the_same_columns(province, daotao, tested_class, tmp_path):
    run(daotao, tested_class, sheet(tmp_path, [[1, "Trần Văn Học 0", None, None, "7,5", None, None]]))
    exported = EnrollmentResource(training_class=tested_class, user=daotao).export()
    assert exported.headers == ["Họ và tên", "Ngày sinh", "Số thẻ đảng viên", "Điểm", "Kết quả"]
    assert ["Trần Văn Học 0", "17/05/1985", "", "7,5", "Đạt"] in [list(row) for row in exported]
    dataset = tablib.Dataset(["Trần Văn Học 1", "", "", "4,5", ""], headers=exported.headers)
    result = EnrollmentResource(training_class=tested_class, user=daotao).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert results(tested_class)["Trần Văn Học 1"] == (Decimal("4.50"), "khong_dat")
    stranger = PersonFactory(full_name="Người Lạ", organization=province["units"]["CB1"],
                             party_status=PartyStatus.objects.get(code="quan-chung"))
    dataset = tablib.Dataset([stranger.full_name, "", "", "7", ""], headers=exported.headers)
    result = EnrollmentResource(training_class=tested_class, user=daotao).import_data(dataset, dry_run=False)
    assert result.has_validation_errors() or result.has_errors()
    assert not Person.objects.get(pk=stranger.pk).enrollments.exists()


def test_the_resource_reads_the_certified_results_once(province, daotao, tested_class):
    """django-import-export's row-by-row import learns which results a certificate holds in one
    query, not one per row; a certified result still does not change."""
    headers = EnrollmentResource(training_class=tested_class, user=daotao).get_export_headers()
    dataset = tablib.Dataset(*[[f"Trần Văn Học {n}", "", "", "7", ""] for n in range(3)], headers=headers)
    with CaptureQueriesContext(connection) as captured:
        result = EnrollmentResource(training_class=tested_class, user=daotao).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert sum('"training_certificate"' in q["sql"] for q in captured.captured_queries) == 1
    learner = Enrollment.objects.filter(training_class=tested_class).order_by("id").first()
    Certificate.objects.create(enrollment=learner, organizer=tested_class.organizer, year=TODAY().year, number=1,
                               issued_on=TODAY())
    dataset = tablib.Dataset([learner.person.full_name, "", "", "3", ""], headers=headers)
    result = EnrollmentResource(training_class=tested_class, user=daotao).import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert Enrollment.objects.get(pk=learner.pk).result == "dat"
