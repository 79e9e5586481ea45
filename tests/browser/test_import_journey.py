"""A cell's secretary brings his member list in from Excel, in Chromium: from his unit page he
opens "Nhập từ Excel", downloads the template, fills it (here with openpyxl, as he would in
Excel), uploads it, reads the preview, confirms, finds the people on his unit page, and then
downloads his unit's list as XLSX, which holds what the page shows."""

import datetime
import io

import openpyxl
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from portal.models import Person
from tests.browser.test_report_journey import download, main_text, press_and_wait
from tests.browser.test_sessions_journey import log_in

pytestmark = pytest.mark.browser

NEW_PEOPLE = [
    ["Đỗ Văn Nhập", datetime.date(1990, 4, 30), "Nam", "Tày", datetime.date(2015, 5, 19), datetime.date(2016, 5, 19),
     "66000001", "Chính thức", "", "", "Trung cấp", "Kế toán"],
    ["Ngô Thị Mẫu", "20/11/1992", "Nữ", "Kinh", "03/02/2025", "", "", "Dự bị", "", "", "", "Giáo viên"],
]


def link_href(browser, text: str) -> str:
    return browser.find_element(By.LINK_TEXT, text).get_attribute("href")


def test_bithu_imports_his_members_and_exports_the_list(live_server, province, fresh_browser, screenshot, settings,
                                                         tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    browser = fresh_browser
    log_in(browser, live_server, "bithu", "/units/CB1/")
    browser.find_element(By.CSS_SELECTOR, '[data-import="people"]').send_keys(Keys.ENTER)
    press_and_wait(browser, browser.find_element(By.TAG_NAME, "body"), "Nhập từ Excel: Danh sách đảng viên")

    # The template, filled in: its example rows replaced by his people.
    workbook = openpyxl.load_workbook(io.BytesIO(download(browser, link_href(browser, "Tải mẫu"))))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Họ và tên", "Ngày sinh", "Giới tính"]
    sheet.delete_rows(2, sheet.max_row)
    for row in NEW_PEOPLE:
        sheet.append(row)
    filled = tmp_path / "danh sach chi bo.xlsx"
    workbook.save(filled)

    browser.find_element(By.NAME, "file").send_keys(str(filled))
    screenshot("import-upload-desktop")
    press_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]"), "Sẽ thêm")
    main = main_text(browser)
    assert "Đỗ Văn Nhập" in main and "Ngô Thị Mẫu" in main
    assert browser.find_element(By.CSS_SELECTOR, '[data-count="created"]').text == "2"
    assert browser.find_element(By.CSS_SELECTOR, '[data-count="bad_rows"]').text == "0"
    screenshot("import-preview-desktop")
    screenshot("import-preview-phone", 390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    browser.set_window_size(1366, 900)
    assert not Person.objects.filter(full_name="Đỗ Văn Nhập").exists()  # nothing written before he confirms

    confirm = browser.find_element(By.ID, "confirm-import")
    assert confirm.is_enabled()
    press_and_wait(browser, confirm, "Đã nhập xong tệp danh sach chi bo.xlsx")
    assert "Đã thêm 2, đã sửa 0" in main_text(browser)
    screenshot("import-result-desktop")
    press_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "[data-target-link]"), "Sinh hoạt trực tiếp tại đơn vị")
    members = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#main table tbody tr td:nth-child(2)")]
    assert {"Đỗ Văn Nhập", "Ngô Thị Mẫu"} <= set(members)

    # His unit's list as XLSX holds what the page shows.
    exported = openpyxl.load_workbook(io.BytesIO(download(browser, link_href(browser, "Xuất Excel")))).active
    titles, *rows = [[cell.value for cell in line] for line in exported.iter_rows()]
    by_name = {row[titles.index("Họ và tên")]: dict(zip(titles, row, strict=True)) for row in rows}
    assert sorted(by_name) == sorted(members)
    added = by_name["Đỗ Văn Nhập"]
    assert (str(added["Số thẻ đảng viên"]), added["Dân tộc"]) == ("66000001", "Tày")
