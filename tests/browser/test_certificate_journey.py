"""daotao issues the certificates of a class in an approved plan from the class's page and
watches the job reach 100% (a real worker process); an anonymous visitor on a phone opens a
certificate's verification page at the URL its PDF's QR code carries (read from the PDF's
text, where the URL is printed under the code)."""

import io
import re

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.test_sessions_journey import log_in
from tests.jobs_support import worker_process
from tests.test_training_certificates import make_class
from tests.test_training_lecturers import approved_line
from training.models import Certificate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"  # the worker process is given the same folder


def test_daotao_issues_certificates_and_a_phone_verifies_one(live_server, province, fresh_browser, screenshot,
                                                              tmp_path):
    browser = fresh_browser
    organizer = province["units"]["CS1"]
    training_class = make_class(organizer, learners=12, passed=10, name="Lớp đảng viên mới khóa 5/2026",
                                learner_unit=province["units"]["CB2"])
    training_class.plan_line = approved_line(organizer, year=training_class.starts_on.year)
    training_class.save()

    with worker_process(tmp_path):
        log_in(browser, live_server, "daotao", f"/training/classes/{training_class.pk}/")
        status = browser.find_element(By.CSS_SELECTOR, "[data-certificate-status]").text
        assert "Đã cấp 0/10 học viên đạt" in status and "10 chưa cấp" in status
        browser.find_element(By.CSS_SELECTOR, "[data-issue-certificates]").click()
        WebDriverWait(browser, 10).until(lambda b: "/jobs/" in b.current_url)
        assert "Cấp giấy chứng nhận của lớp" in browser.find_element(By.TAG_NAME, "body").text
        # The job page follows the run by itself (htmx) until the bar says 100%.
        WebDriverWait(browser, 120, poll_frequency=0.2).until(
            lambda b: b.find_element(By.CSS_SELECTOR, ".job-progress .progress-bar").text == "100%")
        screenshot("certificates-job-done")
        result = browser.find_element(By.CSS_SELECTOR, "[data-job-result]")
        assert result.text == "Xem giấy chứng nhận của lớp"
        result_url = result.get_attribute("href")
    assert Certificate.objects.filter(enrollment__training_class=training_class).count() == 10

    browser.get(f"{live_server.url}/training/classes/{training_class.pk}/")
    assert "Đã cấp 10/10 học viên đạt" in browser.find_element(By.CSS_SELECTOR, "[data-certificate-status]").text
    browser.get(result_url)
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 10
    screenshot("certificates-list-desktop", 1280, 900)
    screenshot("certificates-list-phone", 390, 844)
    browser.set_window_size(1280, 900)

    certificate = Certificate.objects.select_related("enrollment__person").order_by("number").first()
    with certificate.pdf.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    url = re.search(r"https?://\S+/certificates/verify/[A-Z0-9]+/", text.replace("\n", "")).group(0)
    assert url == f"{live_server.url}/certificates/verify/{certificate.verification_code}/"

    browser.delete_all_cookies()  # an anonymous visitor, on a phone
    browser.set_window_size(390, 844)
    browser.get(url)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert certificate.enrollment.person.full_name in body and "Giấy chứng nhận hợp lệ." in body
    assert "Lớp đảng viên mới khóa 5/2026" in body and organizer.name in body
    assert "Chi bộ Phòng Tổ chức" not in body  # the learner's unit is not a public fact
    # Nothing is wider than the phone's screen.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    screenshot("certificate-verify-phone", 390, 844)
