"""A person's training record (issue 8, point 8) on his page (/people/<pk>/) and on
/study/me/: classes with his result and the lessons he attended, certificates with their
verification links (a revoked one says so), external results and the theory level; the
external result form raises the theory level, never lowers it; constant queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import TheoryLevel
from tests.factories import PersonFactory
from training.models import (
    Certificate,
    ClassType,
    Enrollment,
    ExternalResult,
    Lesson,
    LessonAttendance,
    TrainingClass,
)

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def make_class(unit, type_code, name, lessons=2, ends_ago=30):
    end = timezone.localdate() - ends_ago * DAY
    c = TrainingClass.objects.create(class_type=ClassType.objects.get(code=type_code), organizer=unit, name=name,
                                     starts_on=end - (lessons - 1) * DAY, ends_on=end, capacity=40)
    for n in range(lessons):
        Lesson.objects.create(training_class=c, number=n + 1, title=f"Bài {n + 1}", held_on=c.starts_on + n * DAY)
    return c


def enrol(training_class, person, *, present=0, result="", score=None):
    e = Enrollment.objects.create(training_class=training_class, person=person,
                                  learner_organization=person.organization, result=result, score=score)
    for lesson in training_class.lessons.order_by("number"):
        status = LessonAttendance.Status.PRESENT if lesson.number <= present else LessonAttendance.Status.ABSENT
        LessonAttendance.objects.create(lesson=lesson, enrollment=e, status=status)
    return e


def certify(enrollment, number, revoked_on=None):
    return Certificate.objects.create(
        enrollment=enrollment, organizer=enrollment.training_class.organizer, year=timezone.localdate().year,
        number=number, issued_on=enrollment.training_class.ends_on + DAY, revoked_on=revoked_on,
        revoked_reason="Sai họ tên" if revoked_on else "")


@pytest.fixture
def record(province):
    units = province["units"]
    member = province["member"]
    dvm = make_class(units["DBK"], "dang-vien-moi", "Lớp đảng viên mới khóa 1", lessons=4)
    nv = make_class(units["DBK"], "nghiep-vu-cong-tac-dang", "Lớp nghiệp vụ khóa 2", lessons=3, ends_ago=10)
    cd = make_class(units["DBK"], "chuyen-de", "Lớp chuyên đề đang chờ kết quả", lessons=1, ends_ago=1)
    first = enrol(dvm, member, present=3, result=Enrollment.Result.PASSED, score=7.5)
    second = enrol(nv, member, present=3, result=Enrollment.Result.PASSED)
    enrol(cd, member, present=1)
    valid = certify(first, 1)
    revoked = certify(second, 2, revoked_on=timezone.localdate() - DAY)
    ExternalResult.objects.create(person=member, class_type=ClassType.objects.get(code="trung-cap-llct"),
                                  institution="Trường Chính trị tỉnh", completed_on=datetime.date(2024, 6, 30),
                                  certificate_number="1234/TCLLCT")
    return {"member": member, "valid": valid, "revoked": revoked}


def section(body: str) -> str:
    start = body.index('id="training-record"')
    return body[start:body.index("</section>", start)]


def check_record(html, record):
    assert "Lớp đảng viên mới khóa 1" in html and "Lớp nghiệp vụ khóa 2" in html
    assert "Có mặt 3/4 buổi" in html and "Có mặt 3/3 buổi" in html and "Có mặt 1/1 buổi" in html
    assert "Đạt" in html and "7,50 điểm" in html
    assert "Chưa có kết quả" in html  # the class waiting for its result
    valid, revoked = record["valid"], record["revoked"]
    assert f'href="{reverse("certificate_verify", args=[valid.verification_code])}"' in html
    assert f"Giấy chứng nhận số {valid.register_number}" in html
    assert revoked.verification_code not in html and "Thu hồi" in html
    assert "Trung cấp lý luận chính trị · Trường Chính trị tỉnh" in html and "30/06/2024" in html


def test_the_person_page_shows_the_training_record(client, province, record):
    client.force_login(province["users"]["daotao"])
    html = section(client.get(f"/people/{record['member'].pk}/").content.decode())
    check_record(html, record)
    assert 'action="/training/people/' in html  # daotao trains at the member's unit: he may record


def test_the_member_sees_his_own_record_on_his_study_page(client, province, record):
    client.force_login(province["users"]["dangvien"])
    html = section(client.get("/study/me/").content.decode())
    check_record(html, record)
    assert "<form" not in html  # he cannot record results himself


def test_a_viewer_sees_only_the_enrolments_in_his_reach(client, province, record):
    """tuyengiao (province) sees everything; nobody is shown a class he may not see."""
    far = make_class(province["units"]["DBX"], "chuyen-de", "Lớp của xã khác", lessons=1)
    enrol(far, province["others"]["cb3"], present=1, result=Enrollment.Result.PASSED)
    client.force_login(province["users"]["daotao"])
    html = section(client.get(f"/people/{province['others']['cb1'].pk}/").content.decode())
    assert "Chưa học lớp bồi dưỡng nào" in html
    client.force_login(province["users"]["tuyengiao"])
    html = section(client.get(f"/people/{province['others']['cb3'].pk}/").content.decode())
    assert "Lớp của xã khác" in html and "<form" not in html  # tuyên giáo reads, does not record


def test_record_queries_do_not_grow(client, province, record, django_assert_max_num_queries):
    client.force_login(province["users"]["daotao"])
    url = f"/people/{record['member'].pk}/"
    client.get(url)
    with django_assert_max_num_queries(25) as before:
        client.get(url)
    for n in range(10):
        e = enrol(make_class(province["units"]["DBK"], "dang-vien-moi", f"Lớp thêm {n}", lessons=3),
                  record["member"], present=2, result=Enrollment.Result.PASSED)
        certify(e, 10 + n)
        ExternalResult.objects.create(person=record["member"], class_type=ClassType.objects.get(code="cao-cap-llct"),
                                      institution=f"Học viện {n}", completed_on=datetime.date(2025, 1, 1))
    with django_assert_max_num_queries(len(before.captured_queries)):
        body = client.get(url).content.decode()
    assert "Lớp thêm 9" in body


# --- External results ------------------------------------------------------------------------


def post_result(client, person, type_code="trung-cap-llct", **overrides):
    data = {"class_type": ClassType.objects.get(code=type_code).pk, "institution": "Trường Chính trị tỉnh",
            "completed_on": "15/06/2025", "certificate_number": "88/TCLLCT", **overrides}
    return client.post(f"/training/people/{person.pk}/external-results/", data)


def level(code):
    return TheoryLevel.objects.get(code=code) if code else None


@pytest.mark.parametrize(("before", "program", "after"), [
    (None, "trung-cap-llct", "trung-cap"), ("so-cap", "trung-cap-llct", "trung-cap"),
    ("trung-cap", "cao-cap-llct", "cao-cap"), ("cao-cap", "trung-cap-llct", "cao-cap"),
    ("cu-nhan", "cao-cap-llct", "cu-nhan"),
])
def test_an_external_result_raises_the_theory_level_never_lowers_it(client, province, before, program, after):
    person = PersonFactory(organization=province["units"]["CB2"], theory_level=level(before))
    client.force_login(province["users"]["daotao"])
    response = post_result(client, person, program)
    assert response.status_code == 302 and response["Location"].endswith(f"/people/{person.pk}/#training-record")
    person.refresh_from_db()
    assert person.theory_level == level(after)
    result = ExternalResult.objects.get(person=person)
    assert (result.completed_on, result.recorded_by) == (datetime.date(2025, 6, 15), province["users"]["daotao"])


@pytest.mark.parametrize(("type_code", "overrides", "field", "message"), [
    ("nhan-thuc-ve-dang", {}, "class_type", "Chọn trung cấp hoặc cao cấp lý luận chính trị"),
    ("trung-cap-llct", {"completed_on": ""}, "completed_on", "Nhập ngày hoàn thành."),
    ("trung-cap-llct", {"completed_on": "31/02/2025"}, "completed_on", "Không có ngày 31/02/2025"),
    ("trung-cap-llct", {"completed_on": "01/01/2099"}, "completed_on", "Ngày hoàn thành không được sau hôm nay."),
    ("trung-cap-llct", {"institution": "  "}, "institution", "Ghi tên cơ sở đào tạo."),
])
def test_bad_input_is_refused_with_a_vietnamese_message_and_nothing_written(client, province, type_code, overrides,
                                                                            field, message):
    person = PersonFactory(organization=province["units"]["CB2"], theory_level=None)
    client.force_login(province["users"]["daotao"])
    response = post_result(client, person, type_code, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not ExternalResult.objects.exists()
    person.refresh_from_db()
    assert person.theory_level is None


def test_the_service_refuses_a_local_class_type_and_a_user_without_the_right(province):
    from django.core.exceptions import ValidationError

    from training.services.external import record_external_result

    person = PersonFactory(organization=province["units"]["CB2"])
    fields = {"person": person, "institution": "Trường", "completed_on": datetime.date(2025, 1, 1)}
    with pytest.raises(ValidationError) as refused:
        record_external_result(user=province["users"]["daotao"], class_type=ClassType.objects.get(code="so-cap-llct"),
                               **fields)
    assert "class_type" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record_external_result(user=province["users"]["tuyengiao"],
                               class_type=ClassType.objects.get(code="cao-cap-llct"), **fields)
    assert "person" in refused.value.message_dict
    assert not ExternalResult.objects.exists()
