"""A report's figures (reports.indicators.compute_report) on a small province with a year of
classes, enrolments, lectures, sessions, attendance and commitments, a cell of one đảng bộ
merged into a cell of another on 1 July: each figure equal to the count worked out by hand
from the rows below, for the province and for a đảng bộ under it; a constant number of
queries; the API under the access rule (404 out of reach, 400 with a Vietnamese message,
nothing written)."""

import datetime
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portal import tree
from portal.asof import Period
from portal.jobs.models import Job
from portal.models import Ethnicity, Person
from portal.printing import format_number, format_percent
from reports.indicators import compute_report, figure
from reports.models import ReportKind, ReportRun
from resolutions.models import Attendance, Commitment, RatingLevel, StudySession, UnitStudySettings
from tests.factories import PersonFactory, give_position, make_unit
from tests.test_documents import make_document
from training.models import (
    Certificate,
    ClassType,
    Enrollment,
    Lecturer,
    Lesson,
    PlanLine,
    TrainingClass,
    TrainingPlan,
)

YEAR = 2025
PERIOD = Period.year(YEAR)
MERGED_ON = datetime.date(YEAR, 7, 1)
P, E, A = Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT
PASSED, FAILED = Enrollment.Result.PASSED, Enrollment.Result.FAILED
d = datetime.date


def person(units, unit, name, gender="nam", minority=False):
    ethnicity = Ethnicity.objects.get(code="tay" if minority else "kinh")
    return PersonFactory(full_name=name, organization=units[unit], gender=gender, ethnicity=ethnicity)


def plan(unit, codes):
    approved = TrainingPlan.objects.create(organization=unit, year=YEAR, status=TrainingPlan.Status.APPROVED)
    return {code: PlanLine.objects.create(plan=approved, class_type=ClassType.objects.get(code=code),
                                          planned_classes=2, planned_learners=30) for code in codes}


def klass(unit, code, line, start):
    return TrainingClass.objects.create(class_type=ClassType.objects.get(code=code), organizer=unit, plan_line=line,
                                        name=f"Lớp {code} {start:%d/%m}", starts_on=start,
                                        ends_on=start + datetime.timedelta(days=3), capacity=50)


def enrol(training_class, learner, result, certified=False):
    enrollment = Enrollment.objects.create(training_class=training_class, person=learner,
                                           learner_organization=learner.organization, result=result)
    if certified:
        Certificate.objects.create(enrollment=enrollment, organizer=training_class.organizer, year=YEAR,
                                   number=Certificate.objects.count() + 1, issued_on=training_class.ends_on)


def session(unit, held_on, marks, *, documents=(), kind=StudySession.Kind.REGULAR,
            format=StudySession.Format.IN_PERSON):
    held = StudySession.objects.create(organization=unit, held_on=held_on, kind=kind, format=format,
                                       bridge_points=3 if format == StudySession.Format.ONLINE else None)
    held.documents.set(documents)
    Attendance.objects.bulk_create([Attendance(session=held, person=who, status=status) for who, status in marks])


