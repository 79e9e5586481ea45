import datetime
import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from portal.figures_cache import remember
from portal.models import Ethnicity, PartyStatus, Person, TheoryLevel
from portal.selectors import PeopleFilter, unit_choices, visible_unit

# Day, month and year typed the way people do on a phone whose numeric keypad has no "/":
# 30112026, 301126, 30/11/2026, 30-11-2026, 30.11.26; and year-month-day, what a date picker sends.
_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})")
_DIGITS_ONLY = re.compile(r"(\d{2})(\d{2})(\d{2}|\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_vietnamese_date(text: str) -> datetime.date:
    """The date in `text` (day first), or a ValidationError saying in Vietnamese what to type."""
    text = text.strip().replace(" ", "")
    if match := _ISO.fullmatch(text):
        year, month, day = match.groups()
    elif match := (_DAY_FIRST.fullmatch(text) or _DIGITS_ONLY.fullmatch(text)):
        day, month, year = match.groups()
    else:
        raise ValidationError(_("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 30/11/2026 hoặc 30112026."),
                              code="invalid")
    if len(year) == 2:  # the C library's rule, as strptime's %y: 00–68 are 20xx, 69–99 are 19xx
        year = ("20" if int(year) < 69 else "19") + year
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(_("Không có ngày %(day)s/%(month)s/%(year)s trong lịch: xem lại ngày/tháng/năm."),
                              code="invalid", params={"day": day.zfill(2), "month": month.zfill(2),
                                                      "year": year}) from None



def option_tags(choices, selected: str) -> str:
    """<option>s of (value, label) pairs, built here: a province offers hundreds of units,
    and a template loop over them costs more than the rest of the page."""
    return mark_safe("".join(  # noqa: S308 - every value is escaped here
        f'<option value="{escape(value)}"{" selected" if value == selected else ""}>{escape(label)}</option>'
        for value, label in choices))

class VietnameseDateInput(forms.DateInput):
    """A text box for dd/mm/yyyy with the numeric keypad; date-input.js adds the phone's date
    picker beside it, so typing keeps working with and without JavaScript."""

    def __init__(self, attrs=None):
        super().__init__(format="%d/%m/%Y", attrs={
            "placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off",
            "data-date-input": "", "data-picker-label": _("Chọn ngày trên lịch"), **(attrs or {})})

    class Media:
        js = ["js/date-input.js"]


class VietnameseDateField(forms.DateField):
    """Every date the portal's pages ask for: one parser (`parse_vietnamese_date`)."""

    widget = VietnameseDateInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        return parse_vietnamese_date(str(value))


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường."),
        "inactive": _("Tài khoản này đã bị khóa. Liên hệ quản trị viên."),
    }


def _catalogue_choices(model, blank):
    # One query per catalogue, never one per option; reused for a minute (catalogues seldom change).
    rows = remember(lambda: list(model.objects.in_force().values_list("code", "name")),
                    "choices", model._meta.label, timezone.localdate())
    return [("", blank), *rows]


class PeopleFilterForm(forms.Form):
    """Search and filters of the people list; every field optional, bad values ignored."""

    q = forms.CharField(label=_("Tìm theo họ tên"), required=False, max_length=100)
    # A code, checked against the reach by the view (`selected_unit`), not a ChoiceField:
    # validating and normalising hundreds of choices on every page view is wasted work.
    unit = forms.CharField(label=_("Đơn vị (gồm cấp dưới)"), required=False, max_length=40)
    party_status = forms.ChoiceField(label=_("Tình trạng"), required=False)
    gender = forms.ChoiceField(label=_("Giới tính"), required=False,
                               choices=[("", _("Tất cả")), *Person.Gender.choices])
    ethnicity = forms.ChoiceField(label=_("Dân tộc"), required=False)
    minorities_only = forms.BooleanField(label=_("Chỉ dân tộc thiểu số"), required=False)
    theory_level = forms.ChoiceField(label=_("Trình độ LLCT"), required=False)

    def __init__(self, data, *, unit_choices, selected_unit):
        super().__init__(data)
        self.selected_unit = selected_unit
        self.unit_choices = [("", _("Tất cả đơn vị")), *unit_choices]
        self.fields["party_status"].choices = _catalogue_choices(PartyStatus, _("Tất cả"))
        self.fields["ethnicity"].choices = _catalogue_choices(Ethnicity, _("Tất cả"))
        self.fields["theory_level"].choices = _catalogue_choices(TheoryLevel, _("Tất cả"))

    @classmethod
    def for_user(cls, user, data) -> "PeopleFilterForm":
        """The form of the people list for `user` on the query `data`: the page and its
        export read their filters through this one form."""
        code = data.get("unit", "")
        return cls(data, unit_choices=unit_choices(user, code), selected_unit=visible_unit(user, code))

    def unit_options(self):
        return option_tags(self.unit_choices, self["unit"].value() or "")

    def choice_filters(self):
        """The drop-down filters, in the order the page shows them."""
        return [self[name] for name in ("party_status", "gender", "ethnicity", "theory_level")]

    def filters(self) -> PeopleFilter:
        # Invalid fields are left out of cleaned_data: a stale or foreign choice is dropped.
        self.is_valid()
        data = self.cleaned_data
        return PeopleFilter(
            query=data.get("q", ""),
            organization=self.selected_unit if data.get("unit") else None,
            party_status=data.get("party_status", ""),
            gender=data.get("gender", ""),
            ethnicity=data.get("ethnicity", ""),
            theory_level=data.get("theory_level", ""),
            minorities_only=data.get("minorities_only", False),
        )


class StyledForm(forms.Form):
    """Bootstrap classes on every widget; every refusal marks its field for the eye and
    for screen readers."""

    def style(self):
        for field in self.fields.values():
            if not isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.HiddenInput):
                field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) \
                    else "form-control"

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
