"""The home page leads each role to the day's work: the secretary's sessions to mark, the
commitments to review and the members to remind; the member's commitment, next sessions and
attendance; the propaganda staff's campaigns and late units. Each card says what to do when
it is empty, and costs the same number of queries whatever the unit's size. A member's
submission (and resubmission) notifies the secretary once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import Notification, Person
from resolutions.models import Attendance, Commitment, StudyCampaign, StudySession, Theme
from resolutions.services import commitments as commitment_services
from tests.factories import PersonFactory, UserFactory, bulk_people, give_grant, give_position

P, E, A = Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
SECTIONS = {name: "Nội dung đã viết." for name in
            ["political_ideology", "ethics_lifestyle", "duties", "exemplary_conduct", "study", "concrete_deed"]}


def session(unit, held_on, hour=8, **fields):
    return StudySession.objects.create(organization=unit, held_on=held_on, starts_at=datetime.time(hour), **fields)


def cards(client, user) -> dict:
    """The dashboard's cards for `user`, by template name (resolutions/home/<name>.html)."""
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return {shown.template.rsplit("/", 1)[1].removesuffix(".html"): shown.context for shown in response.context["cards"]}


def html(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("dashboard")).content.decode()


# --- The secretary ---------------------------------------------------------------------------


@pytest.fixture
def secretary_day(province):
    """CB1's sessions around today, a commitment handed in, a member absent three times."""
    cb1, cb2 = province["units"]["CB1"], province["units"]["CB2"]
    absentee = province["others"]["cb1"]
    today_session = session(cb1, TODAY, 7)
    later = session(cb1, TODAY + 3 * DAY)
    unmarked = session(cb1, TODAY - 2 * DAY)
    marked = session(cb1, TODAY - 1 * DAY)
    Attendance.objects.create(session=marked, person=province["member"], status=P)
    apology_only = session(cb1, TODAY - 3 * DAY)  # an apology is not a record of the meeting
    Attendance.objects.create(session=apology_only, person=province["member"], status=E, reason="Đi công tác",
                              method=Attendance.Method.APOLOGY)
    session(cb2, TODAY)  # another cell's: not his
    session(cb2, TODAY - 2 * DAY)
    for hour in (6, 7, 8):  # three unexcused absences today, above the default threshold of 2
        Attendance.objects.create(session=session(cb1, TODAY, hour), person=absentee, status=A)
    waiting = Commitment.objects.create(person=absentee, year=TODAY.year, status=Commitment.Status.SUBMITTED,
                                        submitted_at=timezone.now(), **SECTIONS)
    Commitment.objects.create(person=province["others"]["cb2"], year=TODAY.year,
                              status=Commitment.Status.SUBMITTED, submitted_at=timezone.now(), **SECTIONS)
    return {**province, "today": today_session, "later": later, "unmarked": unmarked, "marked": marked,
            "apology_only": apology_only, "waiting": waiting}


def test_secretary_sees_sessions_to_mark_commitments_to_review_and_absentees(client, secretary_day):
    shown = cards(client, secretary_day["users"]["bithu"])
    upcoming = shown["upcoming_sessions"]["sessions"]
    # Today's four sessions (three of them for the absences below) in their order, then the later one.
    assert [s.starts_at.hour for s in upcoming[:4]] == [6, 7, 7, 8] and upcoming[4] == secretary_day["later"]
    assert secretary_day["today"] in upcoming
    assert all(s.organization == secretary_day["units"]["CB1"] for s in upcoming)
    assert {s.pk for s in shown["unmarked_sessions"]["sessions"]} == {secretary_day["unmarked"].pk,
                                                                     secretary_day["apology_only"].pk}
    assert shown["reviews"]["commitments"] == [secretary_day["waiting"]]
    (entry,) = shown["absentees"]["units"]
    assert [(p.full_name, p.absent) for p in entry["people"]] == [("Lê Văn Cùng", 3)]

    page = html(client, secretary_day["users"]["bithu"])
    # "Điểm danh" for today's session and the unmarked ones; the session in three days has none yet.
    assert reverse("session_attendance", args=[secretary_day["today"].pk]) in page
    assert reverse("session_attendance", args=[secretary_day["unmarked"].pk]) in page
    assert reverse("session_attendance", args=[secretary_day["later"].pk]) not in page
    assert reverse("session_detail", args=[secretary_day["later"].pk]) in page
    assert reverse("session_attendance", args=[secretary_day["marked"].pk]) not in page
    assert reverse("commitment_detail", args=[secretary_day["waiting"].pk]) in page
    assert "3 buổi vắng không lý do (ngưỡng 2)" in page
    # He is a member too: his own cards follow.
    assert {"my_commitment", "my_sessions", "my_attendance"} <= set(shown)
    assert "campaigns" not in shown


