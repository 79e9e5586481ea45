"""python manage.py import_people FILE --org CODE [--dry-run] [--user USERNAME]

Imports a list of people (the template of `import_template people`, or a unit's own file) into
the unit CODE and its subtree: prints the preview's figures and every bad row, then writes all
or nothing. Exit 0 when written (or a clean dry run), 1 when a row is bad, 2 for a bad file,
unit or user."""

from django.utils.translation import gettext as _

from portal.spreadsheets.command import ImportCommand


class Command(ImportCommand):
    help = _("Nhập danh sách đảng viên từ tệp Excel vào một đơn vị: in kết quả kiểm tra, rồi ghi tất cả "
             "hoặc không ghi gì.")
    format_code = "people"
    target_option = "org"
