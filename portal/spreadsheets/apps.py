from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpreadsheetsConfig(AppConfig):
    name = "portal.spreadsheets"
    label = "spreadsheets"
    verbose_name = _("Nhập, xuất bảng tính")

    def ready(self):
        from portal import access, files
        from portal.jobs import register_kind
        from portal.spreadsheets import export, imports, people
        from portal.spreadsheets.download import XLSX
        from portal.spreadsheets.models import ImportBatch

        access.register(ImportBatch, org_field="organization")
        register_kind(imports.IMPORT_PREVIEW)
        register_kind(imports.IMPORT_APPLY)
        imports.register_format(people.PEOPLE)
        register_kind(export.LIST_EXPORT)

        files.register_download(
            "import-rejected", field="rejected_file", content_type=lambda _batch: XLSX,
            visible=imports.visible_batches,
            filename=lambda batch: f"Dòng lỗi - {batch.filename.rpartition('.')[0] or batch.filename}.xlsx")
