"""The eight indicators of a report (DESIGN.md §4), composed from the figures the owning apps
compute (`training.selectors.indicators.training_figures`, `resolutions.selectors.indicators
.study_figures`): reports never counts a row itself, it only arranges what they counted.

`compute_report(kind, unit, period)` gives one JSON-able dict, the single computation that
the dashboard, the API, the XLSX, the DOCX and the PDF all show. Its numbers are plain ints
and floats (a percentage is 58.2, one decimal, rounded half up by `portal.figures.Share`),
its dates ISO strings, so it reads back from a JSONField exactly as it was written, and the
same data gives the same dict apart from `computed_at`.

Each indicator is::

    {"code", "title",
     "figures": [{"code", "label", "value", "done", "total", "percent", "target", "kind"}],
     "tables": [{"code", "title", "columns": [{"code", "label", "kind"}], "rows": [[…]], "total": […]}],
     "sentences": ["Đã mở 12 lớp bồi dưỡng với 1.127 lượt học viên…"]}

A figure's `kind` is "count" (`value` the number) or "percent" (`value` = `percent`, the
share `done` of `total`, None when there is nobody to count). `target` is None or
{"min", "max", "own", "met"}: the unit's own target for the year where it set one
(`training.TrainingTarget`), else the fixed target of the seeds (`SEED_TARGETS`).
A column's `kind` is "text", "count" or "percent".

Figure codes (stable: the dashboard and tests look them up):

- classes: classes.held, classes.held.<class type>, classes.outside_plan, learners.total,
  learners.female, learners.minority, learners.type.<class type>
- results: results.passed, results.certified, results.admission_new_share
- party_work_trained: party_work.share
- lecturers: lecturers.standard_share, lecturers.secretaries_share
- study: study.sessions, study.sessions.<session kind>, study.sessions.format.<format>,
  study.attendance_share, study.document.<document id>
- grassroots_classes: grassroots.without_class, grassroots.with_class_share
- commitments: commitments.expected, commitments.filed, commitments.accepted,
  commitments.rating.<rating level>
- commend_remind: commend, remind

Every table of figures by child unit lists the children of `portal.asof.children_during`
under the name each had then, then the unit's own row ("… (trực tiếp)") when it holds
anything, and the whole subtree as its total.

The report is a Party document: its words are Vietnamese whatever the language of the page
that asked for it (as `portal.printing` and the campaign export), numbers written by
`portal.printing.format_number` / `format_percent`.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.utils import timezone, translation

from portal.asof import Period, children_during
from portal.figures import Breakdown, Share
from portal.models import Organization, OrganizationPeriod
from portal.printing import format_number, format_percent
from reports.models import ReportKind

COUNT, PERCENT, TEXT = "count", "percent", "text"
WHOLE = object()  # the whole subtree, as opposed to one child (whose key may be None: the unit itself)
UNIT_COLUMN = {"code": "unit", "label": "Đơn vị", "kind": TEXT}

NOTES = [
    "Số liệu tính theo tổ chức và đảng viên tại thời điểm của kỳ báo cáo: buổi sinh hoạt, lớp bồi dưỡng, "
    "lượt học viên và buổi lên lớp thuộc về đơn vị tổ chức và các cấp trên của đơn vị đó theo hệ thống tổ "
    "chức tại ngày diễn ra; chi bộ sáp nhập, chuyển cấp trên trong năm được tính cho cấp trên cũ đến ngày "
    "thay đổi và cho cấp trên mới từ ngày đó; học viên được cử từ chi bộ đã sáp nhập trước ngày khai giảng "
    "được tính ở nơi chi bộ đó trực thuộc lần cuối.",
    "Số đảng viên, cấp ủy viên, giảng viên, bản cam kết và tổ chức cơ sở đảng lấy tại ngày chốt số liệu "
    "{day} (ngày cuối kỳ; hôm nay với kỳ đang diễn ra; với đơn vị giải thể, sáp nhập trong kỳ: ngày cuối "
    "cùng đơn vị còn hoạt động); giảng viên đạt chuẩn tính từ ngày được công nhận, giấy chứng nhận bị thu hồi "
    "sau ngày chốt vẫn được tính.",
    "Đảng viên chuyển sinh hoạt được tính ở đơn vị nơi sinh hoạt tại ngày tính; tình trạng đảng viên là tình "
    "trạng tại ngày đó. Báo cáo lập lại sau này cho cùng kỳ cho cùng số liệu.",
    "Chỉ tính các lớp có trong kế hoạch đã được cấp ủy phê duyệt; lớp ngoài kế hoạch được nêu riêng.",
]


# --- The shapes ---------------------------------------------------------------------------------


def _number(value: Decimal | int | float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if Decimal(value) == int(value) else float(value)


def _target(minimum, maximum=None, *, own: bool, actual) -> dict:
    met = None if actual is None else (actual >= minimum and (maximum is None or actual <= maximum))
    return {"min": _number(minimum), "max": _number(maximum), "own": own, "met": met}


def count_figure(code: str, label: str, value: int, target: tuple | None = None) -> dict:
    return {"code": code, "label": label, "value": value, "done": None, "total": None, "percent": None,
            "target": _target(*target[:2], own=target[2], actual=value) if target else None, "kind": COUNT}


def share_figure(code: str, label: str, share: Share, target: tuple | None = None) -> dict:
    percent = percent_of(share)
    return {"code": code, "label": label, "value": percent, "done": share.done, "total": share.total,
            "percent": percent, "target": _target(*target[:2], own=target[2], actual=percent) if target else None,
            "kind": PERCENT}


def column(code: str, label: str, kind: str = COUNT) -> dict:
    return {"code": code, "label": label, "kind": kind}


def table(code: str, title: str, columns: list[dict], rows: list[list], total: list | None) -> dict:
    return {"code": code, "title": title, "columns": columns, "rows": rows, "total": total}


def percent_of(share: Share) -> float | None:
    return None if share.percent is None else float(share.percent)


def lowercase_first(text: str) -> str:
    """A catalogue name inside a sentence: "Cập nhật kiến thức mới" → "cập nhật kiến thức mới"."""
    return text[:1].lower() + text[1:]


def percent_text(share_or_percent) -> str:
    percent = share_or_percent.percent if isinstance(share_or_percent, Share) else share_or_percent
    return "—" if percent is None else format_percent(percent)


def target_text(figure: dict) -> str:
    """ " (chỉ tiêu 100%)" after a figure that has a target, "" otherwise."""
    target = figure["target"]
    if not target:
        return ""
    def write(value) -> str:
        decimals = 0 if value == int(value) else 1
        return format_percent(value, decimals) if figure["kind"] == PERCENT else format_number(value, decimals)

    bound = write(target["min"]) if target["max"] is None else f"{write(target['min'])}–{write(target['max'])}"
    verdict = {True: ", đạt", False: ", chưa đạt", None: ""}[target["met"]]
    return f" (chỉ tiêu {'từ ' if target['max'] is None and figure['kind'] == COUNT else ''}{bound}{verdict})"


# --- What the apps computed, each once ----------------------------------------------------------


@dataclass
class Sources:
    """The apps' figures for one (unit, period), each computed on first use, so a kind
    holding only study indicators runs no training query."""

    unit: Organization
    period: Period

    @cached_property
    def training(self):
        from training.selectors.indicators import training_figures

        return training_figures(self.unit, self.period)

    @cached_property
    def study(self):
        from resolutions.selectors.indicators import study_figures

        return study_figures(self.unit, self.period)

    @cached_property
    def children(self) -> list[OrganizationPeriod]:
        return children_during(self.unit, self.period)

    @cached_property
    def class_types(self) -> dict[str, str]:
        from training.models import ClassType

        return dict(ClassType.objects.order_by("sort_order", "name").values_list("code", "name"))

    @cached_property
    def rating_levels(self) -> dict[str, str]:
        from resolutions.models import RatingLevel

        return dict(RatingLevel.objects.order_by("sort_order", "name").values_list("code", "name"))

    @cached_property
    def own_targets(self) -> dict[tuple[str, str | None], tuple]:
        """The unit's targets of a one-year period: (indicator, class type) → (min, max). A
        multi-year report has no yearly target to meet."""
        from training.models import TrainingTarget

        if self.period.first_year != self.period.last_year:
            return {}
        rows = TrainingTarget.objects.filter(organization=self.unit, year=self.period.last_year).values_list(
            "indicator", "class_type__code", "value", "upper")
        return {(indicator, class_type): (value, upper) for indicator, class_type, value, upper in rows}

    def target(self, indicator: str, class_type: str | None = None) -> tuple | None:
        """(min, max, own) of a training target: the unit's own, else the seeds' for a share."""
        from training.selectors.targets import SEED_TARGETS, SHARES

        own = self.own_targets.get((indicator, class_type))
        if own is not None:
            return (*own, True)
        if indicator in SHARES and indicator in SEED_TARGETS:
            return (*SEED_TARGETS[indicator], False)
        return None

    def by_child_rows(self, value_of: Callable[[object], list]) -> tuple[list[list], list]:
        """Rows [name, *value_of(child id)] for each child, then the unit's own when it holds
        anything, and the total row [“Tổng cộng”, *value_of(WHOLE)]."""
        rows = [[child.name, *value_of(child.organization_id)] for child in self.children]
        own = value_of(None)
        if any(own):
            rows.append([f"{self.unit.name} (trực tiếp)", *own])
        return rows, ["Tổng cộng", *value_of(WHOLE)]


def part(breakdown: Breakdown, key, empty):
    return breakdown.total if key is WHOLE else breakdown.of(key, empty)


def indicator(code: str, title: str, figures: list[dict], tables: list[dict], sentences: list[str]) -> dict:
    return {"code": code, "title": title, "figures": figures, "tables": tables, "sentences": sentences}


# --- The eight indicators -----------------------------------------------------------------------


def _classes(sources: Sources) -> dict:
    from training.models import TargetIndicator
    from training.selectors.indicators import ClassCounts, LearnerCounts

    training = sources.training
    classes, learners = training.classes.total, training.learners.total
    types = [code for code in sources.class_types if classes.by_type[code] or learners.learners[code]]
    figures = [
        count_figure("classes.held", "Số lớp bồi dưỡng đã mở", classes.counted,
                     sources.target(TargetIndicator.CLASSES)),
        *(count_figure(f"classes.held.{code}", f"Số lớp {sources.class_types[code]}", classes.by_type[code],
                       sources.target(TargetIndicator.CLASSES_OF_TYPE, code)) for code in types),
        count_figure("classes.outside_plan", "Số lớp ngoài kế hoạch được duyệt (không tính)", classes.outside_plan),
        count_figure("learners.total", "Lượt học viên", learners.total("learners")),
        count_figure("learners.female", "Lượt học viên nữ", learners.total("women")),
        count_figure("learners.minority", "Lượt học viên người dân tộc thiểu số", learners.total("minority")),
        *(count_figure(f"learners.type.{code}", f"Lượt học viên lớp {sources.class_types[code]}",
                       learners.learners[code], sources.target(TargetIndicator.LEARNERS_OF_TYPE, code))
          for code in types),
    ]
    by_type = table(
        "classes.by_type", "Lớp bồi dưỡng và học viên theo loại lớp",
        [column("type", "Loại lớp", TEXT), column("classes", "Số lớp"), column("learners", "Lượt học viên"),
         column("female", "Nữ"), column("minority", "Dân tộc thiểu số")],
        [[sources.class_types[code], classes.by_type[code], learners.learners[code], learners.women[code],
          learners.minority[code]] for code in types],
        ["Tổng cộng", classes.counted, learners.total("learners"), learners.total("women"),
         learners.total("minority")])

    def by_child(key) -> list:
        child_classes = part(training.classes, key, ClassCounts())
        child_learners = part(training.learners, key, LearnerCounts())
        return [child_classes.counted, child_classes.outside_plan, child_learners.total("learners"),
                child_learners.total("women"), child_learners.total("minority")]

    rows, total = sources.by_child_rows(by_child)
    child_table = table(
        "classes.by_child", "Lớp bồi dưỡng và học viên theo đơn vị",
        [UNIT_COLUMN, column("classes", "Số lớp"), column("outside_plan", "Lớp ngoài kế hoạch"),
         column("learners", "Lượt học viên"), column("female", "Nữ"), column("minority", "Dân tộc thiểu số")],
        rows, total)
    held = figures[0]
    detail = "; ".join(f"{format_number(classes.by_type[code])} lớp {lowercase_first(sources.class_types[code])} "
                       f"({format_number(learners.learners[code])} lượt học viên)" for code in types)
    sentences = [
        f"Đã mở {format_number(classes.counted)} lớp bồi dưỡng{target_text(held)} với "
        f"{format_number(learners.total('learners'))} lượt học viên, trong đó nữ {format_number(learners.total('women'))}, "
        f"người dân tộc thiểu số {format_number(learners.total('minority'))}" + (f"; gồm: {detail}." if detail else "."),
    ]
    if classes.outside_plan:
        sentences.append(f"Có {format_number(classes.outside_plan)} lớp ngoài kế hoạch đã được cấp ủy phê duyệt, "
                         "không tính vào kết quả.")
    return indicator("classes", "Lớp bồi dưỡng và học viên", figures, [by_type, child_table], sentences)


def _results(sources: Sources) -> dict:
    from training.models import TargetIndicator
    from training.selectors.indicators import LearnerCounts

    training = sources.training
    learners = training.learners.total
    types = [code for code in sources.class_types if learners.learners[code]]
    certified_share = learners.certified_share
    share = share_figure("results.admission_new_share",
                         "Học viên lớp nhận thức về Đảng và đảng viên mới được cấp giấy chứng nhận", certified_share,
                         sources.target(TargetIndicator.CERTIFIED_SHARE))
    figures = [
        count_figure("results.passed", "Lượt học viên đạt yêu cầu", learners.total("passed")),
        count_figure("results.certified", "Lượt học viên được cấp giấy chứng nhận", learners.total("certified")),
        share,
    ]
    by_type = table(
        "results.by_type", "Kết quả học tập theo loại lớp",
        [column("type", "Loại lớp", TEXT), column("learners", "Lượt học viên"), column("passed", "Đạt yêu cầu"),
         column("certified", "Được cấp giấy chứng nhận")],
        [[sources.class_types[code], learners.learners[code], learners.passed[code], learners.certified[code]]
         for code in types],
        ["Tổng cộng", learners.total("learners"), learners.total("passed"), learners.total("certified")])

    def by_child(key) -> list:
        counts = part(training.learners, key, LearnerCounts())
        return [counts.total("learners"), counts.total("passed"), counts.total("certified"),
                percent_of(counts.certified_share)]

    rows, total = sources.by_child_rows(by_child)
    child_table = table(
        "results.by_child", "Kết quả học tập theo đơn vị",
        [UNIT_COLUMN, column("learners", "Lượt học viên"), column("passed", "Đạt yêu cầu"),
         column("certified", "Được cấp giấy chứng nhận"),
         column("admission_new_share", "Tỷ lệ cấp giấy chứng nhận lớp nhận thức về Đảng, đảng viên mới", PERCENT)],
        rows, total)
    sentences = [
        f"{format_number(learners.total('passed'))} lượt học viên đạt yêu cầu, "
        f"{format_number(learners.total('certified'))} lượt được cấp giấy chứng nhận; học viên các lớp bồi dưỡng "
        f"nhận thức về Đảng và đảng viên mới được cấp giấy chứng nhận {format_number(certified_share.done)}/"
        f"{format_number(certified_share.total)}, đạt {percent_text(certified_share)}{target_text(share)}.",
    ]
    return indicator("results", "Kết quả học tập, cấp giấy chứng nhận", figures, [by_type, child_table], sentences)


def _share_by_child(sources: Sources, breakdown: Breakdown[Share], key) -> list:
    share = part(breakdown, key, Share())
    return [share.total, share.done, percent_of(share)]


def _party_work_trained(sources: Sources) -> dict:
    from training.models import TargetIndicator

    trained = sources.training.party_work_trained
    figure = share_figure("party_work.share",
                          "Cấp ủy viên, ủy viên UBKT, bí thư, phó bí thư được bồi dưỡng nghiệp vụ công tác Đảng "
                          "trong nhiệm kỳ", trained.total, sources.target(TargetIndicator.PARTY_WORK_TRAINED_SHARE))
    rows, total = sources.by_child_rows(lambda key: _share_by_child(sources, trained, key))
    child_table = table(
        "party_work.by_child", "Bồi dưỡng nghiệp vụ công tác Đảng theo đơn vị",
        [UNIT_COLUMN, column("people", "Cấp ủy viên, ủy viên UBKT"), column("trained", "Đã được bồi dưỡng"),
         column("share", "Tỷ lệ", PERCENT)], rows, total)
    sentences = [
        f"{format_number(trained.total.done)}/{format_number(trained.total.total)} cấp ủy viên, ủy viên ủy ban kiểm tra, "
        f"bí thư, phó bí thư đã được bồi dưỡng nghiệp vụ công tác Đảng trong nhiệm kỳ, đạt "
        f"{percent_text(trained.total)}{target_text(figure)}.",
    ]
    return indicator("party_work_trained", "Bồi dưỡng nghiệp vụ công tác Đảng", [figure], [child_table], sentences)


def _lecturers(sources: Sources) -> dict:
    from training.models import TargetIndicator

    training = sources.training
    standard, secretaries = training.lecturers_standard, training.secretaries_lectured
    standard_figure = share_figure("lecturers.standard_share", "Giảng viên kiêm chức đạt chuẩn", standard.total,
                                   sources.target(TargetIndicator.LECTURER_STANDARD_SHARE))
    secretaries_figure = share_figure(
        "lecturers.secretaries_share", "Bí thư, phó bí thư đảng bộ cơ sở lên lớp ít nhất một lần trong năm",
        secretaries.total, sources.target(TargetIndicator.SECRETARIES_LECTURED_SHARE))

    def by_child(key) -> list:
        return [*_share_by_child(sources, standard, key), *_share_by_child(sources, secretaries, key)]

    rows, total = sources.by_child_rows(by_child)
    child_table = table(
        "lecturers.by_child", "Giảng viên kiêm chức và bí thư, phó bí thư lên lớp theo đơn vị",
        [UNIT_COLUMN, column("lecturers", "Giảng viên kiêm chức"), column("standard", "Đạt chuẩn"),
         column("standard_share", "Tỷ lệ đạt chuẩn", PERCENT), column("secretaries", "Bí thư, phó bí thư"),
         column("lectured", "Đã lên lớp"), column("secretaries_share", "Tỷ lệ lên lớp", PERCENT)],
        rows, total)
    sentences = [
        f"{format_number(standard.total.done)}/{format_number(standard.total.total)} giảng viên kiêm chức đạt chuẩn, "
        f"đạt {percent_text(standard.total)}{target_text(standard_figure)}; "
        f"{format_number(secretaries.total.done)}/{format_number(secretaries.total.total)} bí thư, phó bí thư đảng bộ "
        f"cơ sở lên lớp ít nhất một lần trong năm, đạt {percent_text(secretaries.total)}"
        f"{target_text(secretaries_figure)}.",
    ]
    return indicator("lecturers", "Giảng viên kiêm chức", [standard_figure, secretaries_figure], [child_table],
                     sentences)


def _study(sources: Sources) -> dict:
    from resolutions.models import StudySession
    from resolutions.selectors.indicators import SessionCounts

    study = sources.study
    sessions, attendance = study.sessions.total, study.attendance.total
    kinds = [(code, str(label)) for code, label in StudySession.Kind.choices if sessions.by_kind[code]]
    formats = [(code, str(label)) for code, label in StudySession.Format.choices if sessions.by_format[code]]
    documents = [(reach, f"{reach.document.number_symbol} {reach.document.title}") for reach in study.documents]
    figures = [
        count_figure("study.sessions", "Buổi sinh hoạt, học tập đã tổ chức", sessions.total),
        *(count_figure(f"study.sessions.{code}", label, sessions.by_kind[code]) for code, label in kinds),
        *(count_figure(f"study.sessions.format.{code}", f"Buổi {label.lower()}", sessions.by_format[code])
          for code, label in formats),
        share_figure("study.attendance_share", "Tỷ lệ lượt đảng viên có mặt", attendance),
        *(share_figure(f"study.document.{reach.document.pk}", f"Đảng viên đã học tập, quán triệt {name}",
                       reach.share.total) for reach, name in documents),
    ]
    sessions_table = table(
        "study.sessions", "Buổi sinh hoạt, học tập theo loại và hình thức",
        [column("kind", "Loại buổi, hình thức", TEXT), column("sessions", "Số buổi")],
        [*([label, sessions.by_kind[code]] for code, label in kinds),
         *([f"Hình thức {label.lower()}", sessions.by_format[code]] for code, label in formats)],
        ["Tổng số buổi", sessions.total])
    documents_table = table(
        "study.documents", "Học tập, quán triệt văn bản",
        [column("document", "Văn bản", TEXT), column("members", "Đảng viên phải học"),
         column("studied", "Đã học"), column("share", "Tỷ lệ", PERCENT)],
        [[name, reach.share.total.total, reach.share.total.done, percent_of(reach.share.total)]
         for reach, name in documents], None)

    def by_child(key) -> list:
        share = part(study.attendance, key, Share())
        return [part(study.sessions, key, SessionCounts()).total, share.total, share.done, percent_of(share)]

    rows, total = sources.by_child_rows(by_child)
    child_table = table(
        "study.by_child", "Sinh hoạt, học tập theo đơn vị",
        [UNIT_COLUMN, column("sessions", "Số buổi"), column("expected", "Lượt phải dự"),
         column("present", "Lượt có mặt"), column("share", "Tỷ lệ có mặt", PERCENT)], rows, total)
    detail = ", ".join(f"{format_number(sessions.by_kind[code])} buổi {lowercase_first(label)}"
                       for code, label in kinds)
    sentences = [
        f"Tổ chức {format_number(sessions.total)} buổi sinh hoạt, học tập" + (f" ({detail})" if detail else "")
        + f"; {format_number(attendance.done)}/{format_number(attendance.total)} lượt đảng viên có mặt, "
        f"đạt {percent_text(attendance)}.",
        *(f"Học tập, quán triệt {reach.document.number_symbol}: {format_number(reach.share.total.done)}/"
          f"{format_number(reach.share.total.total)} đảng viên đã học, đạt {percent_text(reach.share.total)}."
          for reach, _name in documents),
    ]
    return indicator("study", "Sinh hoạt, học tập nghị quyết", figures,
                     [sessions_table, documents_table, child_table], sentences)


def _grassroots_classes(sources: Sources) -> dict:
    from training.models import TargetIndicator

    held = sources.training.grassroots_with_class
    share = share_figure("grassroots.with_class_share", "Tổ chức cơ sở đảng tổ chức ít nhất một lớp trong năm",
                         held.total, sources.target(TargetIndicator.GRASSROOTS_WITH_CLASS_SHARE))
    figures = [count_figure("grassroots.without_class", "Tổ chức cơ sở đảng chưa tổ chức lớp nào",
                            held.total.missing), share]

    def by_child(key) -> list:
        child = part(held, key, Share())
        return [child.total, child.done, child.missing]

    rows, total = sources.by_child_rows(by_child)
    child_table = table(
        "grassroots.by_child", "Tổ chức cơ sở đảng tổ chức lớp bồi dưỡng theo đơn vị",
        [UNIT_COLUMN, column("grassroots", "Tổ chức cơ sở đảng"), column("with_class", "Đã tổ chức lớp"),
         column("without_class", "Chưa tổ chức lớp")], rows, total)
    sentences = [
        f"{format_number(held.total.done)}/{format_number(held.total.total)} tổ chức cơ sở đảng tổ chức ít nhất một "
        f"lớp bồi dưỡng trong năm, đạt {percent_text(held.total)}{target_text(share)}; "
        f"{format_number(held.total.missing)} tổ chức cơ sở đảng chưa tổ chức lớp nào.",
    ]
    return indicator("grassroots_classes", "Tổ chức cơ sở đảng tổ chức lớp bồi dưỡng", figures, [child_table],
                     sentences)


def _commitments(sources: Sources) -> dict:
    from resolutions.selectors.indicators import CommitmentCounts

    study = sources.study
    counts = study.commitments.total
    levels = list(sources.rating_levels.items())
    figures = [
        count_figure("commitments.expected", "Đảng viên phải xây dựng bản cam kết", counts.expected),
        share_figure("commitments.filed", "Đảng viên đã nộp bản cam kết", counts.filed_share),
        share_figure("commitments.accepted", "Bản cam kết đã được duyệt", counts.accepted_share),
        *(count_figure(f"commitments.rating.{code}", name, counts.ratings[code]) for code, name in levels),
    ]
    rated = sum(counts.ratings.values())
    ratings_table = table(
        "commitments.ratings", "Xếp loại cuối năm",
        [column("level", "Mức xếp loại", TEXT), column("people", "Số đảng viên"), column("share", "Tỷ lệ", PERCENT)],
        [[name, counts.ratings[code], percent_of(Share(counts.ratings[code], rated))] for code, name in levels],
        ["Tổng số được xếp loại", rated, percent_of(Share(rated, rated))])

    def by_child(key) -> list:
        child = part(study.commitments, key, CommitmentCounts())
        return [child.expected, child.filed, child.accepted, *(child.ratings[code] for code, _name in levels)]

    rows, total = sources.by_child_rows(by_child)
    child_table = table(
        "commitments.by_child", "Bản cam kết và xếp loại theo đơn vị",
        [UNIT_COLUMN, column("expected", "Phải xây dựng"), column("filed", "Đã nộp"),
         column("accepted", "Đã duyệt"), *(column(f"rating.{code}", name) for code, name in levels)],
        rows, total)
    ratings = "; ".join(f"{lowercase_first(name)} {format_number(counts.ratings[code])}"
                        for code, name in levels if counts.ratings[code])
    sentences = [
        f"{format_number(counts.filed)}/{format_number(counts.expected)} đảng viên đã xây dựng bản cam kết tu dưỡng, rèn "
        f"luyện, phấn đấu, đạt {percent_text(counts.filed_share)}; {format_number(counts.accepted)} bản cam kết đã "
        f"được chi bộ duyệt" + (f". Xếp loại cuối năm: {ratings}." if ratings else "."),
    ]
    return indicator("commitments", "Bản cam kết tu dưỡng, rèn luyện, phấn đấu", figures,
                     [ratings_table, child_table], sentences)


def _commend_remind(sources: Sources) -> dict:
    study = sources.study
    figures = [
        count_figure("commend", "Đảng viên được biểu dương (dự đầy đủ các buổi sinh hoạt)", study.commend.total),
        count_figure("remind", "Đảng viên cần nhắc nhở (vắng không lý do quá số buổi cho phép)", study.remind.total),
    ]
    rows, total = sources.by_child_rows(lambda key: [part(study.commend, key, 0), part(study.remind, key, 0)])
    child_table = table(
        "commend_remind.by_child", "Đảng viên được biểu dương, cần nhắc nhở theo đơn vị",
        [UNIT_COLUMN, column("commend", "Được biểu dương"), column("remind", "Cần nhắc nhở")], rows, total)
    sentences = [
        f"{format_number(study.commend.total)} đảng viên dự đầy đủ các buổi sinh hoạt, học tập được biểu dương; "
        f"{format_number(study.remind.total)} đảng viên vắng không lý do quá số buổi cho phép cần nhắc nhở.",
    ]
    return indicator("commend_remind", "Biểu dương, nhắc nhở", figures, [child_table], sentences)


INDICATORS: dict[str, Callable[[Sources], dict]] = {
    "classes": _classes,
    "results": _results,
    "party_work_trained": _party_work_trained,
    "lecturers": _lecturers,
    "study": _study,
    "grassroots_classes": _grassroots_classes,
    "commitments": _commitments,
    "commend_remind": _commend_remind,
}


def unknown_indicators(kind: ReportKind) -> list[str]:
    return [code for code in kind.indicators if code not in INDICATORS]


# --- The report's figures -------------------------------------------------------------------------


def _names_then(unit: Organization, day: datetime.date) -> tuple[str, str]:
    """The unit's name and its superior's on `day`, as the tree stood then (one query)."""
    rows = {row.organization_id: row for row in OrganizationPeriod.objects.filter(
        organization_id__in=[unit.pk, *([unit.parent_id] if unit.parent_id else [])], valid_from__lte=day,
    ).order_by("organization_id", "-valid_from").distinct("organization_id").select_related("parent")}
    own = rows.get(unit.pk)
    name = own.name if own else unit.name
    parent_id = own.parent_id if own else unit.parent_id
    superior = rows[parent_id].name if parent_id in rows else (own.parent.name if own and own.parent else "")
    return name, superior


def compute_report(kind: ReportKind, unit: Organization, period: Period) -> dict:
    """Every indicator of `kind` for `unit`'s subtree over `period` (see the module): the apps'
    selectors once each, so a constant number of queries whatever the subtree."""
    unknown = unknown_indicators(kind)
    if unknown:
        raise ValueError(f"report kind {kind.code} names unknown indicators {unknown}")
    day = period.snapshot_day(unit)
    sources = Sources(unit, period)
    with translation.override("vi"):  # a Party document's words are Vietnamese (see the module)
        indicators = [INDICATORS[code](sources) for code in kind.indicators]
    name, superior = _names_then(unit, day)
    return {
        "kind": {"code": kind.code, "name": kind.name, "title": kind.title, "directive": kind.directive},
        "unit": {"id": unit.pk, "code": unit.code, "name": name, "superior": superior,
                 "level": unit.level.code, "is_cell": unit.level.is_cell},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label,
                   "years": period.last_year - period.first_year + 1},
        "snapshot_day": day.isoformat(),
        "computed_at": timezone.now().isoformat(),
        "indicators": indicators,
        "notes": [note.format(day=f"{day:%d/%m/%Y}") for note in NOTES],
    }


def figures_by_code(report: dict | None) -> dict[str, dict]:
    """Every figure of a computed report by its code (none for no report)."""
    if not report:
        return {}
    return {item["code"]: item for block in report["indicators"] for item in block["figures"]}


def figure(report: dict, code: str) -> dict | None:
    """The figure `code` of a computed report, None when it holds none."""
    return figures_by_code(report).get(code)
