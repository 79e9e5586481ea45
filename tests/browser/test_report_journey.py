"""The year's report, end to end in Chromium: tuyengiao starts the province's annual report,
watches its progress bar reach 100% (a real worker process) and downloads the XLSX, DOCX and
PDF; bithu writes his cell's narrative (saved as he types) and submits; the superior
(tuyengiao, whose reach covers CS1, the cell's superior) returns it with a comment, bithu
submits again, it is accepted; the superior's page shows each state along the way."""

import io
import urllib.request

import docx
import openpyxl
import pytest
from django.utils import timezone
from pypdf import PdfReader
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from portal.asof import Period
from reports.models import ReportKind, Submission
from reports.services import calendar
from tests.browser.test_sessions_journey import log_in
from tests.jobs_support import worker_process

pytestmark = pytest.mark.browser
YEAR = timezone.localdate().year


def report_page(code: str) -> str:
    return f"/reports/units/{code}/ct17/{YEAR}/"


def wait(browser, seconds: float = 10):
    # htmx swaps parts of the page while we read them: an element found just before a swap is found again.
    return WebDriverWait(browser, seconds, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException])


def press_and_wait(browser, button, message: str) -> None:
    """Press a form's button and wait for the page it leads to, which says `message`. Read
    while the page changes, an element may belong to neither document: looked up again."""
    button.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10, poll_frequency=0.2, ignored_exceptions=[WebDriverException]).until(
        lambda b: message in main_text(b))


def main_text(browser) -> str:
    return browser.find_element(By.TAG_NAME, "main").text


def download(browser, url: str) -> bytes:
    """The file behind a download link, fetched with the browser's session."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookies})) as response:  # noqa: S310
        assert response.status == 200
        return response.read()


def start_and_download(browser, live_server, tmp_path, screenshot):
    """tuyengiao: "Lập báo cáo" on the province's page, the bar followed to 100%, three files."""
    log_in(browser, live_server, "tuyengiao", report_page("TINH"))
    assert "Báo cáo năm thực hiện Chỉ thị 17-CT/TU" in browser.find_element(By.TAG_NAME, "h1").text
    with worker_process(tmp_path):
        press_and_wait(browser, browser.find_element(By.CSS_SELECTOR, '[data-action="run"]'),
                       "Đã bắt đầu lập báo cáo")
        wait(browser, 120).until(
            lambda b: b.find_element(By.CSS_SELECTOR, "#run .job-progress .progress-bar").text == "100%")
        screenshot("report-run-done", 1280, 900)
        browser.set_window_size(1366, 900)
        browser.find_element(By.CSS_SELECTOR, "[data-job-result]").click()
        wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, '[data-files="latest"] a'))
    links = {a.get_attribute("data-format"): a.get_attribute("href")
             for a in browser.find_elements(By.CSS_SELECTOR, '[data-files="latest"] a')}
    assert set(links) == {"xlsx", "docx", "pdf"}
    workbook = openpyxl.load_workbook(io.BytesIO(download(browser, links["xlsx"])))
    assert workbook.sheetnames
    document = docx.Document(io.BytesIO(download(browser, links["docx"])))
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in "\n".join(p.text for p in document.paragraphs) + "".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells)
    pdf = PdfReader(io.BytesIO(download(browser, links["pdf"])))
    assert "17-CT/TU" in "".join(page.extract_text() for page in pdf.pages)


def write_and_submit(browser, live_server, text: str, screenshot, name: str):
    """bithu types into a section: it is saved as he types ("Đã lưu lúc …"); then he submits."""
    log_in(browser, live_server, "bithu", report_page("CB1"))
    area = browser.find_element(By.ID, "id_text_strengths")
    area.clear()
    area.send_keys(text)
    # Clearing the box was saved too: wait for the save of the whole text.
    wait(browser).until(lambda b: "Đã lưu lúc" in b.find_element(By.ID, "saved-strengths").text and Submission.objects.get(
        organization__code="CB1", period_end__year=YEAR).narrative.get("strengths") == text)
    screenshot(f"report-{name}-desktop", 1280, 900)
    screenshot(f"report-{name}-phone", 390, 844)
    browser.set_window_size(1366, 900)
    browser.find_element(By.ID, "submit-confirm").send_keys(Keys.SPACE)
    press_and_wait(browser, browser.find_element(By.CSS_SELECTOR, '[data-action="submit"]'),
                   "Đã nộp báo cáo của Chi bộ Văn phòng")
    assert browser.find_element(By.CSS_SELECTOR, "#report-state [data-state]").text == "Đã nộp"
    browser.delete_all_cookies()


