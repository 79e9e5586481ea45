"""Enrolment: who may nominate whom, eligibility by the rule in force on the class's start
date (the message names the rule), capacity under concurrent nominations on real
PostgreSQL, nominating many at once (checkboxes, a pasted list), withdrawal, the list
of enrolments with its filters, and the lesson attendance screen."""

import datetime
import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from portal.models import PartyStatus
from tests.factories import PersonFactory
from tests.test_training_classes import approved_line, as_user, enrol_bulk, make_class, masses
from training.models import ClassType, ClassTypeRule, Enrollment, LessonAttendance
from training.services import enrollment as services

TODAY = timezone.localdate
RULE_MESSAGE = ("Lớp Bồi dưỡng lý luận chính trị cho đối tượng kết nạp Đảng chỉ dành cho: Quần chúng (quy định "
                "hiệu lực từ 01/01/2021); Trần Văn A là Đảng viên chính thức.")


def member(unit, name="Trần Văn A"):
    return PersonFactory(full_name=name, organization=unit)


# --- Eligibility -----------------------------------------------------------------------------


def test_ineligible_person_refused_with_the_rule_named(client, province):
    training_class = make_class(province["units"]["DBK"])
    person = member(province["units"]["CB1"])
    response = as_user(client, province, "daotao").post(f"/training/classes/{training_class.pk}/nominate/",
                                                        {"person": [str(person.pk)]})
    assert response.status_code == 400
    assert RULE_MESSAGE in response.content.decode()
    assert not Enrollment.objects.exists()


def test_eligible_person_enrolled_with_his_unit_now(client, province):
    training_class = make_class(province["units"]["DBK"])
    person = masses(province["units"]["CB2"])[0]
    response = as_user(client, province, "daotao").post(f"/training/classes/{training_class.pk}/nominate/",
                                                        {"person": [str(person.pk)]})
    assert response.status_code == 302
    enrollment = Enrollment.objects.get()
    assert (enrollment.person, enrollment.learner_organization) == (person, province["units"]["CB2"])
    assert enrollment.nominated_by == province["users"]["daotao"]


def test_rule_in_force_on_the_start_date_decides(province):
    """Two rules of one type over two periods, with different statuses: a probationary
    member may join a class starting under the new rule, not one under the old."""
    class_type = ClassType.objects.get(code="nhan-thuc-ve-dang")
    old = class_type.rules.get()
    switch = datetime.date(TODAY().year, 6, 1)
    old.valid_to = switch - datetime.timedelta(days=1)
    old.save()
    new = ClassTypeRule.objects.create(class_type=class_type, valid_from=switch, eligibility="tinh_trang",
                                       lessons=6, periods=24, has_test=True, certifies=True, pass_mark=5)
    new.eligible_statuses.set(PartyStatus.objects.filter(code__in=["quan-chung", "du-bi"]))
    probationer = PersonFactory(full_name="Lý Thị Dự Bị", organization=province["units"]["CB1"],
                                party_status=PartyStatus.objects.get(code="du-bi"))
    before = make_class(province["units"]["DBK"], starts_on=switch - datetime.timedelta(days=20))
    after = make_class(province["units"]["DBK"], starts_on=switch + datetime.timedelta(days=1))
    daotao = province["users"]["daotao"]
    with pytest.raises(services.SheetError) as refused:
        services.nominate(training_class=before, by=daotao, people=[probationer])
    assert "chỉ dành cho: Quần chúng (quy định hiệu lực từ 01/01/2021)" in refused.value.messages[0]
    services.nominate(training_class=after, by=daotao, people=[probationer])
    assert list(Enrollment.objects.values_list("training_class", flat=True)) == [after.pk]


def test_position_rule(province):
    training_class = make_class(province["units"]["DBK"], type_code="nghiep-vu-cong-tac-dang")
    plain = member(province["units"]["CB1"], "Đỗ Văn Thường")
    with pytest.raises(services.SheetError) as refused:
        services.nominate(training_class=training_class, by=province["users"]["daotao"],
                          people=[plain, province["secretary"]])
    assert "chỉ dành cho người giữ chức vụ: Bí thư" in refused.value.messages[0]
    assert "Đỗ Văn Thường không giữ chức vụ" in refused.value.messages[0]
    assert len(refused.value.messages) == 1 and not Enrollment.objects.exists()
    services.nominate(training_class=training_class, by=province["users"]["daotao"], people=[province["secretary"]])
    assert Enrollment.objects.count() == 1


