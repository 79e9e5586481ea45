"""Pages of the classes area under /training/: the class list and form, the class page
with its learners, nomination, the lesson attendance screen, the results screen and the
list of enrolments. Thin: selectors read, services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import Action, may, reach_of
from portal.inputs import id_or
from portal.models import Person
from portal.pagination import CachedCountPaginator
from portal.spreadsheets.export import export_view
from training.filters import class_filters, enrollment_filters
from training.forms.classes import ClassForm, LessonFormSet, save_class
from training.models import Enrollment, LessonAttendance
from training.selectors import classes as selectors
from training.services import enrollment as enrolment

PAGE_SIZE = 25
CANDIDATES_SHOWN = 50


def _forbidden(request, training_class, message):
    """Seen but not run by the user: say so (an id outside the reach is a 404 before this)."""
    return render(request, "training/classes/forbidden.html", {"training_class": training_class, "message": message},
                  status=403)


def _trained_class(request, pk):
    """(class, None) when the user may train at its organizer, else (None, the 403 answer)."""
    training_class = selectors.class_by_id(request.user, pk)
    if not may(request.user, Action.TRAIN, training_class.organizer):
        return None, _forbidden(request, training_class, _("Chỉ cán bộ đào tạo của %(unit)s mới làm được việc này.")
                                % {"unit": training_class.organizer.name})
    return training_class, None


def _years():
    this_year = timezone.localdate().year
    return range(this_year + 1, this_year - 6, -1)


# --- Classes ---------------------------------------------------------------------------------


@login_required
@require_GET
def class_list(request):
    f, filters = class_filters(request.user, request.GET)
    classes = selectors.class_list(request.user, filters)
    page = CachedCountPaginator(classes, PAGE_SIZE).get_page(request.GET.get("page"))
    reach = reach_of(request.user)
    for c in page:
        c.trainable = reach.allows(Action.TRAIN, c.organizer.path)
    return render(request, "training/classes/list.html", {
        **f, "page": page, "years": _years(), "may_create": reach.allows_anywhere(Action.TRAIN),
        "filtered": any(request.GET.get(k) for k in ("org", "year", "type", "plan", "q")),
    })


def _lesson_initial(class_type, starts_on=None):
    """Blank lessons as many as the type's rule in force has, numbered, periods shared out."""
    rule = selectors.rule_in_force(class_type, starts_on or timezone.localdate()) if class_type else None
    if rule is None:
        return [{"number": 1, "periods": 4}]
    per_lesson = max(1, rule.periods // max(rule.lessons, 1))
    return [{"number": n, "periods": per_lesson, "title": _("Bài %(n)d") % {"n": n}} for n in range(1, rule.lessons + 1)]


@login_required
@require_http_methods(["GET", "POST"])
def class_create(request):
    user = request.user
    if not reach_of(user).allows_anywhere(Action.TRAIN):
        return _forbidden(request, None, _("Chỉ cán bộ đào tạo, bồi dưỡng mới mở được lớp."))
    type_code = request.GET.get("type", "")
    form = ClassForm(request.POST or None, user=user, initial={"class_type": type_code} if type_code else {})
    class_type = form.fields["class_type"].queryset.filter(code=type_code).first() \
        or form.fields["class_type"].queryset.first()
    lessons = LessonFormSet(request.POST or None, user=user, prefix="lessons", initial=_lesson_initial(class_type))
    if request.method == "POST" and form.is_valid() and lessons.is_valid():
        training_class = save_class(form, lessons, user=user)
        if training_class is not None:
            if training_class.plan_line_id is None:
                messages.warning(request, _("Đã mở lớp NGOÀI KẾ HOẠCH: lớp không được tính vào kết quả đào tạo cho "
                                            "đến khi gắn với một dòng của kế hoạch đã được phê duyệt."))
            else:
                messages.success(request, _("Đã mở lớp. Bây giờ có thể cử học viên."))
            return redirect("training_class_detail", pk=training_class.pk)
    return render(request, "training/classes/form.html", {"form": form, "lessons": lessons, "training_class": None,
                                                          "class_type": class_type})


@login_required
@require_http_methods(["GET", "POST"])
def class_edit(request, pk):
    training_class, refused = _trained_class(request, pk)
    if refused:
        return refused
    c = training_class
    initial = {"class_type": c.class_type.code, "organizer": c.organizer.code, "plan_line": c.plan_line_id,
               "name": c.name, "starts_on": c.starts_on, "ends_on": c.ends_on, "format": c.format,
               "place": c.place, "capacity": c.capacity}
    form = ClassForm(request.POST or None, user=request.user, initial=initial)
    lessons = LessonFormSet(request.POST or None, user=request.user, prefix="lessons", initial=[
        {"number": lesson.number, "title": lesson.title, "held_on": lesson.held_on, "periods": lesson.periods,
         "lecturer": lesson.lecturer_id} for lesson in c.lessons.order_by("number")])
    if request.method == "POST" and form.is_valid() and lessons.is_valid() \
            and save_class(form, lessons, user=request.user, training_class=c):
        messages.success(request, _("Đã lưu thay đổi của lớp."))
        return redirect("training_class_detail", pk=c.pk)
    return render(request, "training/classes/form.html", {"form": form, "lessons": lessons, "training_class": c,
                                                          "class_type": c.class_type})


@login_required
@require_GET
def class_detail(request, pk):
    user = request.user
    training_class = selectors.class_by_id(user, pk)
    reach = reach_of(user)
    roll = list(selectors.class_roll(user, training_class))
    for row in roll:
        row.withdrawable = not row.result and enrolment.may_withdraw(user, row)
    return render(request, "training/classes/detail.html", {
        "training_class": training_class, "lessons": selectors.class_lessons(training_class), "roll": roll,
        "enrolled": selectors.enrollment_count(training_class),
        "rule": selectors.rule_in_force(training_class.class_type, training_class.starts_on),
        "trainable": reach.allows(Action.TRAIN, training_class.organizer.path),
        "may_nominate": enrolment.may_nominate_anyone(user) and training_class.results_closed_at is None,
        "results": Enrollment.Result,
    })


# --- Nomination ------------------------------------------------------------------------------


def _pasted_people(user, training_class, text: str) -> tuple[list[Person], list[str]]:
    """People named in a pasted list, one a line: a party card number or a full name that
    names exactly one person the user may nominate. Lines naming nobody or several come back."""
    lines = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))[:500]
    named = selectors.candidates_named(user, training_class, lines)
    found = [matches[0] for matches in named.values() if len(matches) == 1]
    return found, [line for line, matches in named.items() if len(matches) != 1]


