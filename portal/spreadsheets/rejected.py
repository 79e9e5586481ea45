"""The rows an import refused, as an XLSX ready to fix and upload again: the file's own
header, the original cells (dates stay dates) and a last column with the reasons."""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.printing.xlsx import neutralise

DATE_FORMAT = "dd/mm/yyyy"


def write_rejected(stream_or_path, header: list[str], rows: Iterable[tuple[list, str]]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Dòng lỗi"))
    width = len(header)
    bold = Font(bold=True)
    titles = [*header, _("Lý do")]
    row_cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, neutralise(title))
        cell.font = bold
        row_cells.append(cell)
    sheet.append(row_cells)
    for cells, reason in rows:
        padded = list(cells[:width]) + [None] * max(0, width - len(cells))
        sheet.append([_cell(sheet, value) for value in padded] + [neutralise(reason)])
    workbook.save(stream_or_path)


def _cell(sheet, value):
    if hasattr(value, "year") and hasattr(value, "month"):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    return neutralise(value)
