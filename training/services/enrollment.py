"""Enrolment, lesson attendance and results of a class. Each function checks everything
first and answers bad input with Vietnamese messages naming the rule, writing nothing;
pages and the API call the same functions.

Capacity holds under concurrent nominations: the class row is locked (`select_for_update`)
before its learners are counted, so two nominations for the last seat queue up and the
second sees the first."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.access import Action, reach_of, restrict
from portal.audit import acting_as
from portal.models import Person
from training.models import (
    SCORE_MAX,
    Certificate,
    ClassTypeRule,
    Enrollment,
    Lesson,
    LessonAttendance,
    TrainingClass,
)
from training.selectors import classes as selectors

Status = LessonAttendance.Status
Result = Enrollment.Result


class SheetError(ValidationError):
    """A refused sheet or list: the messages, and the rows (ids) at fault."""

    def __init__(self, messages: list[str], culprits: set[int] = frozenset()):
        super().__init__(messages)
        self.culprits = set(culprits)


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _names(people) -> str:
    return ", ".join(p.full_name for p in people)


# --- Eligibility -----------------------------------------------------------------------------


def ineligibility(rule: ClassTypeRule, training_class: TrainingClass, people: list[Person]) -> dict[int, str]:
    """By person id, a message naming the rule for each person the rule does not admit."""
    if rule.eligibility == ClassTypeRule.Eligibility.ANYONE:
        return {}
    since = _day(rule.valid_from)
    type_name = training_class.class_type.name
    if rule.eligibility == ClassTypeRule.Eligibility.STATUS:
        allowed = {status.pk for status in rule.eligible_statuses.all()}
        names = ", ".join(status.name for status in rule.eligible_statuses.all()) or _("(không có tình trạng nào)")
        return {p.pk: _("Lớp %(type)s chỉ dành cho: %(allowed)s (quy định hiệu lực từ %(since)s); %(name)s là "
                        "%(status)s.") % {"type": type_name, "allowed": names, "since": since, "name": p.full_name,
                                          "status": p.party_status.name}
                for p in people if p.party_status_id not in allowed}
    roles = list(rule.eligible_roles.all())
    holders = selectors.eligible_roles_held([p.pk for p in people], roles, training_class.starts_on)
    names = ", ".join(role.name for role in roles) or _("(không có chức vụ nào)")
    return {p.pk: _("Lớp %(type)s chỉ dành cho người giữ chức vụ: %(allowed)s (quy định hiệu lực từ %(since)s); "
                    "%(name)s không giữ chức vụ nào trong số đó vào ngày khai giảng %(start)s.")
            % {"type": type_name, "allowed": names, "since": since, "name": p.full_name,
               "start": _day(training_class.starts_on)}
            for p in people if p.pk not in holders}


def may_nominate(user, person: Person) -> bool:
    """A unit nominates its people: whoever may update their records or train at their
    unit (the organizer's staff reach its whole subtree)."""
    reach = reach_of(user)
    path = person.organization.path
    return reach.allows(Action.MANAGE, path) or reach.allows(Action.TRAIN, path)


def may_nominate_anyone(user) -> bool:
    reach = reach_of(user)
    return reach.allows_anywhere(Action.MANAGE) or reach.allows_anywhere(Action.TRAIN)


# --- Nomination and withdrawal ---------------------------------------------------------------


@transaction.atomic
def nominate(*, training_class: TrainingClass, by, people) -> list[Enrollment]:
    """Enrol `people` in the class, all or none: each must be nominable by `by`, eligible
    under the rule in force on the class's start date, not enrolled yet; and the seats left
    must hold them all. Their unit now becomes the enrolment's learner unit."""
    people = list({p.pk: p for p in people}.values())
    if not restrict(TrainingClass.objects.filter(pk=training_class.pk), by).exists():
        raise SheetError([_("Không tìm thấy lớp này trong phạm vi bạn được xem.")])
    # The lock: concurrent nominations to this class wait here, then count what is settled.
    locked = (TrainingClass.objects.select_for_update(of=("self",)).select_related("class_type")
              .get(pk=training_class.pk))
    if not people:
        raise SheetError([_("Chọn ít nhất một người để cử đi học.")])
    messages, culprits = [], set()
    if locked.results_closed_at is not None:
        raise SheetError([_("Lớp đã chốt kết quả: không cử thêm học viên được.")])
    people = list(Person.objects.select_related("organization", "party_status").filter(pk__in=[p.pk for p in people])
                  .order_by("sort_key", "id"))
    outside = [p for p in people if not may_nominate(by, p)]
    if outside:
        messages.append(_("Bạn không được cử những người này (không thuộc đơn vị bạn quản lý hoặc phụ trách đào "
                          "tạo): %(names)s.") % {"names": _names(outside)})
        culprits |= {p.pk for p in outside}
    already = set(Enrollment.objects.filter(training_class=locked, person__in=people)
                  .values_list("person_id", flat=True))
    if already:
        messages.append(_("Đã có trong danh sách lớp: %(names)s.")
                        % {"names": _names(p for p in people if p.pk in already)})
        culprits |= already
    rule = selectors.rule_in_force(locked.class_type, locked.starts_on)
    if rule is None:
        messages.append(_("Loại lớp “%(type)s” không có quy định nào hiệu lực vào ngày khai giảng %(date)s.")
                        % {"type": locked.class_type.name, "date": _day(locked.starts_on)})
    else:
        refused = ineligibility(rule, locked, people)
        messages += refused.values()
        culprits |= set(refused)
    enrolled = Enrollment.objects.filter(training_class=locked).count()
    if enrolled + len(people) > locked.capacity:
        messages.append(_("Lớp còn %(left)d chỗ (tối đa %(capacity)d học viên, đã có %(enrolled)d); danh sách cử "
                          "có %(asked)d người.") % {"left": max(locked.capacity - enrolled, 0),
                                                    "capacity": locked.capacity, "enrolled": enrolled,
                                                    "asked": len(people)})
    if messages:
        raise SheetError(messages, culprits)
    user = by if getattr(by, "is_authenticated", False) else None
    with acting_as(user, "training.nominate"):
        return Enrollment.objects.bulk_create([
            Enrollment(training_class=locked, person=p, learner_organization_id=p.organization_id, nominated_by=user)
            for p in people])


def may_withdraw(user, enrollment: Enrollment) -> bool:
    reach = reach_of(user)
    return (reach.allows(Action.TRAIN, enrollment.training_class.organizer.path)
            or reach.allows(Action.MANAGE, enrollment.learner_organization.path)
            or reach.allows(Action.TRAIN, enrollment.learner_organization.path))


@transaction.atomic
def withdraw(*, enrollment: Enrollment, by) -> None:
    """Take a learner off the list before his result is recorded (his lesson marks go too)."""
    if not may_withdraw(by, enrollment):
        raise ValidationError(_("Chỉ đơn vị tổ chức lớp hoặc đơn vị đã cử học viên mới rút được học viên."))
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if locked.result:
        raise ValidationError(_("%(name)s đã có kết quả học tập: không rút khỏi lớp được.")
                              % {"name": enrollment.person.full_name})
    with acting_as(by, "training.withdraw"):
        locked.delete()


# --- Lesson attendance -----------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """One line of a posted attendance sheet, as received."""

    enrollment: object
    status: str
    reason: str = ""


_ATTENDANCE_SQL = """
    INSERT INTO training_lessonattendance (lesson_id, enrollment_id, status, reason, updated_at)
    SELECT %(lesson)s, t.enrollment, t.status, t.reason, %(now)s
      FROM unnest(%(enrollments)s::bigint[], %(statuses)s::text[], %(reasons)s::text[])
           AS t(enrollment, status, reason)
    ON CONFLICT (lesson_id, enrollment_id) DO UPDATE
       SET status = EXCLUDED.status, reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at
     WHERE (training_lessonattendance.status, training_lessonattendance.reason)
           IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.reason)
"""


def _ids(values, messages, label):
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            messages.append(_("Mã %(what)s “%(value)s” không hợp lệ.") % {"what": label, "value": value})
    return ids


@transaction.atomic
def record_lesson_attendance(*, training_class: TrainingClass, lesson: Lesson, by, marks) -> dict[str, int]:
    """The whole sheet of one lesson in one statement: every learner of the class exactly
    once, nobody else. All or nothing; row history names `by`."""
    if not reach_of(by).allows(Action.TRAIN, training_class.organizer.path):
        raise SheetError([_("Chỉ đơn vị tổ chức lớp mới điểm danh được.")])
    if lesson.training_class_id != training_class.pk:
        raise SheetError([_("Bài học này không thuộc lớp.")])
    if lesson.held_on > timezone.localdate():
        raise SheetError([_("Bài %(n)d chưa diễn ra: điểm danh từ ngày %(date)s.")
                          % {"n": lesson.number, "date": _day(lesson.held_on)}])
    learners = dict(Enrollment.objects.filter(training_class=training_class)
                    .values_list("pk", "person__full_name"))
    messages, culprits, lines = [], set(), {}
    duplicates, bad_status, no_reason, too_long = [], [], [], []
    label = _("học viên")
    for mark in marks:
        ids = _ids([mark.enrollment], messages, label)
        if not ids:
            continue
        pk = ids[0]
        if pk in lines:
            duplicates.append(pk)
            continue
        reason = " ".join((mark.reason or "").split())
        lines[pk] = Mark(pk, mark.status, reason if mark.status != Status.PRESENT else "")
        if mark.status not in Status.values:
            bad_status.append(pk)
        elif mark.status == Status.EXCUSED and not reason:
            no_reason.append(pk)
        if len(reason) > 300:
            too_long.append(pk)
    outsiders = [pk for pk in lines if pk not in learners]
    missing = [pk for pk in learners if pk not in lines]

    def named(ids):
        return ", ".join(learners.get(pk) or _("học viên có mã %(id)s") % {"id": pk} for pk in ids)

    for ids, message in [
        (duplicates, _("Mỗi học viên chỉ được điểm danh một lần; có dòng trùng: %(names)s.")),
        (outsiders, _("Không có trong danh sách lớp: %(names)s.")),
        (missing, _("Danh sách điểm danh thiếu: %(names)s. Tải lại trang để có danh sách mới nhất.")),
        (bad_status, _("Tình trạng không hợp lệ ở dòng của: %(names)s.")),
        (no_reason, _("Vắng có lý do cần ghi lý do: %(names)s.")),
        (too_long, _("Lý do dài quá 300 ký tự: %(names)s.")),
    ]:
        if ids:
            messages.append(message % {"names": named(ids)})
            culprits |= set(ids)
    if messages:
        raise SheetError(messages, culprits)
    rows = list(lines.values())
    with acting_as(by, "training.lesson_attendance"), connection.cursor() as cursor:
        cursor.execute(_ATTENDANCE_SQL, {
            "lesson": lesson.pk, "now": timezone.now(), "enrollments": [m.enrollment for m in rows],
            "statuses": [m.status for m in rows], "reasons": [m.reason for m in rows]})
    return selectors.sheet_summary(m.status for m in rows)


# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultLine:
    """One learner's result as received: `score` as typed ("7,5" or "7.5" or blank),
    `result` "dat" / "khong_dat" / "" (used when the class has no test)."""

    enrollment: object
    score: object = ""
    result: str = ""


_SCORE_TEXT = re.compile(r"\d{1,2}(?:[.,]\d{1,2})?")


def parse_score(value) -> Decimal | None:
    """A score typed the Vietnamese way ("7,5") or the other ("7.5"); None when blank;
    ValueError when not a number on the scale (0–10, two decimals)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str) and _SCORE_TEXT.fullmatch(value.strip()):
        text = value.strip().replace(",", ".")
    else:
        raise ValueError(value)
    try:
        score = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not score.is_finite() or not 0 <= score <= SCORE_MAX or score != score.quantize(Decimal("0.01")):
        raise ValueError(value)
    return score.quantize(Decimal("0.01"))


def result_for(rule: ClassTypeRule | None, score: Decimal | None) -> str:
    """With a test, the pass mark decides; blank score, no result yet."""
    if rule is None or not rule.has_test or score is None:
        return ""
    return Result.PASSED if score >= rule.pass_mark else Result.FAILED


_RESULTS_SQL = """
    UPDATE training_enrollment AS e
       SET score = t.score, result = t.result, result_recorded_by_id = %(by)s,
           result_recorded_at = %(now)s, updated_at = %(now)s
      FROM unnest(%(ids)s::bigint[], %(scores)s::numeric[], %(results)s::text[]) AS t(id, score, result)
     WHERE e.id = t.id AND e.training_class_id = %(class)s
       AND (e.score, e.result) IS DISTINCT FROM (t.score, t.result)
"""


@transaction.atomic
def record_results(*, training_class: TrainingClass, by, lines) -> dict[str, int]:
    """Scores and results of the class's learners in one statement. With a test the pass
    mark of the rule in force on the class's start date sets the result; without one the
    staff give it. A result for someone not in the class, a score off the scale, results
    of an external programme, or a changed result behind a valid certificate: refused,
    nothing written. Row history names `by`."""
    if not reach_of(by).allows(Action.TRAIN, training_class.organizer.path):
        raise SheetError([_("Chỉ đơn vị tổ chức lớp mới ghi được kết quả học tập.")])
    if training_class.class_type.external:
        raise SheetError([_("%(type)s do cơ sở đào tạo bên ngoài giảng dạy: ghi kết quả học tập bên ngoài, không "
                            "ghi kết quả lớp.") % {"type": training_class.class_type.name}])
    rule = selectors.rule_in_force(training_class.class_type, training_class.starts_on)
    has_test = rule is not None and rule.has_test
    current = {row[0]: row[1:] for row in Enrollment.objects.filter(training_class=training_class)
               .values_list("pk", "person__full_name", "score", "result")}
    certified = set(Certificate.objects.filter(enrollment__training_class=training_class, revoked_on__isnull=True)
                    .values_list("enrollment_id", flat=True))
    messages, culprits, rows = [], set(), {}
    outsiders, bad_scores, bad_results, duplicates, no_test_scores, locked = [], [], [], [], [], []
    label = _("học viên")
    for line in lines:
        ids = _ids([line.enrollment], messages, label)
        if not ids:
            continue
        pk = ids[0]
        if pk in rows:
            duplicates.append(pk)
            continue
        if pk not in current:
            outsiders.append(pk)
            rows[pk] = None
            continue
        try:
            score = parse_score(line.score)
        except ValueError:
            bad_scores.append((pk, line.score))
            rows[pk] = None
            continue
        if has_test:
            result = result_for(rule, score)
        else:
            if score is not None:
                no_test_scores.append(pk)
            result = line.result or ""
            if result not in ("", *Result.values):
                bad_results.append(pk)
        rows[pk] = (score, result)
        old_score, old_result = current[pk][1:]
        if pk in certified and result != old_result:
            locked.append(pk)

    def named(ids):
        return ", ".join(current[pk][0] if pk in current else _("mã %(id)s") % {"id": pk} for pk in ids)

    if outsiders:
        messages.append(_("Không có trong danh sách lớp nên không ghi kết quả được: %(names)s.")
                        % {"names": named(outsiders)})
    for pk, value in bad_scores:
        messages.append(_("Điểm của %(name)s (“%(value)s”) không hợp lệ: điểm là số từ 0 đến %(max)d, tối đa hai "
                          "chữ số thập phân, ví dụ 7,5.") % {"name": named([pk]), "value": value, "max": SCORE_MAX})
    for ids, message in [
        (duplicates, _("Mỗi học viên chỉ ghi kết quả một lần; có dòng trùng: %(names)s.")),
        (bad_results, _("Kết quả phải là đạt hoặc không đạt: %(names)s.")),
        (no_test_scores, _("Lớp không có kiểm tra cuối khóa nên không ghi điểm: %(names)s.")),
        (locked, _("Đã được cấp giấy chứng nhận nên không đổi kết quả được (thu hồi giấy chứng nhận trước): "
                   "%(names)s.")),
    ]:
        if ids:
            messages.append(message % {"names": named(ids)})
    culprits = set(outsiders) | {pk for pk, _v in bad_scores} | set(duplicates) | set(bad_results) \
        | set(no_test_scores) | set(locked)
    if messages:
        raise SheetError(messages, culprits)
    written = {pk: value for pk, value in rows.items() if value is not None}
    user = by if getattr(by, "is_authenticated", False) else None
    with acting_as(user, "training.results"), connection.cursor() as cursor:
        cursor.execute(_RESULTS_SQL, {
            "by": user.pk if user else None, "now": timezone.now(), "class": training_class.pk,
            "ids": list(written), "scores": [score for score, _r in written.values()],
            "results": [result for _s, result in written.values()]})
    results = [result for _s, result in written.values()]
    return {"passed": results.count(Result.PASSED), "failed": results.count(Result.FAILED),
            "blank": results.count(""), "total": len(results)}
