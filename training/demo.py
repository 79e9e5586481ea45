"""Demo training data for `seed_demo` (issue 8, point 11), for the previous calendar year in
full and the current one up to today: yearly plans (approved for every đảng bộ trực thuộc
and most đảng bộ cơ sở, this year's of the rest submitted, in draft or returned, one
amended), classes of every type taught locally with their lessons and lecturers (a few
outside any plan), enrolments of eligible people only, lesson attendance, results,
certificates in gapless registers (some revoked), lecturers, external results (trung cấp,
cao cấp) and the targets of seed 002.

Sizes follow the seeds: seed 002 counts 56 classes and 5,704 learners in five years for
4,554 members; each đảng bộ trực thuộc holds six or so classes a year (its target is 6–10),
the đảng bộ cơ sở a chuyên đề or cập nhật kiến thức class of their own. Who may learn is
the class type's rule in force on the class's first day (ClassTypeRule: party status on
that day, from the status history, or a position held that day); a person takes a
programme that admits a status or a position once.

The `daotao` account's block (the first đảng bộ trực thuộc) always has a class running
today, finished classes waiting for their results and one whose certificates are waiting
to be issued. Everything is planned in memory and written by COPY inside
`portal.audit.bulk_load_history`, so each row gets its history in one statement per table,
dated when it happened.
"""

import datetime
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal.audit import PastEvent, bulk_load_history
from portal.bulk import bulk_load, copy_rows, next_ids
from portal.demo import StepResult
from portal.models import Organization, PartyStatusChange, Person, Position, TheoryLevel, Transfer
from training.models import (
    Certificate,
    CertificateRegister,
    ClassType,
    ClassTypeRule,
    Enrollment,
    ExternalResult,
    Lecturer,
    Lesson,
    LessonAttendance,
    PlanLine,
    PriorityGroup,
    TargetIndicator,
    TrainingClass,
    TrainingPlan,
    TrainingTarget,
)

Plan = TrainingPlan.Status
Mark = LessonAttendance.Status

# What a đảng bộ trực thuộc holds in a year: (class type code, classes; for a programme taken
# once, as many as the people waiting for it fill, up to twice that); the đảng bộ cơ sở
# with an approved plan hold one class of their own.
BLOCK_YEAR = [("nhan-thuc-ve-dang", 2), ("dang-vien-moi", 2), ("nghiep-vu-cong-tac-dang", 1),
              ("cap-nhat-kien-thuc", 1), ("chuyen-de", 1), ("so-cap-llct", 1)]
GRASSROOTS_TYPES = ["chuyen-de", "cap-nhat-kien-thuc"]
# Learners a class takes (seed 002: 5,704 learners in 56 classes, about 100 each, for 4,554
# members in five years; here classes are smaller and more numerous, about as many learners).
CLASS_SIZE = {"nhan-thuc-ve-dang": (15, 80), "dang-vien-moi": (10, 80), "nghiep-vu-cong-tac-dang": (20, 120),
              "cap-nhat-kien-thuc": (25, 70), "chuyen-de": (15, 50), "so-cap-llct": (20, 45)}
# Of the people a class may take, the share that the units nominate (the rest come later).
TAKE_SHARE = {"nhan-thuc-ve-dang": 0.8, "dang-vien-moi": 0.85, "nghiep-vu-cong-tac-dang": 0.6, "so-cap-llct": 0.5}
CLASS_NAMES = {
    "nhan-thuc-ve-dang": "Lớp bồi dưỡng nhận thức về Đảng",
    "dang-vien-moi": "Lớp bồi dưỡng lý luận chính trị cho đảng viên mới",
    "nghiep-vu-cong-tac-dang": "Lớp bồi dưỡng nghiệp vụ công tác Đảng",
    "cap-nhat-kien-thuc": "Lớp cập nhật kiến thức mới",
    "chuyen-de": "Lớp học tập chuyên đề",
    "so-cap-llct": "Lớp sơ cấp lý luận chính trị",
}
LESSON_TITLES = {
    "nhan-thuc-ve-dang": [
        "Chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh - nền tảng tư tưởng, kim chỉ nam cho hành động của Đảng",
        "Mục tiêu, lý tưởng của Đảng Cộng sản Việt Nam",
        "Đường lối của Đảng về phát triển kinh tế, văn hóa, xã hội, quốc phòng, an ninh và đối ngoại",
        "Những nội dung cơ bản của Điều lệ Đảng Cộng sản Việt Nam",
        "Tổ chức cơ sở đảng và nhiệm vụ của đảng viên",
        "Phấn đấu, rèn luyện trở thành đảng viên Đảng Cộng sản Việt Nam",
    ],
    "dang-vien-moi": [
        "Chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh - nền tảng tư tưởng của Đảng",
        "Lịch sử Đảng Cộng sản Việt Nam và truyền thống vẻ vang của Đảng",
        "Đường lối đổi mới và mục tiêu xây dựng chủ nghĩa xã hội ở Việt Nam",
        "Xây dựng Đảng trong sạch, vững mạnh về chính trị, tư tưởng, đạo đức, tổ chức và cán bộ",
        "Tổ chức cơ sở đảng và nội dung sinh hoạt chi bộ",
        "Nhiệm vụ của đảng viên và những điều đảng viên không được làm",
        "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
        "Tình hình, nhiệm vụ của tỉnh và của đảng bộ",
    ],
    "nghiep-vu-cong-tac-dang": [
        "Nghiệp vụ công tác tổ chức, cán bộ và quản lý đảng viên",
        "Nâng cao chất lượng sinh hoạt chi bộ",
        "Nghiệp vụ công tác kiểm tra, giám sát và thi hành kỷ luật đảng",
        "Nghiệp vụ công tác tuyên giáo và dân vận ở cơ sở",
        "Công tác văn phòng cấp ủy: văn bản, lưu trữ, đảng phí",
    ],
    "cap-nhat-kien-thuc": [
        "Chuyển đổi số và cải cách hành chính trong cơ quan đảng, chính quyền",
        "Những điểm mới của các văn bản pháp luật ban hành trong năm",
    ],
    "chuyen-de": ["Chuyên đề năm về học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"],
    "so-cap-llct": [
        "Những nguyên lý cơ bản của chủ nghĩa Mác - Lênin", "Tư tưởng Hồ Chí Minh",
        "Đảng Cộng sản Việt Nam - người lãnh đạo và tổ chức mọi thắng lợi của cách mạng",
        "Nhà nước pháp quyền xã hội chủ nghĩa Việt Nam", "Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội",
        "Đường lối phát triển kinh tế", "Đường lối xây dựng, phát triển văn hóa, con người",
        "Đường lối quốc phòng, an ninh", "Đường lối đối ngoại", "Chính sách dân tộc, tôn giáo",
        "Kỹ năng vận động quần chúng", "Nghiệp vụ công tác đảng ở cơ sở", "Kỹ năng lãnh đạo, quản lý ở cơ sở",
        "Công tác kiểm tra, giám sát của Đảng", "Tình hình, nhiệm vụ của địa phương", "Ôn tập và kiểm tra cuối khóa",
    ],
}
ABSENCE_REASONS = ["Đi công tác", "Ốm, có giấy xin phép", "Việc gia đình", "Trực cơ quan", "Họp đột xuất"]
REVOKE_REASONS = ["Ghi sai họ tên, ngày sinh của học viên; thu hồi để cấp lại",
                  "Hủy kết quả kiểm tra do vi phạm quy chế kiểm tra"]
