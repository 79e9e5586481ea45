"""On a phone, the member's home page shows the commitment his secretary returned, with the
comment, and opens it for revision. The home page of each role, at phone and desktop width,
is saved to tests/artifacts/ for people to look at."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from selenium.webdriver.common.by import By

from resolutions.models import Attendance, Commitment, StudyCampaign, StudySession, Theme
from tests.browser.test_commitments_journey import SECTIONS, log_in, main_text, wait_for_new_page

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
COMMENT = "Mục việc làm cụ thể cần ghi rõ thời hạn hoàn thành."


@pytest.fixture
def day_of_work(province):
    """A returned commitment, sessions around today, a commitment waiting, a campaign under way."""
    units, member = province["units"], province["member"]
    returned = Commitment.objects.create(
        person=member, year=TODAY.year, status=Commitment.Status.RETURNED, submitted_at=timezone.now() - DAY,
        review_comment=COMMENT, reviewed_by=province["users"]["bithu"], reviewed_at=timezone.now(), **SECTIONS)
    Commitment.objects.create(person=province["others"]["cb1"], year=TODAY.year, submitted_at=timezone.now(),
                              status=Commitment.Status.SUBMITTED, **SECTIONS)
    StudySession.objects.create(organization=units["CB1"], held_on=TODAY, starts_at=datetime.time(0),
                                place="Hội trường Sở")
    StudySession.objects.create(organization=units["CB1"], held_on=TODAY + 7 * DAY, starts_at=datetime.time(8),
                                kind=StudySession.Kind.THEMATIC, place="Phòng họp tầng 2")
    StudySession.objects.create(organization=units["CB1"], held_on=TODAY - 3 * DAY)  # not marked yet
    for status in (Attendance.Status.PRESENT, Attendance.Status.PRESENT, Attendance.Status.EXCUSED):
        held = StudySession.objects.create(organization=units["CB1"], held_on=TODAY, starts_at=datetime.time(0))
        Attendance.objects.create(session=held, person=member, status=status)
    theme = Theme.objects.create(kind=Theme.Kind.YEAR, year=TODAY.year, term="XIII (2021–2026)",
                                 title="Học tập và làm theo tư tưởng Hồ Chí Minh về đoàn kết")
    StudyCampaign.objects.create(title="Học tập chuyên đề năm", theme=theme, organization=units["TINH"],
                                 starts_on=TODAY - 10 * DAY, deadline=TODAY + 20 * DAY)
    return {**province, "returned": returned}


def test_member_opens_his_returned_commitment_from_home_on_a_phone(live_server, day_of_work, fresh_browser,
                                                                   screenshot):
    browser = fresh_browser
    log_in(browser, live_server, "dangvien")
    browser.set_window_size(390, 844)
    browser.get(f"{live_server.url}/")
    card = browser.find_element(By.CSS_SELECTOR, "[data-card='my-commitment']")
    assert COMMENT in card.text and "Nguyễn Văn Bí" in card.text and "Trả lại để sửa" in card.text
    # The card leads the page on a phone: it starts within the first screen.
    assert card.rect["y"] < 844
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    screenshot("home-member-phone", 390, 844)
    link = card.find_element(By.LINK_TEXT, "Sửa và nộp lại")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", link)
    wait_for_new_page(browser, link.click)
    assert browser.current_url.endswith(reverse("commitment_edit", args=[day_of_work["returned"].pk]))
    assert browser.find_element(By.NAME, "concrete_deed").get_attribute("value") == SECTIONS["concrete_deed"]
    screenshot("home-member-revise-phone", 390, 844)


@pytest.mark.parametrize("username", ["dangvien", "bithu", "tuyengiao"])
def test_each_roles_home_at_phone_and_desktop_width(live_server, day_of_work, fresh_browser, screenshot, username):
    browser = fresh_browser
    log_in(browser, live_server, username)
    browser.get(f"{live_server.url}/")
    assert browser.find_elements(By.CSS_SELECTOR, ".home-card")
    assert "Internal Server Error" not in main_text(browser)
    screenshot(f"home-{username}-desktop", 1366, 900)
    browser.set_window_size(390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    screenshot(f"home-{username}-phone", 390, 844)
    browser.execute_script("window.scrollTo({top: document.body.scrollHeight, behavior: 'instant'})")
    screenshot(f"home-{username}-phone-end", 390, 844)
