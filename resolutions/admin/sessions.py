"""Admin pages of the sessions area (scoped with portal.admin.ScopedAdmin). Sessions are
checked by the area's service (date limit, format, the unit managed); attendance edited
here keeps its history through the table's trigger, like every other path."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from portal.access import restrict, restrict_to_managed
from portal.admin import ScopedAdmin
from portal.models import Person
from portal.spreadsheets.admin_buttons import SpreadsheetAdmin
from resolutions.models import Attendance, Document, StudySession, UnitStudySettings
from resolutions.services import sessions as services


class AttendanceInline(admin.TabularInline):
    model = Attendance
    fields = ["person", "status", "reason", "method", "checked_in_at"]
    readonly_fields = ["method", "checked_in_at"]
    autocomplete_fields = ["person"]
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "person":
            kwargs["queryset"] = restrict_to_managed(Person.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(StudySession)
class StudySessionAdmin(ScopedAdmin):
    list_display = ["held_on", "starts_at", "kind", "organization", "format", "presenter"]
    list_filter = ["kind", "format"]
    list_select_related = ["organization"]
    search_fields = ["organization__code", "organization__name", "presenter", "place"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["organization"]
    filter_horizontal = ["documents"]
    exclude = ["created_by"]
    inlines = [AttendanceInline]

    def unit_of(self, obj):
        return obj.organization

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "documents":
            kwargs["queryset"] = restrict(Document.objects.all(), request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class CheckedForm(form):
            # The service's rules, shown on the form like its own errors.
            def _post_clean(inner):
                super()._post_clean()
                if inner.errors:
                    return
                session = inner.instance
                documents = list(inner.cleaned_data.get("documents") or [])
                try:
                    services.check_session(session, user=request.user, documents=documents)
                except ValidationError as exc:
                    inner.add_error(None, exc)

        return CheckedForm

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Attendance)
class AttendanceAdmin(SpreadsheetAdmin, ScopedAdmin):
    list_display = ["session", "person", "status", "reason", "method", "checked_in_at"]
    list_filter = ["status", "method"]
    list_select_related = ["session__organization", "person"]
    search_fields = ["person__search_key", "session__organization__code"]
    autocomplete_fields = ["session", "person"]
    readonly_fields = ["method", "checked_in_at"]
    import_format = "attendance"

    def unit_of(self, obj):
        return obj.session.organization

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "session":
            kwargs["queryset"] = restrict_to_managed(StudySession.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(UnitStudySettings)
class UnitStudySettingsAdmin(ScopedAdmin):
    list_display = ["organization", "unexcused_absence_threshold"]
    list_select_related = ["organization"]
    search_fields = ["organization__code", "organization__name"]
    autocomplete_fields = ["organization"]

    def unit_of(self, obj):
        return obj.organization
