from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self):
        from portal import access, files
        from portal.jobs import register_kind
        from reports import models, runs_selectors
        from reports.services import runs

        access.register(models.ReportRun, org_field="organization")
        access.register(models.ReportFile, org_field="run__organization")
        access.register(models.Submission, org_field="organization")
        register_kind(runs.REPORT_RUN)
        files.register_download(runs_selectors.DOWNLOAD_KEY, visible=runs_selectors.files_visible_to,
                                filename=lambda f: f.name, content_type=lambda f: runs.CONTENT_TYPES[f.format])

        from portal import home
        from reports import home as reports_home

        home.register(*reports_home.CARDS)

        from portal import navigation
        from portal.navigation import NavItem

        navigation.register(NavItem(_("Báo cáo"), "report_dashboard", order=140, active=("report_*",),
                                    visible=reports_home.reports_anywhere))
