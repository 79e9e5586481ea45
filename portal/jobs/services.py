"""Starting, running, watching and cancelling jobs. Every change of a job's state is a
conditional UPDATE, so two workers, a re-delivered message or a run taken for dead can
never both win."""

import datetime
import hashlib
import json
import logging
import threading
import uuid

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portal import access
from portal.audit import acting_as
from portal.files import private_storage
from portal.jobs.models import Job, JobFile
from portal.jobs.registry import JobError, get_kind

log = logging.getLogger(__name__)


class Superseded(Exception):
    """The job is no longer this run's: cancelled, or queued again after it was taken for dead."""


def _canonical(params: dict) -> tuple[dict, str]:
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    return json.loads(text), hashlib.sha256(text.encode()).hexdigest()


def _active(kind: str, key: str) -> Job | None:
    return Job.objects.filter(kind=kind, params_key=key, status__in=Job.ACTIVE).first()


def start_job(kind: str, params: dict, *, by, send_to_workers: bool = True) -> Job:
    """The one way to start long work: a job row now, its message to the worker once the
    transaction commits. The same kind and parameters asked again while a job is queued or
    running gives that job. `send_to_workers=False`: the caller runs it in its own process
    with `run_job` (a management command); left queued, the watcher sends it later."""
    job_kind = get_kind(kind)
    params, key = _canonical(params)
    organization = job_kind.organization(params)
    if organization is not None and not access.may(by, job_kind.action, organization):
        raise PermissionDenied(_("Bạn không có quyền thực hiện việc này ở đơn vị %(unit)s.")
                               % {"unit": organization.name})
    with transaction.atomic():
        existing = _active(kind, key)
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    kind=kind, params=params, params_key=key, organization=organization,
                    title=str(job_kind.describe(params))[:300] if job_kind.describe else "",
                    requested_by=by if getattr(by, "is_authenticated", False) else None,
                    message=_("Đang chờ đến lượt"))
        except IntegrityError:  # the same work asked at the same moment: that one wins
            return _active(kind, key)
        if send_to_workers:
            transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> None:
    """Send "run job N" to the workers. If the broker cannot be reached the job stays
    queued and `watch_jobs` sends it again later."""
    from portal.jobs.tasks import run_job

    Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(enqueued_at=timezone.now())
    try:
        run_job.apply_async(args=[job_id])
    except Exception:  # noqa: BLE001 - the broker is down: the watcher resends
        log.warning("job %s: could not reach the broker, it will be sent again", job_id, exc_info=True)


class JobRun:
    """One run of a job, handed to the job kind's `run`: it reports progress and saves
    files. Files are attached to the job only if the run succeeds."""

    def __init__(self, job: Job, token: uuid.UUID):
        self.job = job
        self.params = job.params
        self.token = token
        self.folder = f"jobs/{job.pk}/{token.hex}"
        self._saved: list[tuple[str, str, str, int]] = []

    def _mine(self):
        return Job.objects.filter(pk=self.job.pk, run_token=self.token, status=Job.Status.RUNNING)

    def progress(self, percent: float, message: str) -> None:
        """Report how far the work is (0–100) and the step it is on, in Vietnamese. Raises
        `Superseded` when the job was cancelled meanwhile, which ends the run."""
        if not self._mine().update(progress=max(0, min(100, int(percent))), message=str(message)[:200],
                                   heartbeat_at=timezone.now()):
            raise Superseded

    def save_file(self, name: str, content: bytes | File, content_type: str) -> None:
        """Keep a result file; `name` is what the person downloads ("Tiến độ học tập.xlsx").
        `content` is the bytes, or a File (a large file written on disk is copied piece by piece)."""
        stem, dot, extension = name.rpartition(".")
        stored_name = f"{slugify(stem) or 'tep'}{dot}{slugify(extension)}" if dot else slugify(name) or "tep"
        upload = content if isinstance(content, File) else ContentFile(content)
        stored = private_storage().save(f"{self.folder}/{stored_name}", upload)
        self._saved.append((stored, name, content_type, upload.size))

    def finish(self) -> None:
        now = timezone.now()
        with transaction.atomic():
            if not self._mine().update(status=Job.Status.SUCCEEDED, progress=100, message=_("Hoàn thành"),
                                       finished_at=now, heartbeat_at=now):
                raise Superseded
            JobFile.objects.bulk_create([
                JobFile(job_id=self.job.pk, file=stored, name=name, content_type=content_type, size=size)
                for stored, name, content_type, size in self._saved])

    def fail(self, error: str) -> None:
        self._mine().update(status=Job.Status.FAILED, error=error[:500], message=_("Không hoàn thành"),
                            finished_at=timezone.now())
        self.discard_files()

    def discard_files(self) -> None:
        storage = private_storage()
        for stored, *_rest in self._saved:
            storage.delete(stored)
        self._saved.clear()


