"""Dates as people type them on a phone: one parser (portal.forms.parse_vietnamese_date)
behind every date box of the portal's pages, with the phone's date picker beside it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.forms import VietnameseDateField, parse_vietnamese_date
from resolutions.models import StudySession
from resolutions.views.documents import CampaignForm, DocumentForm
from resolutions.views.sessions import SessionForm
from tests.test_sessions import as_user, form_data

NOV_30 = datetime.date(2026, 11, 30)


@pytest.mark.parametrize("typed", ["30112026", "30/11/2026", "30-11-2026", "30.11.2026", "30.11.26", "30/11/26",
                                   "301126", " 30/11/2026 ", "2026-11-30"])
def test_every_accepted_form(typed):
    assert parse_vietnamese_date(typed) == NOV_30


def test_short_day_and_month_and_two_digit_years():
    assert parse_vietnamese_date("5/3/2026") == datetime.date(2026, 3, 5)
    assert parse_vietnamese_date("05.03.68") == datetime.date(2068, 3, 5)
    assert parse_vietnamese_date("05.03.69") == datetime.date(1969, 3, 5)


@pytest.mark.parametrize(("typed", "message"), [
    ("31022026", "Không có ngày 31/02/2026 trong lịch: xem lại ngày/tháng/năm."),
    ("31/2/2026", "Không có ngày 31/02/2026 trong lịch: xem lại ngày/tháng/năm."),
    ("30132026", "Không có ngày 30/13/2026 trong lịch: xem lại ngày/tháng/năm."),
    ("3011202", "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 30/11/2026 hoặc 30112026."),
    ("30/11/202", "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 30/11/2026 hoặc 30112026."),
    ("ba mươi tháng mười một", "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 30/11/2026 hoặc 30112026."),
    ("30/11/2026abc", "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 30/11/2026 hoặc 30112026."),
    ("30/11-2026x", "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 30/11/2026 hoặc 30112026."),
])
def test_refusals_say_in_vietnamese_what_to_type(typed, message):
    with pytest.raises(ValidationError) as refused:
        parse_vietnamese_date(typed)
    assert refused.value.messages == [message]


def test_the_field_keeps_dates_and_blanks():
    field = VietnameseDateField(required=False)
    assert field.clean("") is None
    assert field.clean(NOV_30) == NOV_30
    assert field.clean("30.11.26") == NOV_30


def test_every_date_box_of_the_pages_uses_the_field(province):
    user = province["users"]["bithu"]
    boxes = [SessionForm(user=user)["held_on"], DocumentForm(user=user)["issued_on"],
             CampaignForm(user=user)["starts_on"], CampaignForm(user=user)["deadline"]]
    for box in boxes:
        assert isinstance(box.field, VietnameseDateField), box.name
        html = str(box)
        assert 'inputmode="numeric"' in html and "data-date-input" in html and 'placeholder="dd/mm/yyyy"' in html
    assert "js/date-input.js" in str(SessionForm(user=user).media)


def test_a_new_session_is_dated_today(client, province):
    response = as_user(client, province, "bithu").get("/study/sessions/new/")
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f'value="{today}"' in str(response.context["form"]["held_on"])
    assert "js/date-input.js" in response.content.decode()


def test_secretary_types_the_date_without_slashes(client, province):
    held_on = timezone.localdate() + datetime.timedelta(days=3)
    response = as_user(client, province, "bithu").post(
        "/study/sessions/new/", form_data(held_on=held_on.strftime("%d%m%Y")))
    assert response.status_code == 302
    assert StudySession.objects.get().held_on == held_on


def test_a_date_that_does_not_exist_is_refused_on_the_page(client, province):
    response = as_user(client, province, "bithu").post("/study/sessions/new/", form_data(held_on="31022026"))
    assert response.status_code == 200 and not StudySession.objects.exists()
    assert response.context["form"].errors["held_on"] == [
        "Không có ngày 31/02/2026 trong lịch: xem lại ngày/tháng/năm."]