@pytest.fixture
def report_world(province):
    """TINH ─ DBK ─ CS1 (đảng bộ cơ sở) ─ CB1, CB2 (merged into CB3 on 1/7: its members pass to DBX)
              └ CS3 (chi bộ cơ sở, no class)
         └ DBX ─ CB3
              └ CS2 (đảng bộ cơ sở, no class) ─ CB4
    Members on 31/12: CB1 six, CS1 two, CB3 four (two from CB2), DBX one: thirteen; DBK eight."""
    u = dict(province["units"])
    u["CS3"] = make_unit("Chi bộ cơ sở Bệnh viện", parent=u["DBK"], code="CS3", level_code="chi-bo-co-so")
    u["CS2"] = make_unit("Đảng bộ xã Tân Phú", parent=u["DBX"], code="CS2", level_code="dang-bo-co-so")
    u["CB4"] = make_unit("Chi bộ ấp Tân Phú", parent=u["CS2"], code="CB4")
    p = {"secretary": province["secretary"], "member": province["member"], **province["others"]}
    Person.objects.filter(pk__in=[p["secretary"].pk, p["cb1"].pk, p["cb2"].pk, p["cb3"].pk]).update(gender="nam")
    Person.objects.filter(pk=p["member"].pk).update(gender="nu")
    p["l1"] = person(u, "CB1", "Đỗ Thị Một", gender="nu")
    p["l2"] = person(u, "CB2", "Hà Văn Hai", minority=True)
    p["l3"] = person(u, "CB1", "Lò Văn Ba")
    p["x1"] = person(u, "CB1", "Kim Văn Tư", minority=True)
    p["t3"] = person(u, "CB3", "Lương Văn Năm", minority=True)
    p["bt"] = person(u, "CS1", "Mạc Văn Bảy")
    p["pbt"] = person(u, "CS1", "Ninh Văn Tám")
    p["cuv"] = person(u, "DBX", "Ông Văn Chín")
    give_position(p["bt"], u["CS1"], "bi-thu")
    give_position(p["pbt"], u["CS1"], "pho-bi-thu")
    give_position(p["cuv"], u["DBX"], "cap-uy-vien")

    # Training: two approved plans; a class outside any plan.
    cs1_lines = plan(u["CS1"], ["nhan-thuc-ve-dang", "nghiep-vu-cong-tac-dang"])
    dbx_lines = plan(u["DBX"], ["chuyen-de"])
    k1 = klass(u["CS1"], "nhan-thuc-ve-dang", cs1_lines["nhan-thuc-ve-dang"], d(YEAR, 3, 10))
    enrol(k1, p["l1"], PASSED, certified=True)
    enrol(k1, p["l2"], PASSED)
    enrol(k1, p["l3"], FAILED)
    k2 = klass(u["CS1"], "nghiep-vu-cong-tac-dang", cs1_lines["nghiep-vu-cong-tac-dang"], d(YEAR, 5, 5))
    enrol(k2, p["bt"], PASSED)
    k3 = klass(u["CB3"], "chuyen-de", dbx_lines["chuyen-de"], d(YEAR, 9, 10))
    enrol(k3, p["t3"], PASSED)
    enrol(k3, p["x1"], PASSED)  # a learner of CB1 (DBK) in DBX's class
    k4 = klass(u["CB3"], "chuyen-de", None, d(YEAR, 10, 1))
    enrol(k4, p["cb3"], PASSED)
    standard = Lecturer.objects.create(person=p["bt"], organization=u["CS1"], kind=Lecturer.Kind.PART_TIME,
                                       meets_standard=True, started_on=d(2020, 1, 1))
    Lecturer.objects.create(person=p["pbt"], organization=u["CS1"], kind=Lecturer.Kind.PART_TIME,
                            meets_standard=False, started_on=d(2020, 1, 1))
    Lesson.objects.create(training_class=k2, number=1, title="Nghiệp vụ", held_on=d(YEAR, 5, 6), lecturer=standard)

    # Study: a document, four sessions on both sides of the merger.
    document = make_document(u["TINH"], "05-CT/TW", "CT")
    UnitStudySettings.objects.create(organization=u["CB1"], unexcused_absence_threshold=1)
    session(u["CB1"], d(YEAR, 3, 15), [(p["secretary"], P), (p["member"], P), (p["cb1"], A), (p["l1"], P),
                                       (p["l3"], E)], documents=[document], kind=StudySession.Kind.STUDY)
    session(u["CB2"], d(YEAR, 4, 10), [(p["cb2"], P), (p["l2"], A)])
    tree.merge_organizations([u["CB2"]], into=u["CB3"], effective_on=MERGED_ON)
    session(u["CB3"], d(YEAR, 8, 20), [(p["cb3"], P), (p["cb2"], P), (p["l2"], P), (p["t3"], P)],
            documents=[document], format=StudySession.Format.ONLINE)
    session(u["CB1"], d(YEAR, 11, 5), [(p["secretary"], P), (p["member"], A), (p["cb1"], A), (p["l1"], P),
                                       (p["l3"], P)])

    ratings = {level.code: level for level in RatingLevel.objects.all()}
    for key, status, rating in [("secretary", Commitment.Status.ACCEPTED, "xuat-sac"),
                                ("member", Commitment.Status.ACCEPTED, "tot"), ("cb1", Commitment.Status.DRAFT, None),
                                ("cb2", Commitment.Status.SUBMITTED, None), ("cb3", Commitment.Status.ACCEPTED, "tot"),
                                ("l1", Commitment.Status.RETURNED, None)]:
        Commitment.objects.create(person=p[key], year=YEAR, status=status, rating=ratings.get(rating))
    for unit in u.values():
        unit.refresh_from_db()
    return {**province, "units": u, "people": p, "document": document}


