"""The member's own view (/study/me/): what to study now, his sessions and attendance
rate this year, his campaigns; and its link in the navigation."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from resolutions.models import Attendance, StudyCampaign, StudySession
from tests.test_documents import make_document

PRESENT, ABSENT = Attendance.Status.PRESENT, Attendance.Status.ABSENT


@pytest.fixture
def study(province):
    units, today = province["units"], timezone.localdate()
    year_start = datetime.date(today.year, 1, 1)
    document = make_document(units["TINH"], "01-KL/TW", "KL")
    dbx_document = make_document(units["DBX"], "195-KH/ĐU", "KH", title="Kế hoạch của xã")

    def campaign(title, unit, starts, deadline, doc=document):
        return StudyCampaign.objects.create(title=title, document=doc, organization=unit, starts_on=starts,
                                            deadline=deadline)

    campaigns = {
        "now": campaign("Quán triệt Kết luận 01", units["TINH"], year_start, today + datetime.timedelta(days=30)),
        "cell": campaign("Học tập của chi bộ", units["CB1"], year_start, today + datetime.timedelta(days=3)),
        "past": campaign("Đợt đã qua", units["CS1"], datetime.date(today.year - 1, 1, 1),
                         datetime.date(today.year - 1, 6, 30)),
        "elsewhere": campaign("Đợt của xã", units["DBX"], year_start, today + datetime.timedelta(days=30),
                              dbx_document),
        "sibling": campaign("Đợt của chi bộ khác", units["CB2"], year_start, today + datetime.timedelta(days=30)),
    }
    member = province["member"]
    held = [StudySession.objects.create(organization=units["CB1"], held_on=max(year_start, today - datetime.timedelta(days=d)),
                                        campaign=campaigns["now"] if d == 20 else None) for d in (20, 10)]
    Attendance.objects.create(session=held[0], person=member, status=PRESENT)
    Attendance.objects.create(session=held[1], person=member, status=ABSENT)
    # A joint session of the đảng bộ cơ sở he attended too.
    joint = StudySession.objects.create(organization=units["CS1"], held_on=max(year_start, today - datetime.timedelta(days=5)))
    Attendance.objects.create(session=joint, person=member, status=PRESENT)
    # Last year's session does not count this year.
    old = StudySession.objects.create(organization=units["CB1"], held_on=datetime.date(today.year - 1, 5, 5))
    Attendance.objects.create(session=old, person=member, status=ABSENT)
    return {**province, "campaigns": campaigns, "document": document}


def test_member_sees_what_to_study_now(client, study):
    client.force_login(study["users"]["dangvien"])
    response = client.get(reverse("study_me"))
    assert response.status_code == 200
    now = [c.title for c in response.context["now"]]
    assert now == ["Học tập của chi bộ", "Quán triệt Kết luận 01"]  # nearest deadline first
    mine = {c.title: c.done for c in response.context["campaigns"]}
    assert mine == {"Học tập của chi bộ": False, "Quán triệt Kết luận 01": True, "Đợt đã qua": False}
    html = response.content.decode()
    assert reverse("study_document_detail", args=[study["document"].pk]) in html
    assert "Đợt của xã" not in html and "Đợt của chi bộ khác" not in html


def test_member_attendance_rate_this_year(client, study):
    client.force_login(study["users"]["dangvien"])
    response = client.get(reverse("study_me"))
    assert (response.context["present_count"], response.context["expected_count"]) == (2, 3)
    assert "67%" in response.content.decode()
    statuses = sorted(s.my_status or "" for s in response.context["sessions"])
    assert statuses == ["co_mat", "co_mat", "vang_khong_ly_do"]


def test_account_without_person_is_told_what_to_do(client, study):
    client.force_login(study["users"]["tuyengiao"])
    html = client.get(reverse("study_me")).content.decode()
    assert "chưa gắn với hồ sơ đảng viên" in html


def test_member_view_queries_are_constant(client, study, django_assert_max_num_queries):
    client.force_login(study["users"]["dangvien"])
    client.get(reverse("study_me"))
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("study_me"))
    units, member, today = study["units"], study["member"], timezone.localdate()
    for i in range(10):
        s = StudySession.objects.create(organization=units["CB1"], held_on=datetime.date(today.year, 1, 1))
        Attendance.objects.create(session=s, person=member, status=PRESENT)
        StudyCampaign.objects.create(title=f"Đợt {i}", document=study["document"], organization=units["CB1"],
                                     starts_on=datetime.date(today.year, 1, 1), deadline=today)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("study_me"))
    assert response.context["expected_count"] == 13


def test_navigation_links_to_the_member_view(client, study):
    client.force_login(study["users"]["dangvien"])
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("study_me")}"' in html and "Học tập của tôi" in html
