from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "portal.jobs"
    label = "jobs"
    verbose_name = _("Việc chạy nền")

    def ready(self):
        from portal import files
        from portal.jobs import selectors
        from portal.jobs.models import JobFile
        from portal.navigation import USER_MENU, NavItem, register

        register(NavItem(_("Việc của tôi"), "my_jobs", order=5, section=USER_MENU, active=("job_*",)))

        files.register_download(
            "job-file", visible=lambda user: JobFile.objects.filter(job__in=selectors.visible_jobs(user)),
            filename=lambda f: f.name, content_type=lambda f: f.content_type)
