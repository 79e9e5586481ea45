"""The import format of a class's learners and results (portal.spreadsheets.imports): the
lists training staff keep of who attended a class and what each scored.

A row names a learner of the class, or someone the user may nominate to it: those are
enrolled by the import through `nominate`, the nomination screen's own service, with its
checks (eligibility under the rule in force on the start date, seats left, a roll not closed
by certificates). Scores and results are then written by `record_results`, the results
screen's own service: with a test the pass mark decides, without one the result is as
written; a result behind a valid certificate does not change. A row with neither score nor
result records none (it leaves what the class has). Row history names the importing user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets

from portal.access import Action, may
from portal.models import Organization, Person
from portal.spreadsheets.imports import ADMINISTRATOR, Change, ImportFormat, Plan, Problem
from portal.spreadsheets.matching import (
    PERSON_COLUMNS,
    PeopleIndex,
    person_label,
    person_named,
    reject_duplicates,
)
from portal.spreadsheets.reading import Column, SourceRow, Table
from portal.spreadsheets.resources import ChoiceWidget, GroupResource, column_field
from portal.spreadsheets.values import Choices, clean_text, day_text, is_empty
from training.models import SCORE_MAX, Enrollment, TrainingClass
from training.selectors import classes as selectors
from training.services import enrollment as services

Result = Enrollment.Result

COLUMNS = [
    *PERSON_COLUMNS,
    Column("score", "Điểm", ("Điểm kiểm tra", "Điểm thi", "Điểm bài kiểm tra", "Điểm kiểm tra cuối khóa",
                             "Điểm cuối khóa", "Điểm số", "Điểm trung bình")),
    Column("result", "Kết quả", ("Kết quả học tập", "Đạt/không đạt", "Đạt, không đạt", "Kết quả cuối khóa")),
]
TITLES = {column.key: column.title for column in COLUMNS}
RESULT_WORDS = {
    Result.PASSED: ["Đạt", "Đ", "Đạt yêu cầu", "Hoàn thành", "Hoàn thành khóa học"],
    Result.FAILED: ["Không đạt", "KĐ", "Chưa đạt", "Không đạt yêu cầu", "Không hoàn thành"],
}
RESULT_CHOICES = Choices([*((written, result) for result, words in RESULT_WORDS.items() for written in words),
                          *((form, value) for value, label in Result.choices for form in (value, label))],
                         label=gettext_lazy("kết quả"))
RESULT_NAMES = dict(Result.choices)


def _require_training(user, training_class: TrainingClass) -> None:
    """The results screen's rule: the organizer's training staff record a class's results."""
    if not may(user, Action.TRAIN, training_class.organizer):
        raise PermissionDenied(_("Chỉ cán bộ đào tạo của %(unit)s mới làm được việc này.")
                               % {"unit": training_class.organizer.name})


def _taught_outside(training_class: TrainingClass) -> str:
    """Why a class's results are not recorded here (an outside institution teaches it); "" when they are."""
    if not training_class.class_type.external:
        return ""
    return _("%(type)s do cơ sở đào tạo bên ngoài giảng dạy: ghi kết quả học tập bên ngoài, không ghi kết quả lớp.") % {
        "type": training_class.class_type.name}


def _score_reason() -> str:
    return _("điểm là số từ 0 đến %(max)d, tối đa hai chữ số thập phân, ví dụ 7,5") % {"max": SCORE_MAX}


@dataclass
class _Line:
    source: SourceRow
    person: object = None  # an enrolled learner (_Enrolled) or a Person to nominate
    score: Decimal | None = None
    result: str = ""
    records: bool = False  # the row gives a score or a result
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Enrolled:
    """A learner of the class, as the matching and the preview need him."""

    id: int  # the person's
    full_name: str
    birth_date: datetime.date | None
    party_card_number: str | None
    enrollment: int
    score: Decimal | None
    result: str
    certified: bool


@dataclass
class ResultsPayload:
    nominate: list = field(default_factory=list)  # Person objects
    lines: list[tuple[object, Decimal | None, str]] = field(default_factory=list)  # enrolment or Person, score, result