@login_required
@require_http_methods(["GET", "POST"])
def class_nominate(request, pk):
    user = request.user
    training_class = selectors.class_by_id(user, pk)
    if not enrolment.may_nominate_anyone(user):
        return _forbidden(request, training_class,
                          _("Chỉ cấp ủy quản lý đơn vị hoặc cán bộ đào tạo mới cử được người đi học."))
    query = request.GET.get("q", "").strip()[:100]
    errors, culprits = [], set()
    if request.method == "POST":
        ids = [i for i in (id_or(v) for v in request.POST.getlist("person")) if i]
        people = list(Person.objects.filter(pk__in=ids))
        pasted, unknown = _pasted_people(user, training_class, request.POST.get("paste", ""))
        if unknown:
            errors = [_("Không tìm thấy đúng một người có thể cử với các dòng: %(lines)s. Ghi đúng họ tên đầy đủ "
                        "hoặc số thẻ đảng viên, mỗi người một dòng.") % {"lines": "; ".join(unknown)}]
        else:
            try:
                added = enrolment.nominate(training_class=training_class, by=user, people=people + pasted)
            except ValidationError as exc:
                errors, culprits = exc.messages, getattr(exc, "culprits", set())
            else:
                messages.success(request, _("Đã cử %(n)d người vào lớp.") % {"n": len(added)})
                return redirect("training_class_detail", pk=training_class.pk)
    candidates = selectors.nomination_candidates(user, training_class, query, limit=CANDIDATES_SHOWN)
    return render(request, "training/classes/nominate.html", {
        "training_class": training_class, "candidates": candidates, "query": query, "errors": errors,
        "culprits": culprits, "chosen": set(request.POST.getlist("person")), "paste": request.POST.get("paste", ""),
        "enrolled": selectors.enrollment_count(training_class),
        "rule": selectors.rule_in_force(training_class.class_type, training_class.starts_on),
        "more": len(candidates) == CANDIDATES_SHOWN,
    }, status=400 if errors else 200)


