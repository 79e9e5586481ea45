"""The imports in the admin: read only (a file is imported through its preview page), the
batches the user may see, each linked to its page."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from portal.admin import ReadOnly, ScopedAdmin
from portal.spreadsheets.imports import get_format, visible_batches
from portal.spreadsheets.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly, ScopedAdmin):
    list_display = ["filename", "format_label", "organization", "status", "created_by", "created_at", "page"]
    list_filter = ["format_code", "status"]
    list_select_related = ["organization", "created_by"]
    search_fields = ["filename", "organization__code", "organization__name"]
    date_hierarchy = "created_at"
    exclude = ["file", "rejected_file", "preview"]

    def get_queryset(self, request):
        return visible_batches(request.user)

    @admin.display(description=gettext_lazy("loại dữ liệu"))
    def format_label(self, batch):
        return get_format(batch.format_code).label

    @admin.display(description=gettext_lazy("trang xem trước"))
    def page(self, batch):
        return format_html('<a href="{}">{}</a>', reverse("import_batch", args=[batch.pk]), batch.filename)
