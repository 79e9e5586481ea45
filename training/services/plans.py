"""State changes of yearly training plans (kế hoạch đào tạo, bồi dưỡng năm).

A plan goes draft → submitted → approved, or returned with a comment and submitted again.
The unit's training staff (TRAIN at the unit) draft and submit it; the superior committee
(APPROVE at the unit's parent, never a member of the unit's own committee, never the one
who submitted it) approves or returns it. An approved plan is read-only: "Điều chỉnh"
makes an amendment, a new version with the lines copied, that goes the same way; when it
is approved the version it amends becomes SUPERSEDED and the classes on its lines move to
the matching lines of the new version (same class type, the same quarter when there is
one). Classes whose type has no line any more stay on the old line and so become "ngoài
kế hoạch" (`classes_left_outside` shows them before approval).

Each step locks the rows it reads (`select_for_update`: every version of the unit's plan
for the year, in id order) and writes nothing when the state or the person is wrong, so
two approvals at once cannot both win. Row history comes from the database triggers.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import Action, may, reach_of
from portal.models import Grant, Organization, Position
from portal.notifications import notify
from training.models import ClassType, PlanLine, PriorityGroup, TrainingClass, TrainingPlan

Status = TrainingPlan.Status
EDITABLE = [Status.DRAFT, Status.RETURNED]
OPEN = [Status.DRAFT, Status.SUBMITTED, Status.RETURNED]  # a version still on its way
LINE_FIELDS = ("class_type", "planned_classes", "planned_learners", "quarter", "priority_groups", "note")


def allowed_years(today: datetime.date | None = None) -> range:
    """Years a plan may be drafted for: last year (a late plan), this year and the next two."""
    year = (today or timezone.localdate()).year
    return range(year - 1, year + 3)


def plannable_types(year: int) -> QuerySet[ClassType]:
    """Class types a plan line may name: taught locally (not external) and in force at
    some time in `year`."""
    return (ClassType.objects.filter(external=False)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=datetime.date(year, 12, 31)))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=datetime.date(year, 1, 1)))
            .order_by("sort_order", "name"))


@dataclass
class LineInput:
    """One line as a page or the API sends it; `id` names an existing line of the plan."""

    class_type: ClassType
    planned_classes: int
    planned_learners: int
    quarter: int | None = None
    priority_groups: list[str] = field(default_factory=list)
    note: str = ""
    id: int | None = None


# --- Who may do what --------------------------------------------------------------------------------


def _require_trainer(user, organization: Organization) -> None:
    if not may(user, Action.TRAIN, organization):
        raise PermissionDenied(_("Chỉ cán bộ đào tạo của “%(unit)s” hoặc cấp trên mới được lập và trình kế hoạch "
                                 "đào tạo của đơn vị này.") % {"unit": organization.name})


def approval_refusal(user, plan: TrainingPlan) -> str | None:
    """Why `user` may not approve or return `plan` (None: he may). The superior committee
    decides: APPROVE at the unit's parent; nobody approves his own unit's plan, nor the
    plan he submitted."""
    unit = plan.organization
    if plan.submitted_by_id is not None and plan.submitted_by_id == getattr(user, "pk", None):
        return _("Người trình kế hoạch không được tự phê duyệt hoặc trả lại kế hoạch đó.")
    if unit.parent_id is None:
        if reach_of(user).everything:
            return None
        return _("“%(unit)s” không có cấp ủy cấp trên trong hệ thống: chỉ quản trị hệ thống phê duyệt "
                 "kế hoạch của đơn vị này.") % {"unit": unit.name}
    if not may(user, Action.APPROVE, unit.parent):
        return _("Chỉ cấp ủy cấp trên của “%(unit)s” mới được phê duyệt hoặc trả lại kế hoạch của đơn vị này.") % {
            "unit": unit.name}
    if Position.objects.current().filter(organization=unit, person__user=user).exists():
        return _("Không ai tự phê duyệt kế hoạch của đơn vị mình: bạn giữ chức vụ tại “%(unit)s”.") % {
            "unit": unit.name}
    return None


def may_decide(user, plan: TrainingPlan) -> bool:
    return approval_refusal(user, plan) is None


def _require_approver(user, plan: TrainingPlan) -> None:
    if (reason := approval_refusal(user, plan)) is not None:
        raise PermissionDenied(reason)


# --- Locks and checks ------------------------------------------------------------------------------


def _lock_year(organization_id: int, year: int) -> dict[int, TrainingPlan]:
    """Every version of the unit's plan for the year, locked in id order (so two
    transactions never wait on each other in a circle)."""
    rows = (TrainingPlan.objects.select_for_update(of=("self",)).select_related("organization")
            .filter(organization_id=organization_id, year=year).order_by("id"))
    return {plan.pk: plan for plan in rows}


def _locked(plan: TrainingPlan, allowed: list[str], action: str, *, editing: bool = False
            ) -> tuple[TrainingPlan, dict[int, TrainingPlan]]:
    versions = _lock_year(plan.organization_id, plan.year)
    current = versions.get(plan.pk)
    if current is None:
        raise ValidationError(_("Kế hoạch không còn tồn tại."), code="gone")
    if current.status not in allowed:
        if editing and current.status in (Status.APPROVED, Status.SUPERSEDED):
            raise ValidationError(_("Kế hoạch đã được phê duyệt nên không sửa được nữa; dùng “Điều chỉnh” để lập "
                                    "bản điều chỉnh."), code="approved")
        raise ValidationError(_("Không thể %(action)s: kế hoạch đang ở trạng thái “%(status)s”.")
                              % {"action": action, "status": current.get_status_display()}, code="wrong_state")
    return current, versions


def _check_year(year: int) -> None:
    years = allowed_years()
    if year not in years:
        raise ValidationError({"year": _("Chỉ lập kế hoạch cho các năm %(first)d–%(last)d.")
                               % {"first": years[0], "last": years[-1]}})


def _check_lines(plan_year: int, lines: list[LineInput]) -> None:
    """Every line names a class type that may be planned, positive numbers, a quarter 1–4
    and known priority groups; errors by line number (`lines`: {index: message})."""
    allowed = set(plannable_types(plan_year).values_list("pk", flat=True))
    groups = set(PriorityGroup.values)
    errors = {}
    for index, line in enumerate(lines):
        if line.class_type is None or line.class_type.pk not in allowed:
            errors[index] = _("Dòng %(n)d: loại lớp phải là loại tổ chức tại chỗ, còn hiệu lực trong năm %(year)d.") % {
                "n": index + 1, "year": plan_year}
        elif not line.planned_classes or line.planned_classes < 1 or not line.planned_learners \
                or line.planned_learners < 1:
            errors[index] = _("Dòng %(n)d: số lớp và số học viên phải lớn hơn 0.") % {"n": index + 1}
        elif line.planned_classes > 1000 or line.planned_learners > 1_000_000:
            errors[index] = _("Dòng %(n)d: số lớp hoặc số học viên quá lớn.") % {"n": index + 1}
        elif line.quarter is not None and not 1 <= line.quarter <= 4:
            errors[index] = _("Dòng %(n)d: quý phải từ 1 đến 4.") % {"n": index + 1}
        elif set(line.priority_groups) - groups:
            errors[index] = _("Dòng %(n)d: đối tượng ưu tiên không hợp lệ.") % {"n": index + 1}
    if errors:
        raise ValidationError({"lines": [errors[i] for i in sorted(errors)]})


def _write_lines(plan: TrainingPlan, lines: list[LineInput]) -> None:
    """Make the plan's lines exactly `lines`: update those named by id, add the new ones,
    delete the rest (unless a class is already attached to it)."""
    existing = {line.pk: line for line in plan.lines.all()}
    unknown = [line.id for line in lines if line.id is not None and line.id not in existing]
    if unknown:
        raise ValidationError({"lines": _("Dòng kế hoạch không thuộc kế hoạch này.")})
    kept = {line.id for line in lines if line.id is not None}
    removed = [pk for pk in existing if pk not in kept]
    if removed and TrainingClass.objects.filter(plan_line_id__in=removed).exists():
        raise ValidationError({"lines": _("Không xóa được dòng kế hoạch đã có lớp gắn vào; chuyển lớp sang dòng khác "
                                          "trước.")})
    PlanLine.objects.filter(pk__in=removed).delete()
    for line in lines:
        values = {name: getattr(line, name) for name in LINE_FIELDS}
        values["note"] = (values["note"] or "").strip()
        values["priority_groups"] = sorted(set(values["priority_groups"] or []))
        if line.id is None:
            PlanLine.objects.create(plan=plan, **values)
        else:
            row = existing[line.id]
            for name, value in values.items():
                setattr(row, name, value)
            row.save()


# --- The steps ---------------------------------------------------------------------------------------


def _duplicate(organization: Organization, year: int) -> ValidationError:
    return ValidationError({"year": _("“%(unit)s” đã có kế hoạch năm %(year)d: mở kế hoạch đó để sửa hoặc điều "
                                      "chỉnh, không lập kế hoạch mới.") % {"unit": organization.name, "year": year}},
                           code="duplicate")


@transaction.atomic
def create_plan(*, organization: Organization, year: int, by, title: str = "",
                lines: list[LineInput] = ()) -> TrainingPlan:
    """A new draft (version 1) of `organization`'s plan for `year`."""
    _require_trainer(by, organization)
    _check_year(year)
    lines = list(lines)
    _check_lines(year, lines)
    if any(line.id is not None for line in lines):
        raise ValidationError({"lines": _("Dòng kế hoạch không thuộc kế hoạch này.")})
    # The unit's row is the lock that serialises two drafts of the same year.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if TrainingPlan.objects.filter(organization=organization, year=year).exists():
        raise _duplicate(organization, year)
    plan = TrainingPlan(organization=organization, year=year, title=(title or "").strip(), created_by=by)
    plan.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise _duplicate(organization, year) from exc
    _write_lines(plan, lines)
    return plan


