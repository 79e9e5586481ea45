"""Commend and remind: per unit (and its subtree) and year, who attended every session he
was expected at, and who was absent without excuse more often than the unit's threshold."""

import datetime

import pytest
from django.urls import reverse

from resolutions.models import Attendance, StudySession, UnitStudySettings
from tests.factories import PersonFactory

P, E, A = Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT


@pytest.fixture
def year_of_sessions(province):
    units = province["units"]
    people = {"secretary": province["secretary"], "member": province["member"], **province["others"]}
    people["cb2_lazy"] = PersonFactory(full_name="Đỗ Văn Lười", organization=units["CB2"])
    sheet = {  # person: statuses at the sessions of his unit in 2025
        "secretary": [P, P, P, P],
        "member": [P, E, P, P],
        "cb1": [A, A, A, P],
        "cb2": [P, P, P],
        "cb2_lazy": [A, A, P],
        "cb3": [A, A, A],
    }
    for key, statuses in sheet.items():
        person = people[key]
        for i, status in enumerate(statuses):
            session, _ = StudySession.objects.get_or_create(organization=person.organization,
                                                            held_on=datetime.date(2025, i + 1, 10))
            Attendance.objects.create(session=session, person=person, status=status)
    # Another year: not counted in 2025.
    session = StudySession.objects.create(organization=units["CB1"], held_on=datetime.date(2024, 12, 10))
    Attendance.objects.create(session=session, person=people["secretary"], status=A)
    return {**province, "people": people}


def names(people):
    return {p.full_name for p in people}


def test_lists_over_the_whole_subtree(client, year_of_sessions):
    client.force_login(year_of_sessions["users"]["tuyengiao"])
    response = client.get(reverse("study_commend_remind", args=["TINH"]), {"year": 2025})
    assert names(response.context["commend"]) == {"Nguyễn Văn Bí", "Phạm Thị Khác"}
    assert names(response.context["remind"]) == {"Lê Văn Cùng", "Hoàng Văn Xa"}  # 3 > 2; the lazy one has 2
    html = response.content.decode()
    assert "vắng không lý do 3 buổi (ngưỡng 2)" in html
    response = client.get(reverse("study_commend_remind", args=["CS1"]), {"year": 2025})
    assert names(response.context["remind"]) == {"Lê Văn Cùng"}
    response = client.get(reverse("study_commend_remind", args=["TINH"]), {"year": 2024})
    assert names(response.context["commend"]) == set() and names(response.context["remind"]) == set()


def test_nearest_unit_threshold_applies(client, year_of_sessions):
    units = year_of_sessions["units"]
    UnitStudySettings.objects.create(organization=units["CS1"], unexcused_absence_threshold=1)
    UnitStudySettings.objects.create(organization=units["CB1"], unexcused_absence_threshold=5)
    client.force_login(year_of_sessions["users"]["admin"])
    response = client.get(reverse("study_commend_remind", args=["TINH"]), {"year": 2025})
    # CB1 set 5 (cb1 with 3 no longer reminded); CB2 inherits CS1's 1 (2 absences); CB3 the default 2.
    assert names(response.context["remind"]) == {"Đỗ Văn Lười", "Hoàng Văn Xa"}


def test_secretary_sets_his_threshold(client, year_of_sessions):
    client.force_login(year_of_sessions["users"]["bithu"])
    url = reverse("study_commend_remind", args=["CB1"])
    response = client.post(f"{url}?year=2025", {"threshold": "abc"})
    assert response.status_code == 400 and not UnitStudySettings.objects.exists()
    response = client.post(f"{url}?year=2025", {"threshold": "3"})
    assert response.status_code == 302 and response.url == f"{url}?year=2025"
    assert UnitStudySettings.objects.get(organization__code="CB1").unexcused_absence_threshold == 3
    response = client.get(url, {"year": 2025})
    assert names(response.context["remind"]) == set()
    assert names(response.context["commend"]) == {"Nguyễn Văn Bí"}


def test_one_query_for_the_lists(year_of_sessions, django_assert_num_queries):
    from resolutions.selectors.documents import commend_remind

    user = year_of_sessions["users"]["admin"]
    with django_assert_num_queries(1):
        lists = commend_remind(user, year_of_sessions["units"]["TINH"], 2025)
    assert len(lists["commend"]) == 2 and len(lists["remind"]) == 2


def test_page_queries_do_not_grow(client, year_of_sessions, django_assert_max_num_queries):
    client.force_login(year_of_sessions["users"]["tuyengiao"])
    url = reverse("study_commend_remind", args=["TINH"])
    client.get(url, {"year": 2025})
    with django_assert_max_num_queries(12) as small:
        client.get(url, {"year": 2025})
    units = year_of_sessions["units"]
    session = StudySession.objects.create(organization=units["CB3"], held_on=datetime.date(2025, 9, 9))
    for _ in range(30):
        Attendance.objects.create(session=session, person=PersonFactory(organization=units["CB3"]), status=P)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, {"year": 2025})
    assert len(response.context["commend"]) == 32
