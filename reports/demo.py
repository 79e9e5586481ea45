"""Demo reports for `seed_demo` (issue 9, point 9): the previous year's annual report on Chỉ
thị 17-CT/TU (kind `ct17`, due 22 February) of every unit that had to report, most submitted
and accepted, a few returned with a comment, a few late (submitted after the deadline, and
some never submitted), with their reminders, events and narrative history; and this year's
reports, open since the kind's opening day, some being written.

`seed_demo` calls `seed_reports` through settings.DEMO_DATA_STEPS, after the study and
training steps whose rows the figures count. Each unit's story is a timeline of dated
actions (reminded, written, submitted, returned, accepted, marked late) as the calendar and
the submission services would have recorded them; actions after now are left out, so a
demo made before the deadline shows reports still on their way.

A submitted report keeps its figures in a run (`ReportRun.figures`, computed by
`reports.indicators.compute_report` as the submission service does). That costs 0.3 s a
unit at 300 members but 6 to 9 s at 100,000 (measured on a loaded machine: a chi bộ 5.8 s,
its đảng bộ cơ sở 6.4 s, its đảng bộ trực thuộc 9.0 s), whatever the unit's size; every
reporting unit (4,000) would take hours, the ~100 đảng bộ trực thuộc a quarter of an hour.
So runs are computed for the units the demo accounts open: the province and the chain
from it down to the demo secretary's chi bộ. The other submissions have none: their "Nộp"
event says so (NO_RUN_NOTE) and their page offers "Lập báo cáo". Files are not produced
here (a run page produces them, reports.services.runs).
"""

import datetime
import json
import random
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal.asof import Period, units_on
from portal.audit import PastEvent, bulk_load_history
from portal.bulk import copy_rows, next_ids
from portal.demo import StepResult
from portal.models import Organization, Person
from reports.indicators import compute_report
from reports.models import NarrativeRevision, ReportKind, Submission, SubmissionEvent
from reports.services.calendar import reminder_comment, units_that_report

KIND = "ct17"
Status = Submission.Status
Action = SubmissionEvent.Action
# Below this depth, only the demo accounts' units are forced to submit on time (a đảng bộ
# trực thuộc rarely fails).
UPPER_DEPTH = 1
# How each unit's report on the previous year went: (outcome, weight). Every outcome but the
# first happens at least once, in units outside the demo accounts' chain.
OUTCOMES = [("on_time", 80), ("resubmitted", 6), ("returned", 3), ("waiting", 3), ("late", 6), ("never_open", 0),
            ("never_drafting", 0)]  # never submitted: one or two units only, the forced ones
DRAFTING_SHARE = 0.3  # of this year's reports, being written already
NO_RUN_NOTE = ("Dữ liệu mẫu: báo cáo này được nộp không kèm số liệu và tệp đã tính; bấm “Lập báo cáo” để tính "
               "số liệu của kỳ.")

RETURN_COMMENTS = [
    "Đề nghị bổ sung số liệu lớp bồi dưỡng nhận thức về Đảng và đánh giá rõ nguyên nhân hạn chế.",
    "Phần phương hướng năm tới còn chung chung; đề nghị nêu chỉ tiêu cụ thể về số lớp và số học viên.",
    "Đề nghị ghi đúng số, ký hiệu báo cáo và bổ sung kiến nghị, đề xuất với cấp trên.",
    "Tỷ lệ đảng viên học tập nghị quyết chưa khớp với sổ theo dõi sinh hoạt chi bộ; đề nghị rà soát lại.",
]
STRENGTHS = [
    "Cấp ủy quan tâm lãnh đạo việc học tập nghị quyết; đảng viên tham gia sinh hoạt đầy đủ, nghiêm túc.",
    "Việc xây dựng và thực hiện kế hoạch đào tạo, bồi dưỡng được triển khai đúng tiến độ; chất lượng học "
    "tập từng bước nâng lên.",
    "Hình thức học tập được đổi mới, kết hợp tập trung và trực tuyến; nhiều đảng viên liên hệ, vận dụng vào "
    "công việc của đơn vị.",
]
LIMITS = [
    "Một số đảng viên còn vắng sinh hoạt không có lý do; việc tự học, tự nghiên cứu chưa thường xuyên. Nguyên "
    "nhân: nhiệm vụ chuyên môn nhiều, một số cấp ủy viên chưa sâu sát.",
    "Việc viết thu hoạch sau học tập nghị quyết ở một số chi bộ còn hình thức. Nguyên nhân: chưa gắn với đánh "
    "giá, xếp loại đảng viên cuối năm.",
    "Số lớp bồi dưỡng tổ chức chưa đạt chỉ tiêu đề ra. Nguyên nhân: kinh phí và thời gian của học viên hạn chế.",
]
PROPOSALS = [
    "Đề nghị cấp trên tăng cường tài liệu học tập bằng hình thức điện tử và hỗ trợ báo cáo viên cho cơ sở.",
    "Đề nghị Trường Chính trị tỉnh mở thêm lớp sơ cấp lý luận chính trị tại cơ sở.",
    "Đề nghị sớm ban hành hướng dẫn thống nhất về tiêu chí đánh giá kết quả học tập, làm theo của đảng viên.",
]


