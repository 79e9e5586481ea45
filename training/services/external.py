"""External results (issue 8, point 1): trung cấp and cao cấp lý luận chính trị, taught by
the provincial school and the academy, recorded against a person; they raise his theory
level (by the levels' sort order), never lower it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import Action, may
from portal.models import Person, TheoryLevel
from training.models import ClassType, ExternalResult


def raise_theory_level(person_ids, level: TheoryLevel) -> int:
    """Set `level` on those of the people whose level is lower or unknown; the count raised.
    One UPDATE (the row history records each change)."""
    return (Person.objects.filter(pk__in=list(person_ids))
            .filter(Q(theory_level__isnull=True) | Q(theory_level__sort_order__lt=level.sort_order))
            .update(theory_level=level, updated_at=timezone.now()))


def may_record(user, person: Person) -> bool:
    """Whoever may update the person's record or train at his unit may record his results."""
    return may(user, Action.MANAGE, person.organization) or may(user, Action.TRAIN, person.organization)


@transaction.atomic
def record_external_result(*, user, person: Person, class_type: ClassType, institution: str,
                           completed_on: datetime.date, certificate_number: str = "") -> ExternalResult:
    """Record that `person` completed the external programme `class_type`; ValidationError
    by field, nothing written, when a rule is broken."""
    errors: dict[str, list[str]] = {}
    if not may_record(user, person):
        errors.setdefault("person", []).append(
            _("Bạn không được cập nhật hồ sơ hay tổ chức bồi dưỡng tại đơn vị của người này."))
    if class_type is None or not class_type.external:
        errors.setdefault("class_type", []).append(
            _("Chỉ ghi kết quả của chương trình học ở cơ sở đào tạo bên ngoài (trung cấp, cao cấp lý luận chính "
              "trị); lớp mở tại đơn vị được ghi kết quả trong lớp."))
    if completed_on is not None and completed_on > timezone.localdate():
        errors.setdefault("completed_on", []).append(_("Ngày hoàn thành không được sau hôm nay."))
    if person.birth_date and completed_on and completed_on < person.birth_date:
        errors.setdefault("completed_on", []).append(_("Ngày hoàn thành phải sau ngày sinh của người học."))
    if not (institution or "").strip():
        errors.setdefault("institution", []).append(_("Ghi tên cơ sở đào tạo."))
    if errors:
        raise ValidationError(errors)
    result = ExternalResult(person=person, class_type=class_type, institution=institution.strip(),
                            completed_on=completed_on, certificate_number=(certificate_number or "").strip(),
                            recorded_by=user)
    result.full_clean()
    result.save()
    if class_type.theory_level_id:
        raise_theory_level([person.pk], class_type.theory_level)
    return result
