"""Admin pages of the documents area. Catalogues (document kinds, rating levels) and themes
are the superuser's; documents and campaigns are scoped with portal.admin.ScopedAdmin and
saved through the area's services, so the number-symbol rule and the publishing check
hold here too. Attachments are listed with a link to the checked download, never to /media/;
they are uploaded on the document's page, where type and size are checked."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.access import Action
from portal.admin import CatalogueAdmin, ReadOnly, ScopedAdmin, SuperuserOnlyAdmin
from portal.files import download_url
from portal.spreadsheets.admin_buttons import SpreadsheetAdmin
from portal.text import search_key
from resolutions.models import Attachment, Document, DocumentKind, RatingLevel, StudyCampaign, Theme
from resolutions.services import documents as services

admin.site.register(DocumentKind, CatalogueAdmin)
admin.site.register(RatingLevel, type("RatingLevelAdmin", (CatalogueAdmin,), {
    "list_display": [*CatalogueAdmin.list_display, "min_score"]}))


@admin.register(Theme)
class ThemeAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "kind", "term", "year"]
    list_filter = ["kind", "term"]
    search_fields = ["title"]


class AttachmentInline(ReadOnly, admin.TabularInline):
    model = Attachment
    fields = ["download", "size", "uploaded_at"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("tệp PDF"))
    def download(self, obj):
        url = download_url("attachment", obj)
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


class ServiceSavedAdmin(ScopedAdmin):
    """Writes through a service: its messages show on the form, nothing is saved on error."""

    service = None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        admin_self = self

        class Checked(form):
            def clean(self):
                data = super().clean()
                if not self.errors:
                    try:
                        admin_self.validate_input(request, self.instance, data)
                    except ValidationError as exc:
                        self.add_error(None, exc.messages)
                    except PermissionDenied as exc:
                        self.add_error(None, str(exc))
                return data

        return Checked

    def validate_input(self, request, obj, data) -> None:
        """Validate as the service will (called on the form, before anything is written)."""


@admin.register(Document)
class DocumentAdmin(SpreadsheetAdmin, ServiceSavedAdmin):
    list_display = ["number_symbol", "kind", "issued_on", "title", "organization"]
    list_filter = ["kind"]
    list_select_related = ["kind", "organization"]
    search_fields = ["search_key", "number_symbol"]
    date_hierarchy = "issued_on"
    autocomplete_fields = ["organization"]
    filter_horizontal = ["themes"]
    inlines = [AttachmentInline]
    write_action = Action.PUBLISH
    import_format = "documents"

    def unit_of(self, obj):
        return obj.organization

    def get_search_results(self, request, queryset, search_term):
        key = search_key(search_term)
        return (queryset.filter(search_key__contains=key) if key else queryset), False

    def validate_input(self, request, obj, data) -> None:
        services.validate_number_symbol(data.get("number_symbol", ""), data.get("kind"), data.get("issued_on"))

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.cleaned_data if name != "themes"}
        saved = services.save_document(by=request.user, document=obj if change else None, **fields)
        obj.pk, obj.number_symbol = saved.pk, saved.number_symbol


@admin.register(StudyCampaign)
class StudyCampaignAdmin(ServiceSavedAdmin):
    list_display = ["title", "organization", "audience", "starts_on", "deadline"]
    list_filter = ["audience"]
    list_select_related = ["organization"]
    search_fields = ["title", "organization__code", "organization__name"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["organization", "document"]
    exclude = ["created_by"]
    write_action = Action.PUBLISH

    def unit_of(self, obj):
        return obj.organization

    def validate_input(self, request, obj, data) -> None:
        services.check_campaign_subject(StudyCampaign(**data))

    def save_model(self, request, obj, form, change):
        saved = services.save_campaign(by=request.user, campaign=obj if change else None, **form.cleaned_data)
        obj.pk = saved.pk