# --- Who nominates whom ----------------------------------------------------------------------


def test_secretary_nominates_his_people_to_a_class_above(client, province):
    training_class = make_class(province["units"]["DBK"])
    mine, other = masses(province["units"]["CB1"])[0], masses(province["units"]["CB2"], name="Phạm Văn B")[0]
    client = as_user(client, province, "bithu")
    page = client.get(f"/training/classes/{training_class.pk}/nominate/").content.decode()
    assert mine.full_name in page and other.full_name not in page
    response = client.post(f"/training/classes/{training_class.pk}/nominate/", {"person": [str(other.pk)]})
    assert response.status_code == 400 and "Bạn không được cử những người này" in response.content.decode()
    assert client.post(f"/training/classes/{training_class.pk}/nominate/",
                       {"person": [str(mine.pk)]}).status_code == 302
    assert list(Enrollment.objects.values_list("person", flat=True)) == [mine.pk]


def test_a_class_out_of_sight_cannot_be_nominated_to(client, province):
    training_class = make_class(province["units"]["DBX"])
    client = as_user(client, province, "bithu")
    assert client.get(f"/training/classes/{training_class.pk}/nominate/").status_code == 404
    assert client.post(f"/training/classes/{training_class.pk}/nominate/",
                       {"person": [str(province["member"].pk)]}).status_code == 404
    assert not Enrollment.objects.exists()


def test_nominate_many_by_pasted_names_and_card_numbers(client, province):
    training_class = make_class(province["units"]["DBK"])
    first, second = masses(province["units"]["CB1"], 2, name="Hà Văn")
    second.party_card_number = "99887766"
    second.save()
    client = as_user(client, province, "daotao")
    response = client.post(f"/training/classes/{training_class.pk}/nominate/",
                           {"paste": f"{first.full_name}\n99887766\nKhông Có Ai"})
    assert response.status_code == 400 and "Không Có Ai" in response.content.decode()
    assert not Enrollment.objects.exists()
    response = client.post(f"/training/classes/{training_class.pk}/nominate/",
                           {"paste": f"{first.full_name}\n  99887766  \n"})
    assert response.status_code == 302
    assert set(Enrollment.objects.values_list("person", flat=True)) == {first.pk, second.pk}


@pytest.mark.parametrize("lines", [3, 30])
def test_a_pasted_list_costs_the_same_queries_whatever_its_length(client, province, lines,
                                                                  django_assert_max_num_queries):
    training_class = make_class(province["units"]["DBK"], capacity=50)
    people = masses(province["units"]["CB1"], lines, name="Vũ Thị")
    client = as_user(client, province, "daotao")
    with django_assert_max_num_queries(16):
        response = client.post(f"/training/classes/{training_class.pk}/nominate/",
                               {"paste": "\n".join(p.full_name for p in people)})
    assert response.status_code == 302
    assert Enrollment.objects.filter(training_class=training_class).count() == lines


# --- Capacity --------------------------------------------------------------------------------


def test_over_capacity_refused_whole(client, province):
    training_class = make_class(province["units"]["DBK"], capacity=2)
    people = masses(province["units"]["CB1"], 3)
    response = as_user(client, province, "daotao").post(f"/training/classes/{training_class.pk}/nominate/",
                                                        {"person": [str(p.pk) for p in people]})
    assert response.status_code == 400
    assert "Lớp còn 2 chỗ (tối đa 2 học viên, đã có 0); danh sách cử có 3 người." in response.content.decode()
    assert not Enrollment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_nominations_fill_exactly_the_seats(province):
    training_class = make_class(province["units"]["DBK"], capacity=5)
    people = masses(province["units"]["CB1"], 20, name="Đồng Thời")
    daotao = province["users"]["daotao"]
    barrier = threading.Barrier(len(people))
    outcomes = []

    def nominate(person):
        try:
            barrier.wait()
            services.nominate(training_class=training_class, by=daotao, people=[person])
            outcomes.append("ok")
        except services.SheetError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=nominate, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    assert outcomes.count("ok") == 5, outcomes
    assert all("Lớp còn 0 chỗ" in o for o in outcomes if o != "ok")
    assert Enrollment.objects.filter(training_class=training_class).count() == 5


