"""Certificates (issue 8, point 5): issuing the certificates of a class, numbered in its
organizer's register of the year without gap or duplicate; their PDF in the Party layout
with a QR code to the public verification page; revocation with a reason.

Numbers: a batch of enrolments is locked (in id order), those still without a certificate
are read again after the lock (READ COMMITTED: a new statement sees what a concurrent run
committed), then the register row is locked and moved on by the batch's size, and the
certificates are written, all in one short transaction. So two runs on the same class
never issue twice (and the OneToOne would refuse it anyway), runs on different classes of
one organizer take consecutive numbers, and a run killed between batches leaves no gap:
the next run picks up the enrolments left. The PDFs are made after each batch commits,
outside the register's lock; a certificate without its PDF (a run killed meanwhile) gets
it at the next run."""

import datetime
import io
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.access import Action
from portal.jobs import JobError, JobKind
from portal.jobs.models import Job
from portal.jobs.services import start_job
from portal.models import Organization, Position
from portal.printing import Document, Paragraph, QrCode, Signature, render_pdf
from training.models import Certificate, CertificateRegister, Enrollment, TrainingClass
from training.selectors.classes import rule_in_force

KIND = "training.certificates_issue"
BATCH = 50
REVOKE_REASON_MAX = 300


# --- Rules -----------------------------------------------------------------------------------


def certifies(training_class: TrainingClass) -> bool:
    """The rule of the class's type in force on its start date gives certificates."""
    rule = rule_in_force(training_class.class_type, training_class.starts_on)
    return bool(rule and rule.certifies)


def to_issue(training_class: TrainingClass):
    """The passed learners of the class who have no certificate yet."""
    return Enrollment.objects.filter(training_class=training_class, result=Enrollment.Result.PASSED,
                                     certificate__isnull=True)


def without_pdf(training_class: TrainingClass):
    return Certificate.objects.filter(enrollment__training_class=training_class, pdf="")


def check_can_issue(training_class: TrainingClass) -> None:
    """Refuse, naming the rule, a class whose certificates cannot be issued."""
    if not certifies(training_class):
        raise ValidationError(_("Loại lớp %(type)s không cấp giấy chứng nhận (theo quy định có hiệu lực ngày "
                                "khai giảng %(day)s).") % {"type": training_class.class_type.name,
                                                          "day": f"{training_class.starts_on:%d/%m/%Y}"})
    if not Enrollment.objects.filter(training_class=training_class, result=Enrollment.Result.PASSED).exists():
        raise ValidationError(_("Lớp chưa có học viên nào có kết quả đạt: hãy nhập kết quả trước khi cấp giấy "
                                "chứng nhận."))


# --- Numbers ---------------------------------------------------------------------------------


def _locked_register(organizer_id: int, year: int) -> CertificateRegister:
    """The register of (organizer, year), created if missing (INSERT … ON CONFLICT DO
    NOTHING: two first issuers at once both find the one row), locked till commit."""
    CertificateRegister.objects.bulk_create([CertificateRegister(organizer_id=organizer_id, year=year)],
                                            ignore_conflicts=True)
    return CertificateRegister.objects.select_for_update().get(organizer_id=organizer_id, year=year)


def issue_batch(training_class: TrainingClass, enrollment_ids: list[int], *, by=None,
                on: datetime.date | None = None) -> list[Certificate]:
    """Certificates for those of `enrollment_ids` (passed learners of the class) who have
    none yet, in one transaction; the others are left as they are."""
    on = on or timezone.localdate()
    with transaction.atomic():
        locked = list(Enrollment.objects.select_for_update().filter(
            pk__in=enrollment_ids, training_class=training_class, result=Enrollment.Result.PASSED)
            .order_by("pk").values_list("pk", flat=True))
        # Read after the lock: a run that held it before us has committed its certificates.
        done = set(Certificate.objects.filter(enrollment_id__in=locked).values_list("enrollment_id", flat=True))
        pending = [pk for pk in locked if pk not in done]
        if not pending:
            return []
        register = _locked_register(training_class.organizer_id, on.year)
        first = register.last_number + 1
        register.last_number += len(pending)
        register.save(update_fields=["last_number"])
        return Certificate.objects.bulk_create([
            Certificate(enrollment_id=pk, organizer_id=training_class.organizer_id, year=on.year,
                        number=first + offset, issued_on=on, issued_by=by)
            for offset, pk in enumerate(pending)])


