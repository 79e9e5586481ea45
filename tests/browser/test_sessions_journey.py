"""The secretary logs a session and the attendance of a 60-member cell with the keyboard
alone, in well under a minute; a member checks in from his phone by the QR code."""

import datetime
import time

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from portal.models import Person
from resolutions.models import Attendance, StudySession
from resolutions.selectors import sessions as selectors
from tests.browser.test_login_journey import submit_and_wait
from tests.test_attendance import add_members
from tests.test_sessions import make_session

pytestmark = pytest.mark.browser
Status = Attendance.Status


def log_in(browser, live_server, username, path="/"):
    browser.get(f"{live_server.url}{path}")
    submit_and_wait(browser, browser.find_element(By.NAME, "username"), username, Keys.TAB, "demo12345", Keys.ENTER)


def keys(browser, *sequence):
    browser.switch_to.active_element.send_keys(*sequence)


def test_secretary_logs_a_session_and_attendance_by_keyboard(live_server, province, fresh_browser, screenshot):
    browser = fresh_browser
    add_members(province["units"]["CB1"], 57)
    started = time.monotonic()
    log_in(browser, live_server, "bithu", "/study/sessions/new/")
    assert "Ghi buổi sinh hoạt mới" in browser.find_element(By.TAG_NAME, "h1").text

    today = timezone.localdate().strftime("%d/%m/%Y")
    held_on = browser.find_element(By.NAME, "held_on")
    assert held_on.get_attribute("value") == today  # a new session is today's by default
    held_on.clear()
    held_on.send_keys(today, Keys.TAB, "1400")
    browser.find_element(By.NAME, "place").send_keys("Phòng họp tầng 2")
    browser.find_element(By.NAME, "presenter").send_keys("Nguyễn Văn Bí")
    screenshot("session-form-desktop")
    submit_and_wait(browser, browser.find_element(By.NAME, "presenter"), Keys.ENTER)
    session = StudySession.objects.get()
    assert browser.current_url == f"{live_server.url}/study/sessions/{session.pk}/"
    assert session.held_on == timezone.localdate() and session.starts_at == datetime.time(14, 0)

    browser.get(f"{live_server.url}/study/sessions/{session.pk}/attendance/")
    people = list(selectors.expected_members(session))
    assert len(people) == 60
    assert len(browser.find_elements(By.CSS_SELECTOR, ".sheet-row")) == 60
    # The first person's "có mặt" has the focus from the start.
    assert browser.switch_to.active_element.get_attribute("name") == f"status-{people[0].pk}"
    keys(browser, Keys.ARROW_DOWN, Keys.ARROW_DOWN, "p")   # third person: excused, on to the reason…
    keys(browser, "Đi công tác", Keys.TAB)                 # …typed; Tab goes on to the fourth
    keys(browser, "3")                                     # fourth: absent without reason
    keys(browser, *[Keys.ARROW_DOWN] * 5, "k")             # ninth: absent
    keys(browser, Keys.ARROW_DOWN, Keys.ARROW_RIGHT, Keys.ARROW_LEFT)  # tenth: excused, back to present
    summary = browser.find_element(By.CSS_SELECTOR, ".sheet-summary").text
    assert summary.startswith("57 có mặt · 1 vắng có lý do · 2 vắng không lý do"), summary
    focused = browser.switch_to.active_element
    assert focused.get_attribute("name") == f"status-{people[9].pk}"
    screenshot("attendance-desktop")
    page = browser.find_element(By.TAG_NAME, "html")
    keys(browser, Keys.ENTER)
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(page))
    elapsed = time.monotonic() - started

    assert "Đã lưu điểm danh: 57 có mặt, 1 vắng có lý do, 2 vắng không lý do" in browser.page_source
    rows = {a.person_id: a for a in Attendance.objects.filter(session=session)}
    assert len(rows) == 60
    assert (rows[people[2].pk].status, rows[people[2].pk].reason) == (Status.EXCUSED, "Đi công tác")
    assert rows[people[3].pk].status == Status.ABSENT and rows[people[8].pk].status == Status.ABSENT
    assert rows[people[9].pk].status == Status.PRESENT
    assert elapsed < 60, elapsed

    browser.get(f"{live_server.url}/study/sessions/{session.pk}/attendance/")
    screenshot("attendance-phone", 390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390


def test_member_checks_in_by_qr(live_server, province, fresh_browser, screenshot):
    browser = fresh_browser
    session = make_session(province["units"]["CB1"], timezone.localdate(), starts_at=datetime.time(8, 0))
    log_in(browser, live_server, "bithu", f"/study/sessions/{session.pk}/checkin/")
    assert browser.find_element(By.CSS_SELECTOR, ".qr-box svg").is_displayed()
    url = browser.find_element(By.ID, "checkin-url").get_attribute("href")
    screenshot("checkin-desktop")

    browser.delete_all_cookies()  # the member's own phone
    browser.set_window_size(390, 844)
    browser.get(url)
    assert "/accounts/login/" in browser.current_url
    submit_and_wait(browser, browser.find_element(By.NAME, "username"), "dangvien", Keys.TAB, "demo12345",
                    Keys.ENTER)
    # Opening the code only asks; the button records.
    assert "Xác nhận có mặt" in browser.find_element(By.TAG_NAME, "main").text
    assert not Attendance.objects.filter(session=session).exists()
    screenshot("checkin-member-confirm-phone", 390, 844)
    submit_and_wait(browser, browser.find_element(By.ID, "confirm-checkin"), Keys.ENTER)
    assert "Đã điểm danh: có mặt" in browser.find_element(By.TAG_NAME, "main").text
    screenshot("checkin-member-phone", 390, 844)
    row = Attendance.objects.get(session=session)
    assert row.person == Person.objects.get(user__username="dangvien")
    assert (row.status, row.method) == (Status.PRESENT, Attendance.Method.QR)

    browser.get(url)  # a second scan: a success, not a refusal
    assert "Bạn đã được ghi có mặt" in browser.find_element(By.TAG_NAME, "main").text
    assert Attendance.objects.filter(session=session).count() == 1
    browser.set_window_size(1366, 900)
