"""daotao runs a class of an approved plan with the keyboard: opens it (the plan line and
the type's lessons offered), nominates learners, records a lesson's attendance and the
results, the pass mark applied as the scores are typed, issues the certificates and watches
the job reach 100% (a real worker process); an anonymous visitor on a phone then opens a
certificate's verification page at the URL of its QR code. Each step is a function."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.test_login_journey import submit_and_wait
from tests.browser.test_sessions_journey import keys, log_in
from tests.jobs_support import worker_process
from tests.test_training_classes import approved_line, masses
from training.models import Certificate, Enrollment, LessonAttendance, TrainingClass

pytestmark = pytest.mark.browser
SCORES = ["8,5", "4", "7", "10", "5"]


def open_class(browser, live_server, province, screenshot) -> TrainingClass:
    """The form offers the approved plan's line and the rule's six lessons; typed by keyboard."""
    line = approved_line(province["units"]["DBK"])
    log_in(browser, live_server, "daotao", "/training/classes/new/?type=nhan-thuc-ve-dang")
    assert "Mở lớp mới" in browser.find_element(By.TAG_NAME, "h1").text
    assert len(browser.find_elements(By.CSS_SELECTOR, 'input[name$="-title"]')) == 6
    Select(browser.find_element(By.NAME, "organizer")).select_by_value("DBK")
    Select(browser.find_element(By.NAME, "plan_line")).select_by_value(str(line.pk))
    today = timezone.localdate()
    browser.find_element(By.NAME, "name").send_keys("Lớp nhận thức về Đảng khóa 1")
    browser.find_element(By.NAME, "starts_on").send_keys(today.strftime("%d%m%Y"))
    browser.find_element(By.NAME, "ends_on").send_keys((today + datetime.timedelta(days=4)).strftime("%d/%m/%Y"))
    browser.find_element(By.NAME, "place").send_keys("Hội trường Khối")
    capacity = browser.find_element(By.NAME, "capacity")
    capacity.send_keys("30")
    screenshot("training-class-form-desktop", 1280, 900)
    screenshot("training-class-form-phone", 390, 844)
    browser.set_window_size(1366, 900)
    submit_and_wait(browser, capacity, Keys.ENTER)
    training_class = TrainingClass.objects.in_plan().get()
    assert browser.current_url == f"{live_server.url}/training/classes/{training_class.pk}/"
    assert "Ngoài kế hoạch" not in browser.find_element(By.TAG_NAME, "main").text
    assert training_class.lessons.count() == 6
    return training_class


def nominate(browser, live_server, training_class, people, screenshot):
    browser.get(f"{live_server.url}/training/classes/{training_class.pk}/nominate/")
    for person in people:
        browser.find_element(By.ID, f"person-{person.pk}").send_keys(Keys.SPACE)
    screenshot("training-nominate-desktop", 1280, 900)
    screenshot("training-nominate-phone", 390, 844)
    browser.set_window_size(1366, 900)
    submit_and_wait(browser, browser.find_element(By.ID, "paste"), Keys.TAB, Keys.ENTER)
    assert f"Đã cử {len(people)} người vào lớp" in browser.find_element(By.TAG_NAME, "main").text
    assert Enrollment.objects.filter(training_class=training_class).count() == len(people)


def record_attendance(browser, live_server, training_class, screenshot):
    """Lesson 1: the second learner absent, the third excused with a reason, Enter saves."""
    browser.get(f"{live_server.url}/training/classes/{training_class.pk}/attendance/?lesson=1")
    rows = list(Enrollment.objects.filter(training_class=training_class).order_by("person__sort_key", "id"))
    assert browser.switch_to.active_element.get_attribute("name") == f"status-{rows[0].pk}"
    keys(browser, Keys.ARROW_DOWN, "3", Keys.ARROW_DOWN, "2")  # absent; excused, on to the reason
    assert browser.switch_to.active_element.get_attribute("name") == f"reason-{rows[2].pk}"
    screenshot("training-attendance-desktop", 1280, 900)
    browser.set_window_size(1366, 900)
    submit_and_wait(browser, browser.switch_to.active_element, "Đi công tác", Keys.ENTER)
    marks = dict(LessonAttendance.objects.filter(lesson__number=1).values_list("enrollment_id", "status"))
    assert marks == {rows[0].pk: "co_mat", rows[1].pk: "vang_khong_ly_do", rows[2].pk: "vang_co_ly_do",
                     rows[3].pk: "co_mat", rows[4].pk: "co_mat"}


def record_results(browser, live_server, training_class, screenshot):
    """Scores typed down the column (Enter moves on); the result follows the pass mark."""
    browser.get(f"{live_server.url}/training/classes/{training_class.pk}/results/")
    rows = list(Enrollment.objects.filter(training_class=training_class).order_by("person__sort_key", "id"))
    assert browser.switch_to.active_element.get_attribute("name") == f"score-{rows[0].pk}"
    keys(browser, SCORES[0])
    live = browser.find_elements(By.CSS_SELECTOR, ".result-live")
    assert live[0].text == "Đạt"
    keys(browser, Keys.ENTER, SCORES[1])
    assert browser.switch_to.active_element.get_attribute("name") == f"score-{rows[1].pk}"
    assert live[1].text == "Không đạt"
    for score in SCORES[2:]:
        keys(browser, Keys.ENTER, score)
    screenshot("training-results-desktop", 1280, 900)
    screenshot("training-results-phone", 390, 844)
    browser.set_window_size(1366, 900)
    submit_and_wait(browser, browser.switch_to.active_element, Keys.ENTER)  # Enter on the last row saves
    assert "Đã lưu kết quả: 4 đạt, 1 không đạt" in browser.find_element(By.TAG_NAME, "main").text
    results = list(Enrollment.objects.filter(training_class=training_class).order_by("person__sort_key", "id")
                   .values_list("result", flat=True))
    assert results == ["dat", "khong_dat", "dat", "dat", "dat"]


def issue_certificates(browser, live_server, training_class, tmp_path, screenshot):
    """"Cấp giấy chứng nhận" on the class page: a job on a real worker, its page followed to 100%."""
    browser.get(f"{live_server.url}/training/classes/{training_class.pk}/")
    status = browser.find_element(By.CSS_SELECTOR, "[data-certificate-status]").text
    assert "Đã cấp 0/4 học viên đạt" in status and "4 chưa cấp" in status
    with worker_process(tmp_path):
        browser.find_element(By.CSS_SELECTOR, "[data-issue-certificates]").click()
        WebDriverWait(browser, 10).until(lambda b: "/jobs/" in b.current_url)
        assert "Cấp giấy chứng nhận của lớp" in browser.find_element(By.TAG_NAME, "main").text
        # The job page follows the run by itself (htmx) until the bar says 100%; each poll swaps
        # the bar, so an element found just before a swap is read again.
        WebDriverWait(browser, 120, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda b: b.find_element(By.CSS_SELECTOR, ".job-progress .progress-bar").text == "100%")
        screenshot("certificates-job-done", 1280, 900)
        result = browser.find_element(By.CSS_SELECTOR, "[data-job-result]")
        assert result.text == "Xem giấy chứng nhận của lớp"
        result_url = result.get_attribute("href")
    certificates = list(Certificate.objects.filter(enrollment__training_class=training_class).order_by("number"))
    assert [c.number for c in certificates] == [1, 2, 3, 4] and all(c.pdf for c in certificates)
    browser.get(result_url)
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 4
    screenshot("certificates-list-desktop", 1280, 900)
    screenshot("certificates-list-phone", 390, 844)
    browser.set_window_size(1366, 900)
    browser.get(f"{live_server.url}/training/classes/{training_class.pk}/")
    assert "Đã cấp 4/4 học viên đạt" in browser.find_element(By.CSS_SELECTOR, "[data-certificate-status]").text
    return certificates[0]


def verify_on_a_phone(browser, live_server, certificate, screenshot):
    """An anonymous visitor on a phone opens the URL the certificate's QR code carries (read
    from the PDF, where it is also printed under the code): the five public facts only."""
    with certificate.pdf.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    url = re.search(r"https?://\S+/certificates/verify/[A-Z0-9]+/", text.replace("\n", "")).group(0)
    assert url == f"{live_server.url}/certificates/verify/{certificate.verification_code}/"
    browser.delete_all_cookies()
    browser.set_window_size(390, 844)
    browser.get(url)
    body = browser.find_element(By.TAG_NAME, "main").text
    person = certificate.enrollment.person
    assert person.full_name in body and "Giấy chứng nhận hợp lệ." in body
    assert "Lớp nhận thức về Đảng khóa 1" in body and certificate.organizer.name in body
    assert person.organization.name not in body  # the learner's unit is not a public fact
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390  # fits the phone
    screenshot("certificate-verify-phone", 390, 844)


def test_daotao_runs_a_class_by_keyboard(live_server, province, fresh_browser, screenshot, settings, tmp_path):
    browser = fresh_browser
    learners = masses(province["units"]["CB2"], 5, name="Quần Chúng")
    training_class = open_class(browser, live_server, province, screenshot)
    nominate(browser, live_server, training_class, learners, screenshot)
    screenshot("training-class-detail-desktop", 1280, 900)
    screenshot("training-class-detail-phone", 390, 844)
    browser.set_window_size(1366, 900)
    record_attendance(browser, live_server, training_class, screenshot)
    record_results(browser, live_server, training_class, screenshot)
    look_at_the_lists(browser, live_server, province, screenshot)
    settings.MEDIA_ROOT = tmp_path / "files"  # the worker process is given the same folder
    certificate = issue_certificates(browser, live_server, training_class, tmp_path, screenshot)
    verify_on_a_phone(browser, live_server, certificate, screenshot)


def look_at_the_lists(browser, live_server, province, screenshot):
    """The class list marks a class outside any approved plan; the enrolments list its learners."""
    outside = TrainingClass.objects.create(
        class_type=TrainingClass.objects.get().class_type, organizer=province["units"]["CS1"],
        name="Lớp chuyên đề ngoài kế hoạch", starts_on=timezone.localdate(), ends_on=timezone.localdate(),
        capacity=20)
    browser.get(f"{live_server.url}/training/classes/")
    rows = browser.find_elements(By.CSS_SELECTOR, ".class-table tbody tr")
    assert [("Ngoài kế hoạch" in row.text) for row in rows] == [True, False]  # the newest first
    assert outside.name in rows[0].text
    screenshot("training-class-list-desktop", 1280, 900)
    screenshot("training-class-list-phone", 390, 844)
    browser.get(f"{live_server.url}/training/enrollments/?result=dat")
    assert len(browser.find_elements(By.CSS_SELECTOR, "main tbody tr")) == 4
    screenshot("training-enrollment-list-desktop", 1280, 900)
    screenshot("training-enrollment-list-phone", 390, 844)
    browser.set_window_size(1366, 900)
