"""Training classes: the list (filters, "ngoài kế hoạch" badge, paging, constant queries),
the form with its refusals (a class dated outside its plan's year, ends before it starts,
lessons outside the class dates, capacity below the enrolment), lessons from the type's
rule, and the class page."""

import datetime
import re

import pytest
from django.utils import timezone

from portal.models import PartyStatus
from tests.factories import PersonFactory, bulk_people
from training.models import ClassType, Enrollment, Lesson, PlanLine, TrainingClass, TrainingPlan
from training.services import classes as services

TODAY = timezone.localdate


def this_year_day(month=3, day=10) -> datetime.date:
    return datetime.date(TODAY().year, month, day)


def approved_line(unit, type_code="nhan-thuc-ve-dang", year=None, status=TrainingPlan.Status.APPROVED) -> PlanLine:
    """A line of `unit`'s plan of `year`, the plan approved (made through the models)."""
    plan = TrainingPlan.objects.create(organization=unit, year=year or TODAY().year, status=status)
    return PlanLine.objects.create(plan=plan, class_type=ClassType.objects.get(code=type_code), planned_classes=2,
                                   planned_learners=100)


def make_class(unit, type_code="nhan-thuc-ve-dang", *, line=None, starts_on=None, capacity=50, lessons=2,
               name="Lớp bồi dưỡng nhận thức về Đảng") -> TrainingClass:
    starts_on = starts_on or this_year_day()
    training_class = TrainingClass.objects.create(
        class_type=ClassType.objects.get(code=type_code), organizer=unit, plan_line=line, name=name,
        starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=10), capacity=capacity, place="Hội trường")
    for n in range(1, lessons + 1):
        Lesson.objects.create(training_class=training_class, number=n, title=f"Bài {n}",
                              held_on=starts_on + datetime.timedelta(days=n - 1), periods=4)
    return training_class


def masses(unit, n=1, name="Trần Văn A"):
    status = PartyStatus.objects.get(code="quan-chung")
    return [PersonFactory(full_name=name if n == 1 else f"{name} {i}", organization=unit, party_status=status,
                          party_card_number=None, admitted_on=None, official_on=None) for i in range(n)]


def as_user(client, province, role):
    client.force_login(province["users"][role])
    return client


def form_data(line=None, **overrides):
    start = this_year_day()
    data = {"class_type": "nhan-thuc-ve-dang", "organizer": "DBK", "plan_line": str(line.pk) if line else "",
            "name": "Lớp nhận thức về Đảng khóa 1", "starts_on": start.strftime("%d/%m/%Y"),
            "ends_on": (start + datetime.timedelta(days=5)).strftime("%d/%m/%Y"), "format": "tap_trung",
            "place": "Hội trường Khối", "capacity": "40",
            "lessons-TOTAL_FORMS": "2", "lessons-INITIAL_FORMS": "0", "lessons-MIN_NUM_FORMS": "0",
            "lessons-MAX_NUM_FORMS": "1000",
            "lessons-0-number": "1", "lessons-0-title": "Chủ nghĩa Mác - Lênin", "lessons-0-held_on":
                start.strftime("%d/%m/%Y"), "lessons-0-periods": "4", "lessons-0-lecturer": "",
            "lessons-1-number": "2", "lessons-1-title": "Điều lệ Đảng", "lessons-1-held_on": "",
            "lessons-1-periods": "4", "lessons-1-lecturer": ""}
    data.update(overrides)
    return data


# --- Create and edit -------------------------------------------------------------------------


def test_create_within_an_approved_plan(client, province):
    line = approved_line(province["units"]["DBK"])
    response = as_user(client, province, "daotao").post("/training/classes/new/", form_data(line))
    assert response.status_code == 302, response.content.decode()[:3000]
    created = TrainingClass.objects.in_plan().get()
    assert created.plan_line == line and created.created_by == province["users"]["daotao"]
    assert list(created.lessons.values_list("number", "held_on")) == [(1, this_year_day()), (2, this_year_day())]
    page = client.get(response.url).content.decode()
    assert "Ngoài kế hoạch" not in page


