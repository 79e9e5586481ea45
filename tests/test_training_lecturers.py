"""Lecturers: lectures per year counted from the lessons (all classes, and those of an
approved plan), on the page and in the API, in a fixed number of queries; registering and
editing with every refusal named and nothing written; the bí thư and phó bí thư of each
đảng bộ cơ sở who have not lectured in the year."""

import datetime
import re

import pytest

from tests.factories import PersonFactory, api_token, give_position
from tests.test_training_certificates import make_class
from training.models import ClassType, Lecturer, Lesson, PlanLine, TrainingPlan

pytestmark = pytest.mark.django_db
YEAR = 2026


def approved_line(unit, year=YEAR, type_code="dang-vien-moi") -> PlanLine:
    plan = TrainingPlan.objects.create(organization=unit, year=year, status=TrainingPlan.Status.APPROVED)
    return PlanLine.objects.create(plan=plan, class_type=ClassType.objects.get(code=type_code), planned_classes=5,
                                   planned_learners=100)


def lecturer(person, unit, kind=Lecturer.Kind.PART_TIME, **extra) -> Lecturer:
    return Lecturer.objects.create(person=person, organization=unit, kind=kind, started_on=datetime.date(2020, 1, 1),
                                   **extra)


def give_lessons(training_class, lecturer_, days):
    start = training_class.lessons.count()
    for offset, day in enumerate(days, start=start + 1):
        Lesson.objects.create(training_class=training_class, number=offset, title=f"Bài {offset}", held_on=day,
                              lecturer=lecturer_)


@pytest.fixture
def teaching(province):
    """Three lecturers of CS1 and DBX; lessons in 2025 and 2026, in and outside an approved plan."""
    cs1, dbx = province["units"]["CS1"], province["units"]["DBX"]
    line = approved_line(cs1)
    counted = make_class(cs1, learners=0, name="Lớp trong kế hoạch", starts_on=datetime.date(YEAR, 3, 2))
    counted.plan_line = line
    counted.save()
    outside = make_class(cs1, learners=0, name="Lớp ngoài kế hoạch", starts_on=datetime.date(YEAR, 5, 4))
    old = make_class(cs1, learners=0, name="Lớp năm trước", starts_on=datetime.date(YEAR - 1, 9, 1))
    a = lecturer(PersonFactory(full_name="Giảng Viên An", organization=province["units"]["CB1"]), cs1,
                 qualification="Thạc sĩ xây dựng Đảng", meets_standard=True)
    b = lecturer(PersonFactory(full_name="Báo Cáo Bình", organization=province["units"]["CB2"]), cs1,
                 kind=Lecturer.Kind.SPEAKER)
    c = lecturer(PersonFactory(full_name="Giảng Viên Xa", organization=province["units"]["CB3"]), dbx)
    give_lessons(counted, a, [datetime.date(YEAR, 3, 2), datetime.date(YEAR, 3, 3), datetime.date(YEAR, 12, 31)])
    give_lessons(outside, a, [datetime.date(YEAR, 5, 4)])
    give_lessons(outside, b, [datetime.date(YEAR, 5, 5)])
    give_lessons(old, a, [datetime.date(YEAR - 1, 9, 1), datetime.date(YEAR - 1, 12, 31)])
    give_lessons(old, c, [datetime.date(YEAR - 1, 9, 2)])
    return {"a": a, "b": b, "c": c, "counted": counted, "outside": outside}


def recount(lecturer_, year, counted_only=False) -> int:
    """From the raw rows, in Python."""
    lessons = [lesson for lesson in Lesson.objects.select_related("training_class__plan_line__plan")
               if lesson.lecturer_id == lecturer_.pk and lesson.held_on.year == year]
    if counted_only:
        lessons = [lesson for lesson in lessons if lesson.training_class.plan_line
                   and lesson.training_class.plan_line.plan.status == TrainingPlan.Status.APPROVED]
    return len(lessons)


def page_counts(html) -> dict[str, tuple[int, int]]:
    rows = re.findall(r'<a href="/training/lecturers/\d+/">([^<]+)</a>.*?data-lectures>(\d+)</td>\s*'
                      r'<td[^>]*data-lectures-counted>(\d+)</td>', html, flags=re.S)
    return {name: (int(all_), int(counted)) for name, all_, counted in rows}


