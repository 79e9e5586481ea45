"""Forms of the submission pages: the narrative (one textarea per section of the kind), the
superior's return with its comment, the filters of the list."""

import json

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.inputs import year_or
from reports.models import ReportKind, Submission
from reports.services.submissions import NARRATIVE_MAX_CHARS, NUMBER_MAX_CHARS, PLACE_MAX_CHARS
from reports.submission_selectors import SubmissionFilter, effective_narrative

LATE = "late"
HEADING = "heading"  # what an autosave of the number and place names as its section  # the state filter "nộp muộn": the late flag, beside the statuses


def section_field(code: str) -> str:
    return f"text_{code}"


class NarrativeForm(forms.Form):
    """Every section of the report, the number-symbol and the place: what a browser without
    JavaScript posts at once (with JavaScript each textarea is saved as one types)."""

    number = forms.CharField(label=_("Số báo cáo"), required=False, max_length=NUMBER_MAX_CHARS,
                             help_text=_("Ví dụ: 12-BC/ĐU"), widget=forms.TextInput(attrs={"class": "form-control"}))
    place = forms.CharField(label=_("Địa danh"), required=False, max_length=PLACE_MAX_CHARS,
                            help_text=_("Nơi ghi ở dòng ngày tháng, ví dụ: Tân Hòa"),
                            widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, submission: Submission, **kwargs):
        initial = {section_field(code): text for code, text in effective_narrative(submission).items()}
        initial.update(number=submission.number, place=submission.place)
        super().__init__(*args, initial=initial, **kwargs)
        for name in ("number", "place"):
            self.fields[name].widget.attrs.update({
                "hx-post": reverse("report_narrative", args=[submission.pk]), "hx-vals": json.dumps({"section": HEADING}),
                "hx-trigger": "input changed delay:800ms, blur changed", "hx-target": f"#saved-{HEADING}",
                "hx-swap": "outerHTML", "hx-sync": "closest form:queue last", "aria-describedby": f"saved-{HEADING}"})
        for section in submission.kind.sections:
            self.fields[section_field(section["code"])] = forms.CharField(
                label=section["heading"], required=False, max_length=NARRATIVE_MAX_CHARS, strip=False,
                widget=forms.Textarea(attrs={"rows": 6, "class": "form-control narrative-text"}))
        self.codes = [section["code"] for section in submission.kind.sections]

    def texts(self) -> dict[str, str]:
        """The sections posted (a partial post saves only what it carries)."""
        return {code: self.cleaned_data[section_field(code)] for code in self.codes
                if section_field(code) in self.data}


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("Ý kiến khi trả lại"), max_length=NARRATIVE_MAX_CHARS,
                              widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                              error_messages={"required": _("Ghi rõ ý kiến khi trả lại báo cáo để đơn vị biết cần "
                                                            "sửa gì.")})


class SubmissionFilterForm(forms.Form):
    """The list's filters; a bad value is dropped, never an error."""

    kind = forms.ChoiceField(label=_("Loại báo cáo"), required=False)
    year = forms.CharField(label=_("Năm"), required=False, max_length=4,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "form-control"}))
    state = forms.ChoiceField(label=_("Trạng thái"), required=False)

    def __init__(self, data):
        super().__init__(data)
        self.fields["kind"].choices = [("", _("Tất cả")), *ReportKind.objects.values_list("code", "name")]
        self.fields["state"].choices = [("", _("Tất cả")), *Submission.Status.choices, (LATE, _("Nộp muộn"))]
        for name in ("kind", "state"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def filters(self) -> SubmissionFilter:
        self.is_valid()
        data = self.cleaned_data
        state = data.get("state", "")
        return SubmissionFilter(kind=data.get("kind", ""), year=year_or(self.data.get("year", ""), None),
                                status="" if state == LATE else state, late=state == LATE)
