"""A member files his yearly commitment; the secretary returns it with a comment; the member
revises and resubmits; the secretary accepts it. Each step on screen and in the database."""

import pytest
from django.utils import timezone
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from resolutions.models import Commitment, Theme

pytestmark = pytest.mark.browser

YEAR = timezone.localdate().year
SECTIONS = {
    "political_ideology": "Kiên định mục tiêu độc lập dân tộc gắn liền với chủ nghĩa xã hội.",
    "ethics_lifestyle": "Sống giản dị, trung thực; không vụ lợi.",
    "duties": "Hoàn thành đúng hạn hồ sơ tuyển sinh được giao.",
    "exemplary_conduct": "Đi đầu trong phong trào thi đua của cơ quan.",
    "study": "Học đủ các chuyên đề năm; hoàn thành lớp trung cấp lý luận chính trị.",
    "concrete_deed": "Hướng dẫn hai đoàn viên mới.",
}


def wait_for_new_page(browser, click):
    page = browser.find_element(By.TAG_NAME, "html")
    click()

    def replaced(_):
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:  # ChromeDriver, asked in the middle of the swap
            if "does not belong to the document" in str(error):
                return True
            raise
        return False

    WebDriverWait(browser, 10).until(replaced)


def log_in(browser, live_server, username):
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/accounts/login/")
    field = browser.find_element(By.NAME, "username")
    wait_for_new_page(browser, lambda: field.send_keys(username, Keys.TAB, "demo12345", Keys.ENTER))


def main_text(browser) -> str:
    return browser.find_element(By.TAG_NAME, "main").text


def click_button(browser, text):
    button = browser.find_element(By.XPATH, f"//main//button[normalize-space()='{text}']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", button)
    wait_for_new_page(browser, button.click)


def test_member_files_secretary_returns_then_accepts(live_server, province, fresh_browser, screenshot):
    browser = fresh_browser
    Theme.objects.create(kind=Theme.Kind.YEAR, year=YEAR, term="XIII (2021–2026)",
                         title="Học tập và làm theo tư tưởng Hồ Chí Minh về đoàn kết")

    # 1. The member opens his page from the navigation and writes his commitment.
    log_in(browser, live_server, "dangvien")
    wait_for_new_page(browser, browser.find_element(By.LINK_TEXT, "Bản cam kết").click)
    assert f"Bạn chưa có bản cam kết năm {YEAR}." in main_text(browser)
    wait_for_new_page(browser, browser.find_element(By.LINK_TEXT, f"Viết bản cam kết năm {YEAR}").click)
    theme = browser.find_element(By.NAME, "theme")
    assert "đoàn kết" in theme.find_element(By.CSS_SELECTOR, "option:checked").text
    for name, text in SECTIONS.items():
        browser.find_element(By.NAME, name).send_keys(text)
    browser.execute_script("window.scrollTo({top: 0, behavior: 'instant'})")
    screenshot("commitment-form-desktop")
    screenshot("commitment-form-phone", 390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    browser.set_window_size(1366, 900)
    click_button(browser, "Nộp cho chi bộ")
    assert "Đã nộp bản cam kết" in main_text(browser) and "Đã nộp" in main_text(browser)
    commitment = Commitment.objects.get(person=province["member"], year=YEAR)
    assert commitment.status == Commitment.Status.SUBMITTED and commitment.duties == SECTIONS["duties"]

    # 2. The secretary finds it on his unit's page and returns it with a comment.
    log_in(browser, live_server, "bithu")
    browser.get(f"{live_server.url}/study/commitments/units/CB1/?year={YEAR}")
    assert "Trần Thị Đảng" in main_text(browser) and "người chưa nộp" in main_text(browser)
    screenshot("commitment-unit-desktop")
    screenshot("commitment-unit-phone", 390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    browser.set_window_size(1366, 900)
    wait_for_new_page(browser, browser.find_element(By.LINK_TEXT, "Xem và duyệt").click)
    browser.find_element(By.NAME, "comment").send_keys("Việc làm cụ thể cần có thời hạn và kết quả đo được.")
    screenshot("commitment-review-desktop")
    click_button(browser, "Trả lại để sửa")
    assert "Đã trả lại bản cam kết của Trần Thị Đảng để sửa." in main_text(browser)
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.RETURNED
    assert commitment.review_comment == "Việc làm cụ thể cần có thời hạn và kết quả đo được."

    # 3. The member sees the comment (and a notification), revises and resubmits.
    log_in(browser, live_server, "dangvien")
    badge = WebDriverWait(browser, 10).until(
        lambda b: b.find_element(By.CSS_SELECTOR, "#notification-count:not(.d-none)"))
    assert badge.text.startswith("1")
    # Opening the list shows the secretary's comment and marks it read: the badge goes.
    browser.find_element(By.CSS_SELECTOR, ".notification-menu button").click()
    WebDriverWait(browser, 10).until(
        lambda b: "trả lại để sửa" in b.find_element(By.ID, "notification-items").text)
    WebDriverWait(browser, 10).until(
        lambda b: "d-none" in b.find_element(By.ID, "notification-count").get_attribute("class"))
    screenshot("commitment-notifications-desktop")
    assert province["users"]["dangvien"].notifications.get().read_at is not None
    browser.get(f"{live_server.url}/study/commitments/")
    assert "Việc làm cụ thể cần có thời hạn" in main_text(browser)
    screenshot("commitment-returned-phone", 390, 844)
    browser.set_window_size(1366, 900)
    wait_for_new_page(browser, browser.find_element(By.LINK_TEXT, "Sửa").click)
    deed = browser.find_element(By.NAME, "concrete_deed")
    deed.clear()
    deed.send_keys("Hướng dẫn hai đoàn viên mới hoàn thành hồ sơ trước 30/6.")
    click_button(browser, "Nộp cho chi bộ")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SUBMITTED
    assert commitment.concrete_deed == "Hướng dẫn hai đoàn viên mới hoàn thành hồ sơ trước 30/6."

    # 4. The secretary accepts it.
    log_in(browser, live_server, "bithu")
    browser.get(f"{live_server.url}/study/commitments/{commitment.pk}/")
    assert "trước 30/6" in main_text(browser)
    click_button(browser, "Duyệt")
    assert "Đã duyệt bản cam kết của Trần Thị Đảng." in main_text(browser)
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.ACCEPTED
    assert commitment.reviewed_by == province["users"]["bithu"]
    history = main_text(browser)
    assert history.count("Nộp cho chi bộ") >= 2 and "Trả lại để sửa" in history
    screenshot("commitment-accepted-desktop")
