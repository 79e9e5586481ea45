"""python manage.py import_template FORMAT --out FILE

Writes the XLSX template of an import format (people, attendance, results…): its Vietnamese
headers and an example row."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.spreadsheets.imports import all_formats, write_template


class Command(BaseCommand):
    help = _("Ghi tệp mẫu (XLSX) để nhập dữ liệu: tiêu đề cột tiếng Việt và một dòng ví dụ.")

    def add_arguments(self, parser):
        parser.add_argument("format", help=gettext_lazy("Loại dữ liệu: %(codes)s")
                            % {"codes": ", ".join(fmt.code for fmt in all_formats())})
        parser.add_argument("--out", required=True, help=gettext_lazy("Tệp XLSX sẽ ghi"))

    def handle(self, *args, format, out, **options):
        codes = [fmt.code for fmt in all_formats()]
        if format not in codes:
            raise CommandError(_("Không có loại dữ liệu “%(code)s”; các loại có thể nhập: %(codes)s.")
                               % {"code": format, "codes": ", ".join(codes)}, returncode=2)
        path = Path(out)
        if path.is_dir() or not path.parent.is_dir():
            raise CommandError(_("Không ghi được tệp “%(path)s”: thư mục không có.") % {"path": out}, returncode=2)
        write_template(format, path)
        self.stdout.write(str(path.resolve()))
