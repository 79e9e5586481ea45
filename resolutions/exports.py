"""A study campaign's follow-up exported to Excel, CSV and PDF, as a background job
(portal.jobs): the rows and figures of the follow-up page (`campaign_progress`), over the
subtree of one unit the requester reaches, in the Party's document layout for the PDF. The
file is written on disk, then stored, never held whole in memory."""

import tempfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.access import Action, get_visible_or_404, may, reach_of, system_reach
from portal.jobs import JobError, JobKind
from portal.jobs.models import Job
from portal.jobs.services import start_job
from portal.models import Organization, Position
from portal.printing import (
    Column,
    Document,
    Heading,
    Paragraph,
    Row,
    Sheet,
    Signature,
    Table,
    format_number,
    format_value,
    render_pdf,
    write_xlsx,
)
from portal.spreadsheets.export import CONTENT_TYPES, INTEGER_FORMAT, file_on_disk, write_csv
from portal.spreadsheets.export import Column as ListColumn
from resolutions.models import StudyCampaign
from resolutions.selectors.documents import UnitProgress, campaign_day, campaign_progress

KIND = "study.campaign_export"
FORMATS = {"xlsx": ("xlsx", CONTENT_TYPES["xlsx"]), "csv": ("csv", CONTENT_TYPES["csv"]),
           "pdf": ("pdf", "application/pdf")}
FORMAT_CHOICES = [("xlsx", "Excel (xlsx)"), ("csv", "CSV"), ("pdf", "PDF")]


def export_params(campaign: StudyCampaign, unit: Organization, file_format: str) -> dict:
    return {"campaign": campaign.pk, "unit": unit.pk, "format": file_format}


def export_unit(user, campaign: StudyCampaign, unit_code: str | None = None) -> Organization:
    """The unit whose subtree the export covers: the one named, else the campaign's unit
    if the user reaches it, else the one top of his reach inside the campaign."""
    inside = Organization.objects.filter(path__startswith=campaign.organization.path, active=True)
    if unit_code:
        return get_visible_or_404(inside, user, code=unit_code)
    if may(user, Action.VIEW, campaign.organization):
        return campaign.organization
    tops = list(inside.filter(path__in=reach_of(user).paths_for(Action.VIEW)).order_by("path")[:2])
    if not tops:
        raise Http404
    if len(tops) > 1:
        raise ValidationError(_("Bạn phụ trách nhiều đơn vị trong đợt học tập này: hãy chọn đơn vị cần xuất."))
    return tops[0]


def start_export(*, by, campaign: StudyCampaign, file_format: str, unit_code: str | None = None) -> Job:
    if file_format not in FORMATS:
        raise ValidationError(_("Định dạng tệp phải là xlsx (Excel), csv hoặc pdf."))
    unit = export_unit(by, campaign, unit_code)
    return start_job(KIND, export_params(campaign, unit, file_format), by=by)


def _unit(params: dict) -> Organization:
    return Organization.objects.get(pk=params["unit"])


def _subject(campaign: StudyCampaign) -> str:
    """The campaign in a few words: its document's number-symbol, else its title's start."""
    if campaign.document_id:
        return campaign.document.number_symbol
    return Truncator(campaign.title).words(8, truncate="…")


def describe(params: dict) -> str:
    campaign = StudyCampaign.objects.select_related("document").filter(pk=params["campaign"]).first()
    subject = _subject(campaign) if campaign else "—"
    return f"{subject} · {_unit(params).name} · {params['format'].upper()}"


# The report and the spreadsheet below are Party documents: written in Vietnamese whatever
# the language of the page that asked for them.


def status_label(row: UnitProgress) -> str:
    """The state the follow-up page shows beside a unit."""
    if row.dissolved_on:
        return f"Ngừng hoạt động từ {row.dissolved_on:%d/%m/%Y}"
    if row.held:
        return "Đã tổ chức" if row.sessions_on_time else "Tổ chức sau hạn"
    if row.late:
        return "Quá hạn, chưa tổ chức"
    if row.covered:
        return "Học cùng cấp trên"
    return "Chưa tổ chức" if row.expected else ""


def _share(row: UnitProgress) -> float | None:
    return round(row.subtree_share, 4) if row.subtree_share is not None else None


# The follow-up's columns, described once: the table of the XLSX and the PDF, and the CSV.
# Widths are relative, as a printed table takes them.
COLUMNS = [
    ListColumn("Đơn vị", lambda row: row.name, width=5),
    ListColumn("Phải học", lambda row: row.subtree_expected, INTEGER_FORMAT, width=1.3),
    ListColumn("Đã học", lambda row: row.subtree_attended, INTEGER_FORMAT, width=1.3),
    ListColumn("Tỷ lệ", _share, "0.0%", width=1.2),
    ListColumn("Số buổi", lambda row: row.sessions, INTEGER_FORMAT, width=1),
    ListColumn("Tình trạng", status_label, width=2.4),
]


def _table(rows: list[UnitProgress], *, top_depth: int) -> Table:
    return Table(
        columns=[Column(column.title, width=column.width, align="right" if column.number_format else "left",
                        number_format=column.number_format) for column in COLUMNS],
        rows=(Row([column.read(row) for column in COLUMNS], indent=row.depth - top_depth,
                  bold=row.depth == top_depth) for row in rows))