def issue_for_class(training_class: TrainingClass, *, by=None, base_url: str = "",
                    progress: Callable[[int, int], None] | None = None, pdfs: bool = True) -> int:
    """Issue every missing certificate of the class and make every missing PDF; returns
    the number of certificates issued by this call. `progress(done, total)` is told after
    each batch."""
    pending = list(to_issue(training_class).order_by("pk").values_list("pk", flat=True))
    missing_pdf = without_pdf(training_class).count() if pdfs else 0
    total, done, issued = len(pending) * (2 if pdfs else 1) + missing_pdf, 0, 0
    for start in range(0, len(pending), BATCH):
        batch = pending[start:start + BATCH]
        issued += len(issue_batch(training_class, batch, by=by))
        done += len(batch)
        if progress:
            progress(done, total)
    # Certificates out, the roll is closed: nobody joins a class whose certificates exist.
    TrainingClass.objects.filter(pk=training_class.pk, results_closed_at__isnull=True).update(
        results_closed_at=timezone.now())
    if pdfs:
        while True:
            certificates = list(_with_print_data(without_pdf(training_class).order_by("pk"))[:BATCH])
            if not certificates:
                break
            for certificate in certificates:
                attach_pdf(certificate, base_url=base_url)
            done += len(certificates)
            if progress:
                progress(min(done, total), total)
    return issued


# --- Revocation ------------------------------------------------------------------------------


def revoke(certificate: Certificate, *, by, reason: str, on: datetime.date | None = None) -> Certificate:
    """Thu hồi: the number stays taken; the verification page says "đã bị thu hồi"."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Phải ghi lý do thu hồi giấy chứng nhận.")})
    if len(reason) > REVOKE_REASON_MAX:
        raise ValidationError({"reason": _("Lý do thu hồi tối đa %(n)d ký tự.") % {"n": REVOKE_REASON_MAX}})
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_on is not None:
            raise ValidationError(_("Giấy chứng nhận số %(number)s đã bị thu hồi ngày %(day)s.")
                                  % {"number": locked.register_number, "day": f"{locked.revoked_on:%d/%m/%Y}"})
        locked.revoked_on = on or timezone.localdate()
        locked.revoked_reason = reason
        locked.revoked_by = by
        locked.save(update_fields=["revoked_on", "revoked_reason", "revoked_by"])
    return locked


# --- The printed certificate -----------------------------------------------------------------


def verification_url(certificate: Certificate, base_url: str = "") -> str:
    """The absolute address of the public page (PORTAL_BASE_URL, else the site the issuer used)."""
    base = settings.PORTAL_BASE_URL or base_url.rstrip("/")
    return base + reverse("certificate_verify", args=[certificate.verification_code])


def _with_print_data(queryset):
    return queryset.select_related("organizer__parent", "enrollment__person", "enrollment__learner_organization",
                                   "enrollment__training_class__class_type")


def _signer(unit: Organization) -> tuple[list[str], str]:
    head = (Position.objects.current(timezone.localdate()).filter(organization=unit, role__manages_subtree=True)
            .select_related("person", "role").order_by("role__sort_order").first())
    authority = [f"T/M {unit.name.upper()}"]
    if head is None:
        return authority, ""
    return [*authority, head.role.name.upper()], head.person.full_name


def certificate_document(certificate: Certificate, *, base_url: str = "", signer=None) -> Document:
    """The certificate in the Party layout. Written in Vietnamese whatever the page's language."""
    enrollment = certificate.enrollment
    person, training_class = enrollment.person, enrollment.training_class
    organizer = certificate.organizer
    url = verification_url(certificate, base_url)
    authority, name = signer or _signer(organizer)
    result = "Đạt"
    if enrollment.score is not None:
        result += f" (điểm {enrollment.score:.2f})".replace(".", ",")
    birth = f"{person.birth_date:%d/%m/%Y}" if person.birth_date else "—"
    return Document(
        superior=organizer.parent.name.upper() if organizer.parent_id else "",
        issuer=organizer.name.upper(), number_symbol=certificate.register_number,
        place=settings.PRINT_PLACE_NAME, date=certificate.issued_on, kind="GIẤY CHỨNG NHẬN",
        summary="Hoàn thành chương trình bồi dưỡng",
        body=[
            Paragraph(f"{organizer.name} chứng nhận:"),
            Paragraph(f"Đồng chí: {person.full_name}", bold=True),
            Paragraph(f"Sinh ngày: {birth}"),
            Paragraph(f"Đơn vị: {enrollment.learner_organization.name}"),
            Paragraph(f"Đã hoàn thành lớp: {training_class.name} ({training_class.class_type.name}), "
                      f"từ ngày {training_class.starts_on:%d/%m/%Y} đến ngày {training_class.ends_on:%d/%m/%Y}."),
            Paragraph(f"Kết quả: {result}."),
            QrCode(url, size_mm=28, caption=f"Xác minh giấy chứng nhận: {url}"),
        ],
        signature=Signature(authority, name),
    )


