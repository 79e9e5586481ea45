"""A report's figures (`reports.indicators.compute_report`) as the documents a unit sends up:
a BÁO CÁO in the Party's layout (DOCX, PDF, DOMAIN.md §6) and a workbook with one sheet per
table (XLSX). Only the figures dict is read, never the database, so a run's files print
exactly the figures it froze, and every number goes through `portal.printing`'s Vietnamese
writing ("1.127", "58,2%").

The documents are in Vietnamese whatever the language of the page that asked for them.
"""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from portal.printing import (
    Column,
    Document,
    Heading,
    Paragraph,
    Row,
    Sheet,
    Signature,
    Table,
    render_docx,
    render_pdf,
)
from portal.printing import write_xlsx as write_sheets
from reports.indicators import COUNT, PERCENT, TEXT, target_text
from reports.models import ReportKind

COUNT_FORMAT, PERCENT_FORMAT = "#,##0", "0.0%"
SUMMARY_SHEET = "Tổng hợp"

# "Đảng bộ tỉnh Tây Ninh" is issued as "TỈNH ỦY TÂY NINH", "Đảng bộ xã Hiệp Lộc" as "ĐẢNG ỦY XÃ
# HIỆP LỘC": the committee issues for the đảng bộ. (prefix of the unit's name, body, symbol)
ISSUING_BODIES = [
    ("đảng bộ tỉnh", "Tỉnh ủy", "TU"),
    ("đảng bộ thành phố", "Thành ủy", "TU"),
    ("đảng bộ huyện", "Huyện ủy", "HU"),
    ("đảng bộ thị xã", "Thị ủy", "TU"),
    ("đảng bộ", "Đảng ủy", "ĐU"),
    ("chi bộ", "Chi bộ", "CB"),
]


def issuing_body(name: str) -> tuple[str, str]:
    """The body that signs for a unit ("Đảng ủy xã Hiệp Lộc") and its symbol in a number ("ĐU")."""
    lowered = name.lower()
    for prefix, body, symbol in ISSUING_BODIES:
        if lowered == prefix or lowered.startswith(prefix + " "):
            return f"{body} {name[len(prefix):].strip()}".strip(), symbol
    return name, ""


def _signing_body(issuer: str) -> str:
    """ "T/M ĐẢNG ỦY", "T/M CHI BỘ", "T/M TỈNH ỦY": the body without the unit's place name."""
    return next((body.upper() for _prefix, body, _symbol in ISSUING_BODIES if issuer.startswith(body)),
                issuer.upper())


def report_summary(kind: ReportKind, figures: dict) -> str:
    """The summary line under "BÁO CÁO": the kind's title without its leading "Báo cáo",
    then "năm 2025" or "giai đoạn 2021–2025"."""
    title = re.sub(r"^\s*báo cáo\s+", "", kind.title, flags=re.IGNORECASE)
    title = title[:1].upper() + title[1:]
    period = figures["period"]
    when = f"năm {period['label']}" if period["years"] == 1 else f"giai đoạn {period['label']}"
    return f"{title} {when}"


def _heading_level(heading: str) -> int:
    """ "I. …" is a first-level heading, "1. …" a second, "a) …" a third."""
    if re.match(r"^[IVXLC]+\.", heading):
        return 1
    if re.match(r"^\d+\.", heading):
        return 2
    return 3


def _paragraphs(text: str) -> list[Paragraph]:
    return [Paragraph(line.strip()) for line in text.splitlines() if line.strip()]


def _has_text_below(following: list[dict], level: int, texts: dict) -> bool:
    """Whether a section nested under one of `level` (the sections up to the next of its
    level) has text: an empty section is left out unless it heads one that is not."""
    for section in following:
        if _heading_level(section["heading"]) <= level:
            return False
        if texts[section["code"]]:
            return True
    return False


def printing_table(table: dict, *, with_total: bool = True) -> Table:
    """A table of the figures as `portal.printing` prints it: counts and percents right-aligned
    as numbers (a percentage 58.2 becomes 0.582 with a "%" format, as Excel holds it), the
    total in bold."""
    columns = []
    for index, spec in enumerate(table["columns"]):
        if spec["kind"] == TEXT:
            columns.append(Column(spec["label"], width=4 if index == 0 else 2.5))
        else:
            columns.append(Column(spec["label"], width=1.4, align="right",
                                  number_format=PERCENT_FORMAT if spec["kind"] == PERCENT else COUNT_FORMAT))
    kinds = [spec["kind"] for spec in table["columns"]]

    def cells(values: list) -> list:
        return [_cell(value, kind) for value, kind in zip(values, kinds, strict=True)]

    rows = [Row(cells(values)) for values in table["rows"]]
    if with_total and table.get("total"):
        rows.append(Row(cells(table["total"]), bold=True))
    return Table(columns=columns, rows=rows, font_size=12 if len(columns) > 4 else None)