@login_required
@require_POST
def enrollment_withdraw(request, pk):
    enrollment = selectors.enrollment_by_id(request.user, pk)
    try:
        enrolment.withdraw(enrollment=enrollment, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Đã rút %(name)s khỏi lớp.") % {"name": enrollment.person.full_name})
    return redirect("training_class_detail", pk=enrollment.training_class_id)


# --- Lesson attendance -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def class_attendance(request, pk):
    training_class, refused = _trained_class(request, pk)
    if refused:
        return refused
    lessons = list(selectors.class_lessons(training_class))
    if not lessons:
        messages.info(request, _("Lớp chưa có bài học nào: thêm bài học ở trang sửa lớp rồi điểm danh."))
        return redirect("training_class_detail", pk=training_class.pk)
    today = timezone.localdate()
    wanted = id_or(request.GET.get("lesson"))
    lesson = next((lesson for lesson in lessons if lesson.number == wanted), None) or next(
        (lesson for lesson in reversed(lessons) if lesson.held_on <= today), lessons[0])
    rows = selectors.attendance_sheet(training_class, lesson)
    errors, culprits = [], set()
    if request.method == "POST":
        marks = [enrolment.Mark(pk, request.POST.get(f"status-{pk}", ""), request.POST.get(f"reason-{pk}", ""))
                 for pk in request.POST.getlist("enrollment")]
        try:
            summary = enrolment.record_lesson_attendance(training_class=training_class, lesson=lesson,
                                                         by=request.user, marks=marks)
        except enrolment.SheetError as exc:
            errors, culprits = exc.messages, exc.culprits
            posted = {str(m.enrollment): m for m in marks}
            for row in rows:
                if (mark := posted.get(str(row.enrollment_id))) is not None:
                    row.reason = mark.reason
                    if mark.status in LessonAttendance.Status.values:
                        row.status = mark.status
        else:
            messages.success(request, _("Đã lưu điểm danh bài %(n)d: %(present)d có mặt, %(excused)d vắng có lý do, "
                                        "%(absent)d vắng không lý do.") % {"n": lesson.number, **summary})
            return redirect(f"{request.path}?lesson={lesson.number}")
    return render(request, "training/classes/attendance.html", {
        "training_class": training_class, "lessons": lessons, "lesson": lesson, "rows": rows, "errors": errors,
        "culprits": culprits, "statuses": LessonAttendance.Status,
        "summary": selectors.sheet_summary(row.status for row in rows), "may_record": lesson.held_on <= today,
    }, status=400 if errors else 200)


# --- Results ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def class_results(request, pk):
    training_class, refused = _trained_class(request, pk)
    if refused:
        return refused
    rule = selectors.rule_in_force(training_class.class_type, training_class.starts_on)
    errors, culprits, posted = [], set(), {}
    if request.method == "POST":
        lines = [enrolment.ResultLine(pk, request.POST.get(f"score-{pk}", ""), request.POST.get(f"result-{pk}", ""))
                 for pk in request.POST.getlist("enrollment")]
        try:
            summary = enrolment.record_results(training_class=training_class, by=request.user, lines=lines)
        except enrolment.SheetError as exc:
            errors, culprits = exc.messages, exc.culprits
            posted = {str(line.enrollment): line for line in lines}
        else:
            messages.success(request, _("Đã lưu kết quả: %(passed)d đạt, %(failed)d không đạt, %(blank)d chưa có "
                                        "kết quả.") % summary)
            return redirect("training_class_detail", pk=training_class.pk)
    rows = selectors.results_sheet(training_class)
    for row in rows:  # back from a refused save: what was typed, so nothing is lost
        if (line := posted.get(str(row.enrollment_id))) is not None:
            row.score_text, row.result = str(line.score or ""), line.result
    return render(request, "training/classes/results.html", {
        "training_class": training_class, "rule": rule, "rows": rows, "errors": errors, "culprits": culprits,
        "has_test": rule is not None and rule.has_test, "results": Enrollment.Result,
        "certified_label": _("đã cấp GCN"), "blank_label": _("— chưa có —"),
    }, status=400 if errors else 200)


# --- Enrolments ------------------------------------------------------------------------------


@login_required
@require_GET
def enrollment_list(request):
    f, filters = enrollment_filters(request.user, request.GET)
    get = request.GET
    rows = selectors.enrollment_list(request.user, filters)
    page = CachedCountPaginator(rows, PAGE_SIZE).get_page(get.get("page"))
    return render(request, "training/enrollments/list.html", {
        **f, "page": page, "years": _years(), "results": Enrollment.Result,
        "filtered": any(get.get(k) for k in ("org", "year", "type", "plan", "q", "result", "certified")),
    })


urlpatterns = [
    path("classes/", class_list, name="training_class_list"),
    path("classes/new/", class_create, name="training_class_create"),
    path("classes/export.<sheet:ext>", export_view("classes"), name="training_class_list_export"),
    path("classes/<int:pk>/", class_detail, name="training_class_detail"),
    path("classes/<int:pk>/export.<sheet:ext>", export_view("class_roll"), name="training_class_roll_export"),
    path("classes/<int:pk>/edit/", class_edit, name="training_class_edit"),
    path("classes/<int:pk>/nominate/", class_nominate, name="training_class_nominate"),
    path("classes/<int:pk>/attendance/", class_attendance, name="training_class_attendance"),
    path("classes/<int:pk>/results/", class_results, name="training_class_results"),
    path("enrollments/", enrollment_list, name="training_enrollment_list"),
    path("enrollments/export.<sheet:ext>", export_view("enrollments"), name="training_enrollment_list_export"),
    path("enrollments/<int:pk>/withdraw/", enrollment_withdraw, name="training_enrollment_withdraw"),
]