def render_certificate(certificate: Certificate, *, base_url: str = "", signer=None) -> bytes:
    stream = io.BytesIO()
    render_pdf(certificate_document(certificate, base_url=base_url, signer=signer), stream)
    return stream.getvalue()


def attach_pdf(certificate: Certificate, *, base_url: str = "") -> None:
    """Make and store the certificate's PDF, if it has none yet."""
    content = render_certificate(certificate, base_url=base_url)
    name = f"certificates/{certificate.year}/{certificate.organizer_id}/{certificate.verification_code}.pdf"
    stored = certificate.pdf.storage.save(name, ContentFile(content))
    if not Certificate.objects.filter(pk=certificate.pk, pdf="").update(pdf=stored):
        certificate.pdf.storage.delete(stored)  # another run stored it first
    else:
        certificate.pdf.name = stored


def pdf_filename(certificate: Certificate) -> str:
    return f"Giấy chứng nhận {certificate.number:04d}-{certificate.year} - {certificate.enrollment.person.full_name}.pdf"


# --- The issuing job -------------------------------------------------------------------------


def start_issuing(*, by, training_class: TrainingClass, base_url: str = "") -> Job:
    check_can_issue(training_class)
    return start_job(KIND, {"class": training_class.pk, "base_url": settings.PORTAL_BASE_URL or base_url},
                     by=by)


def _class_of(params: dict) -> TrainingClass | None:
    return TrainingClass.objects.select_related("organizer", "class_type").filter(pk=params["class"]).first()


def _organizer(params: dict) -> Organization | None:
    training_class = _class_of(params)
    return training_class.organizer if training_class else None


def describe(params: dict) -> str:
    training_class = _class_of(params)
    return training_class.name if training_class else "—"


def run_issuing(run) -> None:
    training_class = _class_of(run.params)
    if training_class is None:
        raise JobError(_("Lớp này không còn nữa."))
    try:
        check_can_issue(training_class)
    except ValidationError as error:
        raise JobError(" ".join(error.messages)) from None
    run.progress(1, _("Đang cấp số giấy chứng nhận…"))

    def progress(done: int, total: int) -> None:
        run.progress(1 + 98 * done / max(total, 1),
                     _("Đã xử lý %(done)s/%(total)s bước (cấp số, in PDF)…") % {"done": done, "total": total})

    issued = issue_for_class(training_class, by=run.job.requested_by, base_url=run.params.get("base_url", ""),
                             progress=progress)
    run.progress(99, _("Đã cấp %(n)d giấy chứng nhận mới.") % {"n": issued})


def result_link(params: dict) -> tuple[str, str]:
    return _("Xem giấy chứng nhận của lớp"), f"{reverse('training_certificate_list')}?class={params['class']}"


ISSUE_CERTIFICATES = JobKind(code=KIND, label=gettext_lazy("Cấp giấy chứng nhận của lớp"), action=Action.TRAIN,
                             organization=_organizer, run=run_issuing, describe=describe, result_link=result_link)