def test_create_outside_any_plan_is_marked(client, province):
    client = as_user(client, province, "daotao")
    response = client.post("/training/classes/new/", form_data(), follow=True)
    created = TrainingClass.objects.outside_plan().get()
    body = response.content.decode()
    assert "NGOÀI KẾ HOẠCH" in body and "Ngoài kế hoạch" in body
    listing = client.get("/training/classes/").content.decode()
    assert f'href="/training/classes/{created.pk}/"' in listing and "Ngoài kế hoạch" in listing


@pytest.mark.parametrize(("overrides", "field_message"), [
    ({"starts_on": "10/03/2020", "ends_on": "12/03/2020", "lessons-0-held_on": "", "lessons-1-held_on": ""},
     "Lớp thuộc kế hoạch năm"),
    ({"ends_on": "01/01/2020"}, "Ngày bế giảng phải từ ngày khai giảng"),
    ({"lessons-1-held_on": "01/12/2099"}, "ngoài thời gian của lớp"),
    ({"lessons-1-number": "1"}, "có số bài bị trùng"),
    ({"organizer": "DBX"}, "lựa chọn hợp lệ"),
    ({"class_type": "trung-cap-llct"}, "lựa chọn hợp lệ"),
])
def test_create_refusals_write_nothing(client, province, overrides, field_message):
    line = approved_line(province["units"]["DBK"])
    response = as_user(client, province, "daotao").post("/training/classes/new/", form_data(line, **overrides))
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert not TrainingClass.objects.exists() and not Lesson.objects.exists()


def test_class_before_its_plans_year_refused_by_the_service(province):
    line = approved_line(province["units"]["DBK"], year=TODAY().year)
    last_year = datetime.date(TODAY().year - 1, 12, 1)
    with pytest.raises(Exception) as refused:
        services.create_class(user=province["users"]["daotao"], class_type=line.class_type,
                              organizer=province["units"]["DBK"], plan_line=line, name="Lớp sớm",
                              starts_on=last_year, ends_on=last_year + datetime.timedelta(days=3), capacity=10,
                              format="tap_trung", place="")
    assert f"kế hoạch năm {TODAY().year}" in str(refused.value)
    assert not TrainingClass.objects.exists()


def test_plan_line_of_another_type_or_an_unapproved_plan_is_refused(client, province):
    other_type = approved_line(province["units"]["DBK"], type_code="dang-vien-moi")
    client = as_user(client, province, "daotao")
    body = client.post("/training/classes/new/", form_data(other_type)).content.decode()
    assert "Dòng kế hoạch dành cho loại lớp" in body
    draft = approved_line(province["units"]["DBK"], year=TODAY().year + 1, status=TrainingPlan.Status.DRAFT)
    body = client.post("/training/classes/new/", form_data(draft)).content.decode()
    assert "lựa chọn hợp lệ" in body  # a draft plan's lines are not offered
    assert not TrainingClass.objects.exists()


def test_capacity_below_enrolment_refused_on_edit(client, province):
    training_class = make_class(province["units"]["DBK"], capacity=5)
    for person in masses(province["units"]["CB1"], 3):
        Enrollment.objects.create(training_class=training_class, person=person,
                                  learner_organization=person.organization)
    data = form_data(capacity="2", **{"lessons-TOTAL_FORMS": "0"})
    response = as_user(client, province, "daotao").post(f"/training/classes/{training_class.pk}/edit/", data)
    assert "Lớp đã có 3 học viên" in response.content.decode()
    training_class.refresh_from_db()
    assert training_class.capacity == 5 and training_class.lessons.count() == 2


def test_edit_keeps_lessons_with_attendance(client, province):
    from training.models import LessonAttendance

    training_class = make_class(province["units"]["DBK"])
    person = masses(province["units"]["CB1"])[0]
    enrollment = Enrollment.objects.create(training_class=training_class, person=person,
                                           learner_organization=person.organization)
    LessonAttendance.objects.create(lesson=training_class.lessons.get(number=2), enrollment=enrollment)
    data = form_data(**{"lessons-TOTAL_FORMS": "1"})
    response = as_user(client, province, "daotao").post(f"/training/classes/{training_class.pk}/edit/", data)
    assert "Bài 2 đã có điểm danh nên không xóa được" in response.content.decode()
    assert training_class.lessons.count() == 2


