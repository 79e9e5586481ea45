from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResolutionsConfig(AppConfig):
    name = "resolutions"
    verbose_name = _("Học tập nghị quyết")

    def ready(self):
        from portal import access
        from resolutions import models

        access.register(models.Theme, public=True)
        access.register(models.Document, org_field="organization", addressed_field="organization")
        access.register(models.Attachment, org_field="document__organization",
                        addressed_field="document__organization")
        access.register(models.StudyCampaign, org_field="organization", addressed_field="organization")
        access.register(models.StudySession, org_field="organization", own_unit_field="organization")
        access.register(models.Attendance, org_field="session__organization", person_field="person")
        access.register(models.UnitStudySettings, org_field="organization")
        access.register(models.Commitment, org_field="person__organization", person_field="person")

        from portal import files
        from portal.jobs import register_kind
        from resolutions import exports, list_exports  # noqa: F401 - list_exports registers the area's lists

        register_kind(exports.CAMPAIGN_EXPORT)

        from portal.spreadsheets.imports import register_format
        from resolutions import imports

        register_format(imports.ATTENDANCE)
        register_format(imports.DOCUMENTS)

        files.register_download(
            "attachment", visible=lambda user: access.restrict(models.Attachment.objects.all(), user),
            filename=lambda attachment: attachment.original_name, content_type=lambda _: "application/pdf",
            inline=True)

        from portal.navigation import NavItem, register

        register(
            NavItem(_("Học tập của tôi"), "study_me", order=100, active=("study_*",),
                    inactive=("study_commend_remind",)),
            NavItem(_("Sinh hoạt"), "session_list", order=110, active=("session_*",)),
            NavItem(_("Bản cam kết"), "commitment_home", order=120,
                    active=("commitment_detail", "commitment_edit", "commitment_create", "commitment_unit")),
        )

        from portal import home
        from resolutions.home import CARDS

        home.register(*CARDS)