def test_lecture_counts_equal_the_lessons(teaching, province, client, django_assert_max_num_queries):
    client.force_login(province["users"]["admin"])
    for year in (YEAR, YEAR - 1):
        with django_assert_max_num_queries(10):
            html = client.get(f"/training/lecturers/?year={year}").content.decode()
        expected = {lect.person.full_name: (recount(lect, year), recount(lect, year, counted_only=True))
                    for lect in (teaching["a"], teaching["b"], teaching["c"])}
        assert page_counts(html) == expected
    assert page_counts(client.get(f"/training/lecturers/?year={YEAR}").content.decode())["Giảng Viên An"] == (4, 3)
    # API: the same figures, and per year on the detail.
    headers = {"HTTP_AUTHORIZATION": f"Token {api_token(province['users']['admin'])}"}
    rows = client.get(f"/api/v1/lecturers/?year={YEAR}", **headers).json()["results"]
    assert {row["person"]["full_name"]: (row["lectures"], row["lectures_counted"]) for row in rows} == {
        lect.person.full_name: (recount(lect, YEAR), recount(lect, YEAR, True))
        for lect in (teaching["a"], teaching["b"], teaching["c"])}
    detail = client.get(f"/api/v1/lecturers/{teaching['a'].pk}/?year={YEAR}", **headers).json()
    assert detail["lectures_per_year"] == [{"year": YEAR, "lectures": 4}, {"year": YEAR - 1, "lectures": 2}]
    # The detail page lists his lessons of the year.
    html = client.get(f"/training/lecturers/{teaching['a'].pk}/?year={YEAR}").content.decode()
    assert html.count("<tr><td class=\"text-nowrap\">") == 4 and "Lớp ngoài kế hoạch" in html


def test_list_filters(teaching, province, client):
    client.force_login(province["users"]["admin"])

    def names(query):
        return set(page_counts(client.get(f"/training/lecturers/?year={YEAR}&{query}").content.decode()))

    assert names("org=CS1") == {"Giảng Viên An", "Báo Cáo Bình"}
    assert names("org=DBX") == {"Giảng Viên Xa"}
    assert names("kind=bao_cao_vien") == {"Báo Cáo Bình"}
    assert names("standard=1") == {"Giảng Viên An"}
    assert names("standard=0") == {"Báo Cáo Bình", "Giảng Viên Xa"}
    for bad in ["year=abc", "kind=zzz", "standard=9", "org=KHONG-CO", "page=99"]:
        assert client.get(f"/training/lecturers/?{bad}").status_code == 200
    # daotao's reach is DBK: DBX's lecturer is not his.
    client.force_login(province["users"]["daotao"])
    assert set(page_counts(client.get(f"/training/lecturers/?year={YEAR}").content.decode())) == {
        "Giảng Viên An", "Báo Cáo Bình"}


def test_registering_refuses_bad_input_and_writes_nothing(province, client):
    client.force_login(province["users"]["daotao"])
    person = PersonFactory(full_name="Người Mới Dạy", organization=province["units"]["CB1"])
    far = PersonFactory(full_name="Người Xa Lắm", organization=province["units"]["CB3"])
    good = {"person": person.party_card_number, "organization": "CS1", "kind": "kiem_chuc",
            "qualification": "Cử nhân", "started_on": "01/02/2026"}
    cases = [
        ({"person": "Không Có Ai"}, "Không tìm thấy"),
        ({"person": far.party_card_number}, "Không tìm thấy"),  # outside his reach
        ({"organization": "DBX"}, "ORGANIZATION"),  # not a unit where he trains: the field is refused
        ({"ended_on": "01/01/2026"}, "Ngày kết thúc phải từ ngày bắt đầu trở đi"),
        ({"started_on": "31/02/2026"}, "Không có ngày 31/02/2026"),
        ({"standard_checked_on": "01/01/2026"}, "Chỉ ghi ngày công nhận đạt chuẩn khi giảng viên đạt chuẩn"),
    ]
    for change, words in cases:
        response = client.post("/training/lecturers/new/", {**good, **change})
        assert response.status_code == 400, change
        body = response.content.decode()
        if words == "ORGANIZATION":
            assert re.search(r'<select name="organization" class="form-select is-invalid"', body), body
        else:
            assert words in body, (change, words)
        assert not Lecturer.objects.exists()
    response = client.post("/training/lecturers/new/", good)
    assert response.status_code == 302
    created = Lecturer.objects.get()
    assert (created.person, created.organization.code, created.kind) == (person, "CS1", "kiem_chuc")
    again = client.post("/training/lecturers/new/", {**good, "person": "Người Mới Dạy"})
    assert again.status_code == 400 and "mỗi người chỉ đăng ký một lần cho mỗi loại" in again.content.decode()
    assert Lecturer.objects.count() == 1
    # Editing: standard reached.
    response = client.post(f"/training/lecturers/{created.pk}/edit/", {
        "organization": "CS1", "kind": "kiem_chuc", "qualification": "Thạc sĩ", "meets_standard": "on",
        "standard_checked_on": "15/03/2026", "started_on": "01/02/2026"})
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.meets_standard and created.standard_checked_on == datetime.date(2026, 3, 15)
    # bithu and dangvien may not register anyone.
    for role in ["bithu", "dangvien", "tuyengiao"]:
        client.force_login(province["users"][role])
        assert client.post("/training/lecturers/new/", good).status_code == 403
    assert Lecturer.objects.count() == 1


