"""The access matrix of training plans and targets, HTML and API, for every demo role:
outside the reach 404 (like a missing id); inside it exactly the reach; only training
staff (TRAIN) draft, edit, submit and amend; only the superior committee (APPROVE at the
plan unit's parent: of the five roles, the administrator) approves or returns; targets are
set where the user may TRAIN. The expected reach is written out by hand from the
`province` fixture."""

import re

import pytest
from django.utils import timezone

from tests.test_access_matrix import ROLES, api_results
from training.models import ClassType, PlanLine, TargetIndicator, TrainingPlan, TrainingTarget

CHECKED_URLS = {
    "training_plan_list", "training_plan_create", "training_plan_detail", "training_plan_edit",
    "training_plan_submit", "training_plan_approve", "training_plan_return", "training_plan_amend",
    "training_targets", "training_grassroots_without_class",
    "training-api:training-plan-list", "training-api:training-plan-detail", "training-api:training-plan-submit",
    "training-api:training-plan-approve", "training-api:training-plan-return", "training-api:training-plan-amend",
    "training-api:training-target-list", "training-api:training-target-detail",
    "training-api:training-target-progress",
}

PLAN_UNITS = ["DBK", "CS1", "CB1", "CB3"]
SEES = {"admin": set(PLAN_UNITS), "tuyengiao": set(PLAN_UNITS), "daotao": {"DBK", "CS1", "CB1"}, "bithu": {"CB1"},
        "dangvien": set()}
TRAINS = {"admin": set(PLAN_UNITS), "tuyengiao": set(), "daotao": {"DBK", "CS1", "CB1"}, "bithu": set(),
          "dangvien": set()}
# APPROVE at the parent: the leadership roles of positions. bithu's is at CB1, which is no plan unit's parent.
DECIDES = {"admin": set(PLAN_UNITS), "tuyengiao": set(), "daotao": set(), "bithu": set(), "dangvien": set()}
YEAR = timezone.localdate().year
Status = TrainingPlan.Status


def expected(role, code, allowed):
    """200/302 where allowed, 403 where seen only, 404 out of reach."""
    return "ok" if code in allowed[role] else 403 if code in SEES[role] else 404


def outcome(response):
    return "ok" if response.status_code in (200, 201, 204, 302) else response.status_code


@pytest.fixture
def plans(province):
    """Per unit: a draft (this year) and a submitted plan (next year), each with a line."""
    kind = ClassType.objects.get(code="chuyen-de")
    made = {}
    for code in PLAN_UNITS:
        for status, year in ((Status.DRAFT, YEAR), (Status.SUBMITTED, YEAR + 1)):
            plan = TrainingPlan.objects.create(organization=province["units"][code], year=year, status=status)
            PlanLine.objects.create(plan=plan, class_type=kind, planned_classes=1, planned_learners=10)
            made[(code, status)] = plan
    return made


@pytest.mark.parametrize("role", ROLES)
def test_plan_pages_and_lists(role, plans, logged_in):
    client = logged_in(role)
    by_pk = {plan.pk: code for (code, _status), plan in plans.items()}
    for (code, status), plan in plans.items():
        assert client.get(f"/training/plans/{plan.pk}/").status_code == (200 if code in SEES[role] else 404)
        if status == Status.DRAFT:
            assert outcome(client.get(f"/training/plans/{plan.pk}/edit/")) == expected(role, code, TRAINS)
    body = client.get("/training/plans/").content.decode()
    assert {by_pk[int(pk)] for pk in re.findall(r'href="/training/plans/(\d+)/"', body)} == SEES[role]
    assert {by_pk[row["id"]] for row in api_results(client, "/api/v1/training-plans/")} == SEES[role]
    for (code, _status), plan in plans.items():
        assert client.get(f"/api/v1/training-plans/{plan.pk}/").status_code == (200 if code in SEES[role] else 404)
    assert client.get("/training/plans/999999/").status_code == 404
    assert client.get("/api/v1/training-plans/999999/").status_code == 404
    assert client.get("/training/plans/new/").status_code == (200 if TRAINS[role] else 403)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("via", ["html", "api"])
def test_plan_actions_only_where_allowed(role, via, plans, logged_in):
    client = logged_in(role)
    prefix = "/training/plans" if via == "html" else "/api/v1/training-plans"
    for code in PLAN_UNITS:
        draft, submitted = plans[(code, Status.DRAFT)], plans[(code, Status.SUBMITTED)]
        answer = client.post(f"{prefix}/{draft.pk}/submit/")
        assert outcome(answer) == expected(role, code, TRAINS), (code, answer.status_code)
        draft.refresh_from_db()
        assert (draft.status == Status.SUBMITTED) == (code in TRAINS[role])

        answer = client.post(f"{prefix}/{submitted.pk}/return/", {"comment": "Bổ sung lớp"})
        assert outcome(answer) == expected(role, code, DECIDES), (code, answer.status_code)
        submitted.refresh_from_db()
        assert (submitted.status == Status.RETURNED) == (code in DECIDES[role])
        if code in DECIDES[role]:  # back to submitted, then approved
            TrainingPlan.objects.filter(pk=submitted.pk).update(status=Status.SUBMITTED)
            answer = client.post(f"{prefix}/{submitted.pk}/approve/", {})
            assert outcome(answer) == "ok"
        else:
            assert outcome(client.post(f"{prefix}/{submitted.pk}/approve/", {})) == expected(role, code, DECIDES)
        submitted.refresh_from_db()
        assert (submitted.status == Status.APPROVED) == (code in DECIDES[role])
        if submitted.status == Status.APPROVED:
            answer = client.post(f"{prefix}/{submitted.pk}/amend/")
            assert outcome(answer) == expected(role, code, TRAINS)
            assert TrainingPlan.objects.filter(amends=submitted).exists() == (code in TRAINS[role])