class ResultsFormat(ImportFormat):
    """The learners of one class with their scores and results."""

    code = "results"
    label = gettext_lazy("Học viên và kết quả lớp bồi dưỡng")
    columns = COLUMNS
    target_label = gettext_lazy("Lớp")
    target_help = gettext_lazy("Số của lớp: số cuối trong địa chỉ trang của lớp (…/training/classes/số/).")
    action = Action.TRAIN

    @property
    def resource_class(self):
        return EnrollmentResource

    def target(self, user, target_id: str) -> TrainingClass:
        """A class the user may record results for: the results screen's rule (404 outside the
        reach; seen but not run by him: refused)."""
        training_class = selectors.class_by_id(user, str(target_id).strip())
        _require_training(user, training_class)
        return training_class

    def target_organization(self, target: TrainingClass) -> Organization:
        return target.organizer

    def describe_target(self, target: TrainingClass) -> str:
        return target.name

    def target_url(self, target: TrainingClass) -> str:
        return reverse("training_class_results", args=[target.pk])

    def example_rows(self) -> list[list]:
        return [["Nguyễn Văn A", datetime.date(1985, 5, 17), "01234567", "7,5", "Đạt"],
                ["Trần Thị B", "20/11/1992", "", 4, "Không đạt"]]

    def plan(self, table: Table, *, target: TrainingClass, user) -> Plan:
        training_class = target
        plan = Plan(header=list(table.header))
        rule = selectors.rule_in_force(training_class.class_type, training_class.starts_on)
        has_test = rule is not None and rule.has_test
        enrolled = [_Enrolled(*row) for row in Enrollment.objects.filter(training_class=training_class)
                    .annotate(certified=selectors.certified_q())
                    .values_list("person_id", "person__full_name", "person__birth_date",
                                 "person__party_card_number", "pk", "score", "result", "certified")]
        sources = list(table.rows)
        plan.total = len(sources)
        # Those he may nominate whom the file names (by card or full name), in one query.
        written = {clean_text(source.values.get(key)) for source in sources
                   for key in ("party_card_number", "full_name")} - {""}
        nominable = [person for people in selectors.candidates_named(user, training_class, sorted(written)).values()
                     for person in people]
        index = PeopleIndex({person.id: person for person in (*enrolled, *nominable)}.values(), group=_(
            "danh sách lớp và những người bạn được cử đi học"))
        lines = [self._read(source, index, has_test, rule) for source in sources]
        reject_duplicates(lines)
        if outside := _taught_outside(training_class):
            plan.problems.append(Problem(row=table.header_row, column="", value="", reason=outside))
        self._check_nominations(lines, training_class, rule, len(enrolled), plan, table)
        payload = ResultsPayload()
        for line in lines:
            if line.problems:
                plan.reject(line.source, line.problems)
                continue
            self._plan_line(line, plan, payload)
        plan.payload = payload
        return plan

    def _read(self, source: SourceRow, index: PeopleIndex, has_test: bool, rule) -> _Line:
        values = source.values
        line = _Line(source)
        line.person, line.problems = person_named(index, source, TITLES)

        def bad(key: str, reason: str) -> None:
            line.problems.append(Problem(row=source.number, column=TITLES[key], value=clean_text(values.get(key)),
                                         reason=reason))

        written_result = ""
        if not is_empty(values.get("result")):
            try:
                written_result = RESULT_CHOICES.get(values["result"])
            except ValueError as error:
                bad("result", str(error))
        try:
            line.score = services.parse_score(_score_cell(values.get("score")))
        except ValueError:
            bad("score", _score_reason())
        line.records = line.score is not None or bool(written_result)
        if has_test:
            line.result = services.result_for(rule, line.score)
            if written_result and line.score is None:
                bad("score", _("lớp có kiểm tra cuối khóa: kết quả theo điểm, cần ghi điểm"))
            elif written_result and written_result != line.result:
                bad("result", _("điểm %(score)s so với điểm đạt %(mark)s thì kết quả là “%(result)s”")
                    % {"score": selectors.score_text(line.score), "mark": selectors.score_text(rule.pass_mark),
                       "result": RESULT_NAMES[line.result]})
        else:
            if line.score is not None:
                bad("score", _("lớp không có kiểm tra cuối khóa nên không ghi điểm"))
            line.result = written_result
        if isinstance(line.person, _Enrolled) and line.person.certified and line.records \
                and line.result != line.person.result:
            bad("result", _("đã được cấp giấy chứng nhận nên không đổi kết quả được (thu hồi giấy chứng nhận trước)"))
        return line

    def _check_nominations(self, lines: list[_Line], training_class: TrainingClass, rule, enrolled: int, plan: Plan,
                           table: Table) -> None:
        """nominate()'s checks, on the rows that would enrol someone, without writing (they name
        only people the user may nominate: candidates_named offers no one else)."""
        new = [line for line in lines if line.person is not None and not isinstance(line.person, _Enrolled)]
        if not new:
            return
        if training_class.results_closed_at is not None:
            for line in new:
                line.problems.append(Problem(row=line.source.number, column="", value="", reason=_(
                    "chưa có trong danh sách lớp, và lớp đã chốt kết quả: không cử thêm học viên được")))
            return
        if rule is None:
            plan.problems.append(Problem(row=table.header_row, column="", value="", reason=_(
                "Loại lớp “%(type)s” không có quy định nào hiệu lực vào ngày khai giảng %(date)s.")
                % {"type": training_class.class_type.name, "date": day_text(training_class.starts_on)}))
            return
        refused = services.ineligibility(rule, training_class, [line.person for line in new])
        for line in new:
            if line.person.pk in refused:
                line.problems.append(Problem(row=line.source.number, column="", value="",
                                             reason=refused[line.person.pk]))
        if enrolled + len(new) > training_class.capacity:
            plan.problems.append(Problem(row=table.header_row, column="", value="", reason=_(
                "Lớp còn %(left)d chỗ (tối đa %(capacity)d học viên, đã có %(enrolled)d); tệp cử thêm %(asked)d "
                "người.") % {"left": max(training_class.capacity - enrolled, 0),
                            "capacity": training_class.capacity, "enrolled": enrolled, "asked": len(new)}))

    def _plan_line(self, line: _Line, plan: Plan, payload: ResultsPayload) -> None:
        person = line.person
        label = person_label(person.full_name, person.birth_date)
        new_fields = [(TITLES["score"], selectors.score_text(line.score)), (TITLES["result"], RESULT_NAMES.get(line.result, ""))]
        if not isinstance(person, _Enrolled):
            payload.nominate.append(person)
            if line.records:
                payload.lines.append((person, line.score, line.result))
            plan.created.append(Change(row=line.source.number, label=label, fields=[
                (title, "", str(new)) for title, new in new_fields if new]))
            return
        if not line.records or (person.score, person.result) == (line.score, line.result):
            plan.unchanged += 1
            return
        payload.lines.append((person.enrollment, line.score, line.result))
        old = [selectors.score_text(person.score), RESULT_NAMES.get(person.result, "")]
        plan.changed.append(Change(row=line.source.number, label=label, fields=[
            (title, str(before), str(new)) for (title, new), before in zip(new_fields, old, strict=True)
            if str(before) != str(new)]))

    def apply(self, plan: Plan, *, target: TrainingClass, user) -> dict:
        """Enrol through the nomination service, then record through the results service."""
        payload: ResultsPayload = plan.payload
        enrolled = {}
        if payload.nominate:
            enrolled = {e.person_id: e.pk for e in services.nominate(training_class=target, by=user,
                                                                     people=payload.nominate)}
        summary = {"passed": 0, "failed": 0, "blank": 0, "total": 0}
        if payload.lines:
            summary = services.record_results(training_class=target, by=user, lines=[
                services.ResultLine(enrolled[who.pk] if not isinstance(who, int) else who,
                                    "" if score is None else score, result)
                for who, score, result in payload.lines])
        return {"created": len(plan.created), "changed": len(plan.changed), "enrolled": len(enrolled), **summary}


