"""The export buttons on a phone (390×844), used by keyboard alone: the secretary filters
the people list, tabs to "Xuất Excel", presses Enter, and the file Chromium downloads holds
the people the page lists, in its order."""

import time

import openpyxl
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.test_sessions_journey import log_in
from tests.factories import PersonFactory

pytestmark = pytest.mark.browser
PHONE = (390, 844)


def wait_for_file(folder, pattern: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [path for path in folder.glob(pattern) if not path.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {pattern} downloaded into {folder}")


def test_secretary_downloads_his_filtered_list_by_keyboard(live_server, province, fresh_browser, screenshot,
                                                            tmp_path):
    browser = fresh_browser
    browser.set_window_size(*PHONE)
    for name in ("Đỗ Thị Ánh", "Ngô Văn Bảo", "Lý Thị Chi", "Mai Thị Dung"):
        PersonFactory(full_name=name, organization=province["units"]["CB1"])
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    log_in(browser, live_server, "bithu", "/people/?q=thi")
    shown = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(2) a")]
    assert shown and all("Thị" in name for name in shown)

    buttons = [browser.find_element(By.LINK_TEXT, text) for text in ("Xuất Excel", "Xuất CSV")]
    for button in buttons:
        assert button.is_displayed() and button.size["height"] >= 44
        assert button.location["x"] + button.size["width"] <= PHONE[0]
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    screenshot("people-list-export-phone", *PHONE)

    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    for _ in range(60):  # Tab through the page until the button has the focus
        if browser.switch_to.active_element.text == "Xuất Excel":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Xuất Excel"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    downloaded = wait_for_file(tmp_path, "danh-sach-dang-vien-*.xlsx")
    rows = list(openpyxl.load_workbook(downloaded).active.iter_rows(values_only=True))
    assert rows[0][0] == "Họ và tên"
    assert [row[0] for row in rows[1:]] == shown
    browser.set_window_size(1366, 900)