def _signer(unit: Organization) -> tuple[list[str], str]:
    """The unit's current head (the first managing position by the catalogue's order)."""
    head = (Position.objects.current(timezone.localdate()).filter(organization=unit, role__manages_subtree=True)
            .select_related("person", "role").order_by("role__sort_order").first())
    authority = [f"T/M {unit.name.upper()}"]
    if head is None:
        return authority, ""
    return [*authority, head.role.name.upper()], head.person.full_name


def report_document(campaign: StudyCampaign, unit: Organization, rows: list[UnitProgress],
                    top: UnitProgress) -> Document:
    """The follow-up as a BÁO CÁO in the Party's layout (the PDF export prints it)."""
    today = timezone.localdate()
    counted_on = campaign_day(campaign, today)
    late = [row for row in rows if row.late]
    share = format_value(top.subtree_share or 0, "0.0%")

    def count(value: int) -> str:
        return format_value(value, "#,##0")

    authority, signer = _signer(unit)
    return Document(
        superior=unit.parent.name.upper() if unit.parent_id else "",
        issuer=unit.name.upper(), number_symbol="-BC", place=settings.PRINT_PLACE_NAME, date=today,
        kind="BÁO CÁO", summary=f"Tiến độ học tập, quán triệt {campaign.title}",
        body=[
            Paragraph(f"Thực hiện đợt học tập, quán triệt từ ngày {campaign.starts_on:%d/%m/%Y} đến ngày "
                      f"{campaign.deadline:%d/%m/%Y}, tính đến ngày {counted_on:%d/%m/%Y}, kết quả như sau:"),
            Heading("I. KẾT QUẢ CHUNG"),
            Paragraph(f"{count(top.subtree_attended)}/{count(top.subtree_expected)} đảng viên đã học ({share}); "
                      f"{count(top.subtree_done)}/{count(top.subtree_units)} đơn vị đã tổ chức; "
                      f"{count(top.subtree_late)} đơn vị quá hạn."),
            Heading("II. TIẾN ĐỘ THEO ĐƠN VỊ"),
            _table(rows, top_depth=top.depth),
            Heading("III. ĐƠN VỊ QUÁ HẠN"),
            *([Paragraph("- " + row.name) for row in late] or [Paragraph("Không có đơn vị quá hạn.")]),
        ],
        recipients=["Cấp ủy cấp trên (để báo cáo),", "Các đơn vị trực thuộc,", "Lưu Văn phòng."],
        signature=Signature(authority, signer),
    )


def _pdf(stream, campaign: StudyCampaign, unit: Organization, rows: list[UnitProgress], top: UnitProgress) -> None:
    render_pdf(report_document(campaign, unit, rows, top), stream)


def _csv(stream, campaign: StudyCampaign, unit: Organization, rows: list[UnitProgress], top: UnitProgress) -> None:
    write_csv(stream, COLUMNS, rows)


def _xlsx(stream, campaign: StudyCampaign, unit: Organization, rows: list[UnitProgress], top: UnitProgress) -> None:
    title = f"TIẾN ĐỘ HỌC TẬP, QUÁN TRIỆT: {campaign.title.upper()}"
    subtitle = (f"{unit.name} và cấp dưới · từ {campaign.starts_on:%d/%m/%Y}, hoàn thành trước "
                f"{campaign.deadline:%d/%m/%Y} · số liệu đến {campaign_day(campaign, timezone.localdate()):%d/%m/%Y}")
    write_xlsx(stream, [Sheet("Tiến độ", _table(rows, top_depth=top.depth), title_lines=[title, subtitle])])


BUILDERS = {"xlsx": _xlsx, "csv": _csv, "pdf": _pdf}


def run_export(run) -> None:
    params = run.params
    extension, content_type = FORMATS[params["format"]]
    campaign = StudyCampaign.objects.select_related("organization", "document").filter(pk=params["campaign"]).first()
    if campaign is None:
        raise JobError(_("Đợt học tập này không còn nữa."))
    unit = _unit(params)
    run.progress(5, _("Đang tính số liệu theo đơn vị…"))
    rows = [row for row in campaign_progress(campaign=campaign, viewer=system_reach(unit))
            if row.current_path.startswith(unit.path)]
    if not rows:
        raise JobError(_("Đơn vị %(unit)s không thuộc đợt học tập này.") % {"unit": unit.name})
    run.progress(40, _("Đang tạo tệp %(format)s cho %(n)s đơn vị…") % {"format": extension.upper(),
                                                                     "n": format_number(len(rows))})
    subject = _subject(campaign).replace("/", "-")
    name = f"Tiến độ học tập {subject} - {unit.name} - {timezone.localdate():%d-%m-%Y}.{extension}"
    with tempfile.TemporaryFile() as handle:
        BUILDERS[extension](handle, campaign, unit, rows, rows[0])
        run.progress(90, _("Đang lưu tệp…"))
        run.save_file(name, file_on_disk(handle, name), content_type)


CAMPAIGN_EXPORT = JobKind(code=KIND, label=gettext_lazy("Xuất tiến độ đợt học tập"), action=Action.VIEW,
                          organization=_unit, run=run_export, describe=describe)