@pytest.mark.parametrize("role", ROLES)
def test_plan_api_create_and_update_only_where_trained(role, province, plans, logged_in):
    client = logged_in(role)
    for code in PLAN_UNITS:
        answer = client.post("/api/v1/training-plans/", {"organization": code, "year": YEAR + 2},
                             content_type="application/json")
        created = TrainingPlan.objects.filter(organization__code=code, year=YEAR + 2).exists()
        assert (answer.status_code, created) == ((201, True) if code in TRAINS[role] else (400, False)), code
        draft = plans[(code, Status.DRAFT)]
        answer = client.patch(f"/api/v1/training-plans/{draft.pk}/", {"title": "Đổi tên"},
                              content_type="application/json")
        assert outcome(answer) == expected(role, code, TRAINS), code
        draft.refresh_from_db()
        assert (draft.title == "Đổi tên") == (code in TRAINS[role])


# --- Targets -----------------------------------------------------------------------------------------


UNITS_SEEN = {"admin": {"TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"},
              "tuyengiao": {"TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"},
              "daotao": {"DBK", "CS1", "CB1", "CB2"}, "bithu": {"CB1"}, "dangvien": set()}
SETS_TARGETS = {"admin": UNITS_SEEN["admin"], "tuyengiao": set(), "daotao": UNITS_SEEN["daotao"], "bithu": set(),
                "dangvien": set()}


@pytest.fixture
def targets(province):
    return {code: TrainingTarget.objects.create(organization=province["units"][code], year=YEAR,
                                                indicator=TargetIndicator.CLASSES, value=6, upper=10)
            for code in ("TINH", "CS1", "CB1", "CB3")}


@pytest.mark.parametrize("role", ROLES)
def test_target_pages(role, targets, logged_in):
    client = logged_in(role)
    for code in ("TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"):
        page = client.get(f"/training/targets/?org={code}&year={YEAR}")
        assert page.status_code == (200 if code in UNITS_SEEN[role] else 404), code
        if page.status_code == 200:
            assert (page.context["formset"] is not None) == (code in SETS_TARGETS[role]), code
        post = client.post(f"/training/targets/?org={code}&year={YEAR}", {
            "targets-TOTAL_FORMS": "1", "targets-INITIAL_FORMS": "1", "targets-MIN_NUM_FORMS": "0",
            "targets-MAX_NUM_FORMS": "100", "targets-0-indicator": TargetIndicator.CLASSES,
            "targets-0-enabled": "on", "targets-0-value": "7"})
        assert outcome(post) == ("ok" if code in SETS_TARGETS[role] else 403 if code in UNITS_SEEN[role] else 404)
        grassroots = client.get(f"/training/targets/grassroots-without-class/?org={code}&year={YEAR}")
        assert grassroots.status_code == (200 if code in UNITS_SEEN[role] else 404), code
    # Without a unit: the first where he sets targets, else the top of what he sees; nothing seen, 404.
    assert client.get("/training/targets/").status_code == (200 if UNITS_SEEN[role] else 404)
    changed = set(TrainingTarget.objects.filter(value=7).values_list("organization__code", flat=True))
    assert changed == SETS_TARGETS[role]


@pytest.mark.parametrize("role", ROLES)
def test_target_api(role, targets, logged_in):
    client = logged_in(role)
    by_pk = {target.pk: code for code, target in targets.items()}
    assert {by_pk[row["id"]] for row in api_results(client, "/api/v1/training-targets/")} == (
        UNITS_SEEN[role] & set(targets))
    for code, target in targets.items():
        seen = code in UNITS_SEEN[role]
        assert client.get(f"/api/v1/training-targets/{target.pk}/").status_code == (200 if seen else 404)
        answer = client.put(f"/api/v1/training-targets/{target.pk}/", {"indicator": TargetIndicator.CLASSES,
                                                                         "value": "8"},
                            content_type="application/json")
        assert outcome(answer) == ("ok" if code in SETS_TARGETS[role] else 403 if seen else 404), code
    for code in ("TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"):
        answer = client.get(f"/api/v1/training-targets/progress/?org={code}&year={YEAR}")
        assert answer.status_code == (200 if code in UNITS_SEEN[role] else 404), code
        answer = client.post("/api/v1/training-targets/", {"organization": code, "year": YEAR,
                                                           "indicator": TargetIndicator.CERTIFIED_SHARE,
                                                           "value": "100"}, content_type="application/json")
        assert answer.status_code == (201 if code in SETS_TARGETS[role] else 400), code
    for code, target in targets.items():
        answer = client.delete(f"/api/v1/training-targets/{target.pk}/")
        seen = code in UNITS_SEEN[role]
        assert outcome(answer) == ("ok" if code in SETS_TARGETS[role] else 403 if seen else 404), code
        assert TrainingTarget.objects.filter(pk=target.pk).exists() == (code not in SETS_TARGETS[role])