class _Heartbeat(threading.Thread):
    """Says the run is alive while a long step gives no progress, on its own connection."""

    def __init__(self, run: JobRun):
        super().__init__(name=f"job-{run.job.pk}-heartbeat", daemon=True)
        self._run = run
        self._stopped = threading.Event()

    def run(self):
        try:
            while not self._stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                self._run._mine().update(heartbeat_at=timezone.now())
        finally:
            connection.close()

    def stop(self):
        self._stopped.set()
        self.join(timeout=10)


def run_job(job_id: int) -> None:
    """Claim the job if it is queued (else another worker has it, or it has ended), run
    its kind's work, and record the outcome. Safe to call twice, at once or after a kill."""
    token = uuid.uuid4()
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, run_token=token, attempts=F("attempts") + 1, started_at=now,
        heartbeat_at=now, progress=0, message=_("Bắt đầu"), error="")
    if not claimed:
        return
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    run = JobRun(job, token)
    _discard_files_of_dead_runs(job.pk, keep=run.folder)
    heartbeat = _Heartbeat(run)
    heartbeat.start()
    try:
        with acting_as(job.requested_by, f"job {job.kind} #{job.pk}"):
            get_kind(job.kind).run(run)
        run.finish()
    except Superseded:
        run.discard_files()
    except JobError as error:
        run.fail(str(error))
    except SoftTimeLimitExceeded:
        run.fail(_("Việc chạy quá thời gian cho phép (%(n)d phút) nên đã dừng. Vui lòng thử lại hoặc báo "
                   "quản trị viên.") % {"n": settings.JOB_MAX_SECONDS // 60})
    except Exception:
        log.exception("job %s (%s) failed with params %s", job.pk, job.kind, job.params)
        run.fail(_("Đã xảy ra lỗi khi thực hiện việc này; lỗi đã được ghi lại để quản trị viên xử lý. "
                   "Vui lòng thử lại sau."))
    finally:
        heartbeat.stop()


def _discard_files_of_dead_runs(job_id: int, *, keep: str) -> None:
    """Files that a run taken for dead had written: never attached, never served."""
    storage = private_storage()
    root = f"jobs/{job_id}"
    try:
        folders, _files = storage.listdir(root)
    except FileNotFoundError:
        return
    for folder in folders:
        path = f"{root}/{folder}"
        if path != keep:
            for name in storage.listdir(path)[1]:
                storage.delete(f"{path}/{name}")


def cancel_job(job: Job) -> bool:
    """Stop a queued or running job; a running one stops at its next step."""
    return bool(Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE).update(
        status=Job.Status.CANCELLED, run_token=None, message=_("Đã hủy theo yêu cầu"),
        finished_at=timezone.now()))


def watch_jobs() -> dict[str, int]:
    """Run by beat: a running job whose heartbeat stopped (its worker died) is queued
    again, up to JOB_MAX_ATTEMPTS runs, then failed with a message; a queued job whose
    message the broker may have lost (restarted, unreachable) is sent again."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    for job in Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=stale).only("pk", "run_token",
                                                                                         "attempts"):
        same_run = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, run_token=job.run_token)
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            counts["failed"] += same_run.update(
                status=Job.Status.FAILED, run_token=None, finished_at=now, message=_("Không hoàn thành"),
                error=_("Việc bị gián đoạn %(n)d lần (máy chạy nền dừng đột ngột) nên đã dừng hẳn. Vui lòng "
                        "thử lại; nếu vẫn lỗi, báo quản trị viên.") % {"n": job.attempts})
        elif same_run.update(status=Job.Status.QUEUED, run_token=None,
                             message=_("Bị gián đoạn, đang chờ chạy lại")):
            enqueue(job.pk)
            counts["requeued"] += 1
    resend_before = now - datetime.timedelta(seconds=settings.JOB_RESEND_AFTER_SECONDS)
    for pk in Job.objects.filter(Q(enqueued_at__lt=resend_before) | Q(enqueued_at__isnull=True),
                                 status=Job.Status.QUEUED, created_at__lt=resend_before).values_list("pk", flat=True):
        enqueue(pk)
        counts["resent"] += 1
    return counts


def remove_expired_files(*, now: datetime.datetime | None = None) -> int:
    """Generated files are kept JOB_FILES_KEEP_DAYS days after their job ended."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.JOB_FILES_KEEP_DAYS)
    expired = JobFile.objects.filter(job__finished_at__lt=cutoff)
    storage = private_storage()
    removed = 0
    for job_file in expired.only("pk", "file").iterator():
        storage.delete(job_file.file.name)  # a missing file is no error: safe to run twice
        job_file.delete()
        removed += 1
    return removed
