"""Report kinds (catalogue entries, not code), report runs with their files, and the
submissions that carry each unit's report up the tree (DESIGN.md §3, §4)."""

import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.asof import Period
from portal.files import private_storage
from portal.models import CatalogueEntry, Organization, OrgLevel


class ReportKind(CatalogueEntry):
    """What a report holds and when it is due. A new directive's report is a new entry."""

    title = models.CharField(_("tiêu đề báo cáo"), max_length=400,
                             help_text=_("Ví dụ: Báo cáo kết quả thực hiện Chỉ thị số 17-CT/TU"))
    directive = models.CharField(_("văn bản được báo cáo"), max_length=60, blank=True,
                                 help_text=_("Số, ký hiệu như viết trên văn bản, ví dụ 17-CT/TU"))
    # Numbers of calendar years one report may span: 1 (hằng năm), 3 (sơ kết), 5 (tổng kết).
    spans = models.JSONField(_("số năm của kỳ báo cáo"), default=list)
    due_month = models.PositiveSmallIntegerField(_("tháng hạn nộp"), default=2)
    due_day = models.PositiveSmallIntegerField(_("ngày hạn nộp"), default=22)
    opens_days_before = models.PositiveSmallIntegerField(_("mở báo cáo trước hạn (ngày)"), default=60)
    reminder_days = models.JSONField(_("nhắc trước hạn (ngày)"), default=list)
    # Codes of reports.indicators, in the order the report shows them.
    indicators = models.JSONField(_("chỉ tiêu"), default=list)
    # [{"code", "heading", "default"}]: the narrative sections and their default text.
    sections = models.JSONField(_("các phần của báo cáo"), default=list)
    reporting_levels = models.ManyToManyField(OrgLevel, blank=True, related_name="+",
                                              verbose_name=_("cấp phải báo cáo"))

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("loại báo cáo")
        verbose_name_plural = _("loại báo cáo")
        constraints = [
            CatalogueEntry.validity_constraint("reportkind_valid_dates"),
            models.CheckConstraint(condition=Q(due_month__gte=1, due_month__lte=12, due_day__gte=1, due_day__lte=31),
                                   name="reportkind_due_date"),
        ]

    def due_on(self, period: Period) -> datetime.date:
        """The deadline of a report on `period`: the kind's day of the year after it."""
        return datetime.date(period.end.year + 1, self.due_month, self.due_day)


class PeriodFields(models.Model):
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))

    class Meta:
        abstract = True

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end)


def report_file_path(instance, filename):
    return f"reports/{instance.run_id}/{filename}"