@dataclass
class Unit:
    id: int
    code: str
    name: str
    path: str
    depth: int
    parent_id: int | None
    is_cell: bool


@dataclass
class Story:
    """One unit's report: its timeline of (action, at, comment) and what it comes to."""

    unit: Unit
    actions: list[tuple[str, datetime.datetime, str]] = field(default_factory=list)
    revisions: list[tuple[str, str, datetime.datetime]] = field(default_factory=list)  # section, text, saved at
    reminded: list[int] = field(default_factory=list)  # the kind's reminder days sent
    with_run: bool = False


def seed_reports(province: Organization, today: datetime.date, rng: random.Random) -> StepResult | None:
    """The reports of the demo province; None, writing nothing, when it has some already."""
    kind = ReportKind.objects.filter(code=KIND).first()
    if kind is None or Submission.objects.filter(organization__path__startswith=province.path).exists():
        return None
    started = time.monotonic()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["admin", "tuyengiao", "bithu"])}
    chain = _demo_chain(users.get("bithu"))
    now = timezone.now()
    last = Period.year(today.year - 1)
    stories = _last_year(rng, kind, last, _units_then(kind, province, last), chain, now)
    this = Period.year(today.year)
    opening = kind.due_on(this) - datetime.timedelta(days=kind.opens_days_before)
    current = []
    if opening <= today:
        current = _this_year(rng, kind, this, _units_now(kind, province, this), chain, opening, now)
    runs = _write(kind, last, stories, users, now) + _write(kind, this, current, users, now)
    accepted = sum(1 for s in stories if _state(s)[0] == Status.ACCEPTED)
    returned = sum(1 for s in stories if _state(s)[0] == Status.RETURNED)
    late = sum(1 for s in stories if _state(s)[1])
    summary = _("Dữ liệu báo cáo: %(total)s báo cáo năm %(last)s (%(accepted)s đã nhận, %(returned)s trả lại, "
                "%(late)s nộp muộn hoặc chưa nộp; %(runs)s lưu số liệu khi nộp), %(open)s báo cáo năm %(this)s "
                "đang mở, trong %(seconds)s giây.") % {
        "total": number_format(len(stories), force_grouping=True), "last": last.label,
        "accepted": number_format(accepted, force_grouping=True), "returned": returned, "late": late,
        "runs": number_format(runs, force_grouping=True), "open": number_format(len(current), force_grouping=True),
        "this": this.label, "seconds": number_format(time.monotonic() - started, 1)}
    return StepResult(summary=summary, tables=["reports_submission", "reports_submissionevent",
                                               "reports_narrativerevision", "reports_reportrun"])


# ---------------------------------------------------------------------------
# Who reports
# ---------------------------------------------------------------------------


def _unit_rows(rows) -> list[Unit]:
    return [Unit(*row) for row in rows]


