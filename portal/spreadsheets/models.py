"""An import of a spreadsheet: the stored file, what it would do (the preview) and what it did."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.files import private_storage


def import_file_path(instance, filename):
    return f"imports/{instance.format_code}/{instance.sha256[:2]}/{instance.sha256}.{filename.rpartition('.')[2]}"


def rejected_file_path(instance, filename):
    return f"imports/{instance.format_code}/{instance.sha256[:2]}/{instance.sha256}-{instance.pk}-loi.xlsx"


class ImportBatch(models.Model):
    """One file submitted for one target (a unit, a session, a class). Its preview is
    computed without writing; confirming re-reads the stored file and writes all or nothing."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("Đang kiểm tra tệp")
        PREVIEWED = "previewed", _("Chờ xác nhận")
        REFUSED = "refused", _("Tệp bị từ chối")
        APPLYING = "applying", _("Đang nhập")
        APPLIED = "applied", _("Đã nhập")
        FAILED = "failed", _("Nhập không thành công")

    format_code = models.CharField(_("loại dữ liệu"), max_length=40)
    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("đơn vị"))
    target_id = models.CharField(max_length=60)
    file = models.FileField(_("tệp"), storage=private_storage, upload_to=import_file_path, max_length=300)
    filename = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.PLANNING)
    # Counts: total, created, changed, unchanged, problems, bad_rows (and, once applied, "written").
    summary = models.JSONField(_("tóm tắt"), default=dict)
    # What the page shows: the first created and changed rows, the problems (both capped).
    preview = models.JSONField(default=dict)
    error = models.CharField(_("lỗi"), max_length=500, blank=True)
    rejected_file = models.FileField(storage=private_storage, upload_to=rejected_file_path, max_length=300,
                                     blank=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("người nhập"))
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    applied_at = models.DateTimeField(_("nhập lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lần nhập tệp")
        verbose_name_plural = _("lần nhập tệp")
        ordering = ["-created_at", "-id"]
        indexes = [
            # "This file for this target already": one lookup at every upload.
            models.Index(fields=["format_code", "target_id", "sha256"], name="importbatch_same_file"),
            models.Index(fields=["organization", "-created_at"], name="importbatch_org"),
        ]
        constraints = [
            # Confirmed at most once: a second confirmation of the same file finds this one.
            models.UniqueConstraint(fields=["format_code", "target_id", "sha256"],
                                    condition=models.Q(status__in=["applying", "applied"]),
                                    name="importbatch_applied_once"),
        ]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def problem_count(self) -> int:
        return self.summary.get("problems", 0)

    @property
    def is_ready(self) -> bool:
        """Previewed without a problem: may be confirmed."""
        return self.status == self.Status.PREVIEWED and not self.problem_count