RETURN_COMMENT = "Đề nghị bổ sung số học viên dự kiến theo đối tượng ưu tiên và thời gian tổ chức từng lớp."
MARKS = [(Mark.PRESENT, 93), (Mark.EXCUSED, 4), (Mark.ABSENT, 3)]
LECTURER_STANDARD_SHARE = 0.9  # giảng viên kiêm chức meeting the standard (target 100%: most, not all)
LECTURING_SHARE = 0.85  # of the đảng bộ cơ sở's bí thư and phó bí thư, those who lecture in a year
REVOKED_SHARE = 0.01
EXTERNAL_SHARE = 0.004  # members completing trung cấp or cao cấp in the period


# ---------------------------------------------------------------------------
# What the province holds
# ---------------------------------------------------------------------------


@dataclass
class Unit:
    id: int
    code: str
    name: str
    path: str
    level: str
    parent_id: int | None
    established_on: datetime.date | None = None
    people: list["Learner"] = field(default_factory=list)  # in the subtree today
    # Those who were in the subtree during the period but are not today (transferred out).
    visitors: list["Learner"] = field(default_factory=list)

    def began_by(self, day: datetime.date) -> bool:
        return self.established_on is None or self.established_on <= day


@dataclass(eq=False, slots=True)
class Learner:
    id: int
    organization_id: int
    status: str  # current party status code
    status_since: datetime.date | None
    gender: str
    theory: str | None
    history: list[tuple[datetime.date, str]] = field(default_factory=list)  # loaded for those it matters to
    roles: list[tuple[str, datetime.date, datetime.date | None]] = field(default_factory=list)
    moves: list[tuple[datetime.date, int]] = field(default_factory=list)  # (transferred on, from unit), in order

    def unit_on(self, day: datetime.date) -> int:
        """His unit on `day` (portal.asof's rule): the one he left by his first transfer after it."""
        for moved_on, from_unit in self.moves:
            if moved_on > day:
                return from_unit
        return self.organization_id

    def was_in(self, unit: "Unit", day: datetime.date, paths: dict[int, str]) -> bool:
        """Whether he was in `unit`'s subtree on `day` (he is in it today or was once). Not on
        the day of a transfer, which either side could claim."""
        if not self.moves:
            return True
        if any(moved_on == day for moved_on, _unit in self.moves):
            return False
        return paths[self.unit_on(day)].startswith(unit.path)

    def status_on(self, day: datetime.date) -> str | None:
        if not self.history:
            return self.status if self.status_since and self.status_since <= day else None
        status = None
        for since, code in self.history:
            if since <= day:
                status = code
        return status

    def roles_on(self, day: datetime.date) -> set[str]:
        return {role for role, start, end in self.roles if start <= day and (end is None or end >= day)}


@dataclass
class Rule:
    type_id: int
    code: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    eligibility: str
    statuses: set[str]
    roles: set[str]
    lessons: int
    periods: int
    has_test: bool
    certifies: bool
    pass_mark: Decimal | None
    raises_level: bool = False  # ends with a theory level: offered to those without one

    def admits(self, learner: Learner, day: datetime.date) -> bool:
        if self.raises_level and learner.theory is not None:
            return False
        if self.eligibility == ClassTypeRule.Eligibility.STATUS:
            return learner.status_on(day) in self.statuses
        if self.eligibility == ClassTypeRule.Eligibility.POSITION:
            return bool(learner.roles_on(day) & self.roles)
        return learner.status_on(day) is not None

    def may_ever_admit(self, learner: Learner) -> bool:
        """Whether the learner could be admitted on some day (a quick sieve before `admits`)."""
        if self.raises_level and learner.theory is not None:
            return False
        if self.eligibility == ClassTypeRule.Eligibility.STATUS:
            return learner.status in self.statuses or any(code in self.statuses for _day, code in learner.history)
        if self.eligibility == ClassTypeRule.Eligibility.POSITION:
            return any(role in self.roles for role, _start, _end in learner.roles)
        return True

    @property
    def once(self) -> bool:
        """A programme for a status or a position is taken once; the others every year."""
        return self.eligibility != ClassTypeRule.Eligibility.ANYONE