# Worked out by hand from the rows above (the rule of portal.asof: activities by the tree of their
# day, head counts on 31/12). Percentages as Share rounds them: half up, one decimal.
EXPECTED = {
    "TINH": {
        "classes.held": 3, "classes.outside_plan": 1,  # K1, K2, K3; K4 has no plan line
        "learners.total": 6, "learners.female": 1, "learners.minority": 3,  # L1 woman; L2, X1, T3 Tày
        "results.passed": 5, "results.certified": 1,
        "results.admission_new_share": (1, 3, 33.3),  # K1: L1 of L1, L2, L3
        "party_work.share": (1, 4, 25.0),  # bt (K2) of bt, pbt, bí thư of CB1, cấp ủy viên of DBX
        "lecturers.standard_share": (1, 2, 50.0),
        "lecturers.secretaries_share": (1, 2, 50.0),  # bt lectured K2; pbt did not
        "grassroots.without_class": 2, "grassroots.with_class_share": (1, 3, 33.3),  # CS1 of CS1, CS2, CS3
        "study.sessions": 4, "study.sessions.hoc_tap": 1, "study.sessions.thuong_ky": 3,
        "study.sessions.format.truc_tuyen": 1, "study.sessions.format.tap_trung": 3,
        "study.attendance_share": (11, 16, 68.8),
        "study.document": (7, 13, 53.8),  # secretary, member, L1 (March); cb3, cb2, L2, T3 (August)
        "commitments.expected": 13, "commitments.filed": (5, 13, 38.5), "commitments.accepted": (3, 13, 23.1),
        "commitments.rating.xuat-sac": 1, "commitments.rating.tot": 2,
        "commend": 5,  # secretary, L1, cb2, cb3, T3: present at every session they had
        "remind": 1,  # cb1: two unexcused absences, above CB1's threshold of one
    },
    "DBK": {
        "classes.held": 2, "classes.outside_plan": 0,
        # K1's three (L2 in CB2 in March), bt, X1 (in DBX's class)
        "learners.total": 5, "learners.female": 1, "learners.minority": 2,
        "results.passed": 4, "results.certified": 1,
        "results.admission_new_share": (1, 3, 33.3),
        "party_work.share": (1, 3, 33.3),
        "lecturers.standard_share": (1, 2, 50.0),
        "lecturers.secretaries_share": (1, 2, 50.0),
        "grassroots.without_class": 1, "grassroots.with_class_share": (1, 2, 50.0),  # CS1 of CS1, CS3
        "study.sessions": 3, "study.sessions.hoc_tap": 1, "study.sessions.thuong_ky": 2,
        "study.sessions.format.tap_trung": 3,
        "study.attendance_share": (7, 12, 58.3),  # S1, CB2's April session (then DBK's), S4
        "study.document": (3, 8, 37.5),
        "commitments.expected": 8, "commitments.filed": (3, 8, 37.5), "commitments.accepted": (2, 8, 25.0),
        "commitments.rating.xuat-sac": 1, "commitments.rating.tot": 1,
        "commend": 2, "remind": 1,
    },
}


def report_of(world, code, kind_code="ct17"):
    unit = world["units"][code]
    return compute_report(ReportKind.objects.get(code=kind_code), unit, PERIOD)