@transaction.atomic
def update_plan(plan: TrainingPlan, *, by, title: str | None = None, lines: list[LineInput] | None = None
                ) -> TrainingPlan:
    """The drafter edits a draft or a returned plan: its title and its lines."""
    _require_trainer(by, plan.organization)
    plan, _versions = _locked(plan, EDITABLE, _("sửa"), editing=True)
    if lines is not None:
        lines = list(lines)
        _check_lines(plan.year, lines)
        _write_lines(plan, lines)
    if title is not None:
        plan.title = title.strip()
        plan.full_clean(validate_unique=False, validate_constraints=False)
    plan.save(update_fields=["title", "updated_at"])
    return plan


@transaction.atomic
def submit_plan(plan: TrainingPlan, *, by) -> TrainingPlan:
    """Send the draft (or the returned plan, revised) to the superior committee."""
    _require_trainer(by, plan.organization)
    plan, _versions = _locked(plan, EDITABLE, _("trình"))
    if not plan.lines.exists():
        raise ValidationError({"lines": _("Kế hoạch cần ít nhất một dòng trước khi trình.")})
    plan.status = Status.SUBMITTED
    plan.submitted_by = by
    plan.submitted_at = timezone.now()
    plan.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    _notify_approvers(plan)
    return plan


def approvers(plan: TrainingPlan) -> list[int]:
    """Ids of the users of the superior committee: those holding, at the unit's parent, a
    position or a grant whose role may APPROVE; not the one who submitted."""
    parent_id = plan.organization.parent_id
    if parent_id is None:
        return []
    approve = [Action.APPROVE.value]
    by_position = Position.objects.current().filter(organization_id=parent_id, role__manages_subtree=True,
                                                    role__actions__contains=approve, person__user__isnull=False,
                                                    person__user__is_active=True).values_list("person__user_id",
                                                                                              flat=True)
    by_grant = Grant.objects.current().filter(organization_id=parent_id, role__actions__contains=approve,
                                              user__is_active=True).values_list("user_id", flat=True)
    return sorted(({*by_position, *by_grant}) - {plan.submitted_by_id})


