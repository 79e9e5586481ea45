from django.contrib import admin

from portal.admin import SuperuserOnlyAdmin
from portal.jobs.models import Job, JobFile


class JobFileInline(admin.TabularInline):
    model = JobFile
    fields = ["name", "content_type", "size", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Job)
class JobAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "kind", "organization", "requested_by", "status", "progress", "attempts", "created_at",
                    "finished_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]
    inlines = [JobFileInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
