"""Admin pages of the commitments area (scoped with portal.admin.ScopedAdmin).

Read-only: a commitment changes state only through the services (the pages and the
API), so the owner and the secretary checks hold on every path."""

from django.contrib import admin

from portal.admin import ReadOnly, ScopedAdmin
from resolutions.models import Commitment


@admin.register(Commitment)
class CommitmentAdmin(ReadOnly, ScopedAdmin):
    list_display = ["person", "year", "status", "submitted_at", "reviewed_at", "rating"]
    list_filter = ["status", "year", "rating"]
    list_select_related = ["person", "rating"]
    search_fields = ["person__search_key"]
    date_hierarchy = "submitted_at"

    def unit_of(self, obj):
        return obj.person.organization
