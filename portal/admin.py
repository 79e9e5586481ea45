"""Django admin for the core data, under the same access rule as every page.

Every queryset goes through `portal.access.restrict`; accounts, catalogues and the
third-party tables are for superusers. Writes go through `portal.services` and
`portal.tree`, so validation and history are the same as in the pages and the API:
a unit's parent or name is never edited in place but moved or renamed by a dated decision.
"""


from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import services, tokens, tree
from portal.access import (
    Action,
    can_manage,
    is_registered,
    may,
    reach_of,
    restrict,
    restrict_to_managed,
    units_where,
)
from portal.models import (
    ApiToken,
    Ethnicity,
    Grant,
    Notification,
    Organization,
    OrganizationChange,
    OrganizationPeriod,
    OrgLevel,
    PartyStatus,
    PartyStatusChange,
    Person,
    PersonReadLog,
    Position,
    PositionRole,
    RowHistory,
    StaffRole,
    TheoryLevel,
    Transfer,
    User,
)
from portal.spreadsheets.admin_buttons import SpreadsheetAdmin

admin.site.site_header = gettext_lazy("Quản trị Cổng học tập lý luận chính trị")
admin.site.site_title = gettext_lazy("Quản trị")


class SuperuserOnlyAdmin:
    """Accounts, catalogues (rules as data) and tables that hang off no unit."""

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_add_permission(self, request, *args):
        return self._superuser(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._superuser(request)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request)


class ReadOnly:
    """Records written only by services, triggers and the tree functions."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedAdmin(admin.ModelAdmin):
    """Lists and detail pages narrowed to the user's reach; an object may be added or
    changed only where the user may do `write_action` at its unit (`unit_of`), and the
    choice lists of a form offer only those units and their people."""

    write_action = Action.MANAGE  # records; documents and campaigns are written by PUBLISH

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        if model is Organization:
            kwargs["queryset"] = units_where(request.user, self.write_action)
        elif model is Person:
            kwargs["queryset"] = restrict(Person.objects.all(), request.user, self.write_action)
        elif is_registered(model):
            kwargs["queryset"] = restrict(model._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and reach_of(request.user).allows_anywhere(
            self.write_action)

    def unit_of(self, obj) -> Organization | None:
        return None

    def _manages(self, request, obj) -> bool:
        unit = None if obj is None else self.unit_of(obj)
        return unit is None or may(request.user, self.write_action, unit)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)


# --- Accounts and catalogues ------------------------------------------------------------------


@admin.register(User)
class PortalUserAdmin(SuperuserOnlyAdmin, UserAdmin):
    pass


class CatalogueAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "sort_order", "valid_from", "valid_to"]
    list_editable = ["sort_order"]
    search_fields = ["code", "name"]
    ordering = ["sort_order", "name"]


class RoleAdmin(CatalogueAdmin):
    """Roles of the catalogue: what each may do (portal.access.Action), one checkbox per action."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "actions":
            return forms.MultipleChoiceField(
                choices=db_field.base_field.choices, widget=forms.CheckboxSelectMultiple, required=False,
                label=capfirst(db_field.verbose_name), help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("được làm"))
    def action_names(self, obj):
        return ", ".join(str(Action(code).label) for code in obj.actions)


for _model, _extra in [(OrgLevel, ["is_grassroots", "is_cell"]), (PartyStatus, ["is_member", "expected_at_meetings"]),
                       (Ethnicity, ["is_minority"]), (TheoryLevel, [])]:
    admin.site.register(_model, type(f"{_model.__name__}Admin", (CatalogueAdmin,), {
        "list_display": [*CatalogueAdmin.list_display, *_extra], "list_filter": _extra}))

for _model, _extra in [(PositionRole, ["manages_subtree", "is_committee_member"]), (StaffRole, ["may_edit_records"])]:
    admin.site.register(_model, type(f"{_model.__name__}Admin", (RoleAdmin,), {
        "list_display": [*CatalogueAdmin.list_display, *_extra, "action_names"], "list_filter": _extra}))


# Tables of other apps loaded before this one (groups, login attempts) reach
# no unit, so the access rule cannot narrow them: superusers only.
def _superuser_only(model) -> None:
    if admin.site.is_registered(model):
        current = type(admin.site.get_model_admin(model))
        admin.site.unregister(model)
        admin.site.register(model, type(current.__name__, (SuperuserOnlyAdmin, current), {}))


for _model in (Group, AccessAttempt, AccessFailureLog, AccessLog):
    _superuser_only(_model)


# --- The organisation tree --------------------------------------------------------------------


class OrganizationAddForm(forms.ModelForm):
    decision_number = forms.CharField(label=gettext_lazy("Số quyết định thành lập"), max_length=60, required=False)

    class Meta:
        model = Organization
        fields = ["code", "name", "level", "parent", "established_on", "sort_order"]


