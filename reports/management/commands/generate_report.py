"""python manage.py generate_report --kind KIND --org CODE --year YEAR [--years N] [--out DIR]

Runs a report in this process (no worker needed), recorded as a job like any other, then
copies its XLSX, DOCX and PDF into DIR and prints their paths. A bad kind, unit or year
stops it before anything is written, with the same Vietnamese message as the pages and API.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from portal.access import Reach, system_reach
from portal.jobs.models import Job
from portal.jobs.services import run_job
from reports import runs_selectors
from reports.models import ReportRun
from reports.selectors import report_target
from reports.services.runs import start_run

# The command is run by whoever administers the server: every unit is within its reach.
ADMINISTRATOR = Reach(everything=True, signed_in=True)


class Command(BaseCommand):
    help = "Lập báo cáo (XLSX, DOCX, PDF) của một đơn vị cho một kỳ, chạy ngay trong tiến trình này."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, help="Mã loại báo cáo: ct17, kl01")
        parser.add_argument("--org", required=True, help="Mã đơn vị, ví dụ TINH")
        parser.add_argument("--year", required=True, help="Năm (năm cuối của kỳ báo cáo)")
        parser.add_argument("--years", help="Số năm của kỳ: 1, 3 hoặc 5 tùy loại báo cáo")
        parser.add_argument("--out", default=".", help="Thư mục ghi tệp (mặc định thư mục hiện tại)")

    def handle(self, *args, kind, org, year, years, out, **options):
        try:
            report_kind, unit, period = report_target(ADMINISTRATOR, kind, org, year, years)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except Http404:
            raise CommandError(_("Không có đơn vị mã “%(code)s”.") % {"code": org}) from None
        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise CommandError(_("“%(path)s” không phải là thư mục.") % {"path": out})

        job = start_run(user=system_reach(unit), kind=report_kind, unit=unit, period=period, send_to_workers=False)
        run_job(job.pk)
        job = Job.objects.get(pk=job.pk)
        if job.status == Job.Status.RUNNING:  # a worker had it before us (the same run was under way)
            raise CommandError(_("Báo cáo này đang được lập ở máy chạy nền (việc số %(id)d); chạy lại sau khi "
                                 "việc đó xong.") % {"id": job.pk})
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(job.error or job.message)

        folder.mkdir(parents=True, exist_ok=True)
        run = runs_selectors.with_details(ReportRun.objects.filter(job=job)).get()
        for report_file in run.files.all():
            target = folder / report_file.name
            with report_file.file.open("rb") as source:
                target.write_bytes(source.read())
            self.stdout.write(str(target.resolve()))
