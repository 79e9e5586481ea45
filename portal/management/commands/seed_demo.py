"""`python manage.py seed_demo [--members N] [--password P] [--if-empty]`: the demo province."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal import demo
from portal.models import Organization


class Command(BaseCommand):
    help = _("Tạo dữ liệu mẫu: một tỉnh (mã TINH) với đơn vị, đảng viên, chức vụ và các tài khoản demo.")

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=demo.DEFAULT_MEMBERS,
                            help=_("Số người trong các chi bộ (mặc định %(n)s).") % {"n": demo.DEFAULT_MEMBERS})
        parser.add_argument("--password", help=_("Mật khẩu các tài khoản demo (mặc định: DEMO_PASSWORD hoặc demo12345)."))
        parser.add_argument("--if-empty", action="store_true",
                            help=_("Chỉ tạo khi cơ sở dữ liệu chưa có đơn vị nào."))

    def handle(self, *args, members, password, if_empty, **options):
        password, source = demo.demo_password(password)
        started = time.monotonic()
        if if_empty and Organization.objects.exists():
            self.stdout.write(_("Đã có dữ liệu: bỏ qua việc tạo dữ liệu mẫu."))
            result = None
        else:
            with demo.seeding():
                try:
                    result = demo.seed_province(members=members, password=password)
                except ValueError as exc:
                    raise CommandError(str(exc)) from exc
                if result.created:
                    self.stdout.write(self.style.SUCCESS(
                        _("Đã tạo tỉnh mẫu %(code)s: %(units)s đơn vị, %(people)s người, %(changes)s mốc tình trạng "
                          "đảng viên, %(positions)s chức vụ trong %(seconds)s giây.") % {
                            "code": demo.PROVINCE_CODE, "units": number_format(result.units, force_grouping=True),
                            "people": number_format(result.people, force_grouping=True),
                            "changes": number_format(result.status_changes, force_grouping=True),
                            "positions": number_format(result.positions, force_grouping=True),
                            "seconds": number_format(time.monotonic() - started, 1)}))
                    self.stdout.write(self.style.SUCCESS(result.history_summary()))
                else:
                    self.stdout.write(_("Tỉnh mẫu %(code)s đã có: không thay đổi gì.") % {"code": demo.PROVINCE_CODE})
                for summary in demo.seed_further_steps():
                    self.stdout.write(self.style.SUCCESS(summary))
        self._print_accounts(password, source, fresh=bool(result and result.created))

    def _print_accounts(self, password, source, *, fresh):
        accounts = demo.describe_accounts()
        if not accounts:
            self.stdout.write(_("Chưa có tài khoản demo."))
            return
        sources = {"--password": _("theo tham số --password"), "DEMO_PASSWORD": _("theo biến môi trường DEMO_PASSWORD"),
                   "default": _("mặc định")}
        if fresh:
            self.stdout.write(_("Tài khoản demo, mật khẩu %(password)s (%(source)s):")
                              % {"password": password, "source": sources[source]})
        else:
            self.stdout.write(_("Tài khoản demo (mật khẩu đặt khi tạo lần đầu, %(source)s: %(password)s, "
                                "nếu chưa đổi):") % {"password": password, "source": sources[source]})
        for account in accounts:
            self.stdout.write(f"  {account.username:<10} {account.description}")
            for unit in dict.fromkeys(account.units):
                within = f" ({unit.parent.name})" if unit.parent else ""
                self.stdout.write(f"  {'':<10}   {unit.code}: {unit.name}{within}")