def _cell(value, kind: str):
    if kind == PERCENT and value is not None:
        return Decimal(str(value)) / 100
    return value


def _tables(figures: dict) -> list[dict]:
    return [table for block in figures["indicators"] for table in block["tables"] if table["rows"]]


def _situation_blocks(figures: dict) -> list:
    blocks = []
    for number, block in enumerate(figures["indicators"], start=1):
        blocks.append(Heading(f"{number}. {block['title']}", level=2))
        blocks.extend(Paragraph(sentence) for sentence in block["sentences"])
    for number, table in enumerate(_tables(figures), start=1):
        blocks.append(Paragraph(f"Bảng {number}. {table['title']}", bold=True, italic=True))
        blocks.append(printing_table(table))
    blocks.append(Paragraph("Ghi chú:", bold=True, italic=True))
    blocks.extend(Paragraph(note, italic=True) for note in figures["notes"])
    return blocks


def report_document(figures: dict, kind: ReportKind, narrative: dict | None = None, *, number: str = "",
                    place: str = "", day: datetime.date | None = None, signer: str = "") -> Document:
    """The report as a Party document. Each of the kind's sections in order, with the text
    the unit wrote (`narrative`, by section code) or the kind's default; the section
    "situation" gets every indicator's sentences after its text, then the tables. `number`
    as given ("12-BC/ĐU") or a blank number for the office to fill."""
    narrative = narrative or {}
    unit = figures["unit"]
    issuer, symbol = issuing_body(unit["name"])
    superior = issuing_body(unit["superior"])[0] if unit.get("superior") else ""
    texts = {section["code"]: _paragraphs(narrative.get(section["code"]) or section.get("default") or "")
             for section in kind.sections}
    body = []
    for index, section in enumerate(kind.sections):
        level = _heading_level(section["heading"])
        blocks = [*texts[section["code"]], *(_situation_blocks(figures) if section["code"] == "situation" else [])]
        if blocks or _has_text_below(kind.sections[index + 1:], level, texts):
            body.extend([Heading(section["heading"], level=level), *blocks])
    is_cell = unit.get("is_cell")
    recipients = [*([f"{superior} (b/c),"] if superior else []),
                  *([] if is_cell else ["Các tổ chức đảng trực thuộc,"]), "Lưu văn phòng."]
    return Document(
        superior=superior.upper(), issuer=issuer.upper(), number_symbol=number or f"-BC/{symbol}",
        place=place or settings.PRINT_PLACE_NAME, date=day or timezone.localdate(), kind="BÁO CÁO",
        summary=report_summary(kind, figures), body=body, recipients=recipients,
        signature=Signature([f"T/M {_signing_body(issuer)}", "BÍ THƯ"], signer),
    )


def _summary_table(figures: dict) -> Table:
    columns = [Column("Nhóm chỉ tiêu", width=3), Column("Số liệu", width=5),
               Column("Số lượng", width=1.3, align="right", number_format=COUNT_FORMAT),
               Column("Trên tổng số", width=1.3, align="right", number_format=COUNT_FORMAT),
               Column("Tỷ lệ", width=1.2, align="right", number_format=PERCENT_FORMAT),
               Column("Chỉ tiêu", width=2.5)]
    rows = []
    for block in figures["indicators"]:
        for item in block["figures"]:
            if item["kind"] == COUNT:
                numbers = [item["value"], None, None]
            else:
                numbers = [item["done"], item["total"], _cell(item["percent"], PERCENT)]
            rows.append([block["title"], item["label"], *numbers, target_text(item).strip(" ()")])
    return Table(columns=columns, rows=rows)


def write_xlsx(figures: dict, stream_or_path) -> None:
    """The figures as a workbook: "Tổng hợp" with every figure, then one sheet per table."""
    unit, period = figures["unit"], figures["period"]
    heading = f"{unit['name']} · {period['label']} · số liệu chốt ngày " \
              f"{datetime.date.fromisoformat(figures['snapshot_day']):%d/%m/%Y}"
    sheets = [Sheet(SUMMARY_SHEET, _summary_table(figures),
                    title_lines=[figures["kind"]["name"].upper(), heading])]
    for number, table in enumerate(_tables(figures), start=1):
        sheets.append(Sheet(f"{number}. {table['title']}", printing_table(table),
                            title_lines=[f"Bảng {number}. {table['title']}".upper(), heading]))
    write_sheets(stream_or_path, sheets)


# The document in the Party layout, as portal.printing renders every printed document.
write_docx = render_docx
write_pdf = render_pdf
