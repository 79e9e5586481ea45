from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.files import private_storage
from portal.jobs.registry import label_of, result_link_of


class Job(models.Model):
    """One piece of long work: what, for whom, how far, and its files."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        SUCCEEDED = "succeeded", _("Hoàn thành")
        FAILED = "failed", _("Bị lỗi")
        CANCELLED = "cancelled", _("Đã hủy")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(_("loại việc"), max_length=60)
    params = models.JSONField(_("tham số"), default=dict, encoder=DjangoJSONEncoder)
    # The parameters in canonical form, hashed: the same work asked twice is one job.
    params_key = models.CharField(max_length=64, editable=False)
    title = models.CharField(_("nội dung"), max_length=300, blank=True)
    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                     verbose_name=_("đơn vị"), related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     verbose_name=_("người yêu cầu"), related_name="jobs")
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    message = models.CharField(_("bước đang làm"), max_length=200, blank=True)
    error = models.CharField(_("lỗi"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    # Set when a worker claims the job; every later write of that run names it, so a run
    # that was taken for dead can never overwrite the run that replaced it.
    run_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("việc chạy nền")
        verbose_name_plural = _("việc chạy nền")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_percent"),
            # Asking again while the same work is queued or running gives that job.
            models.UniqueConstraint(fields=["kind", "params_key"], condition=Q(status__in=["queued", "running"]),
                                    name="job_once_while_active"),
        ]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="job_by_requester"),
            models.Index(fields=["status", "heartbeat_at"], name="job_by_status"),
            models.Index(fields=["finished_at"], name="job_by_finish"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_succeeded(self) -> bool:
        return self.status == self.Status.SUCCEEDED

    @property
    def kind_label(self) -> str:
        return label_of(self.kind)

    @property
    def result_link(self) -> tuple[str, str] | None:
        return result_link_of(self.kind, self.params)


def job_file_path(instance, filename):
    return f"jobs/{instance.job_id}/{filename}"


class JobFile(models.Model):
    """A file a job produced; attached only when the job succeeds."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("tệp"), storage=private_storage, upload_to=job_file_path, max_length=300)
    name = models.CharField(_("tên tệp"), max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp kết quả")
        verbose_name_plural = _("tệp kết quả")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name
