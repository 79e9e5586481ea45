"""State changes of yearly training targets (chỉ tiêu): a unit where the user may TRAIN sets,
changes and removes its own targets for a year. Each refusal is a Vietnamese message
naming the rule, and nothing is written."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.access import Action, may
from portal.models import Organization
from training.models import ClassType, TargetIndicator, TrainingTarget
from training.selectors.targets import PER_TYPE, SHARES
from training.services.plans import allowed_years, plannable_types

MAX_COUNT = Decimal(1_000_000)


@dataclass
class TargetInput:
    indicator: str
    value: Decimal
    upper: Decimal | None = None
    class_type: ClassType | None = None
    note: str = ""


def _require_trainer(user, organization: Organization) -> None:
    if not may(user, Action.TRAIN, organization):
        raise PermissionDenied(_("Chỉ cán bộ đào tạo của “%(unit)s” hoặc cấp trên mới được đặt chỉ tiêu đào tạo "
                                 "của đơn vị này.") % {"unit": organization.name})


def _check(year: int, row: TargetInput, label: str = "") -> None:
    prefix = f"{label}: " if label else ""
    if row.indicator not in TargetIndicator.values:
        raise ValidationError({"indicator": prefix + _("Chỉ tiêu không hợp lệ.")})
    years = allowed_years()
    if year not in years:
        raise ValidationError({"year": _("Chỉ đặt chỉ tiêu cho các năm %(first)d–%(last)d.")
                               % {"first": years[0], "last": years[-1]}})
    if row.indicator in PER_TYPE:
        if row.class_type is None or not plannable_types(year).filter(pk=row.class_type.pk).exists():
            raise ValidationError({"class_type": prefix + _("Chỉ tiêu theo loại lớp cần chọn một loại lớp tổ chức tại "
                                                            "chỗ, còn hiệu lực trong năm %(year)d.") % {"year": year}})
    elif row.class_type is not None:
        raise ValidationError({"class_type": prefix + _("Chỉ tiêu này tính trên mọi loại lớp: không chọn loại lớp.")})
    ceiling = Decimal(100) if row.indicator in SHARES else MAX_COUNT
    if row.value is None or not Decimal(0) <= row.value <= ceiling:
        raise ValidationError({"value": prefix + (_("Tỷ lệ phải từ 0 đến 100%.") if row.indicator in SHARES
                                                  else _("Số phải từ 0 trở lên và không quá 1.000.000."))})
    if row.upper is not None and not row.value <= row.upper <= ceiling:
        raise ValidationError({"upper": prefix + (
            _("Mức tối đa phải từ mức tối thiểu trở lên và không quá 100%.") if row.indicator in SHARES
            else _("Mức tối đa phải từ mức tối thiểu trở lên."))})


def _duplicate() -> ValidationError:
    return ValidationError({"indicator": _("Đơn vị đã đặt chỉ tiêu này cho năm này.")}, code="duplicate")


@transaction.atomic
def create_target(*, organization: Organization, year: int, by, row: TargetInput) -> TrainingTarget:
    _require_trainer(by, organization)
    _check(year, row)
    target = TrainingTarget(organization=organization, year=year, indicator=row.indicator, class_type=row.class_type,
                            value=row.value, upper=row.upper, note=(row.note or "").strip(), created_by=by)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:
        raise _duplicate() from exc
    return target


@transaction.atomic
def update_target(target: TrainingTarget, *, by, row: TargetInput) -> TrainingTarget:
    _require_trainer(by, target.organization)
    target = TrainingTarget.objects.select_for_update().select_related("organization").get(pk=target.pk)
    _check(target.year, row)
    target.indicator, target.class_type = row.indicator, row.class_type
    target.value, target.upper, target.note = row.value, row.upper, (row.note or "").strip()
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:
        raise _duplicate() from exc
    return target


@transaction.atomic
def delete_target(target: TrainingTarget, *, by) -> None:
    _require_trainer(by, target.organization)
    target.delete()


@transaction.atomic
def set_targets(*, organization: Organization, year: int, by, rows: list[TargetInput]) -> list[TrainingTarget]:
    """The targets page's one form: the unit's targets for `year` become exactly `rows`
    (one per indicator and class type), all or nothing."""
    _require_trainer(by, organization)
    labels = dict(TargetIndicator.choices)
    seen = set()
    for row in rows:
        label = str(labels.get(row.indicator, row.indicator))
        if row.class_type is not None:
            label = f"{label} — {row.class_type.name}"
        _check(year, row, label)
        key = (row.indicator, row.class_type.pk if row.class_type else None)
        if key in seen:
            raise ValidationError({"indicator": _("%(label)s: chỉ tiêu này được nhập hai lần.") % {"label": label}})
        seen.add(key)
    existing = {(t.indicator, t.class_type_id): t
                for t in TrainingTarget.objects.select_for_update().filter(organization=organization, year=year)}
    TrainingTarget.objects.filter(pk__in=[t.pk for key, t in existing.items() if key not in seen]).delete()
    saved = []
    for row in rows:
        target = existing.get((row.indicator, row.class_type.pk if row.class_type else None))
        note = (row.note or "").strip()
        if target is None:
            target = TrainingTarget(organization=organization, year=year, indicator=row.indicator,
                                    class_type=row.class_type, created_by=by)
        elif (target.value, target.upper, target.note) == (row.value, row.upper, note):
            saved.append(target)  # unchanged: no write, no history row
            continue
        target.value, target.upper, target.note = row.value, row.upper, note
        target.save()
        saved.append(target)
    return saved