def actual(report, code, world):
    if code == "study.document":
        code = f"study.document.{world['document'].pk}"
    item = figure(report, code)
    assert item is not None, code
    return item["value"] if item["kind"] == "count" else (item["done"], item["total"], item["percent"])


@pytest.mark.parametrize("code", ["TINH", "DBK"])
def test_every_figure_equals_the_count_by_hand(report_world, code):
    report = report_of(report_world, code)
    expected = EXPECTED[code]
    assert {key: actual(report, key, report_world) for key in expected} == expected
    assert [block["code"] for block in report["indicators"]] == ReportKind.objects.get(code="ct17").indicators
    assert report["unit"]["code"] == code and report["period"] == {
        "start": "2025-01-01", "end": "2025-12-31", "label": "2025", "years": 1}
    assert report["snapshot_day"] == "2025-12-31"


def test_tables_by_child_list_the_children_of_the_year_with_their_totals(report_world):
    u = report_world["units"]
    report = report_of(report_world, "TINH")
    classes = next(t for b in report["indicators"] for t in b["tables"] if t["code"] == "classes.by_child")
    assert classes["rows"] == [[u["DBK"].name, 2, 0, 5, 1, 2], [u["DBX"].name, 1, 1, 1, 0, 1]]
    assert classes["total"] == ["Tổng cộng", 3, 1, 6, 1, 3]
    # DBK's children: CS1 (which held CB2 until the merger) and CS3, nothing of their own.
    dbk = report_of(report_world, "DBK")
    study = next(t for b in dbk["indicators"] for t in b["tables"] if t["code"] == "study.by_child")
    assert {row[0]: row[1:] for row in study["rows"]} == {u["CS1"].name: [3, 12, 7, 58.3],
                                                          u["CS3"].name: [0, 0, 0, None]}
    assert study["total"] == ["Tổng cộng", 3, 12, 7, 58.3]
    # CB3's figures of the year: the sessions after the merger are DBX's, through CB3.
    dbx = report_of(report_world, "DBX")
    assert figure(dbx, "study.sessions")["value"] == 1
    assert figure(dbx, "commitments.expected")["value"] == 5  # cb3, T3, cb2, L2 (from CB2), the cấp ủy viên


def test_sentences_weave_the_figures_in_vietnamese_number_format(report_world):
    report = report_of(report_world, "TINH")
    sentences = {block["code"]: " ".join(block["sentences"]) for block in report["indicators"]}
    assert sentences["classes"].startswith("Đã mở 3 lớp bồi dưỡng với 6 lượt học viên, trong đó nữ 1, "
                                           "người dân tộc thiểu số 3")
    assert "1 lớp ngoài kế hoạch" in sentences["classes"]
    assert "11/16 lượt đảng viên có mặt, đạt 68,8%" in sentences["study"]
    assert "05-CT/TW: 7/13 đảng viên đã học, đạt 53,8%" in sentences["study"]
    assert "1/4 cấp ủy viên" in sentences["party_work_trained"]
    assert "đạt 25,0% (chỉ tiêu 90%, chưa đạt)" in sentences["party_work_trained"]
    assert "5/13 đảng viên đã xây dựng bản cam kết" in sentences["commitments"]
    assert "hoàn thành xuất sắc nhiệm vụ 1; hoàn thành tốt nhiệm vụ 2" in sentences["commitments"]
    assert format_number(1127) == "1.127" and format_percent(58.2) == "58,2%" and format_number(3.25, 1) == "3,2"


def test_targets_are_the_units_own_else_the_seeds(report_world):
    from training.models import TargetIndicator, TrainingTarget

    unit = report_world["units"]["TINH"]
    TrainingTarget.objects.create(organization=unit, year=YEAR, indicator=TargetIndicator.PARTY_WORK_TRAINED_SHARE,
                                  value=20)
    TrainingTarget.objects.create(organization=unit, year=YEAR, indicator=TargetIndicator.CLASSES, value=6,
                                  upper=10)
    report = report_of(report_world, "TINH")
    assert figure(report, "party_work.share")["target"] == {"min": 20, "max": None, "own": True, "met": True}
    assert figure(report, "classes.held")["target"] == {"min": 6, "max": 10, "own": True, "met": False}
    assert figure(report, "lecturers.standard_share")["target"] == {"min": 100, "max": None, "own": False,
                                                                   "met": False}
    assert figure(report, "study.sessions")["target"] is None