def _score_cell(value):
    """A score cell as parse_score takes it: a number read from Excel as its shortest text
    (6.35 stays 6,35, not 6.3499999…)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return value.strip()
    return value


RESULTS = ResultsFormat()


# --- django-import-export: the same columns for the admin's buttons ----------------------------


class ScoreWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return services.parse_score(_score_cell(value))
        except ValueError:
            raise ValueError(capfirst(_score_reason())) from None

    def render(self, value, obj=None, **kwargs):
        return selectors.score_text(value)


class EnrollmentResource(GroupResource):
    """The learners-and-results columns for django-import-export. Exports the enrolments the
    user sees; imports the results of one `training_class`'s learners (give it), row by row,
    by the results screen's rules (the pass mark decides when there is a test; a certified
    result stays). It enrols no one: the results format (pages, the API, the commands, the
    admin's import) does, through the nomination service."""

    group_field = "training_class"

    score = column_field(TITLES, "score", "score", ScoreWidget())
    result = column_field(TITLES, "result", "result", ChoiceWidget(RESULT_CHOICES.get, RESULT_NAMES))

    class Meta:
        model = Enrollment
        fields = ["full_name", "birth_date", "party_card_number", "score", "result"]

    def __init__(self, *, training_class: TrainingClass | None = None, user=None, **kwargs):
        super().__init__(group=training_class, group_label=_("danh sách lớp"), user=user, **kwargs)
        self._rule = None
        self._certified_results = {}  # enrolment id -> the result a valid certificate holds

    def group_people(self):
        return Person.objects.filter(enrollments__training_class=self.group)

    def before_import(self, dataset, **kwargs):
        training_class = self.group
        if training_class is None:
            raise ValidationError(_("Chọn lớp cần nhập kết quả."))
        _require_training(self.user or ADMINISTRATOR, training_class)
        if outside := _taught_outside(training_class):
            raise ValidationError(outside)
        self._rule = selectors.rule_in_force(training_class.class_type, training_class.starts_on)
        self._certified_results = dict(Enrollment.objects.filter(training_class=training_class)
                                       .filter(selectors.certified_q()).values_list("pk", "result"))

    def init_instance(self, row=None):
        self.person_in_row(row)  # names the learner, or says why not
        raise ValidationError(_("Chưa có trong danh sách lớp nên không ghi kết quả được."))

    def before_save_instance(self, instance, row, **kwargs):
        rule = self._rule
        if rule is not None and rule.has_test:
            instance.result = services.result_for(rule, instance.score)
        elif instance.score is not None:
            raise ValidationError(capfirst(_("lớp không có kiểm tra cuối khóa nên không ghi điểm")))
        certified = self._certified_results.get(instance.pk)
        if certified is not None and certified != instance.result:
            raise ValidationError(capfirst(_("đã được cấp giấy chứng nhận nên không đổi kết quả được (thu hồi giấy "
                                             "chứng nhận trước)")))
        instance.result_recorded_by = self.user if getattr(self.user, "is_authenticated", False) else None
        instance.result_recorded_at = timezone.now()
