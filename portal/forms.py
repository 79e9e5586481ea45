from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from portal.models import Ethnicity, PartyStatus, Person, TheoryLevel
from portal.selectors import PeopleFilter


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường."),
        "inactive": _("Tài khoản này đã bị khóa. Liên hệ quản trị viên."),
    }


def _catalogue_choices(model, blank):
    # Evaluated when the form is built: one query per catalogue, never one per option.
    return [("", blank), *model.objects.in_force().values_list("code", "name")]


class PeopleFilterForm(forms.Form):
    """Search and filters of the people list; every field optional, bad values ignored."""

    q = forms.CharField(label=_("Tìm theo họ tên"), required=False, max_length=100)
    unit = forms.ChoiceField(label=_("Đơn vị (gồm cấp dưới)"), required=False)
    party_status = forms.ChoiceField(label=_("Tình trạng"), required=False)
    gender = forms.ChoiceField(label=_("Giới tính"), required=False,
                               choices=[("", _("Tất cả")), *Person.Gender.choices])
    ethnicity = forms.ChoiceField(label=_("Dân tộc"), required=False)
    minorities_only = forms.BooleanField(label=_("Chỉ dân tộc thiểu số"), required=False)
    theory_level = forms.ChoiceField(label=_("Trình độ LLCT"), required=False)

    def __init__(self, data, *, unit_choices, selected_unit):
        super().__init__(data)
        self.selected_unit = selected_unit
        self.fields["unit"].choices = [("", _("Tất cả đơn vị")), *unit_choices]
        self.fields["party_status"].choices = _catalogue_choices(PartyStatus, _("Tất cả"))
        self.fields["ethnicity"].choices = _catalogue_choices(Ethnicity, _("Tất cả"))
        self.fields["theory_level"].choices = _catalogue_choices(TheoryLevel, _("Tất cả"))

    def unit_options(self):
        """The unit <option>s, built here: a province offers hundreds of units, and a
        template loop over them costs more than the rest of the page."""
        selected = self["unit"].value() or ""
        return format_html_join("", '<option value="{}"{}>{}</option>',
                                ((code, " selected" if code == selected else "", label)
                                 for code, label in self.fields["unit"].choices))

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
