"""The training staff's home (/training/, issue 8, point 9): classes running today, plans to
submit, plans waiting for the approver, classes whose results are missing, certificates to
issue; each with its link and an empty state saying what to do; a card on / and the
"Đào tạo" entry of the navbar for those who may train or approve; constant queries."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.factories import PersonFactory, give_position, make_unit
from training.models import ClassType, Enrollment, PlanLine, TrainingClass, TrainingPlan

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def plan(unit, status=TrainingPlan.Status.APPROVED, year=None, comment=""):
    year = year or timezone.localdate().year
    plan = TrainingPlan.objects.create(organization=unit, year=year, status=status, decision_comment=comment,
                                       submitted_at=timezone.now() if status != TrainingPlan.Status.DRAFT else None)
    PlanLine.objects.create(plan=plan, class_type=ClassType.objects.get(code="chuyen-de"), planned_classes=1,
                            planned_learners=10)
    return plan


def make_class(unit, type_code, starts_on, ends_on, name):
    return TrainingClass.objects.create(class_type=ClassType.objects.get(code=type_code), organizer=unit, name=name,
                                        starts_on=starts_on, ends_on=ends_on, capacity=30)


def enrol(training_class, people, result=""):
    return [Enrollment.objects.create(training_class=training_class, person=p, learner_organization=p.organization,
                                      result=result) for p in people]


@pytest.fixture
def work(province):
    """In DBK (daotao's block): a class running today, one ended without results, one
    ended with passed learners and no certificates (certifying type), one ended and done
    (non-certifying, results in); a plan returned in CS1. In DBX: the same kinds, out of reach."""
    today = timezone.localdate()
    units = province["units"]
    people = [PersonFactory(organization=units["CB1"]) for _ in range(3)]
    far = [PersonFactory(organization=units["CB3"]) for _ in range(2)]
    made = {
        "running": make_class(units["DBK"], "chuyen-de", today - DAY, today + DAY, "Lớp chuyên đề đang học"),
        "no_results": make_class(units["DBK"], "cap-nhat-kien-thuc", today - 20 * DAY, today - 19 * DAY,
                                 "Lớp cập nhật chưa có kết quả"),
        "to_issue": make_class(units["DBK"], "dang-vien-moi", today - 40 * DAY, today - 30 * DAY,
                               "Lớp đảng viên mới chờ cấp giấy"),
        "done": make_class(units["DBK"], "chuyen-de", today - 60 * DAY, today - 60 * DAY, "Lớp chuyên đề đã xong"),
        "far_running": make_class(units["DBX"], "chuyen-de", today - DAY, today + DAY, "Lớp của xã đang học"),
        "far_no_results": make_class(units["DBX"], "chuyen-de", today - 9 * DAY, today - 9 * DAY,
                                     "Lớp của xã chưa có kết quả"),
    }
    enrol(made["running"], people)
    enrol(made["no_results"], people[:2])
    enrol(made["no_results"], people[2:], result=Enrollment.Result.PASSED)
    enrol(made["to_issue"], people, result=Enrollment.Result.PASSED)
    enrol(made["done"], people, result=Enrollment.Result.PASSED)  # chuyên đề gives no certificate
    enrol(made["far_running"], far)
    enrol(made["far_no_results"], far)
    made["returned"] = plan(units["CS1"], TrainingPlan.Status.RETURNED, comment="Bổ sung đối tượng ưu tiên.")
    made["submitted"] = plan(units["CS1"], TrainingPlan.Status.SUBMITTED, year=timezone.localdate().year + 1)
    made["far_draft"] = plan(units["DBX"], TrainingPlan.Status.DRAFT)
    return made


def cards(body: str) -> dict[str, str]:
    """The home's cards by name, each its HTML."""
    parts = re.split(r'(?=<section class="card home-card)', body)
    return {re.search(r'data-card="([a-z-]+)"', part).group(1): part for part in parts[1:]}


def test_the_training_staff_sees_each_kind_of_work_with_its_link(client, province, work):
    client.force_login(province["users"]["daotao"])
    response = client.get("/training/")
    assert response.status_code == 200
    shown = cards(response.content.decode())
    assert set(shown) == {"running", "without-results", "to-issue", "to-submit"}  # daotao approves nothing
    assert "Lớp chuyên đề đang học" in shown["running"] and "Lớp của xã" not in shown["running"]
    assert f'/training/classes/{work["running"].pk}/attendance/' in shown["running"]
    assert "Lớp cập nhật chưa có kết quả" in shown["without-results"]
    assert "2 học viên chưa có kết quả" in shown["without-results"]
    assert f'/training/classes/{work["no_results"].pk}/results/' in shown["without-results"]
    assert "Lớp chuyên đề đang học" not in shown["without-results"]  # not ended yet
    assert "Lớp chuyên đề đã xong" not in shown["without-results"]
    assert "Lớp đảng viên mới chờ cấp giấy" in shown["to-issue"]
    assert "3 học viên đạt chưa có giấy chứng nhận" in shown["to-issue"]
    assert f'action="/training/classes/{work["to_issue"].pk}/certificates/issue/"' in shown["to-issue"]
    assert "Lớp chuyên đề đã xong" not in shown["to-issue"]  # its type gives no certificate
    assert f'/training/plans/{work["returned"].pk}/' in shown["to-submit"]
    assert "Bổ sung đối tượng ưu tiên." in shown["to-submit"]
    assert f'/training/plans/{work["submitted"].pk}/' not in shown["to-submit"]  # already submitted
    assert f'/training/plans/{work["far_draft"].pk}/' not in shown["to-submit"]  # out of reach


def test_issued_certificates_and_entered_results_leave_the_lists(client, province, work):
    from training.models import Certificate

    for enrollment in work["to_issue"].enrollments.all():
        Certificate.objects.create(enrollment=enrollment, organizer=work["to_issue"].organizer,
                                   year=timezone.localdate().year, number=enrollment.pk,
                                   issued_on=timezone.localdate())
    work["no_results"].enrollments.update(result=Enrollment.Result.FAILED)
    client.force_login(province["users"]["daotao"])
    shown = cards(client.get("/training/").content.decode())
    assert "Lớp đảng viên mới chờ cấp giấy" not in shown["to-issue"]
    assert "Không còn học viên đạt nào chờ giấy chứng nhận" in shown["to-issue"]
    assert "Mọi lớp đã bế giảng đều đã có kết quả" in shown["without-results"]


def test_empty_states_say_what_to_do(client, province):
    client.force_login(province["users"]["daotao"])
    shown = cards(client.get("/training/").content.decode())
    assert "Hôm nay không có lớp nào đang học" in shown["running"] and "/training/classes/new/" in shown["running"]
    assert "Mọi lớp đã bế giảng đều đã có kết quả" in shown["without-results"]
    assert "Không còn học viên đạt nào chờ giấy chứng nhận" in shown["to-issue"]
    assert "Không có kế hoạch nào đang soạn hay bị trả lại" in shown["to-submit"]
    assert "/training/plans/new/" in shown["to-submit"]


def test_the_approver_sees_the_plans_submitted_below_him_never_his_own(client, province, work):
    units = province["units"]
    leader = PersonFactory(organization=units["DBK"], full_name="Võ Văn Duyệt")
    give_position(leader, units["DBK"], "bi-thu")
    from tests.factories import UserFactory

    leader.user = UserFactory(username="bithu-dbk")
    leader.save()
    own = plan(units["DBK"], TrainingPlan.Status.SUBMITTED, year=timezone.localdate().year + 1)
    client.force_login(leader.user)
    shown = cards(client.get("/training/").content.decode())
    assert set(shown) == {"to-decide"}  # a committee approves; it does not train
    assert f'/training/plans/{work["submitted"].pk}/' in shown["to-decide"]
    assert f'/training/plans/{own.pk}/' not in shown["to-decide"]


def test_who_has_the_home(client, province):
    for role, status in [("admin", 200), ("daotao", 200), ("bithu", 200), ("tuyengiao", 404), ("dangvien", 404)]:
        client.force_login(province["users"][role])
        assert client.get("/training/").status_code == status, role
        navbar = client.get("/").content.decode()
        assert ('href="/training/"' in navbar) == (status == 200), role


def test_card_on_the_home_page_for_those_who_train(client, province, work):
    client.force_login(province["users"]["daotao"])
    body = client.get("/").content.decode()
    card = body[body.index('data-card="card"'):]
    card = card[:card.index("</article>")]
    badges = re.findall(r'<span class="badge[^"]*">(\d+)</span>', card)
    assert badges == ["1", "1", "1", "1"]  # running, without results, to issue, to submit
    assert 'href="/training/"' in card
    client.force_login(province["users"]["bithu"])
    assert 'data-card="card"' not in client.get("/").content.decode()  # he approves, he does not train


def test_queries_do_not_grow_with_the_work(client, province, work, django_assert_max_num_queries):
    client.force_login(province["users"]["daotao"])
    client.get("/training/")
    with django_assert_max_num_queries(10):
        client.get("/training/")
    today = timezone.localdate()
    unit = province["units"]["DBK"]
    people = [PersonFactory(organization=province["units"]["CB1"]) for _ in range(3)]
    for n in range(12):
        for starts, ends in [(today - DAY, today + DAY), (today - 9 * DAY, today - 8 * DAY)]:
            enrol(make_class(unit, "dang-vien-moi", starts, ends, f"Lớp thêm {n}"), people,
                  result="" if n % 2 else Enrollment.Result.PASSED)
        plan(make_unit(f"Đảng bộ cơ sở {n}", parent=unit, level_code="dang-bo-co-so"), TrainingPlan.Status.DRAFT)
    with django_assert_max_num_queries(14):  # the lists are full: their totals are counted
        body = client.get("/training/").content.decode()
    assert "Xem cả 13 lớp" in body  # running: 12 + the fixture's
    with django_assert_max_num_queries(20):
        client.get("/")
