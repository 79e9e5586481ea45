"""The training area's list exports: classes, enrolments with their results, one class's
learners, certificates; each holds what its page lists for the same filters, value for value,
in a number of queries that does not grow with the list."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.test_exports import imported_again, read_csv, read_xlsx
from tests.test_training_certificates import files, make_class  # noqa: F401 - private files of the tests
from tests.test_training_classes import as_user
from training.models import Certificate, Enrollment
from training.services import certificates as certificate_services


@pytest.fixture
def world(province):
    """CS1's class (8 learners of CB2, 6 passed), DBX's class (2 of CB3, 1 passed); certificates issued,
    one revoked."""
    units = province["units"]
    cs1 = make_class(units["CS1"], learners=8, passed=6, name="Lớp đảng viên mới CS1", learner_unit=units["CB2"])
    dbx = make_class(units["DBX"], learners=2, passed=1, name="Lớp đảng viên mới DBX", learner_unit=units["CB3"])
    Enrollment.objects.filter(training_class=cs1).order_by("id").first()
    for training_class in (cs1, dbx):
        certificate_services.issue_for_class(training_class, pdfs=False)
    revoked = Certificate.objects.filter(enrollment__training_class=cs1).order_by("number").first()
    certificate_services.revoke(revoked, by=province["users"]["admin"], reason="Cấp nhầm người")
    return {"cs1": cs1, "dbx": dbx, "revoked": revoked}


def day(value):
    return value.date() if isinstance(value, datetime.datetime) else value


@pytest.mark.parametrize("query", [{}, {"org": "CS1"}, {"q": "DBX"}, {"plan": "out", "type": "dang-vien-moi"}])
def test_classes_export(client, province, world, query):
    client = as_user(client, province, "tuyengiao")
    page = client.get(reverse("training_class_list"), query)
    shown = list(page.context["page"].object_list)
    assert 'href="/training/classes/export.xlsx' in page.content.decode()
    header, rows, _sheet = read_xlsx(client.get(reverse("training_class_list_export", kwargs={"ext": "xlsx"}), query))
    assert len(rows) == len(shown)
    for c, row in zip(shown, rows, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert (day(cells["Khai giảng"]), day(cells["Bế giảng"])) == (c.starts_on, c.ends_on)
        assert (cells["Tên lớp"], cells["Loại lớp"], cells["Đơn vị tổ chức"]) == (c.name, c.class_type.name,
                                                                                c.organizer.name)
        assert cells["Kế hoạch"] == ("Trong kế hoạch" if c.in_plan else "Ngoài kế hoạch")
        assert (cells["Học viên"], cells["Số học viên tối đa"]) == (c.n_learners, c.capacity)
    _header, csv_rows = read_csv(client.get(reverse("training_class_list_export", kwargs={"ext": "csv"}), query))
    assert [row[2] for row in csv_rows] == [c.name for c in shown]


@pytest.mark.parametrize("query", [{}, {"result": "khong_dat"}, {"certified": "1", "org": "CB2"}, {"certified": "0"},
                                   {"q": "so001"}])
def test_enrolments_export(client, province, world, query):
    client = as_user(client, province, "tuyengiao")
    page = client.get(reverse("training_enrollment_list"), {**query, "page": "1"})
    shown = list(page.context["page"].object_list)
    assert 'href="/training/enrollments/export.csv' in page.content.decode()
    header, rows = read_csv(client.get(reverse("training_enrollment_list_export", kwargs={"ext": "csv"}), query))
    assert len(rows) == len(shown) > 0
    for e, row in zip(shown, rows, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert (cells["Họ và tên"], cells["Lớp"], cells["Đơn vị cử"]) == (
            e.person.full_name, e.training_class.name, e.learner_organization.name)
        assert cells["Kết quả"] == e.get_result_display()
        assert cells["Điểm"] == (f"{e.score.normalize():f}" if e.score is not None else "")
        assert cells["Giấy chứng nhận"] == ("Đã cấp" if e.certified else "")
        assert cells["Khai giảng"] == f"{e.training_class.starts_on:%d/%m/%Y}"


def test_enrolment_scores_are_numbers_in_xlsx(client, province, world):
    client = as_user(client, province, "daotao")
    header, rows, sheet = read_xlsx(client.get(reverse("training_enrollment_list_export", kwargs={"ext": "xlsx"})))
    scores = {row[header.index("Điểm")] for row in rows}
    assert scores == {8.5, 3}  # numbers, not text
    assert {row[header.index("Lớp")] for row in rows} == {"Lớp đảng viên mới CS1"}  # daotao: DBK's subtree


def test_class_roll_export(client, province, world):
    cs1 = world["cs1"]
    client = as_user(client, province, "daotao")
    page = client.get(reverse("training_class_detail", args=[cs1.pk]))
    roll = list(page.context["roll"])
    assert f'href="/training/classes/{cs1.pk}/export.xlsx"' in page.content.decode()
    header, rows, _sheet = read_xlsx(client.get(reverse("training_class_roll_export", args=[cs1.pk, "xlsx"])))
    assert header[:5] == ["Họ và tên", "Ngày sinh", "Số thẻ đảng viên", "Điểm", "Kết quả"]
    assert [row[0] for row in rows] == [e.person.full_name for e in roll]
    for e, row in zip(roll, rows, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert day(cells["Ngày sinh"]) == e.person.birth_date
        assert cells["Số thẻ đảng viên"] == e.person.party_card_number
        assert Decimal(str(cells["Điểm"])) == e.score and cells["Kết quả"] == e.get_result_display()
        assert cells["Đơn vị cử"] == e.learner_organization.name and cells["Buổi có mặt"] == e.n_present
        assert (cells["Giấy chứng nhận"] or "") == ("Đã cấp" if e.certified else "")
    response = client.get(reverse("training_class_roll_export", args=[cs1.pk, "csv"]))
    assert f"ket-qua-hoc-tap-lop-{cs1.pk}-" in response["Content-Disposition"]
    assert client.get(reverse("training_class_roll_export", args=[world["dbx"].pk, "csv"])).status_code == 404


@pytest.mark.parametrize("query", [{}, {"revoked": "1"}, {"revoked": "0", "org": "CS1"}, {"class": "CLASS"}])
def test_certificates_export(client, province, world, query):
    if query.get("class"):
        query = {"class": str(world["dbx"].pk)}
    client = as_user(client, province, "tuyengiao")
    page = client.get(reverse("training_certificate_list"), query)
    shown = list(page.context["page"].object_list)
    assert 'href="/training/certificates/export.xlsx' in page.content.decode()
    header, rows, _sheet = read_xlsx(client.get(reverse("training_certificate_list_export", kwargs={"ext": "xlsx"}),
                                                query))
    assert len(rows) == len(shown) > 0
    for c, row in zip(shown, rows, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert cells["Số"] == c.register_number and cells["Họ và tên"] == c.enrollment.person.full_name
        assert (cells["Lớp"], cells["Đơn vị cấp"]) == (c.enrollment.training_class.name, c.organizer.name)
        assert day(cells["Ngày cấp"]) == c.issued_on
        assert cells["Tình trạng"] == (f"Đã thu hồi {c.revoked_on:%d/%m/%Y}" if c.revoked_on else "Còn hiệu lực")
        assert cells["Lý do thu hồi"] == (c.revoked_reason or None)


@pytest.mark.parametrize(("name", "kwargs"), [("training_class_list_export", {}),
                                              ("training_enrollment_list_export", {}),
                                              ("training_certificate_list_export", {}),
                                              ("training_class_roll_export", {"pk": "CS1"})])
def test_queries_do_not_grow_with_the_list(client, province, name, kwargs):
    client = as_user(client, province, "admin")
    counts = []
    for learners in (5, 200):
        cs1 = make_class(province["units"]["CS1"], learners=learners, name=f"Lớp {learners}")
        certificate_services.issue_for_class(cs1, pdfs=False)
        url = reverse(name, kwargs={"ext": "csv", **({"pk": cs1.pk} if kwargs else {})})
        with CaptureQueriesContext(connection) as captured:
            rows = read_csv(client.get(url, {"class": cs1.pk} if "certificate" in name else {}))[1]
        assert rows
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], (name, counts)


def test_an_exported_class_roll_imports_again_unchanged(client, province, world, tmp_path):
    """A class's learners in the results import format: imported back as they are, every
    learner is found and nothing changes."""
    cs1 = world["cs1"]
    client = as_user(client, province, "daotao")
    response = client.get(reverse("training_class_roll_export", args=[cs1.pk, "xlsx"]))
    plan = imported_again(response, tmp_path, user=province["users"]["daotao"], format_code="results",
                          target_id=str(cs1.pk))
    assert plan.total == plan.unchanged == 8 and not plan.created and not plan.changed
