"""The upload form of an import: one file, .xlsx or .csv (the checks themselves are
portal.spreadsheets.safety's, run by the import service)."""

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.forms import StyledForm
from portal.spreadsheets.download import XLSX

ACCEPTED = f".xlsx,.csv,{XLSX},text/csv"


class UploadForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("Tệp Excel (.xlsx) hoặc CSV"),
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Tối đa %(mb)d MB và %(rows)s dòng. Dòng tiêu đề cột có thể nằm dưới các dòng tên đơn vị, tên danh sách; "
            "các dòng trống và phần ký tên cuối bảng được bỏ qua.") % {
            "mb": settings.SPREADSHEET_MAX_MB, "rows": number_format(settings.SPREADSHEET_MAX_ROWS, force_grouping=True)}
        self.fields["file"].error_messages["required"] = _("Chọn tệp cần nhập.")
        self.fields["file"].error_messages["empty"] = _("Tệp đã chọn không có nội dung.")
        self.style()