def _units_then(kind: ReportKind, province: Organization, period: Period) -> list[Unit]:
    """The units that had to report on `period`: those of the kind's levels in the tree on the
    day its report opened (the calendar opened it for them; a chi bộ dissolved since still
    reported, one merged before had none), as they stand today."""
    opened = kind.due_on(period) - datetime.timedelta(days=kind.opens_days_before)
    then = units_on(province, opened).filter(level__in=kind.reporting_levels.all()).values("organization_id")
    return _unit_rows(Organization.objects.filter(pk__in=then).order_by("path").values_list(
        "id", "code", "name", "path", "depth", "parent_id", "level__is_cell"))


def _units_now(kind: ReportKind, province: Organization, period: Period) -> list[Unit]:
    """The units the calendar opens this year's report for."""
    return _unit_rows(units_that_report(kind, period).filter(path__startswith=province.path).order_by("path")
                      .values_list("id", "code", "name", "path", "depth", "parent_id", "level__is_cell"))


def _demo_chain(bithu) -> set[int]:
    """The demo secretary's chi bộ and the units above it."""
    person = Person.objects.filter(user=bithu).select_related("organization").first() if bithu else None
    if person is None:
        return set()
    return {int(pk) for pk in person.organization.path.strip("/").split("/")}


# ---------------------------------------------------------------------------
# Stories
# ---------------------------------------------------------------------------


def _at(day: datetime.date, rng: random.Random, first_hour: int = 7, last_hour: int = 17) -> datetime.datetime:
    moment = datetime.time(rng.randint(first_hour, last_hour), rng.randint(0, 59))
    return datetime.datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _narrative(rng: random.Random, kind: ReportKind, unit: Unit) -> dict[str, str]:
    """What a unit writes: the kind's default text where there is one, with a sentence of its own."""
    own = {"strengths": rng.choice(STRENGTHS), "limits": rng.choice(LIMITS), "proposals": rng.choice(PROPOSALS)}
    texts = {}
    for section in kind.sections:
        code, default = section["code"], section.get("default", "")
        texts[code] = own.get(code) or default
        if code == "situation":
            texts[code] = f"{default} {unit.name} đã tổ chức quán triệt đến 100% chi bộ trực thuộc và đảng viên."
    return texts


