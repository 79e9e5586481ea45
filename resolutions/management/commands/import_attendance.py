"""python manage.py import_attendance FILE --session ID [--dry-run] [--user USERNAME]

Imports the attendance sheet of a study session (the template of `import_template attendance`,
or the unit's own sheet): prints the preview's figures and every bad row, then saves the
whole sheet as the attendance screen does, or nothing. Exit 0 when written (or a clean dry
run), 1 when a row is bad, 2 for a bad file, session or user."""

from django.utils.translation import gettext as _

from portal.spreadsheets.command import ImportCommand


class Command(ImportCommand):
    help = _("Nhập điểm danh một buổi sinh hoạt từ tệp Excel: in kết quả kiểm tra, rồi ghi cả danh sách "
             "hoặc không ghi gì.")
    format_code = "attendance"
    target_option = "session"