class TreeDecisionForm(forms.Form):
    effective_on = forms.DateField(label=gettext_lazy("Ngày hiệu lực"), widget=AdminDateWidget,
                                   initial=timezone.localdate)
    decision_number = forms.CharField(label=gettext_lazy("Số quyết định"), max_length=60, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class MoveForm(TreeDecisionForm):
    new_parent = forms.ModelChoiceField(label=gettext_lazy("Cấp trên mới"), queryset=Organization.objects.none())
    field_order = ["new_parent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = restrict_to_managed(Organization.objects.filter(active=True), self.user)


class RenameForm(TreeDecisionForm):
    new_name = forms.CharField(label=gettext_lazy("Tên mới"), max_length=255)
    field_order = ["new_name"]


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent", "depth", "active"]
    list_filter = ["level", "active"]
    list_select_related = ["level", "parent"]
    search_fields = ["code", "name"]
    ordering = ["path"]
    actions = ["move_units", "rename_unit", "dissolve_units"]
    # Changed only through the tree functions, so paths and dated history stay right.
    tree_fields = ["name", "level", "parent", "active", "dissolved_on", "successor"]

    def unit_of(self, obj):
        return obj

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OrganizationAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*OrganizationAddForm.Meta.fields, "decision_number"]
        return ["code", *self.tree_fields, "established_on", "sort_order", "path", "depth"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [*self.tree_fields, "path", "depth"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "parent" and not request.user.is_superuser:
            field.required = True  # only an administrator creates a new top of the tree
        return field

    def has_delete_permission(self, request, obj=None):
        return False  # units are dissolved or merged by a decision, never deleted

    def save_model(self, request, obj, form, change):
        if change:  # only the plain fields are editable here
            obj.save(update_fields=["code", "established_on", "sort_order"])
            return
        data = form.cleaned_data
        created = tree.create_organization(
            code=data["code"], name=data["name"], level=data["level"], parent=data["parent"],
            established_on=data["established_on"], decision_number=data["decision_number"],
            sort_order=data["sort_order"])
        obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth

    def _tree_action(self, request, queryset, form_class, title, apply):
        """An action with a confirmation page holding the decision's date and number;
        `apply(unit, data)` runs for each selected unit, all or nothing."""
        if any(not can_manage(request.user, unit) for unit in queryset):
            self.message_user(request, _("Bạn không có quyền thay đổi một số đơn vị đã chọn."), messages.ERROR)
            return None
        form = form_class(request.POST if "apply" in request.POST else None, user=request.user)
        if form.is_valid():
            try:
                with transaction.atomic():
                    for unit in queryset:
                        apply(unit, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(request, _("Đã ghi quyết định cho %(n)d đơn vị.") % {"n": len(queryset)},
                                  messages.SUCCESS)
                return None
        context = {**self.admin_site.each_context(request), "title": title, "form": form, "units": queryset,
                   "opts": self.model._meta, "action": request.POST["action"],
                   "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                   "media": self.media + form.media}
        return TemplateResponse(request, "admin/portal/organization/tree_action.html", context)

    @admin.action(description=gettext_lazy("Chuyển sang cấp trên khác"), permissions=["change"])
    def move_units(self, request, queryset):
        return self._tree_action(request, queryset, MoveForm, _("Chuyển đơn vị"), lambda unit, data: (
            tree.move_organization(unit, new_parent=data["new_parent"], effective_on=data["effective_on"],
                                   decision_number=data["decision_number"])))

    @admin.action(description=gettext_lazy("Đổi tên"), permissions=["change"])
    def rename_unit(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Chọn đúng một đơn vị để đổi tên."), messages.WARNING)
            return None
        return self._tree_action(request, queryset, RenameForm, _("Đổi tên đơn vị"), lambda unit, data: (
            tree.rename_organization(unit, new_name=data["new_name"], effective_on=data["effective_on"],
                                     decision_number=data["decision_number"])))

    @admin.action(description=gettext_lazy("Giải thể"), permissions=["change"])
    def dissolve_units(self, request, queryset):
        return self._tree_action(request, queryset, TreeDecisionForm, _("Giải thể đơn vị"), lambda unit, data: (
            tree.dissolve_organization(unit, effective_on=data["effective_on"],
                                       decision_number=data["decision_number"])))


@admin.register(OrganizationChange)
class OrganizationChangeAdmin(ReadOnly, ScopedAdmin):
    list_display = ["effective_on", "kind", "organization", "decision_number", "old_parent", "new_parent"]
    list_filter = ["kind"]
    list_select_related = ["organization", "old_parent", "new_parent"]
    search_fields = ["decision_number", "organization__code", "organization__name"]
    date_hierarchy = "effective_on"


@admin.register(OrganizationPeriod)
class OrganizationPeriodAdmin(ReadOnly, ScopedAdmin):
    list_display = ["organization", "name", "parent", "level", "valid_from", "valid_to"]
    list_select_related = ["organization", "parent", "level"]
    search_fields = ["organization__code", "name"]


# --- People -----------------------------------------------------------------------------------


class PartyStatusChangeInline(ReadOnly, admin.TabularInline):
    model = PartyStatusChange
    fields = ["status", "effective_on", "decision_number"]
    extra = 0


@admin.register(Person)
class PersonAdmin(SpreadsheetAdmin, ScopedAdmin):
    list_display = ["full_name", "organization", "party_status", "gender", "birth_date", "ethnicity",
                    "party_card_number"]
    list_filter = ["party_status", "gender", "ethnicity__is_minority", "theory_level", "organization__level"]
    list_select_related = ["organization", "party_status", "ethnicity"]
    search_fields = ["search_key", "party_card_number"]
    autocomplete_fields = ["organization"]
    raw_id_fields = ["user"]
    inlines = [PartyStatusChangeInline]
    import_format = "people"
    fieldsets = [
        (None, {"fields": ["full_name", "gender", "birth_date", "ethnicity", "organization", "job_title"]}),
        (gettext_lazy("Đảng tịch"), {"fields": ["party_status", "party_status_since", "party_card_number",
                                               "admitted_on", "official_on"]}),
        (gettext_lazy("Trình độ"), {"fields": ["education", "theory_level"]}),
        (gettext_lazy("Tài khoản"), {"fields": ["user"]}),
    ]

    def unit_of(self, obj):
        return obj.organization

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["user"]

    def get_search_results(self, request, queryset, search_term):
        # Diacritic-insensitive, like the people list: "nguyen van an" finds "Nguyễn Văn An".
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.search(term) | queryset.filter(party_card_number=term), False

    def has_delete_permission(self, request, obj=None):
        return False  # a member leaves by a status change (chuyển đi, xóa tên…), the record stays

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            person = self.get_queryset(request).filter(pk=object_id).first() if object_id.isdigit() else None
            if person is not None:
                services.log_person_read(user=request.user, person=person, via="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # Through the services, so the status history and checks are the pages' own.
        fields = {name: form.cleaned_data[name] for name in form.changed_data} if change else {
            f.name: getattr(obj, f.name) for f in Person._meta.concrete_fields
            if f.editable and not f.primary_key}
        if change:
            services.update_person(Person.objects.get(pk=obj.pk), **fields)
        else:
            obj.pk = services.create_person(**fields).pk


@admin.register(Position)
class PositionAdmin(ScopedAdmin):
    list_display = ["person", "role", "organization", "started_on", "ended_on"]
    list_filter = ["role", "organization__level"]
    list_select_related = ["person", "role", "organization"]
    search_fields = ["person__search_key", "organization__code", "organization__name"]
    autocomplete_fields = ["person", "organization"]

    def unit_of(self, obj):
        return obj.organization

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
        else:
            obj.pk = services.create_position(person=obj.person, organization=obj.organization, role=obj.role,
                                              started_on=obj.started_on, ended_on=obj.ended_on).pk


@admin.register(Grant)
class GrantAdmin(ScopedAdmin):
    list_display = ["user", "role", "organization", "started_on", "ended_on"]
    list_filter = ["role"]
    list_select_related = ["user", "role", "organization"]
    search_fields = ["user__username", "organization__code", "organization__name"]
    autocomplete_fields = ["organization"]
    raw_id_fields = ["user"]

    # Granting reach is an administrator's decision (DESIGN.md §1); staff only read.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Transfer)
class TransferAdmin(ReadOnly, ScopedAdmin):
    list_display = ["person", "from_organization", "to_organization", "transferred_on", "kind", "decision_number"]
    list_filter = ["kind"]
    list_select_related = ["person", "from_organization", "to_organization"]
    search_fields = ["person__search_key", "decision_number"]


@admin.register(PartyStatusChange)
class PartyStatusChangeAdmin(ReadOnly, ScopedAdmin):
    list_display = ["person", "status", "effective_on", "decision_number"]
    list_filter = ["status"]
    list_select_related = ["person", "status"]
    search_fields = ["person__search_key", "decision_number"]


@admin.register(PersonReadLog)
class PersonReadLogAdmin(ReadOnly, ScopedAdmin):
    list_display = ["read_at", "user", "person", "via"]
    list_filter = ["via"]
    list_select_related = ["user", "person"]
    search_fields = ["person__search_key", "user__username"]
    date_hierarchy = "read_at"


@admin.register(RowHistory)
class RowHistoryAdmin(SuperuserOnlyAdmin, ReadOnly, admin.ModelAdmin):
    """Rows of any table: no single unit to scope them by, so superusers only."""

    list_display = ["changed_at", "table_name", "row_id", "action", "actor", "context"]
    list_filter = ["table_name", "action"]
    list_select_related = ["actor"]
    search_fields = ["=table_name", "=row_id", "context"]
    date_hierarchy = "changed_at"


@admin.register(Notification)
class NotificationAdmin(SuperuserOnlyAdmin, ReadOnly, admin.ModelAdmin):
    """Reminders sent to users; each user reads his own on the site."""

    list_display = ["created_at", "user", "text", "read_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "text"]


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserOnlyAdmin, ReadOnly, admin.ModelAdmin):
    """Issued by the API's token endpoint; the key is not stored, so not shown: only its prefix."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name", "=prefix"]
    exclude = ["digest"]
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Thu hồi các token đã chọn"))
    def revoke(self, request, queryset):
        count = tokens.revoke_tokens(queryset)
        self.message_user(request, _("Đã thu hồi %(n)d token.") % {"n": count}, messages.SUCCESS)