def _rules() -> dict[str, list[Rule]]:
    rules = defaultdict(list)
    for rule in ClassTypeRule.objects.select_related("class_type").prefetch_related("eligible_statuses",
                                                                                   "eligible_roles"):
        rules[rule.class_type.code].append(Rule(
            rule.class_type_id, rule.class_type.code, rule.valid_from, rule.valid_to, rule.eligibility,
            {s.code for s in rule.eligible_statuses.all()}, {r.code for r in rule.eligible_roles.all()},
            rule.lessons, rule.periods, rule.has_test, rule.certifies, rule.pass_mark,
            raises_level=rule.class_type.theory_level_id is not None))
    return rules


def rule_on(rules: dict[str, list[Rule]], code: str, day: datetime.date) -> Rule | None:
    found = [r for r in rules.get(code, []) if r.valid_from <= day and (r.valid_to is None or r.valid_to >= day)]
    return max(found, key=lambda r: r.valid_from) if found else None


def _units(province: Organization) -> dict[int, Unit]:
    return {pk: Unit(pk, code, name, path, level, parent_id, established_on)
            for pk, code, name, path, level, parent_id, established_on in
            Organization.objects.filter(path__startswith=province.path, active=True).order_by("path")
            .values_list("id", "code", "name", "path", "level__code", "parent_id", "established_on")}


def _paths(province: Organization) -> dict[int, str]:
    """Every unit's path, those merged or dissolved included (people were in them once)."""
    return dict(Organization.objects.filter(path__startswith=province.path).values_list("id", "path"))


def _learners(province: Organization, units: dict[int, Unit], paths: dict[int, str],
              since: datetime.date) -> dict[int, Learner]:
    """Everyone in the province's units; the status history of those whose status may have
    changed since `since` (quần chúng and members admitted lately); every position held;
    the transfers of those transferred since `since`, who count among the visitors of the
    units they left."""
    learners = {}
    for row in (Person.objects.filter(organization__path__startswith=province.path).order_by("id")
                .values_list("id", "organization_id", "party_status__code", "party_status_since", "gender",
                             "theory_level__code")):
        learner = Learner(*row)
        learners[learner.id] = learner
        unit = units.get(learner.organization_id)
        while unit is not None:
            unit.people.append(learner)
            unit = units.get(unit.parent_id)
    for person_id, day, from_unit in (Transfer.objects.filter(person_id__in=learners, transferred_on__gte=since)
                                      .order_by("person_id", "transferred_on", "id")
                                      .values_list("person_id", "transferred_on", "from_organization_id")):
        learners[person_id].moves.append((day, from_unit))
    for learner in learners.values():
        if not learner.moves:
            continue
        now_in = {int(pk) for pk in paths[learner.organization_id].strip("/").split("/")}
        was_in = {int(pk) for _day, unit in learner.moves for pk in paths[unit].strip("/").split("/")}
        for pk in sorted(was_in - now_in):
            if pk in units:
                units[pk].visitors.append(learner)
    recent = (Person.objects.filter(organization__path__startswith=province.path)
              .filter(admitted_on__isnull=True) | Person.objects.filter(
                  organization__path__startswith=province.path, admitted_on__gte=since - datetime.timedelta(days=400)))
    for person_id, code, effective_on in (PartyStatusChange.objects.filter(person__in=recent.values("id"))
                                          .order_by("person_id", "effective_on", "id")
                                          .values_list("person_id", "status__code", "effective_on")):
        learners[person_id].history.append((effective_on, code))
    for person_id, role, start, end in (Position.objects.filter(person__organization__path__startswith=province.path)
                                        .values_list("person_id", "role__code", "started_on", "ended_on")):
        learners[person_id].roles.append((role, start, end))
    return learners


# ---------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class PlannedClass:
    type_code: str
    rule: Rule
    organizer: Unit
    starts_on: datetime.date
    ends_on: datetime.date = None
    name: str = ""
    format: str = TrainingClass.Format.IN_PERSON
    place: str = ""
    in_plan: bool = True
    results: bool = True  # entered once the class ended
    hold_certificates: bool = False  # results in, certificates still to issue
    demo: bool = False  # the training staff's work of today
    learners: list[Learner] = field(default_factory=list)
    lessons: list[tuple[int, str, datetime.date, int, int | None]] = field(default_factory=list)
    id: int = 0
    plan_line_id: int | None = None


