"""The form of an external result (trung cấp, cao cấp lý luận chính trị) on a person's
training record. Thin: the rules are services.external's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import StyledForm, VietnameseDateField
from training.models import ClassType, ExternalResult


class ExternalResultForm(StyledForm):
    class_type = forms.ModelChoiceField(
        label=_("Chương trình"), queryset=ClassType.objects.none(), empty_label=None,
        error_messages={"invalid_choice": _("Chọn trung cấp hoặc cao cấp lý luận chính trị; lớp mở tại đơn vị thì "
                                            "ghi kết quả trong lớp."),
                        "required": _("Chọn chương trình đã học.")})
    institution = forms.CharField(label=_("Cơ sở đào tạo"),
                                  max_length=ExternalResult._meta.get_field("institution").max_length,
                                  error_messages={"required": _("Ghi tên cơ sở đào tạo.")})
    completed_on = VietnameseDateField(label=_("Ngày hoàn thành"),
                                       error_messages={"required": _("Nhập ngày hoàn thành.")})
    certificate_number = forms.CharField(label=_("Số văn bằng, chứng chỉ"), required=False,
                                         max_length=ExternalResult._meta.get_field("certificate_number").max_length)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "external-%s")  # unique beside the other forms of the person page
        super().__init__(*args, **kwargs)
        self.fields["class_type"].queryset = ClassType.objects.in_force().filter(external=True).order_by(
            "sort_order", "name")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        self.fields["institution"].widget.attrs["placeholder"] = _("Trường Chính trị tỉnh")