def _notify_approvers(plan: TrainingPlan) -> None:
    text = _("%(unit)s trình kế hoạch đào tạo, bồi dưỡng năm %(year)d, chờ phê duyệt.") % {
        "unit": plan.organization.name, "year": plan.year}
    notify(approvers(plan), text, link=reverse("training_plan_detail", args=[plan.pk]),
           key=f"trainingplan-{plan.pk}-submitted-{plan.submitted_at:%Y%m%d%H%M%S%f}")


def _notify_drafter(plan: TrainingPlan, text: str) -> None:
    users = {plan.created_by_id, plan.submitted_by_id} - {None}
    notify(sorted(users), text, link=reverse("training_plan_detail", args=[plan.pk]),
           key=f"trainingplan-{plan.pk}-{plan.status}-{plan.decided_at:%Y%m%d%H%M%S%f}")


def matching_line(line: PlanLine, candidates: list[PlanLine]) -> PlanLine | None:
    """The line of a new version that takes over `line`'s classes: the same class type and
    quarter, else the first of the same class type; None when the type is gone."""
    same_type = [c for c in candidates if c.class_type_id == line.class_type_id]
    return next((c for c in same_type if c.quarter == line.quarter), same_type[0] if same_type else None)


def classes_left_outside(plan: TrainingPlan) -> QuerySet[TrainingClass]:
    """Classes on the lines of the version `plan` amends whose class type has no line in
    `plan`: approving `plan` leaves them "ngoài kế hoạch"."""
    if plan.amends_id is None:
        return TrainingClass.objects.none()
    kept_types = plan.lines.values("class_type_id")
    return (TrainingClass.objects.filter(plan_line__plan_id=plan.amends_id).exclude(class_type_id__in=kept_types)
            .select_related("class_type", "organizer").order_by("starts_on", "id"))