def test_secretary_empty_cards_say_what_to_do(client, province):
    shown = cards(client, province["users"]["bithu"])
    assert shown["upcoming_sessions"]["sessions"] == [] and shown["unmarked_sessions"]["sessions"] == []
    assert shown["reviews"]["commitments"] == [] and shown["absentees"]["empty"]
    page = html(client, province["users"]["bithu"])
    for text in ["Chưa có buổi sinh hoạt nào sắp tới. Hãy lên lịch buổi sinh hoạt tiếp theo của chi bộ.",
                 "Mọi buổi đã họp đều đã được điểm danh.",
                 "Không có bản cam kết nào chờ duyệt.",
                 "chưa có đảng viên nào vắng không lý do quá ngưỡng"]:
        assert text in page
    assert reverse("session_create") in page and reverse("commitment_unit", args=["CB1"]) in page


# --- The member ------------------------------------------------------------------------------


def test_member_sees_his_returned_commitment_next_sessions_and_attendance(client, province):
    cb1, member = province["units"]["CB1"], province["member"]
    returned = Commitment.objects.create(
        person=member, year=TODAY.year, status=Commitment.Status.RETURNED, submitted_at=timezone.now(),
        review_comment="Mục việc làm cụ thể cần ghi rõ thời hạn.", reviewed_by=province["users"]["bithu"],
        reviewed_at=timezone.now(), **SECTIONS)
    tomorrow, apologised = session(cb1, TODAY + DAY, place="Hội trường A"), session(cb1, TODAY + 2 * DAY)
    Attendance.objects.create(session=apologised, person=member, status=E, reason="Đi công tác",
                              method=Attendance.Method.APOLOGY)
    for status in (P, P, A):  # held today at midnight: begun already
        Attendance.objects.create(session=session(cb1, TODAY, 0), person=member, status=status)

    shown = cards(client, province["users"]["dangvien"])
    assert set(shown) == {"my_commitment", "my_sessions", "my_attendance"}
    assert shown["my_commitment"]["commitment"] == returned
    # Today's sessions (already begun: no "Xin vắng") come first, then the next ones.
    sessions = shown["my_sessions"]["sessions"]
    assert [s.held_on for s in sessions] == [TODAY] * 3 + [TODAY + DAY, TODAY + 2 * DAY]
    assert not any(s.may_apologise for s in sessions[:3])
    assert sessions[3:] == [tomorrow, apologised]
    assert sessions[3].may_apologise and not sessions[4].may_apologise and sessions[4].apologised
    assert shown["my_attendance"]["percent"] == 67

    page = html(client, province["users"]["dangvien"])
    assert "Mục việc làm cụ thể cần ghi rõ thời hạn." in page and "Nguyễn Văn Bí" in page  # the secretary's name
    assert reverse("commitment_edit", args=[returned.pk]) in page and "Sửa và nộp lại" in page
    assert f'{reverse("session_detail", args=[tomorrow.pk])}#mine-title' in page
    assert "Đã xin vắng" in page
    assert 'aria-valuenow="67"' in page and "có mặt 2/3 buổi" in page


def test_member_without_commitment_or_sessions_is_told_what_to_do(client, province):
    session(province["units"]["CB2"], TODAY + DAY)  # another cell's session: not his
    shown = cards(client, province["users"]["dangvien"])
    assert shown["my_commitment"]["commitment"] is None
    assert shown["my_sessions"]["sessions"] == [] and shown["my_attendance"]["percent"] is None
    page = html(client, province["users"]["dangvien"])
    assert f"Bạn chưa có bản cam kết năm {TODAY.year}." in page
    assert f'{reverse("commitment_create")}?year={TODAY.year}' in page
    assert "Chi bộ chưa lên lịch buổi sinh hoạt nào sắp tới." in page
    assert "Tỷ lệ tham dự sẽ hiện ở đây sau buổi đầu tiên." in page