def test_the_report_is_json_as_stored_and_the_same_when_computed_again(report_world):
    first = report_of(report_world, "TINH")
    again = report_of(report_world, "TINH")
    assert json.loads(json.dumps(first, cls=DjangoJSONEncoder)) == first
    first.pop("computed_at"), again.pop("computed_at")
    assert first == again
    assert "ngày chốt số liệu 31/12/2025" in " ".join(first["notes"])


def test_kl01_over_three_years_reuses_the_same_indicators(report_world):
    kind = ReportKind.objects.get(code="kl01")
    report = compute_report(kind, report_world["units"]["TINH"], Period.years(YEAR, 3))
    assert [block["code"] for block in report["indicators"]] == kind.indicators
    assert report["period"]["label"] == "2023–2025" and report["period"]["years"] == 3
    assert figure(report, "study.sessions")["value"] == 4
    assert figure(report, "classes.held")["value"] == 3


def test_queries_do_not_grow_with_the_subtree(report_world):
    kind = ReportKind.objects.get(code="ct17")
    counts = {}
    for code in ["TINH", "CB1"]:
        unit = report_world["units"][code]
        with CaptureQueriesContext(connection) as queries:
            compute_report(kind, unit, PERIOD)
        counts[code] = len(queries)
    assert counts["TINH"] == counts["CB1"] <= 25, counts


# --- The API ---------------------------------------------------------------------------------------


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_gives_the_computed_figures(report_world):
    client = client_for(report_world["users"]["tuyengiao"])
    response = client.get("/api/v1/indicators/", {"unit": "DBK", "year": YEAR, "kind": "ct17"})
    assert response.status_code == 200
    body = response.json()
    body.pop("computed_at")
    expected = json.loads(json.dumps(report_of(report_world, "DBK"), cls=DjangoJSONEncoder))
    expected.pop("computed_at")
    assert body == expected
    # kind defaults to ct17; kl01 over 3 years allowed.
    assert client.get("/api/v1/indicators/", {"unit": "DBK", "year": YEAR}).json()["kind"]["code"] == "ct17"
    assert client.get("/api/v1/indicators/", {"unit": "DBK", "year": YEAR, "kind": "kl01",
                                              "years": 3}).status_code == 200


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"unit": "DBX", "year": YEAR}, 404, None),  # outside bithu's reach
    ({"unit": "KHONG-CO", "year": YEAR}, 404, None),
    ({"unit": "CB1", "year": YEAR, "kind": "zz"}, 400, "kind"),
    ({"unit": "CB1", "year": 2099}, 400, "year"),
    ({"unit": "CB1", "year": "hai"}, 400, "year"),
    ({"unit": "CB1", "year": YEAR, "years": 3}, 400, "years"),  # ct17 is yearly only
    ({"unit": "CB1"}, 400, "year"),
    ({"year": YEAR}, 400, "unit"),
])
def test_api_refuses_bad_input_and_writes_nothing(report_world, params, status, field):
    response = client_for(report_world["users"]["bithu"]).get("/api/v1/indicators/", params)
    assert response.status_code == status, response.content
    if field:
        message = response.json()[field][0]
        assert message and message.isascii() is False  # a Vietnamese sentence
    assert not ReportRun.objects.exists() and not Job.objects.exists()


def test_api_sees_only_what_the_user_reaches(report_world):
    assert client_for(report_world["users"]["bithu"]).get(
        "/api/v1/indicators/", {"unit": "CB1", "year": YEAR}).status_code == 200
    assert client_for(report_world["users"]["dangvien"]).get(
        "/api/v1/indicators/", {"unit": "CB1", "year": YEAR}).status_code == 404
    assert APIClient().get("/api/v1/indicators/", {"unit": "CB1", "year": YEAR}).status_code in (401, 403)