def _working_day(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _lesson_days(rng, rule: Rule, starts_on: datetime.date) -> list[datetime.date]:
    """Two lessons a day on working days; sơ cấp (long) one day a week."""
    days, day = [], _working_day(starts_on)
    weekly = rule.lessons > 8
    for number in range(rule.lessons):
        if number and (weekly or number % 2 == 0):
            day = _working_day(day + datetime.timedelta(days=7 if weekly else 1))
        days.append(day)
    return days


def _starts(rng, count: int, first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """`count` start days spread over [first, last], each in its own stretch."""
    span = max(1, (last - first).days)
    return [_working_day(first + datetime.timedelta(days=int(span * (i + rng.uniform(0.1, 0.9)) / count)))
            for i in range(count)]


def _class(rng, rules, code, organizer: Unit, starts_on, today, counter) -> PlannedClass | None:
    rule = rule_on(rules, code, starts_on)
    if rule is None:
        return None
    counter[(organizer.id, code, starts_on.year)] += 1
    days = _lesson_days(rng, rule, starts_on)
    online = code in GRASSROOTS_TYPES and rng.random() < 0.15
    body = organizer.name.removeprefix("Đảng bộ ").strip()
    return PlannedClass(
        code, rule, organizer, days[0], days[-1],
        name=f"{CLASS_NAMES[code]} khóa {counter[(organizer.id, code, starts_on.year)]} năm {starts_on.year}",
        format=TrainingClass.Format.ONLINE if online else TrainingClass.Format.IN_PERSON,
        place="" if online else rng.choice([f"Hội trường {body}", f"Trung tâm Chính trị {body}", "Phòng họp số 1"]),
        lessons=[(n + 1, (LESSON_TITLES[code] + [f"Chuyên đề {n + 1}"] * rule.lessons)[n], day,
                  max(1, rule.periods // max(1, rule.lessons)), None) for n, day in enumerate(days)],
        results=days[-1] + datetime.timedelta(days=rng.randint(3, 10)) <= today)


def _candidates(cache: dict, unit: Unit, rule: Rule) -> list[Learner]:
    """The people of the unit's subtree the rule could admit on some day, worked out once."""
    key = (unit.id, id(rule))
    if key not in cache:
        cache[key] = [p for p in unit.people + unit.visitors if rule.may_ever_admit(p)]
    return cache[key]


def _fill(rng, planned: PlannedClass, taken: dict[str, set[int]], candidates: dict, paths: dict[int, str]) -> None:
    """Nominate eligible people of the organizer's subtree on the first day, by the rule of that day."""
    rule, day, organizer = planned.rule, planned.starts_on, planned.organizer
    people = organizer.people + organizer.visitors
    low, high = CLASS_SIZE[planned.type_code]
    if rule.once:
        done = taken[planned.type_code]
        pool = [p for p in _candidates(candidates, organizer, rule)
                if p.id not in done and p.was_in(organizer, day, paths) and rule.admits(p, day)]
        want = min(high, max(low, round(len(pool) * TAKE_SHARE[planned.type_code])), len(pool))
        chosen = rng.sample(pool, want)
        done.update(p.id for p in chosen)
    else:
        want = rng.randint(low, high)
        sample = rng.sample(people, min(len(people), want * 2))
        chosen = [p for p in sample if p.was_in(organizer, day, paths) and rule.admits(p, day)][:want]
    planned.learners = sorted(chosen, key=lambda p: p.id)


def _schedule(rng, rules, blocks, grassroots, today, years, candidates) -> tuple[list[PlannedClass], dict]:
    """Every class of the period, in order of start; the plans' states by (unit id, year)."""
    counter = defaultdict(int)
    classes: list[PlannedClass] = []
    plan_state: dict[tuple[int, int], str] = {}
    this = today.year
    for year in years:
        first = datetime.date(year, 1, 12)
        last = datetime.date(year, 12, 10) if year < this else today - datetime.timedelta(days=12)
        for block in blocks:
            # A đảng bộ founded during the year (the 2025 reorganisation) trains once its plan is approved.
            opens = first if block.began_by(first) else _working_day(block.established_on + datetime.timedelta(days=45))
            if opens >= last:
                continue
            plan_state[(block.id, year)] = Plan.APPROVED
            for code, count in BLOCK_YEAR:
                if (rule := rule_on(rules, code, first)) and rule.once:  # as many as the people waiting need
                    waiting = sum(1 for p in _candidates(candidates, block, rule) if rule.admits(p, last))
                    count = max(1, min(count * 2, round(waiting * TAKE_SHARE[code] / CLASS_SIZE[code][1])))
                for start in _starts(rng, count, opens, last):
                    planned = _class(rng, rules, code, block, start, today, counter)
                    if planned:
                        classes.append(planned)
        # The training staff's block has one plan of each state waiting for someone.
        forced = [u for u in grassroots if u.path.startswith(blocks[0].path)] + grassroots
        forced = dict(zip(list(dict.fromkeys(u.id for u in forced))[:3], [Plan.SUBMITTED, Plan.RETURNED, Plan.DRAFT],
                          strict=False))
        for unit in grassroots:
            draw = rng.random()
            if year < this:
                state = Plan.APPROVED if draw < 0.75 else None
            else:  # this year: most approved, some still on their way
                state = (Plan.APPROVED if draw < 0.6 else Plan.SUBMITTED if draw < 0.75 else
                         Plan.DRAFT if draw < 0.85 else Plan.RETURNED if draw < 0.9 else None)
                state = forced.get(unit.id, state)
            if state:
                plan_state[(unit.id, year)] = state
            if state == Plan.APPROVED:
                code = rng.choice(GRASSROOTS_TYPES)
                planned = _class(rng, rules, code, unit, _starts(rng, 1, first, last)[0], today, counter)
                if planned:
                    classes.append(planned)
    # The training staff's block today: a class running, two finished without results,
    # one with results whose certificates are still to issue.
    demo_block = blocks[0]
    for code, start, results, hold in [
        ("nhan-thuc-ve-dang", today - datetime.timedelta(days=2), False, False),
        ("chuyen-de", today - datetime.timedelta(days=6), False, False),
        ("dang-vien-moi", today - datetime.timedelta(days=15), False, False),
        ("nghiep-vu-cong-tac-dang", today - datetime.timedelta(days=26), True, True),
    ]:
        planned = _class(rng, rules, code, demo_block, start, today, counter)
        if planned:
            planned.results = results and planned.ends_on < today
            planned.hold_certificates, planned.demo = hold, True
            classes.append(planned)
    # A few classes outside any plan (seed 003: they count nowhere): one in the demo block.
    outside = [demo_block, *rng.sample(blocks[1:] + grassroots, min(3, len(blocks) - 1 + len(grassroots)))]
    for year, unit in zip([this, *years * 2], outside, strict=False):
        last = datetime.date(year, 12, 10) if year < this else today - datetime.timedelta(days=20)
        opens = max(datetime.date(year, 2, 1), unit.established_on or datetime.date.min)
        if opens >= last:
            continue
        planned = _class(rng, rules, "chuyen-de", unit, _starts(rng, 1, opens, last)[0], today, counter)
        if planned:
            planned.in_plan = False
            classes.append(planned)
    classes.sort(key=lambda c: (c.starts_on, c.organizer.path, c.type_code))
    return classes, plan_state


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _copy(objects: list) -> None:
    """COPY unsaved instances of one model with every concrete column as set on them
    (portal.bulk.copy_objects stamps created/updated times with now; the demo tells when
    things happened). Ids come from the table's sequence and are set on the instances."""
    if not objects:
        return
    meta = type(objects[0])._meta
    fields = meta.concrete_fields
    for obj, pk in zip(objects, next_ids(meta.db_table, len(objects)), strict=True):
        obj.pk = pk

    def value(obj, f):
        v = getattr(obj, f.attname)
        return "{" + ",".join(v) + "}" if isinstance(v, list) else v

    copy_rows(meta.db_table, [f.column for f in fields], ([value(obj, f) for f in fields] for obj in objects))


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=timezone.get_current_timezone())


CREATED = [PastEvent("I", changed_at="t.created_at", actor="t.created_by_id")]


def _plans(rng, plan_state, classes, types, units, today, daotao) -> tuple[list[TrainingPlan], list[PlanLine]]:
    """A plan for each (unit, year) with a state; its lines hold the unit's classes of the
    year by type (planned a little above what was held). One block's plan of this year is
    amended: version 1 superseded, version 2 approved with one more line."""
    held = defaultdict(list)
    for c in classes:
        if c.in_plan:
            held[(c.organizer.id, c.starts_on.year)].append(c)
    plans, lines = [], []
    amended = None
    blocks_this_year = [key for key, state in plan_state.items() if key[1] == today.year
                        and units[key[0]].level == "dang-bo-truc-thuoc"]
    if len(blocks_this_year) > 1:
        amended = blocks_this_year[1]
    for (unit_id, year), state in sorted(plan_state.items()):
        unit = units[unit_id]
        by_daotao = daotao if unit.level == "dang-bo-truc-thuoc" and unit_id == blocks_this_year[0][0] else None
        if state == Plan.APPROVED and not unit.began_by(datetime.date(year, 1, 1)):  # founded during the year
            created = _at(unit.established_on + datetime.timedelta(days=rng.randint(3, 10)))
        elif state == Plan.APPROVED:  # drafted at the end of the year before, approved in time
            created = _at(datetime.date(year - 1, 11, 20) + datetime.timedelta(days=rng.randint(0, 20)))
        else:  # late ones, still on their way
            created = _at(today - datetime.timedelta(days=rng.randint(30, 60)))
        submitted = created + datetime.timedelta(days=rng.randint(3, 10))
        decided = submitted + datetime.timedelta(days=rng.randint(5, 20))
        plan = TrainingPlan(
            organization_id=unit_id, year=year, version=1, status=state,
            title=f"Kế hoạch đào tạo, bồi dưỡng lý luận chính trị năm {year}", created_by=by_daotao,
            submitted_by=by_daotao if state != Plan.DRAFT else None,
            submitted_at=submitted if state != Plan.DRAFT else None,
            decided_at=decided if state in (Plan.APPROVED, Plan.RETURNED) else None,
            decision_comment=RETURN_COMMENT if state == Plan.RETURNED else "",
            created_at=created, updated_at=decided if state in (Plan.APPROVED, Plan.RETURNED) else submitted)
        versions = [plan]
        if (unit_id, year) == amended:
            plan.status = Plan.SUPERSEDED
            amendment_day = _at(today - datetime.timedelta(days=rng.randint(60, 120)))
            versions.append(TrainingPlan(
                organization_id=unit_id, year=year, version=2, amends=plan, status=Plan.APPROVED,
                title=f"Kế hoạch đào tạo, bồi dưỡng lý luận chính trị năm {year} (điều chỉnh)",
                submitted_at=amendment_day, decided_at=amendment_day + datetime.timedelta(days=6),
                decision_comment="Đồng ý bổ sung lớp cập nhật kiến thức mới.",
                created_at=amendment_day - datetime.timedelta(days=3), updated_at=amendment_day))
        by_type = defaultdict(list)
        for c in held[(unit_id, year)]:
            by_type[c.type_code].append(c)
        if not by_type:  # nothing held yet (or a plan not approved): what it proposes
            by_type = {rng.choice(GRASSROOTS_TYPES): []}
        for version in versions:
            plans.append(version)
            for code, held_classes in by_type.items():
                if version.version == 1 and amended == (unit_id, year) and code == "cap-nhat-kien-thuc":
                    continue  # the line the amendment adds
                learners = sum(len(c.learners) for c in held_classes) or rng.randint(30, 60)
                line = PlanLine(plan=version, class_type_id=types[code], planned_classes=max(1, len(held_classes)),
                                planned_learners=max(1, math.ceil(learners * 1.1)),
                                quarter=(held_classes[0].starts_on.month - 1) // 3 + 1 if len(held_classes) == 1
                                else None,
                                priority_groups=[PriorityGroup.WOMEN, PriorityGroup.MINORITY]
                                if code in ("nhan-thuc-ve-dang", "so-cap-llct") else [])
                lines.append(line)
                if version.status == Plan.APPROVED:
                    for c in held_classes:
                        c.plan_line = line
    return plans, lines


def _lecturers(rng, units, blocks, grassroots, province, today) -> dict[int, list[Lecturer]]:
    """Each block's lecturers (kiêm chức: its own leaders and the bí thư, phó bí thư of its
    đảng bộ cơ sở; báo cáo viên), and the province school's full-time ones, by block id
    (the province's under the province id)."""
    by_unit = defaultdict(list)
    started = datetime.date(today.year - 2, 3, 1)
    seen = set()

    def add(person_id, unit, kind, qualification):
        if (person_id, kind) in seen:
            return
        seen.add((person_id, kind))
        meets = rng.random() < LECTURER_STANDARD_SHARE or kind != Lecturer.Kind.PART_TIME
        since = max(started, unit.established_on or started)  # a đảng bộ founded in 2025 has lecturers since
        by_unit[unit.id].append(Lecturer(
            person_id=person_id, organization_id=unit.id, kind=kind, qualification=qualification,
            meets_standard=meets, standard_checked_on=since + datetime.timedelta(days=rng.randint(0, 300))
            if meets else None, started_on=since, created_at=_at(since), updated_at=_at(since)))

    position_unit = {}
    for person_id, org_id, role in Position.objects.current().filter(
            organization__path__startswith=province.path, role__code__in=["bi-thu", "pho-bi-thu", "uv-ban-thuong-vu"]
    ).values_list("person_id", "organization_id", "role__code"):
        position_unit.setdefault(org_id, []).append((role, person_id))
    blocks_by_id = {block.id: block for block in blocks}
    for block in blocks:
        for _role, person_id in position_unit.get(block.id, []):
            add(person_id, block, Lecturer.Kind.PART_TIME, "Cao cấp lý luận chính trị")
    for unit in grassroots:
        for role, person_id in position_unit.get(unit.id, []):
            if role in ("bi-thu", "pho-bi-thu"):
                add(person_id, blocks_by_id[_block_id(unit)], Lecturer.Kind.PART_TIME, "Trung cấp lý luận chính trị")
    for block in blocks:
        speakers = [p for p in block.people
                    if p.status == "chinh-thuc" and p.theory in ("trung-cap", "cao-cap") and not p.moves]
        for person in rng.sample(speakers, min(2, len(speakers))):
            add(person.id, block, Lecturer.Kind.SPEAKER, "Báo cáo viên của đảng bộ")
    school = [p for p in units[province.id].people
              if p.theory in ("cao-cap", "cu-nhan") and p.status == "chinh-thuc" and not p.moves]
    for person in rng.sample(school, min(3, len(school))):
        add(person.id, units[province.id], Lecturer.Kind.FULL_TIME, "Cử nhân lý luận chính trị, Trường Chính trị tỉnh")
    return by_unit


def _block_id(unit: Unit) -> int:
    """The đảng bộ trực thuộc a unit belongs to (the unit itself at that level)."""
    return int(unit.path.strip("/").split("/")[1])


def _assign_lecturers(rng, classes, lecturers, province) -> None:
    """Lessons get lecturers of the organizer's block (and the province school's): each
    year the đảng bộ cơ sở's own bí thư and phó bí thư first, most of them lecturing."""
    school = lecturers.get(province.id, [])
    pending = {}
    for c in classes:
        block_id = _block_id(c.organizer)
        # Before a block founded in 2025 had lecturers of its own, the school taught its units' classes.
        own = [lec for lec in lecturers.get(block_id, []) if lec.started_on <= c.starts_on]
        pool = own + school
        if not pool:
            continue
        key = (block_id, c.starts_on.year)
        if key not in pending:
            part_time = [lec for lec in own if lec.kind == Lecturer.Kind.PART_TIME]
            pending[key] = rng.sample(part_time, round(len(part_time) * LECTURING_SHARE))
        queue = pending[key] if own else []
        lessons = []
        for number, title, day, periods, _lecturer in c.lessons:
            lecturer = queue.pop() if queue else rng.choice(pool)
            lessons.append((number, title, day, periods, lecturer))
        c.lessons = lessons


def seed_training(province: Organization, today: datetime.date, rng: random.Random) -> StepResult | None:
    """The training data of the demo province; None, writing nothing, when there is some already."""
    if (TrainingPlan.objects.filter(organization__path__startswith=province.path).exists()
            or TrainingClass.objects.filter(organizer__path__startswith=province.path).exists()):
        return None
    started = time.monotonic()
    years = [today.year - 1, today.year]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["daotao"])}
    daotao = users.get("daotao")
    rules = _rules()
    types = dict(ClassType.objects.values_list("code", "id"))
    units = _units(province)
    paths = _paths(province)
    learners = _learners(province, units, paths, datetime.date(years[0], 1, 1))
    blocks = [u for u in units.values() if u.parent_id == province.id and u.level == "dang-bo-truc-thuoc"]
    order = dict(Organization.objects.filter(parent=province).values_list("id", "sort_order"))
    blocks.sort(key=lambda u: (order[u.id], u.id))
    grassroots = [u for u in units.values() if u.level == "dang-bo-co-so"]
    taken, candidates = defaultdict(set), {}
    classes, plan_state = _schedule(rng, rules, blocks, grassroots, today, years, candidates)
    for c in sorted(classes, key=lambda c: not c.demo):  # the demo block's work of today gets its learners first
        _fill(rng, c, taken, candidates, paths)
    classes = [c for c in classes if c.learners]
    for c in classes:
        c.plan_line = None
    plans, lines = _plans(rng, plan_state, classes, types, units, today, daotao)
    lecturers = _lecturers(rng, units, blocks, grassroots, province, today)
    _assign_lecturers(rng, classes, lecturers, province)

    with bulk_load_history("training_trainingplan", events=CREATED):
        _copy([p for p in plans if p.amends is None])
        for p in plans:
            if p.amends is not None:
                p.amends_id = p.amends.pk
        _copy([p for p in plans if p.amends is not None])
    with bulk_load_history("training_planline"):
        for line in lines:
            line.plan_id = line.plan.pk
        _copy(lines)
    with bulk_load_history("training_lecturer", events=[PastEvent("I", changed_at="t.created_at")]):
        _copy([lec for group in lecturers.values() for lec in group])

    tz_now = timezone.now()
    class_rows = []
    for c in classes:
        line = getattr(c, "plan_line", None)
        class_rows.append(TrainingClass(
            class_type_id=c.rule.type_id, organizer_id=c.organizer.id, plan_line_id=line.pk if line else None,
            name=c.name, starts_on=c.starts_on, ends_on=c.ends_on, format=c.format, place=c.place,
            capacity=len(c.learners) + rng.randint(0, 10),
            results_closed_at=_at(c.ends_on + datetime.timedelta(days=3)) if c.results and c.rule.certifies else None,
            created_by=daotao if c.organizer.id == blocks[0].id else None,
            created_at=min(tz_now, _at(c.starts_on - datetime.timedelta(days=rng.randint(10, 25)))),
            updated_at=min(tz_now, _at(c.starts_on - datetime.timedelta(days=3)))))
    with bulk_load_history("training_trainingclass", events=CREATED):
        _copy(class_rows)
    lesson_rows = []
    for c, row in zip(classes, class_rows, strict=True):
        c.id = row.pk
        for number, title, day, periods, lecturer in c.lessons:
            lesson_rows.append(Lesson(training_class_id=row.pk, number=number, title=title, held_on=day,
                                      periods=periods, lecturer_id=lecturer.pk if lecturer else None))
    with bulk_load("training_lesson"):
        _copy(lesson_rows)

    with bulk_load("training_enrollment", events=[
            PastEvent("I", changed_at="t.nominated_at", actor="t.nominated_by_id")]), \
            bulk_load("training_lessonattendance", events=[PastEvent("I", changed_at="t.updated_at")]):
        learning = _learning(rng, classes, class_rows, lesson_rows, daotao, blocks[0], today)
    registers = _number(learning.certificates)
    with bulk_load("training_certificate", events=[
            PastEvent("I", changed_at="t.created_at", actor="t.issued_by_id")]):
        _copy(learning.certificates)
    CertificateRegister.objects.bulk_create(
        [CertificateRegister(organizer_id=org, year=year, last_number=n) for (org, year), n in sorted(registers.items())])
    externals = _external_results(rng, learners, today, years)
    with bulk_load_history("training_externalresult", events=[PastEvent("I", changed_at="t.created_at")]):
        _copy(externals)
    _raise_theory_levels(learning.passed, externals)
    targets = _targets(province, blocks, years)
    with bulk_load_history("training_trainingtarget", events=CREATED):
        _copy(targets)

    outside = sum(1 for c in classes if not c.in_plan)
    summary = _("Dữ liệu đào tạo: %(plans)s kế hoạch, %(classes)s lớp (%(outside)s lớp ngoài kế hoạch), "
                "%(enrollments)s lượt học viên, %(attendance)s lượt điểm danh buổi học, %(certificates)s giấy "
                "chứng nhận, %(lecturers)s giảng viên, trong %(seconds)s giây.") % {
        "plans": number_format(len(plans), force_grouping=True),
        "classes": number_format(len(classes), force_grouping=True), "outside": outside,
        "enrollments": number_format(learning.enrollments_written, force_grouping=True),
        "attendance": number_format(learning.attendance_written, force_grouping=True),
        "certificates": number_format(len(learning.certificates), force_grouping=True),
        "lecturers": number_format(sum(len(g) for g in lecturers.values()), force_grouping=True),
        "seconds": number_format(time.monotonic() - started, 1)}
    return StepResult(summary=summary, tables=[
        "training_trainingplan", "training_planline", "training_lecturer", "training_trainingclass",
        "training_lesson", "training_enrollment", "training_lessonattendance", "training_certificateregister",
        "training_certificate", "training_externalresult", "training_trainingtarget", "portal_person"])


def _code(rng) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(rng.choices(alphabet, k=16))


@dataclass
class Learning:
    """What the classes' learners did. Enrolments and lesson attendance, the bulk of the step,
    are plain tuples for COPY, written LEARNING_CHUNK at a time and forgotten, so memory does
    not grow with the province."""

    enrollments: list[tuple] = field(default_factory=list)  # in ENROLLMENT_COLUMNS order
    attendance: list[tuple] = field(default_factory=list)  # in ATTENDANCE_COLUMNS order
    enrollments_written: int = 0
    attendance_written: int = 0
    certificates: list[Certificate] = field(default_factory=list)
    passed: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # class type id -> people


ENROLLMENT_COLUMNS = ["id", "training_class_id", "person_id", "learner_organization_id", "nominated_by_id",
                      "nominated_at", "score", "result", "result_recorded_by_id", "result_recorded_at", "updated_at"]
ATTENDANCE_COLUMNS = ["lesson_id", "enrollment_id", "status", "reason", "updated_at"]
LEARNING_CHUNK = 50_000


def _write_learning(learning: Learning, *, last: bool = False) -> None:
    """COPY the enrolments and lesson attendance drawn so far, once there are LEARNING_CHUNK
    of them (or all that is left); in the order drawn, so the ids are the same whatever the chunk."""
    if last or len(learning.attendance) + len(learning.enrollments) >= LEARNING_CHUNK:
        copy_rows("training_enrollment", ENROLLMENT_COLUMNS, learning.enrollments)
        copy_rows("training_lessonattendance", ATTENDANCE_COLUMNS, learning.attendance)
        learning.enrollments_written += len(learning.enrollments)
        learning.attendance_written += len(learning.attendance)
        learning.enrollments, learning.attendance = [], []


def _learning(rng, classes, class_rows, lesson_rows, daotao, demo_block, today) -> Learning:
    """Enrolments, lesson attendance for the lessons held, results of the classes whose
    results are in (written as they are drawn, inside the caller's bulk loads of both
    tables), and the certificates of their passed learners (numbers come later)."""
    lessons_of = defaultdict(list)
    for lesson in lesson_rows:
        lessons_of[lesson.training_class_id].append(lesson)
    (present, present_w), (excused, excused_w), (absent, _w) = MARKS
    present_below, excused_below = present_w / 100, (present_w + excused_w) / 100
    now = timezone.now()
    tz = timezone.get_current_timezone()

    def at(day, hour):
        return min(now, datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=tz))

    learning = Learning()
    ids = iter(next_ids(Enrollment._meta.db_table, sum(len(c.learners) for c in classes)))
    revoked_in_demo = False
    for c, row in zip(classes, class_rows, strict=True):
        staff = daotao.pk if daotao and c.organizer.id == demo_block.id else None
        rule = c.rule
        held = [(lesson.pk, at(lesson.held_on, 11)) for lesson in lessons_of[row.pk] if lesson.held_on <= today]
        for learner in c.learners:
            pk = next(ids)
            nominated = at(c.starts_on - datetime.timedelta(days=rng.randint(1, 8)), 14)
            missed = 0
            for lesson_id, marked_at in held:
                draw = rng.random()
                mark = present if draw < present_below else excused if draw < excused_below else absent
                missed += mark != present
                learning.attendance.append((lesson_id, pk, mark, rng.choice(ABSENCE_REASONS) if mark == excused else "",
                                            marked_at))
            score, result, recorded_at = None, "", None
            if c.results:
                if rule.has_test:
                    score = Decimal(str(min(10.0, max(2.0, round(rng.gauss(7.4, 1.3) * 4) / 4))))
                    passed = score >= rule.pass_mark
                else:
                    passed = missed * 2 <= len(held) and rng.random() < 0.98
                result = Enrollment.Result.PASSED if passed else Enrollment.Result.FAILED
                recorded_at = at(c.ends_on + datetime.timedelta(days=rng.randint(1, 3)), 16)
            learning.enrollments.append((pk, row.pk, learner.id, learner.unit_on(c.starts_on), staff, nominated, score,
                                         result, staff if result else None, recorded_at, recorded_at or nominated))
            _write_learning(learning)
            if result != Enrollment.Result.PASSED:
                continue
            learning.passed[rule.type_id].append(learner.id)
            issued_on = c.ends_on + datetime.timedelta(days=rng.randint(4, 12))
            if not rule.certifies or c.hold_certificates or issued_on > today:
                continue
            certificate = Certificate(enrollment_id=pk, organizer_id=c.organizer.id, year=issued_on.year, number=0,
                                      verification_code=_code(rng), issued_on=issued_on, issued_by_id=staff,
                                      created_at=at(issued_on, 10))
            certificate.class_id = row.pk  # for the order of numbering
            revoke_on = issued_on + datetime.timedelta(days=rng.randint(20, 90))
            demo_first = staff is not None and not revoked_in_demo
            if revoke_on <= today and (rng.random() < REVOKED_SHARE or demo_first):
                certificate.revoked_on, certificate.revoked_by_id = revoke_on, staff
                certificate.revoked_reason = rng.choice(REVOKE_REASONS)
                revoked_in_demo = revoked_in_demo or staff is not None
            learning.certificates.append(certificate)
    _write_learning(learning, last=True)
    return learning


def _number(certificates: list[Certificate]) -> dict[tuple[int, int], int]:
    """Number the certificates 1, 2, 3… per register (organizer, year) in the order they
    were issued; the registers' last numbers."""
    registers = defaultdict(int)
    for certificate in sorted(certificates, key=lambda c: (c.organizer_id, c.year, c.issued_on, c.class_id,
                                                           c.enrollment_id)):
        key = (certificate.organizer_id, certificate.year)
        registers[key] += 1
        certificate.number = registers[key]
    return registers


def _external_results(rng, learners, today, years) -> list[ExternalResult]:
    """Members who finished trung cấp (from none or sơ cấp) or cao cấp (from trung cấp) at
    the provincial school or the academy during the period."""
    types = {t.code: t for t in ClassType.objects.filter(external=True)}
    results = []
    members = [p for p in learners.values() if p.status == "chinh-thuc"]
    count = max(3, round(len(members) * EXTERNAL_SHARE))
    first = datetime.date(years[0], 1, 1)
    for person in rng.sample(members, min(count, len(members))):
        code = "cao-cap-llct" if person.theory == "trung-cap" else "trung-cap-llct"
        if person.theory in ("cao-cap", "cu-nhan") or code not in types:
            continue
        completed = first + datetime.timedelta(days=rng.randint(0, (today - first).days))
        institution = "Học viện Chính trị khu vực II" if code == "cao-cap-llct" else "Trường Chính trị tỉnh"
        results.append(ExternalResult(
            person_id=person.id, class_type=types[code], institution=institution, completed_on=completed,
            certificate_number=f"{rng.randint(100, 9999)}/{'CCLLCT' if code == 'cao-cap-llct' else 'TCLLCT'}",
            created_at=_at(completed + datetime.timedelta(days=rng.randint(3, 30)))
            if completed + datetime.timedelta(days=30) <= today else _at(today)))
    return results


def _raise_theory_levels(passed_by_type: dict[int, list[int]], externals: list[ExternalResult]) -> None:
    """Passing sơ cấp, or completing trung cấp or cao cấp, raises the learner's theory level
    (never lowers it), by the service that records an external result."""
    from training.services.external import raise_theory_level

    levels = dict(ClassType.objects.filter(theory_level__isnull=False).values_list("id", "theory_level_id"))
    wanted = defaultdict(set)
    for type_id, people in passed_by_type.items():
        if type_id in levels:
            wanted[levels[type_id]].update(people)
    for result in externals:
        wanted[levels[result.class_type_id]].add(result.person_id)
    for level in TheoryLevel.objects.filter(pk__in=wanted).order_by("sort_order"):
        raise_theory_level(sorted(wanted[level.pk]), level)


def _targets(province: Organization, blocks: list[Unit], years: list[int]) -> list[TrainingTarget]:
    """Seed 002's targets for the province and each đảng bộ trực thuộc."""
    shares = [(TargetIndicator.CERTIFIED_SHARE, 100), (TargetIndicator.PARTY_WORK_TRAINED_SHARE, 90),
              (TargetIndicator.LECTURER_STANDARD_SHARE, 100), (TargetIndicator.SECRETARIES_LECTURED_SHARE, 100),
              (TargetIndicator.GRASSROOTS_WITH_CLASS_SHARE, 100)]
    targets = []
    for year in years:
        for org_id, began in [(province.id, None), *((b.id, b.established_on) for b in blocks)]:
            # A đảng bộ founded during the year sets its targets once founded.
            created = _at(max(datetime.date(year, 1, 15), (began or datetime.date.min) + datetime.timedelta(days=14)))
            if created.year > year:
                continue
            rows = list(shares)
            if org_id != province.id:
                rows.append((TargetIndicator.CLASSES, 6))
            for indicator, value in rows:
                targets.append(TrainingTarget(
                    organization_id=org_id, year=year, indicator=indicator, value=Decimal(value),
                    upper=Decimal(10) if indicator == TargetIndicator.CLASSES else None,
                    note="Theo Nghị quyết Đại hội và chương trình hành động của cấp ủy (giai đoạn 2020–2025)",
                    created_at=created, updated_at=created))
    return targets
