"""Ban Tuyên giáo puts a directive with its PDF on the portal and launches its study for the
province; a member then finds it in "Học tập của tôi" and opens the PDF."""

import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from resolutions.models import Document, StudyCampaign
from tests.test_documents import PDF

pytestmark = pytest.mark.browser


def submit_and_wait(browser, field, *keys):
    page = browser.find_element(By.TAG_NAME, "html")
    field.send_keys(*keys)
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(page))


def log_in(browser, live_server, username):
    browser.get(f"{live_server.url}/accounts/login/")
    submit_and_wait(browser, browser.find_element(By.NAME, "username"), username, Keys.TAB, "demo12345", Keys.ENTER)


def click_and_wait(browser, element):
    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(page))


def test_tuyengiao_publishes_and_a_member_studies(live_server, province, fresh_browser, screenshot, settings,
                                                  tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    pdf = tmp_path / "chi-thi-05.pdf"
    pdf.write_bytes(PDF)
    browser = fresh_browser
    log_in(browser, live_server, "tuyengiao")

    browser.get(f"{live_server.url}/study/documents/")
    assert "Chưa có văn bản nào" in browser.find_element(By.TAG_NAME, "main").text
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Thêm văn bản"))
    Select(browser.find_element(By.NAME, "kind")).select_by_visible_text("Chỉ thị")
    browser.find_element(By.NAME, "number_symbol").send_keys("05/CT/TW")  # malformed first
    browser.find_element(By.NAME, "issued_on").send_keys("15/05/2016")
    browser.find_element(By.NAME, "issuing_body").send_keys("Bộ Chính trị")
    browser.find_element(By.NAME, "title").send_keys(
        "Về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh")
    Select(browser.find_element(By.NAME, "organization")).select_by_visible_text("Đảng bộ tỉnh (TINH)")
    browser.find_element(By.NAME, "attachment").send_keys(str(pdf))
    screenshot("document-form-desktop")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))

    main = browser.find_element(By.TAG_NAME, "main").text
    assert "không đúng dạng" in main and "05-CT/TW" in main
    assert browser.find_element(By.NAME, "issuing_body").get_attribute("value") == "Bộ Chính trị"  # kept
    screenshot("document-form-error-phone", 390, 844)
    browser.set_window_size(1366, 900)
    browser.find_element(By.NAME, "attachment").send_keys(str(pdf))  # a browser never re-sends a file
    field = browser.find_element(By.NAME, "number_symbol")
    field.clear()
    submit_and_wait(browser, field, "05-CT/TW", Keys.ENTER)

    document = Document.objects.get()
    assert browser.current_url == f"{live_server.url}/study/documents/{document.pk}/"
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Đã lưu văn bản 05-CT/TW" in main and "chi-thi-05.pdf" in main
    screenshot("document-detail-desktop")
    screenshot("document-detail-phone", 390, 844)
    browser.set_window_size(1366, 900)

    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Triển khai học tập"))
    assert browser.find_element(By.NAME, "title").get_attribute("value") == "Học tập, quán triệt 05-CT/TW"
    Select(browser.find_element(By.NAME, "organization")).select_by_visible_text("Đảng bộ tỉnh (TINH)")
    deadline = browser.find_element(By.NAME, "deadline")
    deadline.send_keys((datetime.date.today() + datetime.timedelta(days=60)).strftime("%d/%m/%Y"))
    submit_and_wait(browser, deadline, Keys.ENTER)

    campaign = StudyCampaign.objects.get()
    assert browser.current_url == f"{live_server.url}/study/campaigns/{campaign.pk}/"
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Tiến độ theo đơn vị" in main and "Đảng bộ Khối các cơ quan tỉnh" in main
    assert "Chi bộ Văn phòng" not in main  # two levels open; the rest folded
    browser.find_element(By.XPATH, "//summary[.//span[text()='Đảng bộ Sở Giáo dục']]").send_keys(Keys.ENTER)
    assert "Chi bộ Văn phòng" in browser.find_element(By.TAG_NAME, "main").text
    screenshot("campaign-follow-up-desktop")
    screenshot("campaign-follow-up-phone", 390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    browser.set_window_size(1366, 900)

    # The member, on his phone.
    browser.delete_all_cookies()
    browser.set_window_size(390, 844)
    log_in(browser, live_server, "dangvien")
    browser.find_element(By.CSS_SELECTOR, ".navbar-toggler").click()
    # The menu slides open: click once it has stopped moving.
    WebDriverWait(browser, 5).until(expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, "#main-nav.show")))
    link = browser.find_element(By.LINK_TEXT, "Học tập của tôi")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    click_and_wait(browser, WebDriverWait(browser, 5).until(expected_conditions.element_to_be_clickable(link)))
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Cần học tập bây giờ" in main and "Học tập, quán triệt 05-CT/TW" in main
    screenshot("my-study-phone", 390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "05-CT/TW"))
    link = browser.find_element(By.LINK_TEXT, "chi-thi-05.pdf")
    assert link.get_attribute("href").endswith(f"/files/attachment/{document.attachments.get().pk}/")
    screenshot("document-detail-member-phone", 390, 844)
