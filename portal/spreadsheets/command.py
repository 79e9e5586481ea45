"""What the import commands share (`import_people`, `import_attendance`, `import_results`): read
the file, print the preview's summary and every bad row, write all or nothing.

Exit status: 0 when written, or when a dry run found no problem; 1 when a row is bad (nothing
written); 2 when the file, the target or the user cannot be used (a Vietnamese message)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from portal.printing import format_number
from portal.spreadsheets.imports import Plan, get_format, import_file
from portal.spreadsheets.safety import SpreadsheetRefused

BAD_ROWS = 1
UNUSABLE = 2


def summary_lines(plan: Plan) -> list[str]:
    """The preview's figures and every bad row, one line each."""
    figures = {"total": plan.total, "created": len(plan.created), "changed": len(plan.changed),
               "unchanged": plan.unchanged, "bad": len(plan.rejected_rows)}
    lines = [_("Số dòng: %(total)s; thêm mới: %(created)s; thay đổi: %(changed)s; không đổi: %(unchanged)s; "
               "dòng lỗi: %(bad)s") % {name: format_number(n) for name, n in figures.items()}]
    lines += [str(problem) for problem in plan.problems]
    return lines


def change_lines(plan: Plan) -> list[str]:
    """Each created and changed row, column by column (old → new)."""
    lines = []
    for heading, changes in ((_("Thêm mới"), plan.created), (_("Thay đổi"), plan.changed)):
        for change in changes:
            described = "; ".join(f"{column}: {old} → {new}" if old else f"{column}: {new}"
                                  for column, old, new in change.fields)
            lines.append(f"{heading} — {_('dòng')} {change.row}, {change.label}: {described}")
    return lines


class ImportCommand(BaseCommand):
    """An import command: `FILE --<target_option> ID [--dry-run] [--user USERNAME]`. Its
    `help` is text, not a lazy translation: argparse formats it itself."""

    format_code: str
    target_option = "org"

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Tệp Excel (.xlsx) hoặc CSV cần nhập"))
        parser.add_argument(f"--{self.target_option}", required=True, dest="target",
                            help=str(get_format(self.format_code).target_help))
        parser.add_argument("--dry-run", action="store_true",
                            help=_("Chỉ kiểm tra và in kết quả, không ghi gì"))
        parser.add_argument("--user", help=_("Tên đăng nhập của người nhập: chỉ nhập được vào đơn vị người đó "
                                             "quản lý, và lịch sử thay đổi ghi tên người đó"))

    def handle(self, *args, file, target, dry_run, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("Không có tệp “%(path)s”.") % {"path": file}, returncode=UNUSABLE)
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user, is_active=True).first()
            if importer is None:
                raise CommandError(_("Không có tài khoản “%(user)s” đang hoạt động.") % {"user": user},
                                   returncode=UNUSABLE)
        fmt = get_format(self.format_code)
        try:
            plan, _written = import_file(user=importer, format_code=self.format_code, target_id=target, path=path,
                                       dry_run=dry_run)
        except Http404:
            raise CommandError(_("Không có %(what)s “%(id)s”, hoặc tài khoản không được nhập dữ liệu vào đó.")
                               % {"what": str(fmt.target_label).lower(), "id": target}, returncode=UNUSABLE) from None
        except (SpreadsheetRefused, PermissionDenied) as refused:  # seen but not his to write: say so
            raise CommandError(str(refused), returncode=UNUSABLE) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages), returncode=UNUSABLE) from None
        for line in summary_lines(plan):
            self.stdout.write(line)
        if options.get("verbosity", 1) > 1:
            for line in change_lines(plan):
                self.stdout.write(line)
        if not plan.ok:
            raise CommandError(_("Có %(n)s dòng lỗi: chưa ghi gì. Sửa các dòng trên rồi chạy lại.")
                               % {"n": format_number(len(plan.rejected_rows))}, returncode=BAD_ROWS)
        if dry_run:
            self.stdout.write(_("Chạy thử: không có dòng lỗi, chưa ghi gì."))
        else:
            self.stdout.write(self.style.SUCCESS(
                _("Đã nhập: thêm mới %(created)s, thay đổi %(changed)s.")
                % {"created": format_number(len(plan.created)), "changed": format_number(len(plan.changed))}))