def test_member_draft_and_submitted_commitments(client, province):
    commitment = Commitment.objects.create(person=province["member"], year=TODAY.year, **SECTIONS)
    page = html(client, province["users"]["dangvien"])
    assert "còn là bản nháp, chưa nộp" in page and reverse("commitment_edit", args=[commitment.pk]) in page
    Commitment.objects.filter(pk=commitment.pk).update(status=Commitment.Status.SUBMITTED, submitted_at=timezone.now())
    page = html(client, province["users"]["dangvien"])
    assert "đang chờ bí thư duyệt" in page and reverse("commitment_edit", args=[commitment.pk]) not in page


def test_an_account_without_a_person_or_position_has_no_cards(client, province):
    shown = cards(client, UserFactory(username="khach"))
    assert shown == {}


# --- The propaganda staff --------------------------------------------------------------------


@pytest.fixture
def campaigns(province):
    units = province["units"]
    theme = Theme.objects.create(kind=Theme.Kind.YEAR, year=TODAY.year, title="Chuyên đề năm", term="XIII")
    ended = StudyCampaign.objects.create(title="Quán triệt đã hết hạn", theme=theme, organization=units["TINH"],
                                         starts_on=TODAY - 20 * DAY, deadline=TODAY - 5 * DAY)
    running = StudyCampaign.objects.create(title="Quán triệt đang diễn ra", theme=theme, organization=units["TINH"],
                                           starts_on=TODAY - 10 * DAY, deadline=TODAY + 10 * DAY)
    StudyCampaign.objects.create(title="Đợt cũ", theme=theme, organization=units["TINH"],
                                 starts_on=TODAY - 200 * DAY, deadline=TODAY - 100 * DAY)
    for campaign in (ended, running):  # CB1 studied both on time; CB2 and CB3 did not
        held = session(units["CB1"], campaign.starts_on + DAY, campaign=campaign, kind=StudySession.Kind.STUDY)
        for person in (province["secretary"], province["member"], province["others"]["cb1"]):
            Attendance.objects.create(session=held, person=person, status=P)
    return {**province, "ended": ended, "running": running}


def test_propaganda_staff_sees_campaign_progress_and_late_units(client, campaigns):
    shown = cards(client, campaigns["users"]["tuyengiao"])
    assert set(shown) == {"campaigns", "reports_card"}  # he also reports for the province
    listed = shown["campaigns"]["campaigns"]
    assert [c.title for c in listed] == ["Quán triệt đã hết hạn", "Quán triệt đang diễn ra"]
    ended, running = (c.summary for c in listed)
    # 3 of the 5 expected members attended (all of CB1's); 1 of 3 cells held its session.
    assert (ended.percent, ended.done, ended.units, ended.late) == (60, 1, 3, 2)
    assert [(u.name, u.count) for u in ended.lagging] == [("Đảng bộ Khối các cơ quan tỉnh", 1),
                                                          ("Đảng bộ xã Tân Hòa", 1)]
    assert (running.late, running.past_deadline) == (0, False)
    assert [(u.name, u.count) for u in running.lagging] == [("Đảng bộ Khối các cơ quan tỉnh", 1),
                                                            ("Đảng bộ xã Tân Hòa", 1)]
    page = html(client, campaigns["users"]["tuyengiao"])
    assert 'aria-valuenow="60"' in page and "2 đơn vị trễ hạn" in page and "1 đơn vị chưa tổ chức" in page
    assert reverse("study_campaign_detail", args=[campaigns["ended"].pk]) in page


def test_campaign_figures_are_the_viewers(client, campaigns):
    """daotao's grant is on DBK: the province's campaigns, counted over his subtree only."""
    give_grant(campaigns["users"]["daotao"], campaigns["units"]["DBK"], "tochuc")
    shown = cards(client, campaigns["users"]["daotao"])
    ended = shown["campaigns"]["campaigns"][0].summary
    assert (ended.done, ended.units, ended.late) == (1, 2, 1)
    assert [(u.name, u.count) for u in ended.lagging] == [("Đảng bộ Sở Giáo dục", 1)]