# --- Withdrawal ------------------------------------------------------------------------------


def test_withdraw_before_results_only(client, province):
    training_class = make_class(province["units"]["DBK"])
    first, second = masses(province["units"]["CB1"], 2)
    daotao = province["users"]["daotao"]
    services.nominate(training_class=training_class, by=daotao, people=[first, second])
    one, two = Enrollment.objects.order_by("person__sort_key")
    Enrollment.objects.filter(pk=two.pk).update(result="dat")
    client = as_user(client, province, "bithu")  # the unit that nominated them
    client.post(f"/training/enrollments/{one.pk}/withdraw/")
    body = client.post(f"/training/enrollments/{two.pk}/withdraw/", follow=True).content.decode()
    assert "đã có kết quả học tập: không rút khỏi lớp được" in body
    assert list(Enrollment.objects.values_list("pk", flat=True)) == [two.pk]


# --- The list of enrolments ------------------------------------------------------------------


def test_enrollment_list_filters(client, province):
    from training.models import Certificate

    units = province["units"]
    counted = make_class(units["DBK"], line=approved_line(units["DBK"]), name="Lớp trong kế hoạch")
    outside = make_class(units["CS1"], name="Lớp ngoài")
    a, b = masses(units["CB1"], 2, name="Hồ Văn")
    c = masses(units["CB2"], 1, name="Vi Thị C")[0]
    daotao = province["users"]["daotao"]
    services.nominate(training_class=counted, by=daotao, people=[a, c])
    services.nominate(training_class=outside, by=daotao, people=[b])
    Enrollment.objects.filter(person=a).update(result="dat", score=8)
    Enrollment.objects.filter(person=c).update(result="khong_dat", score=3)
    Certificate.objects.create(enrollment=Enrollment.objects.get(person=a), organizer=units["DBK"],
                               year=TODAY().year, number=1, issued_on=TODAY())
    client = as_user(client, province, "daotao")

    def names(query):
        body = client.get(f"/training/enrollments/{query}").content.decode()
        return {p.full_name for p in (a, b, c) if p.full_name in body}

    assert names("") == {a.full_name, b.full_name, c.full_name}
    assert names("?org=CB2") == {c.full_name}
    assert names("?result=dat") == {a.full_name}
    assert names("?result=none") == {b.full_name}
    assert names("?certified=1") == {a.full_name}
    assert names("?certified=0") == {b.full_name, c.full_name}
    assert names("?plan=out") == {b.full_name}
    assert names(f"?year={TODAY().year}&type=nhan-thuc-ve-dang&plan=in") == {a.full_name, c.full_name}
    for bad in ["?result=x", "?certified=7", "?year=20000", "?page=abc"]:
        assert client.get(f"/training/enrollments/{bad}").status_code == 200


# --- Lesson attendance -----------------------------------------------------------------------


def attendance_post(rows, **overrides):
    data = {"enrollment": [str(e.pk) for e in rows]}
    for e in rows:
        data[f"status-{e.pk}"] = "co_mat"
        data[f"reason-{e.pk}"] = ""
    data.update(overrides)
    return data


