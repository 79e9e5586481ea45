"""python manage.py import_results FILE --class ID [--dry-run] [--user USERNAME]

Imports the learners and results of a class (the template of `import_template results`, or
the organizer's own list): prints the preview's figures and every bad row, then enrols and
records all or nothing. Exit 0 when written (or a clean dry run), 1 when a row is bad, 2 for
a bad file, class or user."""

from django.utils.translation import gettext as _

from portal.spreadsheets.command import ImportCommand


class Command(ImportCommand):
    help = _("Nhập học viên và kết quả của một lớp bồi dưỡng từ tệp Excel: in kết quả kiểm tra, rồi ghi tất "
             "cả hoặc không ghi gì.")
    format_code = "results"
    target_option = "class"