def test_propaganda_staff_without_campaigns_is_told_to_open_one(client, province):
    shown = cards(client, province["users"]["tuyengiao"])
    assert shown["campaigns"]["campaigns"] == []
    page = html(client, province["users"]["tuyengiao"])
    assert "Không có đợt học tập nào đang diễn ra." in page and reverse("study_campaign_create") in page


# --- A constant number of queries ------------------------------------------------------------


def grow(province, n: int) -> None:
    """`n` more members in CB1 with a commitment handed in, `n` more sessions (half of them
    unmarked, the others with every member absent), `n` more upcoming ones."""
    cb1 = province["units"]["CB1"]
    start = Person.objects.filter(organization=cb1).count()
    bulk_people(cb1, n, prefix=f"Thành viên {start}")
    people = list(Person.objects.filter(organization=cb1).order_by("id")[start:])
    Commitment.objects.bulk_create(Commitment(person=p, year=TODAY.year, status=Commitment.Status.SUBMITTED,
                                              submitted_at=timezone.now(), **SECTIONS) for p in people)
    for i in range(n):
        past = session(cb1, TODAY - (i + 1) * DAY)
        session(cb1, TODAY + (i % 20 + 1) * DAY)
        if i % 2:
            Attendance.objects.bulk_create(Attendance(session=past, person=p, status=A) for p in people)
    Attendance.objects.bulk_create(Attendance(session=session(cb1, TODAY, 1), person=p, status=A)
                                   for p in [province["member"], *people])


def queries_for(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_sessions_or_members(client, campaigns):
    users = campaigns["users"]
    grow(campaigns, 10)
    before = {name: queries_for(client, users[name]) for name in ("bithu", "dangvien", "tuyengiao")}
    grow(campaigns, 40)
    after = {name: queries_for(client, users[name]) for name in ("bithu", "dangvien", "tuyengiao")}
    assert after == before
    assert cards(client, users["bithu"])["reviews"]["total"] == 50


# --- The secretary is told of a submission -----------------------------------------------------


def test_submit_and_resubmit_notify_the_secretary_once_each(province):
    member, secretary_user = province["member"], province["users"]["bithu"]
    other_secretary = PersonFactory(full_name="Bí thư chi bộ khác", organization=province["units"]["CB2"],
                                    user=UserFactory(username="bithu2"))
    give_position(other_secretary, province["units"]["CB2"])
    commitment = Commitment.objects.create(person=member, year=TODAY.year, **SECTIONS)

    commitment_services.submit_commitment(commitment, by=province["users"]["dangvien"])
    (first,) = Notification.objects.filter(user=secretary_user)
    assert first.text == f"Trần Thị Đảng đã nộp bản cam kết năm {TODAY.year}, chờ bạn duyệt."
    assert first.link == reverse("commitment_detail", args=[commitment.pk])
    assert not Notification.objects.filter(user__in=[province["users"]["dangvien"], other_secretary.user]).exists()

    commitment_services.return_commitment(commitment, by=secretary_user, comment="Ghi rõ việc làm cụ thể.")
    commitment_services.submit_commitment(commitment, by=province["users"]["dangvien"])
    texts = list(Notification.objects.filter(user=secretary_user).order_by("id").values_list("text", flat=True))
    assert texts == [first.text, f"Trần Thị Đảng đã sửa và nộp lại bản cam kết năm {TODAY.year}."]


def test_the_same_submission_notifies_once(province):
    commitment = Commitment.objects.create(person=province["member"], year=TODAY.year, **SECTIONS)
    commitment_services.submit_commitment(commitment, by=province["users"]["dangvien"])
    commitment.refresh_from_db()
    # Sent again for the same submission (a retry): the key names it, nothing new.
    commitment_services._notify_reviewers(commitment, resubmitted=False)
    assert Notification.objects.filter(user=province["users"]["bithu"]).count() == 1


def test_submitting_through_the_page_notifies(client, province):
    commitment = Commitment.objects.create(person=province["member"], year=TODAY.year, **SECTIONS)
    client.force_login(province["users"]["dangvien"])
    client.post(reverse("commitment_submit", args=[commitment.pk]))
    assert Commitment.objects.get(pk=commitment.pk).status == Commitment.Status.SUBMITTED
    assert Notification.objects.filter(user=province["users"]["bithu"],
                                       link=reverse("commitment_detail", args=[commitment.pk])).count() == 1
