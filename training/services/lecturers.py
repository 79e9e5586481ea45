"""State changes of the lecturers area: registering a person as a lecturer of a unit
(giảng viên chuyên trách, kiêm chức, báo cáo viên) and editing him. Only those who may
TRAIN at the unit do; every refusal names its rule and writes nothing."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import Action, may
from portal.models import Organization, Person
from training.models import Lecturer

FIELDS = ("organization", "kind", "qualification", "meets_standard", "standard_checked_on", "started_on",
          "ended_on")


def _check(lecturer: Lecturer, *, by) -> None:
    if not may(by, Action.TRAIN, lecturer.organization):
        raise PermissionDenied(_("Bạn không quản lý giảng viên của đơn vị %(unit)s.")
                               % {"unit": lecturer.organization.name})
    errors = {}
    if lecturer.kind not in Lecturer.Kind.values:
        errors["kind"] = _("Loại giảng viên không hợp lệ.")
    if lecturer.ended_on and lecturer.started_on and lecturer.ended_on < lecturer.started_on:
        errors["ended_on"] = _("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    if lecturer.standard_checked_on and not lecturer.meets_standard:
        errors["standard_checked_on"] = _("Chỉ ghi ngày công nhận đạt chuẩn khi giảng viên đạt chuẩn.")
    if lecturer.standard_checked_on and lecturer.standard_checked_on > timezone.localdate():
        errors["standard_checked_on"] = _("Ngày công nhận đạt chuẩn không được sau hôm nay.")
    if lecturer.ended_on is None and "kind" not in errors and Lecturer.objects.filter(
            person_id=lecturer.person_id, kind=lecturer.kind, ended_on__isnull=True).exclude(pk=lecturer.pk).exists():
        errors["kind"] = _("%(name)s đang là %(kind)s: mỗi người chỉ đăng ký một lần cho mỗi loại.") % {
            "name": lecturer.person.full_name, "kind": lecturer.get_kind_display().lower()}
    if errors:
        raise ValidationError(errors)


def _save(lecturer: Lecturer, *, by) -> Lecturer:
    _check(lecturer, by=by)
    try:
        with transaction.atomic():
            lecturer.save()
    except IntegrityError:  # registered by someone else a moment ago
        raise ValidationError({"kind": _("Người này đã là giảng viên loại này.")}) from None
    return lecturer


def create_lecturer(*, by, person: Person, organization: Organization, kind: str, started_on: datetime.date,
                    qualification: str = "", meets_standard: bool = False,
                    standard_checked_on: datetime.date | None = None,
                    ended_on: datetime.date | None = None) -> Lecturer:
    return _save(Lecturer(person=person, organization=organization, kind=kind, started_on=started_on,
                          qualification=qualification.strip(), meets_standard=meets_standard,
                          standard_checked_on=standard_checked_on, ended_on=ended_on), by=by)


def update_lecturer(lecturer: Lecturer, *, by, **fields) -> Lecturer:
    """Change the given fields (the person stays: register another person anew)."""
    if not may(by, Action.TRAIN, lecturer.organization):  # his current unit, before a move
        raise PermissionDenied(_("Bạn không quản lý giảng viên của đơn vị %(unit)s.")
                               % {"unit": lecturer.organization.name})
    for name, value in fields.items():
        if name not in FIELDS:
            raise TypeError(name)
        setattr(lecturer, name, value.strip() if isinstance(value, str) else value)
    return _save(lecturer, by=by)