def test_api_writes_refuse_bad_input(province, client):
    headers = {"HTTP_AUTHORIZATION": f"Token {api_token(province['users']['daotao'])}"}
    person = PersonFactory(full_name="Người Dạy API", organization=province["units"]["CB1"])
    body = {"person": person.pk, "organization": "CS1", "kind": "kiem_chuc", "started_on": "2026-02-01"}
    for change, field in [({"organization": "DBX"}, "organization"), ({"kind": "x"}, "kind"),
                          ({"ended_on": "2026-01-01"}, "ended_on"), ({"person": 10**9}, "person")]:
        response = client.post("/api/v1/lecturers/", {**body, **change}, content_type="application/json", **headers)
        assert response.status_code == 400 and field in response.json(), (change, response.content)
    assert not Lecturer.objects.exists()
    response = client.post("/api/v1/lecturers/", body, content_type="application/json", **headers)
    assert response.status_code == 201 and response.json()["lectures_per_year"] == []
    pk = response.json()["id"]
    response = client.patch(f"/api/v1/lecturers/{pk}/", {"meets_standard": True}, content_type="application/json",
                            **headers)
    assert response.status_code == 200 and response.json()["meets_standard"] is True


def test_secretaries_not_lectured(teaching, province, client):
    """CS1 (đảng bộ cơ sở): its bí thư lectured in a counted class this year, its phó bí thư
    only outside the plan (not counted), another phó bí thư never; a cell's bí thư is not listed."""
    cs1 = province["units"]["CS1"]
    secretary, deputy, other = (PersonFactory(full_name=name, organization=cs1)
                                for name in ["Bí Thư Cơ Sở", "Phó Bí Thư Một", "Phó Bí Thư Hai"])
    give_position(secretary, cs1, "bi-thu")
    give_position(deputy, cs1, "pho-bi-thu")
    give_position(other, cs1, "pho-bi-thu")
    give_lessons(teaching["counted"], lecturer(secretary, cs1), [datetime.date(YEAR, 4, 1)])
    give_lessons(teaching["outside"], lecturer(deputy, cs1), [datetime.date(YEAR, 5, 6)])
    client.force_login(province["users"]["daotao"])
    html = client.get(f"/training/lecturers/not-lectured/?org=DBK&year={YEAR}").content.decode()
    listed = set(re.findall(r'data-not-lectured="\d+"><td>[^<]*</td><td>[^<]*</td><td><a [^>]*>([^<]+)</a>', html))
    assert listed == {"Phó Bí Thư Một", "Phó Bí Thư Hai"}
    # Nobody of a year without any lesson lectured.
    html = client.get(f"/training/lecturers/not-lectured/?org=CS1&year={YEAR - 3}").content.decode()
    assert "Bí Thư Cơ Sở" in html
    # Outside the reach: 404, like a unit that does not exist.
    assert client.get("/training/lecturers/not-lectured/?org=DBX").status_code == 404
    assert client.get("/training/lecturers/not-lectured/?org=KHONG").status_code == 404