def _written(rng: random.Random, story: Story, kind: ReportKind, start: datetime.datetime,
             end: datetime.datetime) -> None:
    """The narrative typed between `start` and `end`: a draft of each section, rewritten now and then."""
    span = max(1, int((end - start).total_seconds() // 60))
    for code, text in _narrative(rng, kind, story.unit).items():
        if not text:
            continue
        first = start + datetime.timedelta(minutes=rng.randint(0, span // 2))
        if rng.random() < 0.4:
            draft = text.split(";")[0].split(".")[0] + "."
            story.revisions.append((code, draft, first))
            first += datetime.timedelta(minutes=rng.randint(10, max(11, span // 2)))
        story.revisions.append((code, text, min(first, end)))


def _last_year(rng, kind, period, units, chain, now) -> list[Story]:
    due = kind.due_on(period)
    opened = _at(due - datetime.timedelta(days=kind.opens_days_before), rng, 6, 6)
    outcomes, weights = zip(*OUTCOMES, strict=True)
    # The forced outcomes go to grassroots units and chi bộ first: a đảng bộ trực thuộc rarely fails.
    others = [u for u in units if u.id not in chain]
    others = rng.sample(others, len(others))
    others.sort(key=lambda u: u.depth <= UPPER_DEPTH)
    forced = dict(zip([u.id for u in others], outcomes[1:], strict=False))
    stories = []
    for unit in units:
        outcome = "on_time" if unit.id in chain else forced.get(unit.id) or rng.choices(outcomes, weights)[0]
        story = Story(unit, with_run=unit.id in chain)
        day = lambda offset: due + datetime.timedelta(days=offset)  # noqa: E731
        if outcome in ("on_time", "waiting"):
            submitted = _at(day(-rng.randint(1, 35) if outcome == "on_time" else -rng.randint(1, 10)), rng)
            story.actions.append((Action.SUBMITTED, submitted, ""))
            if outcome == "on_time":
                story.actions.append((Action.ACCEPTED, submitted + datetime.timedelta(days=rng.randint(1, 10)), ""))
        elif outcome in ("resubmitted", "returned"):
            submitted = _at(day(-rng.randint(8, 40)), rng)
            returned = submitted + datetime.timedelta(days=rng.randint(1, 5))
            story.actions += [(Action.SUBMITTED, submitted, ""), (Action.RETURNED, returned, rng.choice(RETURN_COMMENTS))]
            if outcome == "resubmitted":
                again = returned + datetime.timedelta(days=rng.randint(2, 6))
                story.actions += [(Action.SUBMITTED, again, ""),
                                  (Action.ACCEPTED, again + datetime.timedelta(days=rng.randint(1, 5)), "")]
        else:  # late, or never submitted: the calendar marked it late the day after the deadline
            story.actions.append((Action.MARKED_LATE, _at(day(1), rng, 0, 0), ""))
            if outcome == "late":
                submitted = _at(day(rng.randint(3, 30)), rng)
                story.actions += [(Action.SUBMITTED, submitted, ""),
                                  (Action.ACCEPTED, submitted + datetime.timedelta(days=rng.randint(1, 7)), "")]
        first_submitted = min((at for action, at, _c in story.actions if action == Action.SUBMITTED), default=None)
        for days in kind.reminder_days:  # reminded while not submitted
            reminded = _at(day(-days), rng, 6, 6)
            if (first_submitted is None or reminded < first_submitted) and reminded <= now:
                story.actions.append((Action.REMINDED, reminded, reminder_comment(days)))
                story.reminded.append(days)
        if outcome != "never_open":
            _written(rng, story, kind, opened + datetime.timedelta(days=rng.randint(20, 80)),
                     (first_submitted or _at(day(20), rng)) - datetime.timedelta(hours=2))
        story.actions = sorted((a for a in story.actions if a[1] <= now), key=lambda a: a[1])
        story.revisions = [r for r in story.revisions if r[2] <= now]
        stories.append(story)
    return stories


def _this_year(rng, kind, period, units, chain, opening, now) -> list[Story]:
    """Open since the opening day; some units, the demo secretary's among them, writing."""
    stories = []
    start = _at(opening, rng, 6, 6)
    for unit in units:
        story = Story(unit)
        if unit.id in chain and unit.is_cell or rng.random() < DRAFTING_SHARE:
            _written(rng, story, kind, start + datetime.timedelta(days=rng.randint(1, 20)), now)
            written = {code for code, _text, _saved in story.revisions}
            keep = set(rng.sample(sorted(written), max(1, len(written) // 2)))  # half written so far
            story.revisions = [r for r in story.revisions if r[0] in keep and r[2] <= now]
        stories.append(story)
    return stories


def _state(story: Story) -> tuple[str, bool]:
    """(status, late) the timeline comes to."""
    status, late = Status.DRAFTING if story.revisions else Status.OPEN, False
    for action, _moment, _comment in story.actions:
        if action == Action.MARKED_LATE:
            late = True
        elif action in (Action.SUBMITTED, Action.ACCEPTED, Action.RETURNED):
            status = action  # the statuses bear the actions' names
    return status, late


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


DEMO_PLACE = "Tân An"  # the province's seat, as reports write it above the date
SUBMISSION_COLUMNS = ["id", "kind_id", "organization_id", "period_start", "period_end", "due_on", "status", "late",
                      "number", "place", "narrative", "run_id", "submitted_at", "submitted_by_id", "decided_at",
                      "decided_by_id", "return_comment", "reminders_sent", "created_at", "updated_at"]


def _number(rng: random.Random, unit: Unit) -> str:
    suffix = "TU" if unit.depth == 0 else "CB" if unit.is_cell else "ĐU"
    return f"{rng.randint(12, 160)}-BC/{suffix}"


def _write(kind: ReportKind, period: Period, stories: list[Story], users: dict, now: datetime.datetime) -> int:
    """Submissions, their runs, events and narrative history; the number of runs."""
    if not stories:
        return 0
    rng = random.Random(f"{kind.code}:{period.label}")
    due = kind.due_on(period)
    opened = datetime.datetime.combine(due - datetime.timedelta(days=kind.opens_days_before), datetime.time(6, 0),
                                       tzinfo=timezone.get_current_timezone())
    bithu, tuyengiao, admin = users.get("bithu"), users.get("tuyengiao"), users.get("admin")
    province_id = min(stories, key=lambda s: s.unit.depth).unit.id
    bithu_unit = Person.objects.filter(user=bithu).values_list("organization_id", flat=True).first() if bithu else None

    def submitter(unit: Unit):
        return bithu if unit.id == bithu_unit else tuyengiao if unit.depth == 0 else None

    def decider(unit: Unit):
        return admin if unit.depth == 0 else tuyengiao if unit.parent_id == province_id else None

    rows, runs, events, revisions = [], [], [], []
    for story, pk in zip(stories, next_ids("reports_submission", len(stories)), strict=True):
        unit = story.unit
        status, late = _state(story)
        narrative = {code: text for code, text, _saved in sorted(story.revisions, key=lambda r: r[2])}
        submitted = [at for action, at, _c in story.actions if action == Action.SUBMITTED]
        decided = [(action, at, c) for action, at, c in story.actions if action in (Action.ACCEPTED, Action.RETURNED)]
        decision = decided[-1] if decided and submitted and decided[-1][1] > submitted[-1] else None
        by, judge = submitter(unit), decider(unit)
        number, place = (_number(rng, unit), DEMO_PLACE) if story.revisions else ("", "")
        run_id = None
        if submitted and story.with_run:
            run_id = _run(kind, period, unit, narrative, number, place, submitted[-1], by, runs)
        for action, at, comment in story.actions:
            actor = by if action == Action.SUBMITTED else judge if action in (Action.ACCEPTED, Action.RETURNED) \
                else None
            if action == Action.SUBMITTED and not story.with_run:
                comment = NO_RUN_NOTE
            events.append(SubmissionEvent(submission_id=pk, action=action, comment=comment, by=actor, at=at))
        revisions += [NarrativeRevision(submission_id=pk, section=code, text=text, author=by, saved_at=saved)
                      for code, text, saved in story.revisions]
        moments = [opened, *(at for _a, at, _c in story.actions), *(saved for _c, _t, saved in story.revisions)]
        rows.append([pk, kind.pk, unit.id, period.start, period.end, due, status, late, number, place,
                     json.dumps(narrative, ensure_ascii=False), run_id, submitted[-1] if submitted else None,
                     by.pk if submitted and by else None, decision[1] if decision else None,
                     judge.pk if decision and judge else None,
                     decision[2] if decision and decision[0] == Action.RETURNED else "",
                     json.dumps(sorted(story.reminded, reverse=True)), opened, max(moments)])
    with bulk_load_history("reports_reportrun", events=[PastEvent("I", changed_at="t.created_at",
                                                                  actor="t.requested_by_id")]):
        copy_rows("reports_reportrun", RUN_COLUMNS, runs)
    with bulk_load_history("reports_submission", events=[PastEvent("I", changed_at="t.created_at")]):
        copy_rows("reports_submission", SUBMISSION_COLUMNS, rows)
    SubmissionEvent.objects.bulk_create(events, batch_size=2000)
    NarrativeRevision.objects.bulk_create(revisions, batch_size=2000)
    return len(runs)


RUN_COLUMNS = ["id", "kind_id", "organization_id", "period_start", "period_end", "job_id", "requested_by_id",
               "figures", "narrative", "number", "place", "computed_at", "created_at"]


def _run(kind, period, unit: Unit, narrative, number, place, submitted_at, by, runs: list) -> int:
    """The run a submission keeps: the figures computed as the submission service computes
    them (reports.indicators), as of now, which for a past period are the figures of then
    (portal.asof); its row goes to `runs`. Its id."""
    figures = compute_report(kind, Organization.objects.select_related("level").get(pk=unit.id), period)
    pk = next_ids("reports_reportrun", 1)[0]
    runs.append([pk, kind.pk, unit.id, period.start, period.end, None, by.pk if by else None,
                 json.dumps(figures, cls=DjangoJSONEncoder, ensure_ascii=False),
                 json.dumps(narrative, ensure_ascii=False), number, place, submitted_at, submitted_at])
    return pk