def test_attendance_sheet_saves_all_or_nothing(client, province):
    training_class = make_class(province["units"]["DBK"], starts_on=TODAY() - datetime.timedelta(days=5))
    enrol_bulk(training_class, province["units"]["CB1"], 3, "Học Viên")
    rows = list(Enrollment.objects.order_by("pk"))
    client = as_user(client, province, "daotao")
    url = f"/training/classes/{training_class.pk}/attendance/?lesson=2"
    page = client.get(url).content.decode()
    assert "Điểm danh bài 2" in page and 'id="attendance-form"' in page
    missing_reason = attendance_post(rows, **{f"status-{rows[0].pk}": "vang_co_ly_do"})
    response = client.post(url, missing_reason)
    assert response.status_code == 400 and "Vắng có lý do cần ghi lý do" in response.content.decode()
    assert not LessonAttendance.objects.exists()
    short = attendance_post(rows[:2])
    assert "Danh sách điểm danh thiếu" in client.post(url, short).content.decode()
    assert not LessonAttendance.objects.exists()
    good = attendance_post(rows, **{f"status-{rows[0].pk}": "vang_co_ly_do", f"reason-{rows[0].pk}": "Ốm",
                                    f"status-{rows[1].pk}": "vang_khong_ly_do"})
    assert client.post(url, good).status_code == 302
    marks = dict(LessonAttendance.objects.values_list("enrollment_id", "status"))
    assert marks == {rows[0].pk: "vang_co_ly_do", rows[1].pk: "vang_khong_ly_do", rows[2].pk: "co_mat"}
    assert set(LessonAttendance.objects.values_list("lesson__number", flat=True)) == {2}


def test_attendance_history_names_the_user(client, province):
    training_class = make_class(province["units"]["DBK"], starts_on=TODAY() - datetime.timedelta(days=5))
    enrol_bulk(training_class, province["units"]["CB1"], 2, "Lịch Sử")
    rows = list(Enrollment.objects.order_by("pk"))
    client = as_user(client, province, "daotao")
    client.post(f"/training/classes/{training_class.pk}/attendance/?lesson=1", attendance_post(rows))
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT actor_id FROM portal_rowhistory WHERE table_name = 'training_lessonattendance'")
        actors = [row[0] for row in cursor.fetchall()]
    assert actors == [province["users"]["daotao"].pk]


def test_attendance_of_a_future_lesson_refused(client, province):
    training_class = make_class(province["units"]["DBK"], starts_on=TODAY() + datetime.timedelta(days=3))
    enrol_bulk(training_class, province["units"]["CB1"], 1, "Tương Lai")
    rows = list(Enrollment.objects.all())
    response = as_user(client, province, "daotao").post(
        f"/training/classes/{training_class.pk}/attendance/?lesson=1", attendance_post(rows))
    assert "chưa diễn ra" in response.content.decode() and not LessonAttendance.objects.exists()


@pytest.mark.parametrize("learners", [10, 200])
def test_attendance_page_queries_constant(client, province, learners, django_assert_max_num_queries):
    training_class = make_class(province["units"]["DBK"], capacity=500, starts_on=TODAY() - datetime.timedelta(days=5))
    enrol_bulk(training_class, province["units"]["CB1"], learners, "Đếm Truy Vấn")
    client = as_user(client, province, "daotao")
    url = f"/training/classes/{training_class.pk}/attendance/?lesson=1"
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(18):
        assert client.post(url, attendance_post(list(Enrollment.objects.all()))).status_code == 302
    assert LessonAttendance.objects.count() == learners


def test_people_who_are_not_learners_are_refused_on_the_sheet(client, province):
    training_class = make_class(province["units"]["DBK"], starts_on=TODAY() - datetime.timedelta(days=5))
    enrol_bulk(training_class, province["units"]["CB1"], 1, "Trong Lớp")
    other_class = make_class(province["units"]["DBK"], starts_on=TODAY() - datetime.timedelta(days=5))
    enrol_bulk(other_class, province["units"]["CB2"], 1, "Lớp Khác")
    rows = list(Enrollment.objects.order_by("pk"))
    response = as_user(client, province, "daotao").post(
        f"/training/classes/{training_class.pk}/attendance/?lesson=1", attendance_post(rows))
    assert "Không có trong danh sách lớp" in response.content.decode()
    assert not LessonAttendance.objects.exists()


def test_enrollment_list_queries_constant(client, province, django_assert_max_num_queries):
    training_class = make_class(province["units"]["DBK"], capacity=500)
    enrol_bulk(training_class, province["units"]["CB1"], 5, "Ít Người")
    client = as_user(client, province, "daotao")
    client.get("/training/enrollments/")
    with django_assert_max_num_queries(20) as few:
        client.get("/training/enrollments/")
    enrol_bulk(make_class(province["units"]["CS1"], capacity=500), province["units"]["CB2"], 120, "Nhiều Người")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/training/enrollments/").status_code == 200