def superior_row(browser):
    return browser.find_element(By.CSS_SELECTOR, '[data-table="children"] tr[data-unit="CB1"]')


def test_the_years_report_goes_up_the_tree(live_server, province, fresh_browser, screenshot, settings, tmp_path):
    browser = fresh_browser
    settings.MEDIA_ROOT = tmp_path / "files"  # the worker process is given the same folder
    kind = ReportKind.objects.get(code="ct17")
    for unit in province["units"].values():
        calendar.open_submission(kind, unit, Period.year(YEAR))

    start_and_download(browser, live_server, tmp_path, screenshot)
    # The superior's page before anything is submitted: every child still to do.
    browser.get(f"{live_server.url}{report_page('CS1')}")
    assert superior_row(browser).find_element(By.CSS_SELECTOR, "[data-state]").text == "Chưa làm"
    browser.delete_all_cookies()

    write_and_submit(browser, live_server, "Chi bộ duy trì sinh hoạt đều đặn.", screenshot, "narrative")

    # tuyengiao sees it submitted on CS1's page and returns it with a comment.
    log_in(browser, live_server, "tuyengiao", report_page("CS1"))
    assert superior_row(browser).find_element(By.CSS_SELECTOR, "[data-state]").text == "Đã nộp"
    assert "Đã nộp: 1" in browser.find_element(By.CSS_SELECTOR, '[data-count="submitted"]').text
    screenshot("report-superior-desktop", 1280, 900)
    screenshot("report-superior-phone", 390, 844)
    browser.set_window_size(1366, 900)
    comment = superior_row(browser).find_element(By.NAME, "comment")
    comment.send_keys("Bổ sung kết quả lớp bồi dưỡng")
    press_and_wait(browser, superior_row(browser).find_element(By.CSS_SELECTOR, '[data-action="return"]'),
                   "Đã trả lại báo cáo của Chi bộ Văn phòng")
    assert superior_row(browser).find_element(By.CSS_SELECTOR, "[data-state]").text == "Trả lại"
    browser.delete_all_cookies()

    # bithu reads the comment, completes and submits again.
    log_in(browser, live_server, "bithu", report_page("CB1"))
    assert "Bổ sung kết quả lớp bồi dưỡng" in browser.find_element(By.CSS_SELECTOR, "[data-return-comment]").text
    browser.delete_all_cookies()
    write_and_submit(browser, live_server, "Chi bộ duy trì sinh hoạt; đã mở 2 lớp bồi dưỡng.", screenshot,
                     "resubmit")

    # tuyengiao accepts it.
    log_in(browser, live_server, "tuyengiao", report_page("CS1"))
    assert superior_row(browser).find_element(By.CSS_SELECTOR, "[data-state]").text == "Đã nộp"
    press_and_wait(browser, superior_row(browser).find_element(By.CSS_SELECTOR, '[data-action="accept"]'),
                   "Đã nhận báo cáo của Chi bộ Văn phòng")
    assert superior_row(browser).find_element(By.CSS_SELECTOR, "[data-state]").text == "Đã nhận"
    assert "Đã nhận: 1" in browser.find_element(By.CSS_SELECTOR, '[data-count="accepted"]').text
    submission = Submission.objects.get(organization__code="CB1", period_end__year=YEAR)
    assert submission.status == Submission.Status.ACCEPTED
    assert list(submission.events.values_list("action", flat=True)) == ["submitted", "returned", "submitted",
                                                                       "accepted"]
