"""The secretary's first minute: the Vietnamese login page, then his chi bộ's dashboard."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.browser


def submit_and_wait(browser, field, *keys):
    """Type into `field` and wait until the browser has loaded the page the form led to."""
    page = browser.find_element(By.TAG_NAME, "html")
    field.send_keys(*keys)
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(page))


def test_secretary_logs_in_and_sees_his_cell(live_server, province, fresh_browser, screenshot):
    browser = fresh_browser
    browser.get(f"{live_server.url}/")
    assert "/accounts/login/" in browser.current_url
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert "Đăng nhập" in browser.find_element(By.TAG_NAME, "body").text
    screenshot("login-desktop")
    screenshot("login-phone", 390, 844)
    browser.set_window_size(1366, 900)

    # Keyboard only: type, Tab, type, Enter.
    submit_and_wait(browser, browser.find_element(By.NAME, "username"), "bithu", Keys.TAB, "demo12345", Keys.ENTER)
    body = browser.find_element(By.TAG_NAME, "main").text
    assert browser.current_url == f"{live_server.url}/"
    assert "Chi bộ Văn phòng" in body  # his chi bộ (CB1)
    assert "Chi bộ ấp Tân Lập" not in body  # a unit outside his reach
    screenshot("dashboard-bithu-desktop")
    screenshot("dashboard-bithu-phone", 390, 844)


def test_wrong_password_keeps_the_username_and_says_why(live_server, province, fresh_browser):
    browser = fresh_browser
    browser.get(f"{live_server.url}/accounts/login/")
    submit_and_wait(browser, browser.find_element(By.NAME, "username"), "bithu", Keys.TAB, "sai-mat-khau", Keys.ENTER)
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in browser.find_element(By.TAG_NAME, "body").text
    assert browser.find_element(By.NAME, "username").get_attribute("value") == "bithu"


def test_people_search_on_a_phone(live_server, province, fresh_browser, screenshot):
    browser = fresh_browser
    browser.set_window_size(390, 844)
    browser.get(f"{live_server.url}/accounts/login/")
    submit_and_wait(browser, browser.find_element(By.NAME, "username"), "tuyengiao", Keys.TAB, "demo12345",
                    Keys.ENTER)
    browser.get(f"{live_server.url}/people/?q=tran thi dang")
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "Trần Thị Đảng" in text and "Hoàng Văn Xa" not in text
    # Nothing wider than the phone's screen.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    screenshot("people-search-phone", 390, 844)
