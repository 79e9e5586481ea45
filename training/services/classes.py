"""State changes of classes and their lessons. Each validates fully and answers bad input
with a Vietnamese ValidationError naming the rule, writing nothing; pages, the API and
the admin call the same functions."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.access import Action, may, restrict
from portal.inputs import FIRST_YEAR, LAST_YEAR
from training.models import Lecturer, LessonAttendance, PlanLine, TrainingClass, TrainingPlan
from training.selectors import classes as selectors

CLASS_FIELDS = ("class_type", "organizer", "plan_line", "name", "starts_on", "ends_on", "format", "place",
                "capacity")


@dataclass(frozen=True)
class LessonData:
    number: int
    title: str
    held_on: datetime.date
    periods: int
    lecturer: Lecturer | None = None


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def check_class(training_class: TrainingClass, *, user, lessons: list[LessonData]) -> None:
    """Every rule of a class and its lessons; ValidationError by field, nothing written."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    c = training_class
    if c.organizer_id is None or not may(user, Action.TRAIN, c.organizer):
        add("organizer", _("Bạn không được tổ chức lớp bồi dưỡng tại đơn vị này."))
    for name in ("starts_on", "ends_on"):
        value = getattr(c, name)
        if value and not FIRST_YEAR <= value.year <= LAST_YEAR:
            add(name, _("Năm phải từ %(first)d đến %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR})
    if c.starts_on and c.ends_on and c.ends_on < c.starts_on:
        add("ends_on", _("Ngày bế giảng phải từ ngày khai giảng (%(date)s) trở đi.") % {"date": _day(c.starts_on)})
    class_type = c.class_type if c.class_type_id else None
    if class_type is not None:
        if class_type.external:
            add("class_type", _("%(type)s do cơ sở đào tạo bên ngoài giảng dạy: ghi kết quả học tập bên ngoài, "
                                "không mở lớp.") % {"type": class_type.name})
        elif c.starts_on and selectors.rule_in_force(class_type, c.starts_on) is None:
            add("class_type", _("Loại lớp “%(type)s” không có quy định nào hiệu lực vào ngày khai giảng %(date)s.")
                % {"type": class_type.name, "date": _day(c.starts_on)})
    if c.plan_line_id is not None:
        line = PlanLine.objects.select_related("plan__organization", "class_type").get(pk=c.plan_line_id)
        plan = line.plan
        if plan.status != TrainingPlan.Status.APPROVED:
            add("plan_line", _("Kế hoạch này chưa được phê duyệt (hoặc đã được điều chỉnh): chọn dòng của kế hoạch "
                               "đang có hiệu lực, hoặc để trống (lớp ngoài kế hoạch)."))
        if c.organizer_id and plan.organization_id != c.organizer_id:
            add("plan_line", _("Dòng kế hoạch thuộc kế hoạch của %(unit)s, không phải của đơn vị tổ chức lớp.")
                % {"unit": plan.organization.name})
        if class_type is not None and line.class_type_id != class_type.pk:
            add("plan_line", _("Dòng kế hoạch dành cho loại lớp “%(type)s”.") % {"type": line.class_type.name})
        if c.starts_on and c.starts_on.year != plan.year:
            add("starts_on", _("Lớp thuộc kế hoạch năm %(year)d nên phải khai giảng trong năm %(year)d "
                               "(ngày khai giảng đang là %(date)s).") % {"year": plan.year, "date": _day(c.starts_on)})
    if c.pk is not None:
        enrolled = selectors.enrollment_count(c)
        if c.capacity is not None and c.capacity < enrolled:
            add("capacity", _("Lớp đã có %(n)d học viên: số học viên tối đa không được nhỏ hơn %(n)d.")
                % {"n": enrolled})
        if enrolled and TrainingClass.objects.filter(pk=c.pk).exclude(class_type_id=c.class_type_id).exists():
            add("class_type", _("Lớp đã có học viên được cử theo loại lớp hiện tại: không đổi loại lớp được."))
    numbers = [lesson.number for lesson in lessons]
    if len(set(numbers)) != len(numbers):
        add("lessons", _("Mỗi bài có một số thứ tự riêng; có số bài bị trùng."))
    if c.starts_on and c.ends_on:
        outside = [lesson for lesson in lessons if not c.starts_on <= lesson.held_on <= c.ends_on]
        for lesson in outside:
            add("lessons", _("Bài %(n)d học ngày %(date)s, ngoài thời gian của lớp (%(start)s – %(end)s).")
                % {"n": lesson.number, "date": _day(lesson.held_on), "start": _day(c.starts_on),
                   "end": _day(c.ends_on)})
    lecturers = {lesson.lecturer.pk for lesson in lessons if lesson.lecturer is not None}
    if lecturers and restrict(Lecturer.objects.filter(pk__in=lecturers), user).count() != len(lecturers):
        add("lessons", _("Có giảng viên không tìm thấy trong phạm vi bạn được xem."))
    if errors:
        raise ValidationError(errors)
    c.full_clean(exclude=["created_by", "results_closed_at"])


def _save_lessons(training_class: TrainingClass, lessons: list[LessonData]) -> None:
    """The class's lessons become `lessons` (by number); a lesson with attendance is kept."""
    existing = {lesson.number: lesson for lesson in training_class.lessons.all()}
    wanted = {lesson.number for lesson in lessons}
    removed = [lesson for number, lesson in existing.items() if number not in wanted]
    marked = set(LessonAttendance.objects.filter(lesson__in=removed).values_list("lesson__number", flat=True))
    if marked:
        raise ValidationError({"lessons": [_("Bài %(numbers)s đã có điểm danh nên không xóa được.")
                                           % {"numbers": ", ".join(map(str, sorted(marked)))}]})
    training_class.lessons.filter(pk__in=[lesson.pk for lesson in removed]).delete()
    for data in lessons:
        lesson = existing.get(data.number) or training_class.lessons.model(training_class=training_class,
                                                                          number=data.number)
        lesson.title, lesson.held_on, lesson.periods, lesson.lecturer = (data.title, data.held_on, data.periods,
                                                                         data.lecturer)
        lesson.save()


@transaction.atomic
def create_class(*, user, lessons=(), **fields) -> TrainingClass:
    training_class = TrainingClass(created_by=user if getattr(user, "is_authenticated", False) else None, **fields)
    lessons = list(lessons)
    check_class(training_class, user=user, lessons=lessons)
    training_class.save()
    _save_lessons(training_class, lessons)
    return training_class


@transaction.atomic
def update_class(training_class: TrainingClass, *, user, lessons=None, **fields) -> TrainingClass:
    """Change a class (its organizer only to another unit where the user may train); the
    class row is locked so the capacity is compared with a settled count of learners."""
    if not may(user, Action.TRAIN, training_class.organizer):
        raise ValidationError(_("Bạn không được tổ chức lớp tại %(unit)s nên không sửa được lớp này.")
                              % {"unit": training_class.organizer.name})
    TrainingClass.objects.select_for_update().filter(pk=training_class.pk).first()
    for name, value in fields.items():
        if name not in CLASS_FIELDS:
            raise TypeError(name)
        setattr(training_class, name, value)
    if lessons is None:
        lessons = [LessonData(lesson.number, lesson.title, lesson.held_on, lesson.periods, lesson.lecturer)
                   for lesson in training_class.lessons.select_related("lecturer")]
    lessons = list(lessons)
    check_class(training_class, user=user, lessons=lessons)
    training_class.save()
    _save_lessons(training_class, lessons)
    return training_class