class ReportRun(PeriodFields):
    """One computation of a report: its figures, frozen as computed, and its files."""

    kind = models.ForeignKey(ReportKind, on_delete=models.PROTECT, related_name="runs", verbose_name=_("loại báo cáo"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="report_runs",
                                     verbose_name=_("đơn vị"))
    job = models.OneToOneField("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="report_run",
                               verbose_name=_("việc chạy nền"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("người yêu cầu"))
    figures = models.JSONField(_("số liệu"), null=True, blank=True, encoder=DjangoJSONEncoder)
    # The narrative sections as they stood when the run was asked for (a submission's run
    # prints what was submitted, whatever is edited afterwards).
    narrative = models.JSONField(_("nội dung"), default=dict, blank=True)
    number = models.CharField(_("số báo cáo"), max_length=60, blank=True)
    place = models.CharField(_("địa danh"), max_length=100, blank=True)
    computed_at = models.DateTimeField(_("tính lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("lần lập báo cáo")
        verbose_name_plural = _("lần lập báo cáo")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "kind", "period_end"], name="reportrun_unit")]
        constraints = [models.CheckConstraint(condition=Q(period_end__gte=F("period_start")),
                                              name="reportrun_period")]

    def __str__(self):
        return f"{self.kind.code} {self.organization} {self.period.label}"


class ReportFile(models.Model):
    """A file of a run. Written once per run and format; a submitted run's files never change."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        DOCX = "docx", "DOCX"
        PDF = "pdf", "PDF"

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(_("định dạng"), max_length=4, choices=Format.choices)
    file = models.FileField(_("tệp"), storage=private_storage, upload_to=report_file_path, max_length=300)
    name = models.CharField(_("tên tệp"), max_length=200)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp báo cáo")
        verbose_name_plural = _("tệp báo cáo")
        ordering = ["run", "format"]
        constraints = [models.UniqueConstraint(fields=["run", "format"], name="reportfile_once_per_format")]

    def __str__(self):
        return self.name


class Submission(PeriodFields):
    """A unit's report on a kind and period, from opening to acceptance by its superior."""

    class Status(models.TextChoices):
        OPEN = "open", _("Chưa làm")
        DRAFTING = "drafting", _("Đang soạn")
        SUBMITTED = "submitted", _("Đã nộp")
        ACCEPTED = "accepted", _("Đã nhận")
        RETURNED = "returned", _("Trả lại")

    EDITABLE = (Status.OPEN, Status.DRAFTING, Status.RETURNED)

    kind = models.ForeignKey(ReportKind, on_delete=models.PROTECT, related_name="submissions",
                             verbose_name=_("loại báo cáo"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="report_submissions",
                                     verbose_name=_("đơn vị"))
    due_on = models.DateField(_("hạn nộp"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # Nộp muộn: set by the calendar when the deadline passes unsubmitted, or on a late submission.
    late = models.BooleanField(_("nộp muộn"), default=False)
    number = models.CharField(_("số báo cáo"), max_length=60, blank=True, help_text=_("Ví dụ: 12-BC/ĐU"))
    place = models.CharField(_("địa danh"), max_length=100, blank=True)
    narrative = models.JSONField(_("nội dung"), default=dict, blank=True)  # section code -> text
    run = models.ForeignKey(ReportRun, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions",
                            verbose_name=_("số liệu đã nộp"))
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("người nộp"))
    decided_at = models.DateTimeField(_("cấp trên xử lý lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("người xử lý"))
    return_comment = models.TextField(_("ý kiến khi trả lại"), blank=True)
    reminders_sent = models.JSONField(default=list, blank=True)  # the kind's reminder days already sent
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("báo cáo của đơn vị")
        verbose_name_plural = _("báo cáo của đơn vị")
        ordering = ["-period_end", "kind", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "organization", "period_start", "period_end"],
                                    name="submission_once_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="submission_period"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="submission_due")]

    def __str__(self):
        return f"{self.kind.code} {self.organization} {self.period.label}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class SubmissionEvent(models.Model):
    """What happened to a submission: submitted, accepted, returned (with the comment)."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Nộp")
        ACCEPTED = "accepted", _("Nhận")
        RETURNED = "returned", _("Trả lại")
        REMINDED = "reminded", _("Nhắc hạn")
        MARKED_LATE = "late", _("Đánh dấu nộp muộn")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("việc"), max_length=10, choices=Action.choices)
    comment = models.TextField(_("ý kiến"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+", verbose_name=_("người làm"))
    at = models.DateTimeField(_("lúc"))

    class Meta:
        verbose_name = _("diễn biến báo cáo")
        verbose_name_plural = _("diễn biến báo cáo")
        ordering = ["submission", "at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%d/%m/%Y %H:%M}"


class NarrativeRevision(models.Model):
    """A saved state of one narrative section: the history of what the unit wrote."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="revisions")
    section = models.CharField(_("phần"), max_length=40)
    text = models.TextField(_("nội dung"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("người viết"))
    saved_at = models.DateTimeField(_("lưu lúc"))

    class Meta:
        verbose_name = _("lịch sử nội dung báo cáo")
        verbose_name_plural = _("lịch sử nội dung báo cáo")
        ordering = ["submission", "section", "-saved_at", "-id"]
        indexes = [models.Index(fields=["submission", "section", "saved_at"], name="narrative_history")]

    def __str__(self):
        return f"{self.section} {self.saved_at:%d/%m/%Y %H:%M}"
