"""Every attendance figure with people in each attendance status alone: one person only
present, one only excused, one only absent, one never marked. Only "có mặt" counts as
attended (DOMAIN.md §3: the share of expected members present); an excused absence is
an absence, and a person never marked has not attended. Each person has exactly one
attendance row (or none), so no other session can hide a miscount."""

import datetime

import pytest
from django.utils import timezone

from portal.access import system_reach
from resolutions.models import Attendance, StudyCampaign, StudySession, UnitStudySettings
from resolutions.selectors.documents import campaign_progress, commend_remind, member_overview
from resolutions.selectors.sessions import attendance_rate
from tests.factories import PersonFactory, UserFactory, make_unit
from tests.test_documents import make_document

TODAY = timezone.localdate()
PRESENT, EXCUSED, ABSENT = Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT
STATUSES = {"present": PRESENT, "excused": EXCUSED, "absent": ABSENT, "unmarked": None}


@pytest.fixture
def cells(province):
    """Under CS1, one cell per status, each with one member (with an account) in that status
    alone at one session of the campaign; and CB9 with all four of them together."""
    cs1 = province["units"]["CS1"]
    campaign = StudyCampaign.objects.create(
        title="Học tập chuyên đề năm", document=make_document(province["units"]["TINH"]),
        organization=cs1, starts_on=TODAY - datetime.timedelta(days=30), deadline=TODAY)
    units, people = {}, {}

    def cell_with(code, members):
        units[code] = make_unit(f"Chi bộ {code}", parent=cs1, code=code)
        UnitStudySettings.objects.create(organization=units[code], unexcused_absence_threshold=0)
        session = StudySession.objects.create(organization=units[code], held_on=TODAY, campaign=campaign)
        for key, status in members:
            people[key] = PersonFactory(full_name=f"Đảng viên {key}", organization=units[code],
                                        user=UserFactory(username=key))
            if status is not None:
                Attendance.objects.create(session=session, person=people[key], status=status,
                                          reason="Đi công tác" if status == EXCUSED else "")

    for name, status in STATUSES.items():
        cell_with(f"CB_{name}", [(name, status)])
    cell_with("CB9", [(f"{name}_together", status) for name, status in STATUSES.items()])
    return {**province, "campaign": campaign, "units": {**province["units"], **units}, "people": people}


def follow_up(campaign):
    rows = campaign_progress(campaign=campaign, viewer=system_reach(campaign.organization), as_of=TODAY)
    return {row.code: row for row in rows}


@pytest.mark.parametrize("name, attended", [("present", 1), ("excused", 0), ("absent", 0), ("unmarked", 0)])
def test_campaign_follow_up_counts_only_present_as_attended(cells, name, attended):
    row = follow_up(cells["campaign"])[f"CB_{name}"]
    assert (row.expected, row.attended) == (1, attended)
    assert (row.subtree_expected, row.subtree_attended) == (1, attended)
    assert row.share == attended and row.subtree_percent == 100 * attended
    # The cell held its session on time whoever came: it is done, not late.
    assert (row.sessions, row.sessions_on_time, row.covered, row.late) == (1, 1, True, False)


def test_campaign_follow_up_with_the_four_together_and_rolled_up(cells):
    rows = follow_up(cells["campaign"])
    assert (rows["CB9"].expected, rows["CB9"].attended, rows["CB9"].share) == (4, 1, 0.25)
    # CS1: the four cells alone (1 present), CB9 (1 present), and the province's CB1 (3
    # people) and CB2 (1), who held nothing: 12 expected, 2 attended.
    cs1 = rows["CS1"]
    assert (cs1.subtree_expected, cs1.subtree_attended) == (4 + 4 + 3 + 1, 2)
    assert (cs1.subtree_units, cs1.subtree_done) == (7, 5)


@pytest.mark.parametrize("name, figures", [
    ("present", {"present": 1, "excused": 0, "absent": 0, "expected": 1, "rate": 1.0}),
    ("excused", {"present": 0, "excused": 1, "absent": 0, "expected": 1, "rate": 0.0}),
    ("absent", {"present": 0, "excused": 0, "absent": 1, "expected": 1, "rate": 0.0}),
    ("unmarked", {"present": 0, "excused": 0, "absent": 0, "expected": 0, "rate": None}),
])
def test_member_attendance_rate_counts_only_present(cells, name, figures):
    rate = attendance_rate(cells["people"][name], TODAY.year)
    assert {"present": rate.present, "excused": rate.excused, "absent": rate.absent, "expected": rate.expected,
            "rate": rate.rate} == figures
    overview = member_overview(cells["people"][name].user, TODAY.year)
    assert (overview["present_count"], overview["expected_count"], overview["attendance_rate"]) == (
        figures["present"], figures["expected"], figures["rate"])
    # The campaign is "done" for him only when he was present.
    assert [(c.pk, c.done) for c in overview["campaigns"]] == [(cells["campaign"].pk, name == "present")]


def test_member_page_shows_the_rate_of_present_only(cells, client):
    client.force_login(cells["people"]["excused"].user)
    page = client.get("/study/me/")
    assert page.status_code == 200
    assert page.context["attendance_rate"] == 0.0 and page.context["present_count"] == 0


def test_commend_only_who_was_present_remind_who_was_absent_without_excuse(cells):
    people = cells["people"]
    lists = commend_remind(cells["users"]["tuyengiao"], cells["units"]["CB9"], TODAY.year)
    assert [p.pk for p in lists["commend"]] == [people["present_together"].pk]
    assert [p.pk for p in lists["remind"]] == [people["absent_together"].pk]
    for name, commended, reminded in [("present", True, False), ("excused", False, False),
                                      ("absent", False, True), ("unmarked", False, False)]:
        lists = commend_remind(cells["users"]["tuyengiao"], cells["units"][f"CB_{name}"], TODAY.year)
        assert ([p.pk for p in lists["commend"]], [p.pk for p in lists["remind"]]) == (
            [people[name].pk] if commended else [], [people[name].pk] if reminded else []), name
