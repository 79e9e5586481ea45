"""Yearly training plans: draft → submit → approve / return by the superior committee,
read-only once approved, amendments that move the classes, every refusal in Vietnamese
with nothing written, two approvals at once of which only one wins."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from portal.models import Notification, RowHistory
from tests.factories import PersonFactory, UserFactory, give_position, make_unit
from tests.test_api import client_for
from training.models import ClassType, PlanLine, TrainingClass, TrainingPlan
from training.services import plans as services
from training.services.plans import LineInput

Status = TrainingPlan.Status
YEAR = timezone.localdate().year


def ctype(code: str) -> ClassType:
    return ClassType.objects.get(code=code)


def line(code="dang-vien-moi", classes=2, learners=60, quarter=None, **kwargs) -> LineInput:
    return LineInput(class_type=ctype(code), planned_classes=classes, planned_learners=learners, quarter=quarter,
                     **kwargs)


@pytest.fixture
def committee(province):
    """The superior committees: bí thư of DBK (decides CS1's plans) and a tỉnh ủy member
    (decides DBK's), each with an account."""
    users = {}
    for name, code in (("capuy", "DBK"), ("tinhuy", "TINH")):
        users[name] = UserFactory(username=name)
        person = PersonFactory(full_name=f"Ủy viên {code}", organization=province["units"][code], user=users[name])
        give_position(person, province["units"][code], "bi-thu")
    return users


def make_plan(province, unit="CS1", lines=None, by="daotao", year=YEAR, organization=None) -> TrainingPlan:
    return services.create_plan(organization=organization or province["units"][unit], year=year,
                                by=province["users"][by],
                                lines=lines if lines is not None else [line(), line("chuyen-de", 1, 40, 2)])


def approved_plan(province, committee, **kwargs) -> TrainingPlan:
    plan = make_plan(province, **kwargs)
    services.submit_plan(plan, by=province["users"]["daotao"])
    return services.approve_plan(plan, by=committee["capuy"])


def make_class(plan_line: PlanLine, name="Lớp", starts_on=None) -> TrainingClass:
    starts_on = starts_on or datetime.date(plan_line.plan.year, 3, 1)
    return TrainingClass.objects.create(class_type=plan_line.class_type, organizer=plan_line.plan.organization,
                                        plan_line=plan_line, name=name, starts_on=starts_on,
                                        ends_on=starts_on + datetime.timedelta(days=3), capacity=50)


def footprint() -> tuple:
    """What a refused step must leave as it was: rows and their history."""
    return (TrainingPlan.objects.count(), PlanLine.objects.count(), RowHistory.objects.count(),
            list(TrainingPlan.objects.order_by("pk").values_list("status", "title", "decision_comment")),
            list(PlanLine.objects.order_by("pk").values_list("planned_classes", "planned_learners")),
            Notification.objects.count())


# --- The workflow on the pages --------------------------------------------------------------------


def test_draft_lines_submit_and_approve_on_the_pages(client, province, committee):
    daotao = province["users"]["daotao"]
    client.force_login(daotao)
    answer = client.post("/training/plans/new/", {"organization": "CS1", "year": YEAR, "title": ""})
    plan = TrainingPlan.objects.get(organization__code="CS1", year=YEAR)
    assert answer.status_code == 302 and answer["Location"] == f"/training/plans/{plan.pk}/edit/"
    assert (plan.status, plan.version, plan.created_by) == (Status.DRAFT, 1, daotao)

    page = client.get(f"/training/plans/{plan.pk}/edit/")
    assert page.status_code == 200
    offered = {t.code for t in page.context["formset"].forms[0].fields["class_type"].queryset}
    assert "dang-vien-moi" in offered and "trung-cap-llct" not in offered  # external types are not planned
    form = {"lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "200", "title": "Kế hoạch bồi dưỡng 2026",
            "lines-0-class_type": ctype("nhan-thuc-ve-dang").pk, "lines-0-planned_classes": "3",
            "lines-0-planned_learners": "120", "lines-0-quarter": "2", "lines-0-priority_groups": ["nu", "quy_hoach"],
            "lines-1-class_type": ctype("dang-vien-moi").pk, "lines-1-planned_classes": "1",
            "lines-1-planned_learners": "40", "lines-1-quarter": "",
            "action": "submit"}
    answer = client.post(f"/training/plans/{plan.pk}/edit/", form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    plan.refresh_from_db()
    assert plan.status == Status.SUBMITTED and plan.submitted_by == daotao and plan.title == "Kế hoạch bồi dưỡng 2026"
    lines = list(plan.lines.order_by("id").values_list("class_type__code", "planned_classes", "planned_learners",
                                                        "quarter", "priority_groups"))
    assert lines == [("nhan-thuc-ve-dang", 3, 120, 2, ["nu", "quy_hoach"]), ("dang-vien-moi", 1, 40, None, [])]
    # The superior committee is told; the drafter is not told about his own submission.
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["capuy"]

    client.force_login(committee["capuy"])
    detail = client.get(f"/training/plans/{plan.pk}/")
    assert detail.context["may_decide"] and "Phê duyệt" in detail.content.decode()
    assert client.post(f"/training/plans/{plan.pk}/approve/", {"comment": "Đồng ý"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.decided_by, plan.decision_comment) == (Status.APPROVED, committee["capuy"], "Đồng ý")
    assert Notification.objects.filter(user=daotao, text__contains="đã được phê duyệt").exists()

    # Approved: read-only. The edit page sends back to the detail with why; a POST changes nothing.
    client.force_login(daotao)
    before = footprint()
    answer = client.post(f"/training/plans/{plan.pk}/edit/", {**form, "lines-0-planned_classes": "9"}, follow=True)
    assert "không sửa được nữa" in answer.content.decode()
    assert footprint() == before


def test_planned_against_actual_on_the_detail_page(client, province, committee, django_assert_max_num_queries):
    plan = approved_plan(province, committee)
    first = plan.lines.get(class_type__code="dang-vien-moi")
    for i in range(3):
        make_class(first, name=f"Lớp {i}")
    client.force_login(province["users"]["daotao"])
    with django_assert_max_num_queries(14):
        page = client.get(f"/training/plans/{plan.pk}/")
    lines = {line.class_type.code: (line.planned_classes, line.actual_classes) for line in page.context["lines"]}
    assert lines == {"dang-vien-moi": (2, 3), "chuyen-de": (1, 0)}
    assert page.context["totals"]["actual_classes"] == 3


def test_returning_needs_a_comment_and_the_drafter_revises(province, committee):
    daotao = province["users"]["daotao"]
    plan = make_plan(province)
    services.submit_plan(plan, by=daotao)
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services.return_plan(plan, by=committee["capuy"], comment="  ")
    assert "Ghi rõ ý kiến" in str(refused.value) and footprint() == before
    services.return_plan(plan, by=committee["capuy"], comment="Thêm lớp nghiệp vụ cho bí thư chi bộ")
    plan.refresh_from_db()
    assert plan.status == Status.RETURNED
    assert Notification.objects.filter(user=daotao, text__contains="Thêm lớp nghiệp vụ").exists()
    services.update_plan(plan, by=daotao, lines=[line(), line("nghiep-vu-cong-tac-dang", 1, 30)])
    services.submit_plan(plan, by=daotao)
    services.approve_plan(plan, by=committee["capuy"])
    assert sorted(plan.lines.values_list("class_type__code", flat=True)) == ["dang-vien-moi",
                                                                           "nghiep-vu-cong-tac-dang"]


# --- Refusals: a Vietnamese message, nothing written ----------------------------------------------


def test_nobody_approves_his_own_unit_s_plan(province, committee):
    daotao = province["users"]["daotao"]
    # The submitter himself (admin may do everything, but not decide what he submitted).
    admin = province["users"]["admin"]
    plan = make_plan(province, by="admin")
    services.submit_plan(plan, by=admin)
    before = footprint()
    with pytest.raises(PermissionDenied, match="Người trình kế hoạch không được tự phê duyệt"):
        services.approve_plan(plan, by=admin)
    assert footprint() == before

    # A member of the unit's own committee, though he also sits on the committee above.
    dbk_plan = make_plan(province, unit="DBK")
    services.submit_plan(dbk_plan, by=daotao)
    give_position(committee["tinhuy"].person, province["units"]["DBK"], "cap-uy-vien")
    before = footprint()
    with pytest.raises(PermissionDenied, match="Không ai tự phê duyệt kế hoạch của đơn vị mình"):
        services.approve_plan(dbk_plan, by=committee["tinhuy"])
    # The unit's own bí thư: APPROVE at DBK, not at its parent.
    with pytest.raises(PermissionDenied, match="Chỉ cấp ủy cấp trên"):
        services.approve_plan(dbk_plan, by=committee["capuy"])
    # Training staff plan, they do not approve.
    with pytest.raises(PermissionDenied, match="Chỉ cấp ủy cấp trên"):
        services.approve_plan(plan, by=daotao)
    assert footprint() == before


def test_refusals_of_bad_input_write_nothing(province, committee):
    daotao = province["users"]["daotao"]
    plan = make_plan(province)
    before = footprint()
    cases = [
        (lambda: make_plan(province), "đã có kế hoạch năm"),
        (lambda: make_plan(province, unit="CB1", year=YEAR + 5), "Chỉ lập kế hoạch cho các năm"),
        (lambda: make_plan(province, unit="CB1", year=YEAR - 3), "Chỉ lập kế hoạch cho các năm"),
        (lambda: make_plan(province, unit="CB1", lines=[line("trung-cap-llct")]), "loại tổ chức tại chỗ"),
        (lambda: make_plan(province, unit="CB1", lines=[line(classes=0)]), "lớn hơn 0"),
        (lambda: make_plan(province, unit="CB1", lines=[line(quarter=5)]), "quý phải từ 1 đến 4"),
        (lambda: services.update_plan(plan, by=daotao, lines=[line(id=999999)]), "không thuộc kế hoạch này"),
        (lambda: services.submit_plan(services.create_plan(organization=province["units"]["CB2"], year=YEAR,
                                                           by=daotao), by=daotao), "ít nhất một dòng"),
    ]
    for call, message in cases:
        with pytest.raises(ValidationError) as refused:
            with_rollback(call)
        assert message in " ".join(refused.value.messages), (message, refused.value.messages)
        assert footprint() == before, message
    # Out of the unit's training reach: bithu manages CB1 but plans no classes.
    with pytest.raises(PermissionDenied, match="Chỉ cán bộ đào tạo"):
        make_plan(province, unit="CB1", by="bithu")
    assert footprint() == before


def with_rollback(call):
    """Run a service call the way a request does: its transaction rolls back on refusal
    (the test's own transaction stays usable)."""
    from django.db import transaction

    with transaction.atomic():
        return call()


def test_an_approved_plan_cannot_be_edited_through_the_api(province, committee):
    plan = approved_plan(province, committee)
    client = client_for(province["users"]["daotao"])
    before = footprint()
    answer = client.patch(f"/api/v1/training-plans/{plan.pk}/", {"title": "Sửa lén"}, format="json")
    assert answer.status_code == 400 and "không sửa được nữa" in str(answer.json())
    answer = client.post(f"/api/v1/training-plans/{plan.pk}/approve/", {}, format="json")
    assert answer.status_code == 403
    assert footprint() == before


def test_the_api_workflow(province, committee):
    daotao = client_for(province["users"]["daotao"])
    answer = daotao.post("/api/v1/training-plans/", {
        "organization": "CS1", "year": YEAR, "title": "Kế hoạch",
        "lines": [{"class_type": "dang-vien-moi", "planned_classes": 2, "planned_learners": 50, "quarter": 1,
                   "priority_groups": ["nu"]}]}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "nhap" and body["unit"]["code"] == "CS1"
    assert body["lines"][0] | {"id": 0} == {"id": 0, "class_type": "dang-vien-moi",
                                            "class_type_name": ctype("dang-vien-moi").name, "planned_classes": 2,
                                            "planned_learners": 50, "quarter": 1, "priority_groups": ["nu"],
                                            "note": "", "actual_classes": 0, "actual_learners": 0}
    pk = body["id"]
    refused = daotao.post("/api/v1/training-plans/", {"organization": "CS1", "year": YEAR}, format="json")
    assert refused.status_code == 400 and "đã có kế hoạch năm" in str(refused.json())
    refused = daotao.post("/api/v1/training-plans/", {"organization": "DBX", "year": YEAR}, format="json")
    assert refused.status_code == 400 and "organization" in refused.json()
    assert daotao.post(f"/api/v1/training-plans/{pk}/submit/").json()["status"] == "da_trinh"
    capuy = client_for(committee["capuy"])
    refused = capuy.post(f"/api/v1/training-plans/{pk}/return/", {}, format="json")
    assert refused.status_code == 400 and "comment" in refused.json()
    assert capuy.post(f"/api/v1/training-plans/{pk}/approve/", {}, format="json").json()["status"] == "da_duyet"
    amended = daotao.post(f"/api/v1/training-plans/{pk}/amend/")
    assert amended.status_code == 201 and amended.json()["version"] == 2 and amended.json()["amends"] == pk
    listed = daotao.get("/api/v1/training-plans/", {"org": "DBK", "year": YEAR}).json()["results"]
    assert [(p["version"], p["status"]) for p in listed] == [(2, "nhap"), (1, "da_duyet")]
    assert daotao.get("/api/v1/training-plans/", {"year": "abc"}).status_code == 400
    assert client_for(province["users"]["dangvien"]).get(f"/api/v1/training-plans/{pk}/").status_code == 404


# --- Amendments ------------------------------------------------------------------------------------


def test_an_approved_amendment_supersedes_and_moves_the_classes(client, province, committee):
    daotao = province["users"]["daotao"]
    plan = approved_plan(province, committee, lines=[line("dang-vien-moi", quarter=1), line("dang-vien-moi", quarter=3),
                                                     line("chuyen-de", 1, 40)])
    q1, q3 = (plan.lines.get(class_type__code="dang-vien-moi", quarter=q) for q in (1, 3))
    chuyen_de = plan.lines.get(class_type__code="chuyen-de")
    in_q1, in_q3, topical = make_class(q1, "Lớp quý I"), make_class(q3, "Lớp quý III"), make_class(chuyen_de, "Chuyên đề")
    assert set(TrainingClass.objects.in_plan()) == {in_q1, in_q3, topical}

    amendment = services.amend_plan(plan, by=daotao)
    assert (amendment.version, amendment.amends, amendment.status) == (2, plan, Status.DRAFT)
    assert amendment.lines.count() == 3
    with pytest.raises(ValidationError, match="đang soạn hoặc chờ duyệt"):
        with_rollback(lambda: services.amend_plan(plan, by=daotao))
    # The amendment drops chuyên đề and keeps one line of đảng viên mới (quarter 3).
    kept = amendment.lines.get(class_type__code="dang-vien-moi", quarter=3)
    services.update_plan(amendment, by=daotao, lines=[LineInput(
        id=kept.pk, class_type=kept.class_type, planned_classes=4, planned_learners=120, quarter=3)])
    services.submit_plan(amendment, by=daotao)
    # Until approved, the first version stays in force.
    assert set(TrainingClass.objects.in_plan()) == {in_q1, in_q3, topical}

    client.force_login(committee["capuy"])
    page = client.get(f"/training/plans/{amendment.pk}/")
    assert list(page.context["left_outside"]) == [topical]
    assert "sẽ thành “ngoài kế hoạch”" in page.content.decode()

    services.approve_plan(amendment, by=committee["capuy"])
    plan.refresh_from_db()
    assert plan.status == Status.SUPERSEDED
    for c in (in_q1, in_q3, topical):
        c.refresh_from_db()
    assert in_q1.plan_line == kept and in_q3.plan_line == kept  # the same type; the same quarter first
    assert topical.plan_line == chuyen_de  # stays on the old line...
    assert set(TrainingClass.objects.outside_plan()) == {topical}  # ...and so no longer counts
    with pytest.raises(ValidationError, match="không sửa được nữa"):
        with_rollback(lambda: services.update_plan(plan, by=daotao, title="x"))


# --- Two approvals at once ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_only_one_wins(province, committee):
    second = UserFactory(username="phobithu")
    give_position(PersonFactory(full_name="Phó bí thư DBK", organization=province["units"]["DBK"], user=second),
                  province["units"]["DBK"], "pho-bi-thu")
    plan = approved_plan(province, committee)
    amendments = []
    daotao = province["users"]["daotao"]
    amendment = services.amend_plan(plan, by=daotao)
    services.submit_plan(amendment, by=daotao)
    amendments.append(amendment)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(user):
        try:
            barrier.wait()
            services.approve_plan(amendment, by=user)
            outcomes.append("won")
        except ValidationError as refused:
            outcomes.append(" ".join(refused.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in (committee["capuy"], second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[-1] == "won" and outcomes.count("won") == 1, outcomes
    assert "Không thể phê duyệt" in sorted(outcomes)[0]
    assert list(TrainingPlan.objects.order_by("version").values_list("status", flat=True)) == [
        Status.SUPERSEDED, Status.APPROVED]


# --- The list -------------------------------------------------------------------------------------


def test_the_list_filters_and_keeps_its_queries_constant(client, province, committee, django_assert_max_num_queries):
    approved_plan(province, committee)
    for code in ("CB1", "CB2"):
        make_plan(province, unit=code)
    client.force_login(province["users"]["daotao"])
    with django_assert_max_num_queries(12):
        few = client.get("/training/plans/")
    for i in range(25):  # more plans, of more units, each with lines
        unit = make_unit(f"Đảng bộ cơ sở {i}", parent=province["units"]["DBK"], level_code="dang-bo-co-so")
        make_plan(province, unit=None, lines=[line(), line("chuyen-de")], organization=unit)
    with django_assert_max_num_queries(12):
        many = client.get("/training/plans/")
    assert few.status_code == many.status_code == 200
    units = {p.organization.code for p in client.get("/training/plans/", {"org": "CS1"}).context["page"]}
    assert units == {"CS1", "CB1", "CB2"}
    assert {p.status for p in client.get("/training/plans/", {"status": "da_duyet"}).context["page"]} == {
        Status.APPROVED}
    assert client.get("/training/plans/", {"year": "abc", "status": "x", "org": "nope"}).status_code == 200