@transaction.atomic
def approve_plan(plan: TrainingPlan, *, by, comment: str = "") -> TrainingPlan:
    """The superior committee approves a submitted plan. An approved amendment supersedes
    the version it amends, whose classes move to the matching new lines."""
    _require_approver(by, plan)
    plan, versions = _locked(plan, [Status.SUBMITTED], _("phê duyệt"))
    _require_approver(by, plan)  # as it stands now that it is locked
    previous = [v for v in versions.values() if v.status == Status.APPROVED]
    now = timezone.now()
    for old in previous:
        old.status = Status.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
    plan.status = Status.APPROVED
    plan.decided_by = by
    plan.decided_at = now
    plan.decision_comment = (comment or "").strip()
    plan.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    new_lines = list(plan.lines.all())
    for old_line in PlanLine.objects.filter(plan__in=previous):
        target = matching_line(old_line, new_lines)
        if target is not None:
            TrainingClass.objects.filter(plan_line=old_line, class_type_id=target.class_type_id).update(
                plan_line=target, updated_at=now)
    _notify_drafter(plan, _("Kế hoạch đào tạo, bồi dưỡng năm %(year)d của %(unit)s đã được phê duyệt.") % {
        "year": plan.year, "unit": plan.organization.name})
    return plan


@transaction.atomic
def return_plan(plan: TrainingPlan, *, by, comment: str) -> TrainingPlan:
    """The superior committee sends a submitted plan back, saying what to change."""
    _require_approver(by, plan)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Ghi rõ ý kiến khi trả lại kế hoạch để đơn vị biết cần sửa gì.")})
    plan, _versions = _locked(plan, [Status.SUBMITTED], _("trả lại"))
    _require_approver(by, plan)
    plan.status = Status.RETURNED
    plan.decided_by = by
    plan.decided_at = timezone.now()
    plan.decision_comment = comment
    plan.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    _notify_drafter(plan, _("Kế hoạch đào tạo, bồi dưỡng năm %(year)d của %(unit)s bị trả lại: %(comment)s") % {
        "year": plan.year, "unit": plan.organization.name, "comment": comment[:300]})
    return plan


@transaction.atomic
def amend_plan(plan: TrainingPlan, *, by) -> TrainingPlan:
    """"Điều chỉnh": a new draft version of an approved plan, its lines copied; the approved
    version stays in force until the amendment is approved."""
    _require_trainer(by, plan.organization)
    plan, versions = _locked(plan, [Status.APPROVED], _("điều chỉnh"))
    if open_version := next((v for v in versions.values() if v.status in OPEN), None):
        raise ValidationError(_("Đã có bản điều chỉnh lần %(version)d đang soạn hoặc chờ duyệt: hoàn thành bản đó "
                                "trước.") % {"version": open_version.version}, code="open_amendment")
    number = max(v.version for v in versions.values()) + 1
    amendment = TrainingPlan.objects.create(organization=plan.organization, year=plan.year, version=number,
                                            amends=plan, title=plan.title, created_by=by)
    PlanLine.objects.bulk_create([
        PlanLine(plan=amendment, **{name: getattr(line, name) for name in LINE_FIELDS})
        for line in plan.lines.all()])
    return amendment
