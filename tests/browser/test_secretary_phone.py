"""The secretary on his phone (390×844): from the session list to a new session dated by
typing "ddmmyyyy" on the numeric keypad, then the attendance marked with the keyboard
(focus on the first person, "vắng có lý do" goes to its reason, Enter with a reason
missing goes back to it) and saved."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from resolutions.models import Attendance, StudySession
from resolutions.selectors import sessions as selectors
from tests.browser.test_login_journey import submit_and_wait
from tests.browser.test_sessions_journey import keys, log_in
from tests.test_attendance import add_members
from tests.test_sessions import make_session

pytestmark = pytest.mark.browser
Status = Attendance.Status
PHONE = (390, 844)


def active(browser):
    return browser.switch_to.active_element


def test_secretary_logs_a_session_and_attendance_on_his_phone(live_server, province, fresh_browser, screenshot):
    browser = fresh_browser
    browser.set_window_size(*PHONE)
    cb1 = province["units"]["CB1"]
    add_members(cb1, 4)
    for days in range(1, 13):  # a year of monthly sessions before this one
        make_session(cb1, timezone.localdate() - datetime.timedelta(days=30 * days))
    log_in(browser, live_server, "bithu", "/")
    browser.get(f"{live_server.url}/study/sessions/")
    # Every row keeps its "Điểm danh" on a phone, and the list stays short.
    buttons = [b for b in browser.find_elements(By.LINK_TEXT, "Điểm danh") if b.is_displayed()]
    assert len(buttons) == 12
    assert browser.execute_script("return document.documentElement.scrollHeight") < 2600
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    assert min(b.size["height"] for b in buttons) >= 44
    screenshot("sessions-list-phone", *PHONE)

    browser.find_element(By.PARTIAL_LINK_TEXT, "Ghi buổi sinh hoạt mới").click()
    held_on = browser.find_element(By.NAME, "held_on")
    assert held_on.get_attribute("value") == timezone.localdate().strftime("%d/%m/%Y")  # today by default
    assert held_on.get_attribute("inputmode") == "numeric"
    picker = browser.find_element(By.CSS_SELECTOR, ".date-picker-button input[type=date]")
    assert picker.get_attribute("aria-label") == "Chọn ngày trên lịch"
    # A date within the allowed window (attendance can be taken from the session's day on).
    day = timezone.localdate() - datetime.timedelta(days=min(2, settings.STUDY_SESSION_MAX_DAYS_AHEAD))
    held_on.clear()
    held_on.send_keys(day.strftime("%d%m%Y"))
    browser.find_element(By.NAME, "place").send_keys("Phòng họp tầng 2")
    screenshot("session-form-phone", *PHONE)
    submit_and_wait(browser, browser.find_element(By.NAME, "place"), Keys.ENTER)
    session = StudySession.objects.get(place="Phòng họp tầng 2")
    assert session.held_on == day

    browser.find_element(By.LINK_TEXT, "Điểm danh").click()
    people = list(selectors.expected_members(session))
    assert active(browser).get_attribute("name") == f"status-{people[0].pk}"  # no Tab needed
    legend = browser.find_element(By.ID, "sheet-legend")
    assert legend.get_attribute("open") is None  # folded on a phone
    assert browser.find_element(By.CSS_SELECTOR, ".sheet-row").location["y"] < PHONE[1] / 2
    screenshot("attendance-first-screen-phone", *PHONE)

    keys(browser, Keys.ARROW_DOWN, "p")                  # second person: excused…
    assert active(browser).get_attribute("name") == f"reason-{people[1].pk}"  # …and on to the reason
    keys(browser, Keys.TAB, "3")                         # left empty; third person: absent
    keys(browser, Keys.ENTER)                            # refused: back to the missing reason
    assert active(browser).get_attribute("name") == f"reason-{people[1].pk}"
    message = browser.find_element(By.CSS_SELECTOR, ".sheet-reason-missing")
    assert message.text == "Vắng có lý do: ghi lý do vào ô này, rồi nhấn Enter để lưu."
    assert not Attendance.objects.filter(session=session).exists()
    screenshot("attendance-missing-reason-phone", *PHONE)
    browser.set_window_size(1366, 900)
    screenshot("attendance-missing-reason-desktop")

    keys(browser, "Đi công tác")
    assert not browser.find_elements(By.CSS_SELECTOR, ".sheet-reason-missing")
    submit_and_wait(browser, active(browser), Keys.ENTER)
    assert browser.current_url == f"{live_server.url}/study/sessions/{session.pk}/", browser.current_url
    present = len(people) - 2
    assert f"Đã lưu điểm danh: {present} có mặt, 1 vắng có lý do, 1 vắng không lý do" in \
        browser.find_element(By.TAG_NAME, "main").text
    rows = {a.person_id: a for a in Attendance.objects.filter(session=session)}
    assert [(rows[p.pk].status, rows[p.pk].reason) for p in people] == [
        (Status.PRESENT, ""), (Status.EXCUSED, "Đi công tác"), (Status.ABSENT, "")] + [(Status.PRESENT, "")] * (present - 1)

    browser.get(f"{live_server.url}/study/sessions/")
    screenshot("sessions-list-desktop")
    browser.get(f"{live_server.url}/study/sessions/new/")
    screenshot("session-form-desktop-picker")