def test_new_class_form_offers_the_rules_lessons(client, province):
    body = as_user(client, province, "daotao").get("/training/classes/new/?type=dang-vien-moi").content.decode()
    assert 'name="lessons-TOTAL_FORMS" value="8"' in body  # the rule in force: 8 lessons


def test_forbidden_without_train(client, province):
    training_class = make_class(province["units"]["DBK"])
    client = as_user(client, province, "bithu")  # sees the class (below its organizer) but does not run it
    assert client.get(f"/training/classes/{training_class.pk}/").status_code == 200
    assert client.get(f"/training/classes/{training_class.pk}/edit/").status_code == 403
    assert client.get("/training/classes/new/").status_code == 403


# --- The list ----------------------------------------------------------------------------------


def shown_ids(body):
    return {int(pk) for pk in re.findall(r'href="/training/classes/(\d+)/"', body)}


def test_list_filters(client, province):
    units = province["units"]
    counted = make_class(units["DBK"], line=approved_line(units["DBK"]), name="Lớp trong kế hoạch")
    outside = make_class(units["CS1"], name="Lớp chuyên đề cơ sở", type_code="chuyen-de")
    old = make_class(units["CS1"], starts_on=datetime.date(TODAY().year - 1, 5, 5), name="Lớp năm trước")
    client = as_user(client, province, "daotao")
    assert shown_ids(client.get("/training/classes/").content.decode()) == {counted.pk, outside.pk, old.pk}
    assert shown_ids(client.get("/training/classes/?plan=in").content.decode()) == {counted.pk}
    assert shown_ids(client.get("/training/classes/?plan=out").content.decode()) == {outside.pk, old.pk}
    assert shown_ids(client.get("/training/classes/?org=CS1").content.decode()) == {outside.pk, old.pk}
    assert shown_ids(client.get(f"/training/classes/?year={TODAY().year - 1}").content.decode()) == {old.pk}
    assert shown_ids(client.get("/training/classes/?type=chuyen-de").content.decode()) == {outside.pk}
    assert shown_ids(client.get("/training/classes/?q=năm trước").content.decode()) == {old.pk}
    for bad in ["?year=abc", "?org=KHONG", "?type=x", "?plan=zz", "?page=999"]:
        assert client.get(f"/training/classes/{bad}").status_code == 200


def test_list_queries_do_not_grow(client, province, django_assert_max_num_queries):
    units = province["units"]
    client = as_user(client, province, "daotao")
    make_class(units["DBK"], line=approved_line(units["DBK"]))
    client.get("/training/classes/")
    with django_assert_max_num_queries(20) as few:
        client.get("/training/classes/")
    for i in range(30):
        make_class(units["CS1"], name=f"Lớp số {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/training/classes/").status_code == 200


def enrol_bulk(training_class, unit, n, prefix):
    """`n` new people of `unit` enrolled in the class, in two statements."""
    from portal.models import Person

    bulk_people(unit, n, prefix=prefix)
    people = Person.objects.filter(full_name__startswith=prefix, organization=unit)
    Enrollment.objects.bulk_create([Enrollment(training_class=training_class, person=p,
                                               learner_organization_id=p.organization_id) for p in people])


def test_detail_queries_do_not_grow(client, province, django_assert_max_num_queries):
    training_class = make_class(province["units"]["DBK"], capacity=500)
    client = as_user(client, province, "daotao")
    enrol_bulk(training_class, province["units"]["CB2"], 10, "Nguyễn Văn")
    client.get(f"/training/classes/{training_class.pk}/")
    with django_assert_max_num_queries(30) as few:
        client.get(f"/training/classes/{training_class.pk}/")
    enrol_bulk(training_class, province["units"]["CB1"], 190, "Lê Thị")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(f"/training/classes/{training_class.pk}/").content.decode()
    assert "Lê Thị Số0189" in body
