"""The admin's "Nhập từ Excel" and "Xuất Excel / CSV" buttons on a list, for one import format.

Export is django-import-export's, with the format's resource (the same columns as the import
template) over the admin's own queryset (the access rule's), every text cell neutralised
(portal.printing.xlsx.neutralise, the rule of every export).

Import does not use django-import-export's import (its resource would write row by row and
its confirm page would be a second set of rules): the admin's import page takes the target and
the file and runs the format's stage service, then sends the user to the portal's preview page,
where confirming runs the same confirm service as the pages, the API and the commands. So a
file imported from the admin is previewed, checked and written by exactly the same rules.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from portal.access import reach_of
from portal.printing.xlsx import neutralise
from portal.spreadsheets.forms import ACCEPTED
from portal.spreadsheets.imports import get_format, stage_import
from portal.spreadsheets.safety import SpreadsheetRefused


class AdminImportForm(forms.Form):
    target = forms.CharField(max_length=60)
    file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}))

    def __init__(self, *args, fmt, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].label = fmt.target_label
        self.fields["target"].help_text = fmt.target_help
        self.fields["file"].label = _("Tệp Excel (.xlsx) hoặc CSV")


class SpreadsheetAdmin(ImportExportMixin):
    """Mix into a ScopedAdmin (before it) and set `import_format` (a registered format's code)."""

    import_format: str
    formats = [XLSX, CSV]
    skip_export_form = True  # "Xuất Excel" downloads at once; "Xuất CSV" has its own URL
    import_export_change_list_template = "admin/spreadsheets/change_list.html"
    import_template_name = "admin/spreadsheets/import.html"

    @property
    def spreadsheet_format(self):
        return get_format(self.import_format)

    def get_resource_classes(self, request):
        return [self.spreadsheet_format.resource_class]

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def has_import_permission(self, request):
        return reach_of(request.user).allows_anywhere(self.spreadsheet_format.action)

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        rows = [[neutralise(value) for value in row] for row in dataset]
        del dataset[:]
        for row in rows:
            dataset.append(row)
        return dataset

    def get_urls(self):
        app_label, model_name = self.get_model_info()
        return [path("export/csv/", self.admin_site.admin_view(self.export_csv),
                     name=f"{app_label}_{model_name}_export_csv"),
                *super().get_urls()]

    def export_csv(self, request):
        if not self.has_export_permission(request):
            raise PermissionDenied
        return self._do_file_export(CSV(), request, self.get_export_queryset(request))

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        fmt = self.spreadsheet_format
        form = AdminImportForm(request.POST or None, request.FILES or None, fmt=fmt)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = stage_import(user=request.user, format_code=fmt.code, target_id=form.cleaned_data["target"],
                                     upload=upload, filename=upload.name)
            except SpreadsheetRefused as refused:
                form.add_error("file", str(refused))
            except Http404:
                form.add_error("target", _("Không có đích nhập này trong phạm vi bạn được cập nhật."))
            except PermissionDenied as denied:
                form.add_error("target", str(denied))
            else:
                return redirect("import_batch", batch.pk)
        context = {**self.admin_site.each_context(request), "title": _("Nhập từ Excel: %(label)s") % {
            "label": fmt.label}, "form": form, "opts": self.model._meta, "fmt": fmt,
                   "template_url": reverse("import_template", args=[fmt.code])}
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context, status=400 if form.errors else 200)

    def process_import(self, request, **kwargs):
        """django-import-export's own confirmation, which would write through the resource: the
        portal confirms on the preview page instead."""
        raise Http404
