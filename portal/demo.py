"""Demo data: a realistic province (DESIGN.md §5), the same every time for a given day.

The generator is a chain of plain functions, one per kind of data (`plan_tree`,
`plan_people`, `plan_positions`, `ensure_accounts`…), each taking the random generator
and what the previous ones made; the domain apps add sessions, classes and commitments
as further steps (settings.DEMO_DATA_STEPS, run by `seed_further_steps`). Everything is
written in bulk: `create_units` writes exactly the rows that `portal.tree.create_organization`
writes, and people and their status history go in by COPY (`portal.bulk`; the row-history
triggers still record every row), a chunk at a time. Time and memory grow with the number of
members asked for, no faster: people are drawn once to choose the positions (keeping a date
and an index each) and drawn again from the same generator state to be written, PEOPLE_CHUNK
at a time, so a million members never sit in memory as a million Person instances.

The tree today is the one after the 2025 reform: no district level, đảng bộ xã/phường
directly under the Tỉnh ủy beside the blocks of provincial agencies, the army and the
police. The province also lives through what real ones did in the previous year and this
one (`plan_districts`, `write_history`), so that figures "as of a date" (portal.asof) are
exercised every time it is seeded: a few đảng bộ xã/phường were founded on 1 July 2025 from
the grassroots units of a district đảng bộ, dissolved that day; a chi bộ was merged into
another and one dissolved; members were transferred between chi bộ and between đảng bộ
in both years. Every change goes through portal.tree or is written as portal.services
writes it (a Transfer and the person's new unit), dated.
"""

import array
import contextlib
import datetime
import os
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from portal import tree
from portal.audit import acting_as
from portal.bulk import bulk_load, copy_objects, next_ids, without_indexes
from portal.catalogues import ETHNIC_GROUPS, ethnicity_code
from portal.models import (
    Ethnicity,
    Grant,
    Organization,
    OrganizationChange,
    OrganizationPeriod,
    OrgLevel,
    PartyStatus,
    PartyStatusChange,
    Person,
    Position,
    PositionRole,
    StaffRole,
    TheoryLevel,
    Transfer,
)

PROVINCE_CODE = "TINH"
DEFAULT_PASSWORD = "demo12345"
DEFAULT_MEMBERS = 2000
MIN_CELLS = 16  # enough for every shape of unit and a xã
MIN_MEMBERS = 150
DEMO_USERNAMES = ["admin", "tuyengiao", "daotao", "bithu", "dangvien"]
SEED = 20250701  # the day the district level ended; any fixed number would do
BATCH = 2000
PEOPLE_CHUNK = 5000  # people drawn, written and forgotten at a time

# ---------------------------------------------------------------------------
# Names and other vocabulary
# ---------------------------------------------------------------------------

# Family names with their approximate share of the population.
FAMILY_NAMES = [
    ("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Hoàng", 30), ("Huỳnh", 21), ("Phan", 45),
    ("Vũ", 20), ("Võ", 19), ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13), ("Ngô", 13), ("Dương", 10),
    ("Lý", 5), ("Đinh", 6), ("Đoàn", 5), ("Trương", 5), ("Lâm", 4), ("Mai", 4), ("Trịnh", 4), ("Cao", 3),
    ("Lương", 3), ("Tô", 2), ("Hà", 3), ("Tạ", 2), ("Châu", 2), ("Lưu", 2), ("Quách", 1), ("Kiều", 1),
    ("Thái", 1), ("La", 1), ("Từ", 1),
]
# Minorities often carry family names of their own.
MINORITY_FAMILY_NAMES = {
    "Khmer": ["Thạch", "Danh", "Sơn", "Kim", "Lâm", "Chau", "Trần"],
    "Hoa": ["Lý", "Lâm", "Trương", "Quách", "Hứa", "Mã", "Tăng", "Lưu"],
    "Tày": ["Nông", "Hoàng", "Lục", "Triệu", "Ma", "Bế", "Hà"],
    "Nùng": ["Nông", "Hoàng", "Lục", "Vi", "Lý", "Chu"],
    "Thái": ["Lò", "Lường", "Cầm", "Quàng", "Vi", "Hà"],
    "Mường": ["Bùi", "Đinh", "Quách", "Hà", "Bạch"],
    "Mông": ["Giàng", "Thào", "Vàng", "Sùng", "Lầu", "Mua"],
    "Dao": ["Triệu", "Bàn", "Đặng", "Lý", "Phùng"],
    "Chăm": ["Đàng", "Châu", "Thông", "Quảng", "Lưu"],
}
MALE_MIDDLE = [("Văn", 40), ("Hữu", 6), ("Đức", 7), ("Minh", 8), ("Quốc", 6), ("Thanh", 6), ("Công", 5),
               ("Ngọc", 4), ("Xuân", 4), ("Đình", 5), ("Trọng", 4), ("Quang", 5), ("Anh", 3), ("Duy", 3),
               ("Gia", 2), ("Tấn", 4), ("Thành", 4), ("Hoàng", 3), ("Tuấn", 2), ("Chí", 3)]
FEMALE_MIDDLE = [("Thị", 55), ("Ngọc", 8), ("Thanh", 6), ("Thu", 5), ("Kim", 5), ("Mỹ", 4), ("Phương", 3),
                 ("Hồng", 4), ("Bích", 3), ("Diệu", 2), ("Minh", 3), ("Thùy", 4), ("Hoài", 2), ("Khánh", 2)]
MALE_GIVEN = ["An", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hùng", "Huy", "Khoa", "Long", "Minh", "Nam",
              "Phong", "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Trung", "Tuấn", "Việt",
              "Vinh", "Hiếu", "Khang", "Lộc", "Lợi", "Nghĩa", "Nhân", "Tâm", "Thịnh", "Toàn", "Tú", "Hoàng",
              "Đạt", "Kiên", "Hưng", "Phát", "Tín", "Bảo", "Danh", "Hậu", "Khải", "Lâm", "Luân", "Mạnh",
              "Nguyên", "Phước", "Quý", "Sang", "Thái", "Thiện", "Trí", "Vũ", "Hòa", "Đông", "Giang"]
FEMALE_GIVEN = ["Anh", "Châu", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hoa", "Hồng", "Hương", "Huyền", "Lan",
                "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Tâm",
                "Thảo", "Thu", "Thủy", "Trang", "Trinh", "Tuyết", "Uyên", "Vân", "Yến", "Xuân", "Diễm", "Ngọc",
                "Nhi", "Vy", "Hiền", "Lụa", "Thắm", "Hậu", "Duyên", "Nhàn", "Phượng", "Tiên", "Thư", "Ly"]

# Share of each ethnic group among members, per thousand; Kinh the rest. Every one of
# the 54 groups gets at least a trace so a large province shows them all.
MINORITY_SHARE = {"Khmer": 28, "Tày": 18, "Thái": 16, "Mường": 14, "Hoa": 12, "Nùng": 9, "Chăm": 7, "Mông": 5,
                  "Dao": 5, "Gia Rai": 3, "Ê Đê": 3, "Ba Na": 2, "Sán Chay": 2, "Cơ Ho": 2, "Xtiêng": 2,
                  "Chơ Ro": 1, "Sán Dìu": 1, "Mnông": 1, "Thổ": 1, "Khơ Mú": 1}
TRACE_SHARE = 0.05

SYLLABLES = ["An", "Bình", "Hòa", "Tân", "Phước", "Long", "Thạnh", "Mỹ", "Hiệp", "Thành", "Lợi", "Đông", "Tây",
             "Trung", "Ninh", "Thuận", "Hưng", "Phú", "Lộc", "Khánh", "Định", "Quới", "Hội", "Lập", "Điền", "Sơn",
             "Thới", "Vĩnh", "Trường", "Gia", "Châu", "Cẩm", "Bàu", "Trảng", "Hảo", "Nghĩa", "Xuân", "Phong",
             "Tiên", "Hậu", "Đức", "Thái", "Quang", "Hữu", "Lạc", "Kim"]

# Đảng bộ trực thuộc that are blocks of provincial bodies: code, name, share of the blocks' cells.
BLOCKS = [
    ("DBCQ", "Đảng bộ các cơ quan Đảng tỉnh", 0.08),
    ("DBUB", "Đảng bộ Ủy ban nhân dân tỉnh", 0.52),
    ("DBQS", "Đảng bộ Quân sự tỉnh", 0.12),
    ("DBCA", "Đảng bộ Công an tỉnh", 0.28),
]
BLOCKS_SHARE = 0.25  # of all cells; the xã and phường hold the rest
MAX_COMMUNES = 96

# The chi bộ trực thuộc a đảng bộ cơ sở of each kind is made of; kinds not listed (a
# school or health station of a xã, an ấp) are always a single chi bộ cơ sở.
OFFICES = ["Văn phòng", "Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính", "Thanh tra", "Phòng Nghiệp vụ",
           "Phòng Tổng hợp", "Phòng Pháp chế", "Trung tâm Thông tin", "Phòng Quản lý chuyên ngành",
           "Trung tâm Dịch vụ công"]
INNER = {
    "agency": OFFICES,
    "college": ["Tổ Toán - Tin", "Tổ Ngữ văn", "Tổ Khoa học tự nhiên", "Tổ Khoa học xã hội", "Tổ Văn phòng"],
    "hospital": ["Khoa Nội", "Khoa Ngoại", "Khoa Sản", "Khoa Nhi", "Khoa Khám bệnh", "Khoa Hồi sức cấp cứu",
               "Phòng Kế hoạch tổng hợp", "Khoa Dược", "Khoa Xét nghiệm"],
    "military": ["Ban Tham mưu", "Ban Chính trị", "Ban Hậu cần - Kỹ thuật", "Đại đội 1", "Đại đội 2", "Đại đội 3",
                 "Tiểu đoàn 1", "Tiểu đoàn 2", "Đại đội Thông tin", "Đại đội Trinh sát"],
    "police": ["Đội Tổng hợp", "Đội 1", "Đội 2", "Đội 3", "Đội 4", "Đội Điều tra", "Đội Tuần tra", "Đội Kỹ thuật"],
    "party-office": ["Văn phòng Đảng ủy", "Ủy ban Mặt trận Tổ quốc", "Hội Nông dân", "Hội Liên hiệp Phụ nữ",
                     "Đoàn Thanh niên", "Hội Cựu chiến binh"],
    "government": ["Văn phòng HĐND và UBND", "Phòng Kinh tế", "Phòng Văn hóa - Xã hội",
                   "Trung tâm Phục vụ hành chính công", "Ban Chỉ huy Quân sự"],
}
# Grassroots units (đảng bộ cơ sở or chi bộ cơ sở) of each block: (body, kind).
GRASSROOTS = {
    "DBCQ": [(body, "agency") for body in [
        "Văn phòng Tỉnh ủy", "Ban Tổ chức Tỉnh ủy", "Ban Tuyên giáo và Dân vận Tỉnh ủy", "Ủy ban Kiểm tra Tỉnh ủy",
        "Ban Nội chính Tỉnh ủy", "Báo và Phát thanh, Truyền hình tỉnh", "Trường Chính trị tỉnh",
        "Cơ quan Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Tỉnh đoàn", "Cơ quan Hội Nông dân tỉnh",
        "Cơ quan Hội Liên hiệp Phụ nữ tỉnh", "Cơ quan Liên đoàn Lao động tỉnh", "Cơ quan Hội Cựu chiến binh tỉnh",
        "Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân tỉnh"]],
    "DBUB": [(body, "agency") for body in [
        "Sở Tài chính", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Xây dựng", "Sở Nông nghiệp và Môi trường",
        "Sở Công Thương", "Sở Khoa học và Công nghệ", "Sở Văn hóa, Thể thao và Du lịch", "Sở Nội vụ", "Sở Tư pháp",
        "Sở Dân tộc và Tôn giáo", "Thanh tra tỉnh", "Văn phòng Ủy ban nhân dân tỉnh", "Bảo hiểm xã hội tỉnh",
        "Ban Quản lý các khu kinh tế"]] + [("Bệnh viện Đa khoa tỉnh", "hospital"),
                                            ("Trường Cao đẳng Kỹ thuật - Công nghệ", "college")],
    "DBQS": [(body, "military") for body in [
        "Cơ quan Bộ Chỉ huy Quân sự tỉnh", "Trung đoàn bộ binh 1", "Trung đoàn bộ binh 2",
        "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "Trường Quân sự tỉnh"]],
    "DBCA": [(body, "police") for body in [
        "Phòng Tham mưu", "Phòng Cảnh sát giao thông", "Phòng Cảnh sát hình sự", "Phòng An ninh chính trị nội bộ",
        "Phòng Cảnh sát điều tra tội phạm về ma túy", "Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ",
        "Phòng Xây dựng phong trào", "Trại tạm giam Công an tỉnh"]],
}
# Further bodies once the named ones run out, one set per place; công an xã are chi bộ of
# the provincial police since 2025.
MORE_BODIES = {
    "DBCQ": [("Cơ quan Mặt trận và đoàn thể khu vực {place}", "agency")],
    "DBUB": [("Trường THPT {place}", "college"), ("Trung tâm Y tế khu vực {place}", "hospital")],
    "DBQS": [("Ban Chỉ huy phòng thủ khu vực {n}", "military")],
    "DBCA": [("Công an xã {place}", "police")],
}
CELL_SHARE = {"DBCQ": 0.3, "DBUB": 0.3, "DBQS": 0.2, "DBCA": 0.4}  # chi bộ cơ sở among grassroots units

JOBS = {
    "agency": ["Chuyên viên", "Chuyên viên", "Chuyên viên chính", "Trưởng phòng", "Phó Trưởng phòng",
               "Kế toán", "Văn thư", "Cán sự", "Nhân viên"],
    "school": ["Giáo viên", "Giáo viên", "Giáo viên", "Hiệu trưởng", "Phó Hiệu trưởng", "Nhân viên",
               "Tổng phụ trách Đội"],
    "health": ["Bác sĩ", "Bác sĩ", "Điều dưỡng", "Điều dưỡng", "Y sĩ", "Dược sĩ", "Hộ sinh", "Kỹ thuật viên"],
    "military": ["Sĩ quan", "Sĩ quan", "Quân nhân chuyên nghiệp", "Chính trị viên", "Trợ lý",
                 "Công nhân viên quốc phòng"],
    "police": ["Cán bộ", "Cán bộ", "Điều tra viên", "Đội trưởng", "Phó Đội trưởng", "Cảnh sát khu vực"],
    "hamlet": ["Nông dân", "Nông dân", "Kinh doanh", "Công nhân", "Trưởng ấp", "Cựu chiến binh",
               "Bí thư Chi đoàn", "Chi hội trưởng Hội Nông dân", "Lao động tự do"],
}
JOBS["college"], JOBS["hospital"] = JOBS["school"], JOBS["health"]
JOBS["party-office"] = JOBS["government"] = ["Công chức", "Công chức", "Chuyên viên", "Phó Trưởng phòng",
                                             "Trưởng phòng", "Người hoạt động không chuyên trách"]
EDUCATION = {
    "office": [("Đại học", 60), ("Thạc sĩ", 25), ("Tiến sĩ", 2), ("Cao đẳng", 8), ("12/12", 5)],
    "armed": [("Đại học", 55), ("Cao đẳng", 15), ("Thạc sĩ", 10), ("12/12", 20)],
    "hamlet": [("12/12", 40), ("9/12", 20), ("Trung cấp", 10), ("Đại học", 25), ("Cao đẳng", 5)],
}
THEORY = {  # code or None, weight
    "office": [("cao-cap", 8), ("cu-nhan", 2), ("trung-cap", 30), ("so-cap", 45), (None, 15)],
    "armed": [("cao-cap", 5), ("trung-cap", 35), ("so-cap", 50), (None, 10)],
    "hamlet": [("trung-cap", 5), ("so-cap", 60), (None, 35)],
}
GROUP = {"agency": "office", "school": "office", "health": "office", "college": "office", "hospital": "office",
         "party-office": "office",
         "government": "office", "military": "armed", "police": "armed", "hamlet": "hamlet"}
FEMALE_SHARE = {"agency": 0.45, "school": 0.7, "health": 0.6, "college": 0.6, "hospital": 0.6, "party-office": 0.45, "government": 0.45,
                "military": 0.1, "police": 0.15, "hamlet": 0.4}


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def official_date(admitted_on: datetime.date) -> datetime.date:
    """A dự bị member becomes chính thức twelve months after admission (Điều lệ Đảng, Điều 5)."""
    return add_years(admitted_on, 1)


def _day(base: datetime.date, offset_days: float) -> datetime.date:
    return base + datetime.timedelta(days=int(offset_days))


# ---------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class UnitPlan:
    code: str
    name: str
    level: str  # OrgLevel.code
    parent: "UnitPlan | None" = None
    established_on: datetime.date = datetime.date(2015, 1, 1)
    decision_number: str = ""
    sort_order: int = 0
    kind: str = "agency"  # what the members do, for their jobs and schooling
    workplace: str = ""  # for "chức danh, nơi công tác"
    size: int = 0  # people in a chi bộ; 0 for a đảng bộ
    children: list["UnitPlan"] = field(default_factory=list)
    formerly_under: "UnitPlan | None" = None  # its district đảng bộ until the 2025 reorganisation
    org: Organization | None = None  # once written

    def add(self, child: "UnitPlan") -> "UnitPlan":
        child.parent = self
        child.sort_order = len(self.children) + 1
        self.children.append(child)
        return child

    def walk(self) -> Iterable["UnitPlan"]:
        yield self
        for child in self.children:
            yield from child.walk()

    def cells(self) -> list["UnitPlan"]:
        return [u for u in self.walk() if u.size]


def cell_sizes(rng: random.Random, members: int) -> list[int]:
    """Members per chi bộ, 8 to 60 with most around 20, adding up to `members`."""
    sizes, drawn = [], 0
    while drawn < members:
        sizes.append(int(rng.triangular(8, 61, 16)))
        drawn += sizes[-1]
    sizes = sizes or [members]
    while len(sizes) < MIN_CELLS:  # a small province still has every kind of unit
        sizes.append(8)
    excess = sum(sizes) - members
    for i in rng.sample(range(len(sizes)), len(sizes)):
        cut = min(excess, sizes[i] - 8)
        sizes[i] -= cut
        excess -= cut
    if excess:
        raise ValueError(f"at least {len(sizes) * 8} members are needed")
    return sizes


def _place_names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct place names of two syllables ("Tân Lập") in random order. Drawing
    and skipping repeats is quick while most pairs are unused; past half of them the rest are
    shuffled instead (the draws would repeat ever more often, and never end past them all),
    and past every pair the names come again with a number ("Tân Lập 2")."""
    pairs = len(SYLLABLES) * (len(SYLLABLES) - 1)
    names: list[str] = []
    seen = set()
    while len(names) < min(count, pairs // 2):
        name = " ".join(rng.sample(SYLLABLES, 2))
        if name not in seen:
            seen.add(name)
            names.append(name)
    if len(names) < count:
        unused = [f"{a} {b}" for a in SYLLABLES for b in SYLLABLES if a != b and f"{a} {b}" not in seen]
        rng.shuffle(unused)
        names += unused[: count - len(names)]
    every_pair, round_number = list(names), 2
    while len(names) < count:
        names += [f"{name} {round_number}" for name in every_pair[: count - len(names)]]
        round_number += 1
    return names


def _fill(parent: UnitPlan, sizes: list[int], rng: random.Random, *, bodies: list[tuple[str, str]],
          cell_share: float) -> None:
    """Hang `sizes` chi bộ under `parent`: some directly (chi bộ cơ sở), the rest grouped into
    đảng bộ cơ sở with 2 to 12 chi bộ trực thuộc each. The first grassroots unit is a đảng
    bộ cơ sở when there are cells enough, leaving at least one for a chi bộ cơ sở, so every
    đảng bộ trực thuộc has both shapes. Bodies whose kind has no inner chi bộ (an ấp) are
    always a chi bộ cơ sở."""
    bodies = list(bodies)
    n = 0
    while sizes:
        n += 1
        workplace, kind = bodies.pop(0) if bodies else (f"Đơn vị số {n}", parent.kind)
        established_on = _day(parent.established_on, rng.random() * 900)
        code = f"{parent.code}-{n:02d}"
        first = n == 1 and len(sizes) >= 3
        if kind not in INNER or (not first and (len(sizes) < 2 or rng.random() < cell_share)):
            parent.add(UnitPlan(code=code, name=f"Chi bộ {workplace}", level="chi-bo-co-so", kind=kind,
                                size=sizes.pop(), established_on=established_on, workplace=workplace))
            continue
        grassroots = parent.add(UnitPlan(code=code, name=f"Đảng bộ {workplace}", level="dang-bo-co-so", kind=kind,
                                         established_on=established_on, workplace=workplace))
        inner = list(INNER[kind])
        room = len(sizes) - 1 if first else len(sizes)  # and one left for a chi bộ cơ sở
        for m in range(1, min(room, max(2, int(rng.triangular(2, 13, 5)))) + 1):
            name = inner.pop(0) if inner else f"số {m}"
            grassroots.add(UnitPlan(code=f"{code}-{m:02d}", name=f"Chi bộ {name}", level="chi-bo-truc-thuoc",
                                    kind=kind, size=sizes.pop(), workplace=workplace,
                                    established_on=_day(established_on, rng.random() * 400)))


def plan_tree(rng: random.Random, members: int) -> UnitPlan:
    """The province: blocks of provincial bodies and đảng bộ xã/phường, each with đảng bộ
    cơ sở (holding chi bộ trực thuộc) and chi bộ cơ sở."""
    sizes = cell_sizes(rng, members)
    rng.shuffle(sizes)
    province = UnitPlan(code=PROVINCE_CODE, name="Đảng bộ tỉnh", level="dang-bo-tinh",
                        established_on=datetime.date(2010, 1, 1), decision_number="01-QĐ/TW")
    block_cells = max(9, round(len(sizes) * BLOCKS_SHARE))
    # The first block holds the demo accounts' chi bộ: it needs a đảng bộ cơ sở with two chi bộ.
    counts = [max(3 if i == 0 else 2, round(block_cells * share)) for i, (*_, share) in enumerate(BLOCKS)]
    for i, (code, name, _share) in enumerate(BLOCKS):
        block = province.add(UnitPlan(code=code, name=name, level="dang-bo-truc-thuoc", kind=GRASSROOTS[code][0][1],
                                      established_on=datetime.date(2012, 1, 1), decision_number=f"{10 + i}-QĐ/TU"))
        more = [(template.format(place=place, n=n), kind)
                for n, place in enumerate(_place_names(rng, counts[i]), start=1) for template, kind in MORE_BODIES[code]]
        _fill(block, [sizes.pop() for _ in range(counts[i])], rng, bodies=GRASSROOTS[code] + more,
              cell_share=CELL_SHARE[code])
    communes = max(1, min(MAX_COMMUNES, round(len(sizes) / 27)))
    for i, place in enumerate(_place_names(rng, communes), start=1):
        ward = rng.random() < 0.3
        title, hamlet = (f"phường {place}", "khu phố") if ward else (f"xã {place}", "ấp")
        count = len(sizes) // (communes - i + 1)
        commune = province.add(UnitPlan(code=f"{'P' if ward else 'X'}{i:02d}", name=f"Đảng bộ {title}",
                                        level="dang-bo-truc-thuoc", kind="hamlet", workplace=title,
                                        established_on=datetime.date(2012, 1, 1), decision_number=f"{20 + i}-QĐ/TU"))
        bodies = [(f"Cơ quan Đảng, Mặt trận và đoàn thể {title}", "party-office"),
                  (f"Cơ quan chính quyền {title}", "government"), (f"Trường THCS {place}", "school"),
                  (f"Trường Tiểu học {place}", "school"), (f"Trạm Y tế {title}", "health"),
                  *[(f"{hamlet} {h}", "hamlet") for h in _place_names(rng, count)]]
        _fill(commune, [sizes.pop() for _ in range(count)], rng, bodies=bodies, cell_share=0.5)
    assert not sizes
    return province


@transaction.atomic
def create_units(plans: list[UnitPlan]) -> None:
    """Write the units (parents before children) with the rows `tree.create_organization`
    writes for each: the Organization with its path and depth, one open period and one
    "created" change. Ids come from the table's sequence, so paths are known before insert."""
    levels = {lv.code: lv for lv in OrgLevel.objects.all()}
    orgs = []
    for plan, pk in zip(plans, next_ids("portal_organization", len(plans)), strict=True):
        parent_plan = plan.formerly_under or plan.parent
        parent = parent_plan.org if parent_plan else None
        plan.org = Organization(
            id=pk, code=plan.code, name=plan.name, level=levels[plan.level], parent=parent,
            path=tree.path_for(parent, pk), depth=parent.depth + 1 if parent else 0,
            established_on=plan.established_on, sort_order=plan.sort_order, active=True,
        )
        orgs.append(plan.org)
    Organization.objects.bulk_create(orgs, batch_size=BATCH)
    OrganizationPeriod.objects.bulk_create(
        [OrganizationPeriod(organization=o, parent=o.parent, name=o.name, level=o.level, path=o.path,
                            valid_from=o.established_on) for o in orgs], batch_size=BATCH)
    OrganizationChange.objects.bulk_create(
        [OrganizationChange(kind=OrganizationChange.Kind.CREATED, organization=o, effective_on=o.established_on,
                            decision_number=plan.decision_number, new_parent=o.parent, new_name=o.name)
         for plan, o in zip(plans, orgs, strict=True)], batch_size=BATCH)


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


class Catalogues:
    """The catalogue rows the generator refers to, by code, read once."""

    def __init__(self):
        self.status = {s.code: s for s in PartyStatus.objects.all()}
        self.ethnicity = {e.code: e for e in Ethnicity.objects.all()}
        self.theory = {t.code: t for t in TheoryLevel.objects.all()}
        self.role = {r.code: r for r in PositionRole.objects.all()}
        self.staff = {r.code: r for r in StaffRole.objects.all()}


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return list(values), list(weights)


@dataclass
class PeoplePlan:
    """What the later steps need of the people, a few values each (a million people as Person
    instances would take gigabytes): the generator's state before their draws, to draw them
    again when they are written; in the order drawn, the day each became chính thức if that is
    his status today (None otherwise) and, once written, his id."""

    state: tuple
    official_on: list[datetime.date | None]
    by_cell: dict[int, list[int]]  # id(UnitPlan) -> indexes into official_on
    status_changes: int
    pks: array.array = field(default_factory=lambda: array.array("q"))


def plan_people(rng: random.Random, province: UnitPlan, cat: Catalogues, today: datetime.date,
                taken_cards: set[str]) -> PeoplePlan:
    """Draw everyone who sinh hoạt in a chi bộ (`draw_people`), keeping only what the positions
    are chosen by; `write_people` draws them again from the same state and writes them."""
    state = rng.getstate()
    official_on, by_cell, changes = [], {}, 0
    for cell, person, steps in draw_people(rng, province, cat, today, taken_cards):
        by_cell.setdefault(id(cell), []).append(len(official_on))
        official_on.append(person["official_on"] if steps[-1][0] == "chinh-thuc" else None)
        changes += len(steps)
    return PeoplePlan(state=state, official_on=official_on, by_cell=by_cell, status_changes=changes)


def draw_people(rng: random.Random, province: UnitPlan, cat: Catalogues, today: datetime.date,
                taken_cards: set[str]) -> Iterator[tuple[UnitPlan, dict, list[tuple[str, datetime.date]]]]:
    """Everyone who sinh hoạt in a chi bộ: members (chính thức, dự bị, miễn sinh hoạt) and
    some quần chúng being prepared for admission, with dates that agree with each other. One
    at a time, cell by cell: his cell, his Person fields and his status history as (status
    code, from) in order."""
    family, family_w = _weighted(FAMILY_NAMES)
    male_mid, male_mid_w = _weighted(MALE_MIDDLE)
    female_mid, female_mid_w = _weighted(FEMALE_MIDDLE)
    groups = [(name, MINORITY_SHARE.get(name, TRACE_SHARE)) for name in ETHNIC_GROUPS if name != "Kinh"]
    groups.append(("Kinh", 1000 - sum(w for _, w in groups)))
    eth_names, eth_w = _weighted(groups)
    eth_by_name = {name: cat.ethnicity[ethnicity_code(name)] for name in ETHNIC_GROUPS}
    theory = {group: _weighted(pairs) for group, pairs in THEORY.items()}
    education = {group: _weighted(pairs) for group, pairs in EDUCATION.items()}
    status = cat.status

    cells = province.cells()
    total = sum(c.size for c in cells)
    cards = iter(c for c in (f"{n:08d}" for n in rng.sample(range(10_000_000, 100_000_000), total + len(taken_cards)))
                 if c not in taken_cards)
    for cell in cells:
        kind = cell.kind
        for _member in range(cell.size):
            female = rng.random() < FEMALE_SHARE[kind]
            ethnic = rng.choices(eth_names, eth_w)[0]
            surname = rng.choice(MINORITY_FAMILY_NAMES[ethnic]) if ethnic in MINORITY_FAMILY_NAMES and rng.random() < 0.8 \
                else rng.choices(family, family_w)[0]
            if female:
                middle = rng.choices(female_mid, female_mid_w)[0]
                given = rng.choice(FEMALE_GIVEN)
                if middle == "Thị" and rng.random() < 0.25:  # "Nguyễn Thị Thu Hà"
                    middle += " " + rng.choice(["Thu", "Ngọc", "Kim", "Thanh", "Mỹ", "Hồng"])
            else:
                middle = rng.choices(male_mid, male_mid_w)[0]
                given = rng.choice(MALE_GIVEN)
            # Working age in offices and the forces; in the ấp, retirees too, up to 75.
            young, old, usual = (18, 75, 55) if kind == "hamlet" else (20, 58, 35)
            age_days = rng.triangular(young * 365.25, old * 365.25 + 300, usual * 365.25)
            birth = _day(today, -age_days)
            adult = add_years(birth, 18)
            roll = rng.random()
            steps: list[tuple[str, datetime.date]] = []
            card = admitted = official = None
            if roll < 0.03:  # quần chúng: an admission candidate, recorded in the cell
                age_days = rng.uniform(18.2 * 365.25, 35 * 365.25)
                birth = _day(today, -age_days)
                steps.append(("quan-chung", _day(today, -rng.uniform(30, 700))))
            elif roll < 0.07 or adult > _day(today, -400):  # dự bị: admitted within the last twelve months
                admitted = _day(today, -rng.uniform(1, 364))
                birth = min(birth, _day(admitted, -rng.uniform(18.1 * 365.25, 40 * 365.25)))
                steps.append(("du-bi", admitted))
            else:
                latest = min(_day(today, -366), add_years(birth, 50))
                span = (latest - adult).days
                admitted = _day(adult, rng.triangular(1, span, min(span, 6 * 365)))
                official = official_date(admitted)
                card = next(cards)
                steps += [("du-bi", admitted), ("chinh-thuc", official)]
                seventy = add_years(birth, 70)
                if seventy < today and rng.random() < 0.6:  # members past 70 may be excused from meetings
                    steps.append(("mien-sinh-hoat", _day(max(seventy, official), rng.uniform(1, (today - max(seventy, official)).days))))
            theory_codes, theory_w = theory[GROUP[kind]]
            level = rng.choices(theory_codes, theory_w)[0] if admitted else None
            edu_values, edu_w = education[GROUP[kind]]
            job = rng.choice(JOBS[kind])
            if kind == "hamlet" and age_days > 61 * 365.25:
                job = "Hưu trí"
            yield cell, dict(
                full_name=f"{surname} {middle} {given}", gender=Person.Gender.FEMALE if female else Person.Gender.MALE,
                birth_date=birth, ethnicity=eth_by_name[ethnic], party_status=status[steps[-1][0]],
                party_status_since=steps[-1][1], party_card_number=card, admitted_on=admitted, official_on=official,
                organization=cell.org, education=rng.choices(edu_values, edu_w)[0],
                theory_level=cat.theory[level] if level else None,
                job_title=f"{job}, {cell.workplace}" if cell.workplace else job,
            ), steps


def write_people(rng: random.Random, plan: PeoplePlan, province: UnitPlan, cat: Catalogues,
                 today: datetime.date, taken_cards: set[str], theory: dict[int, TheoryLevel]) -> None:
    """Draw the people of `plan` again and write them with their status history by COPY,
    PEOPLE_CHUNK at a time, so memory holds one chunk whatever their number; their ids go to
    `plan.pks`. `theory` sets the theory level of some of them (by index: the bí thư of a đảng
    bộ). The generator is left in the state it was given in."""
    after = rng.getstate()
    rng.setstate(plan.state)
    people, history = [], []
    for _cell, fields, steps in draw_people(rng, province, cat, today, taken_cards):
        index = len(plan.pks) + len(people)
        if index in theory:
            fields["theory_level"] = theory[index]
        people.append(Person(**fields))
        history.append(steps)
        if len(people) == PEOPLE_CHUNK:
            _write_people_chunk(people, history, plan, cat)
            people, history = [], []
    _write_people_chunk(people, history, plan, cat)
    rng.setstate(after)


def _write_people_chunk(people: list[Person], history: list[list[tuple[str, datetime.date]]], plan: PeoplePlan,
                        cat: Catalogues) -> None:
    for person in people:
        person.refresh_derived_names()
    copy_objects(people)
    copy_objects([PartyStatusChange(person=person, status=cat.status[code], effective_on=since)
                  for person, steps in zip(people, history, strict=True) for code, since in steps])
    plan.pks.extend(person.pk for person in people)


# ---------------------------------------------------------------------------
# Positions
# ---------------------------------------------------------------------------

# The 2025-2030 term: congresses from the chi bộ up to the province, spring to autumn 2025.
TERM_START = {"chi-bo-truc-thuoc": datetime.date(2025, 4, 10), "chi-bo-co-so": datetime.date(2025, 4, 20),
              "dang-bo-co-so": datetime.date(2025, 5, 20), "dang-bo-truc-thuoc": datetime.date(2025, 7, 25),
              "dang-bo-tinh": datetime.date(2025, 10, 15)}
# (role, how many) per level; the committee of a chi bộ with nine members or more has three to five.
COMMITTEES = {
    "dang-bo-tinh": [("bi-thu", 1), ("pho-bi-thu", 3), ("uv-ban-thuong-vu", 11), ("cap-uy-vien", 35),
                     ("chu-nhiem-ubkt", 1), ("uy-vien-ubkt", 8)],
    "dang-bo-truc-thuoc": [("bi-thu", 1), ("pho-bi-thu", 2), ("uv-ban-thuong-vu", 5), ("cap-uy-vien", 12),
                           ("chu-nhiem-ubkt", 1), ("uy-vien-ubkt", 4)],
    "dang-bo-co-so": [("bi-thu", 1), ("pho-bi-thu", 1), ("cap-uy-vien", 5), ("chu-nhiem-ubkt", 1),
                      ("uy-vien-ubkt", 2)],
}
LEADER_THEORY = {"dang-bo-tinh": "cao-cap", "dang-bo-truc-thuoc": "cao-cap", "dang-bo-huyen": "cao-cap",
                 "dang-bo-co-so": "trung-cap"}


class PlannedPosition(NamedTuple):
    person: int  # index into PeoplePlan.official_on
    unit: UnitPlan
    role: str  # PositionRole.code
    started_on: datetime.date
    ended_on: datetime.date | None = None


def plan_positions(rng: random.Random, province: UnitPlan, people: PeoplePlan, cat: Catalogues,
                   exclude: set[int]) -> tuple[list[PlannedPosition], dict[int, TheoryLevel]]:
    """Bí thư and phó bí thư in every unit, the committees and UBKT of the đảng bộ, chosen
    among chính thức members of the unit's subtree who were official before the term began.
    People in `exclude` hold nothing beyond their own chi bộ. Also the theory level the bí
    thư of a đảng bộ has (by person index), which `write_people` gives them."""
    positions, theory = [], {}

    def eligible(index: int, start: datetime.date) -> bool:
        official_on = people.official_on[index]
        return official_on is not None and official_on < start

    for unit in province.walk():
        start = TERM_START[unit.level]
        if unit.size:
            candidates = [i for i in people.by_cell[id(unit)] if eligible(i, start)]
            roles = [("bi-thu", 1), ("pho-bi-thu", 1)]
            if unit.size >= 9:
                roles.append(("cap-uy-vien", rng.randint(1, 3)))
            chosen = rng.sample(candidates, min(len(candidates), sum(n for _, n in roles)))
        else:
            cells = unit.cells()
            wanted = sum(n for _, n in COMMITTEES[unit.level])
            seen, chosen = set(), []
            for _attempt in range(wanted * 6):
                if len(chosen) == wanted:
                    break
                i = rng.choice(people.by_cell[id(rng.choice(cells))])
                if i not in seen and i not in exclude and eligible(i, start):
                    seen.add(i)
                    chosen.append(i)
            roles = COMMITTEES[unit.level]
        holders = iter(chosen)
        for role, count in roles:
            for _seat in range(count):
                index = next(holders, None)
                if index is None:
                    break
                if role == "bi-thu" and not unit.size:
                    theory[index] = cat.theory[LEADER_THEORY[unit.level]]
                positions.append(PlannedPosition(index, unit, role, _day(start, rng.uniform(0, 20))))
    return positions, theory


def write_positions(positions: list[PlannedPosition], people: PeoplePlan, cat: Catalogues) -> None:
    """The positions, once their holders have ids; BATCH at a time."""
    for first in range(0, len(positions), BATCH):
        Position.objects.bulk_create([
            Position(person_id=people.pks[p.person], organization=p.unit.org, role=cat.role[p.role],
                     started_on=p.started_on, ended_on=p.ended_on) for p in positions[first:first + BATCH]])


# ---------------------------------------------------------------------------
# History: what the province lived through in the previous year and this one
# ---------------------------------------------------------------------------

REORGANISED_ON = datetime.date(2025, 7, 1)  # the district level ended (DOMAIN.md: the 2025 reorganisation)
DISTRICT_TERM_START = datetime.date(2020, 8, 20)  # the district committees' last term (2020-2025)
DISTRICT_EVERY = 12  # one former district per so many đảng bộ xã/phường, at least one
COMMUNES_PER_DISTRICT = 2  # đảng bộ xã/phường founded from each district's grassroots units
TRANSFER_SHARE = 0.002  # of the people, transferred in each year, once between chi bộ and once between đảng bộ
MIN_TRANSFERS = 3  # of each kind and year, so a small province has them too


@dataclass(eq=False)
class District:
    """A district đảng bộ (level dang-bo-huyen) that held, until REORGANISED_ON, the grassroots
    units of `communes`, the đảng bộ xã/phường founded that day. Not in the current tree."""

    plan: UnitPlan
    communes: list[UnitPlan]


class PlannedTransfer(NamedTuple):
    person: int  # index into PeoplePlan.official_on
    source: UnitPlan
    target: UnitPlan
    day: datetime.date  # his first day in `target`
    between_blocks: bool


@dataclass
class History:
    """What `reorganise` and `write_moves` did, for the command's summary and the tests."""

    districts: int = 0
    founded: int = 0  # đảng bộ xã/phường founded on REORGANISED_ON
    moved: int = 0  # grassroots units moved under them that day
    transfers: int = 0  # people transferred (chuyển sinh hoạt), the merger's and dissolution's included
    merged: str = ""  # code of the chi bộ merged into another
    dissolved: str = ""  # code of the chi bộ dissolved


def plan_districts(rng: random.Random, province: UnitPlan) -> list[District]:
    """The last đảng bộ xã/phường of the plan, two by two, become the communes founded on
    REORGANISED_ON from a district đảng bộ named after the first of them (as many new communes
    took the district's name); their grassroots units were that district's before."""
    communes = [unit for unit in province.children if unit.kind == "hamlet"]
    count = max(1, len(communes) // DISTRICT_EVERY) if communes else 0
    districts = []
    for number in range(1, count + 1):
        founded = communes[len(communes) - number * COMMUNES_PER_DISTRICT:][:COMMUNES_PER_DISTRICT]
        founded = founded or communes[-1:]
        if any(c.established_on == REORGANISED_ON for c in founded):
            break  # fewer communes than districts want
        place = founded[0].workplace.split(" ", 1)[1]
        title = "thị xã" if founded[0].workplace.startswith("phường") else "huyện"
        district = UnitPlan(code=f"H{number:02d}", name=f"Đảng bộ {title} {place}", level="dang-bo-huyen",
                            kind="hamlet", workplace=f"{title} {place}", established_on=datetime.date(2012, 1, 1),
                            decision_number=f"{120 + number}-QĐ/TU", sort_order=len(province.children) + number)
        district.parent = province
        for commune in founded:
            commune.established_on = REORGANISED_ON
            commune.decision_number = f"{1200 + rng.randint(1, 99)}-QĐ/TU"
            for unit in commune.children:
                unit.formerly_under = district
        districts.append(District(district, founded))
    return districts


def units_before(province: UnitPlan, districts: list[District]) -> list[UnitPlan]:
    """The units as they stood before the reorganisation, parents before children: the
    communes founded then are left out, their grassroots units come under the districts."""
    founded = {id(c) for d in districts for c in d.communes}

    def walk(unit: UnitPlan) -> Iterator[UnitPlan]:
        yield unit
        for child in unit.children:
            if id(child) not in founded:
                yield from walk(child)

    units = list(walk(province))
    for district in districts:
        units.append(district.plan)
        units += [u for commune in district.communes for child in commune.children for u in child.walk()]
    return units


def plan_district_positions(rng: random.Random, districts: list[District], people: PeoplePlan,
                            exclude: set[int]) -> list[PlannedPosition]:
    """Each district's bí thư and phó bí thư of its last term, which ended with it."""
    positions = []
    for district in districts:
        cells = [cell for commune in district.communes for cell in commune.cells()]
        pool = [i for cell in cells for i in people.by_cell[id(cell)]
                if i not in exclude and people.official_on[i] and people.official_on[i] < DISTRICT_TERM_START]
        for role, index in zip(["bi-thu", "pho-bi-thu", "pho-bi-thu"], rng.sample(pool, min(3, len(pool))),
                               strict=False):
            positions.append(PlannedPosition(index, district.plan, role, _day(DISTRICT_TERM_START, rng.uniform(0, 15)),
                                             ended_on=REORGANISED_ON - datetime.timedelta(days=1)))
    return positions


def _blocks_of_cells(province: UnitPlan, leave_out: set[int]) -> dict[int, list[UnitPlan]]:
    """The chi bộ of each đảng bộ trực thuộc (by id of its plan), but those in `leave_out`."""
    return {id(block): [cell for cell in block.cells() if id(cell) not in leave_out] for block in province.children}


def pick_merger(province: UnitPlan, demo_cell: UnitPlan,
                districts: list[District]) -> tuple[UnitPlan, UnitPlan, UnitPlan] | None:
    """(merged, absorbing, dissolved): three chi bộ trực thuộc of one đảng bộ cơ sở of the
    blocks, not the demo accounts' and not one moved in the reorganisation; the first such
    in the tree. None if the province has no đảng bộ cơ sở with three chi bộ."""
    moved = {id(c) for d in districts for c in d.communes}
    for block in province.children:
        if id(block) in moved:
            continue
        for unit in block.children:
            cells = [c for c in unit.children if c.level == "chi-bo-truc-thuoc"]
            if len(cells) >= 3 and demo_cell not in cells:
                return cells[-1], cells[-2], cells[0]
    return None


def plan_transfers(rng: random.Random, province: UnitPlan, people: PeoplePlan, today: datetime.date,
                   holders: set[int], leave_out: set[int]) -> list[PlannedTransfer]:
    """Chuyển sinh hoạt đảng in the previous year and this one: members (chính thức before the
    day) who hold no position, each moved once, between two chi bộ of one đảng bộ trực thuộc
    or between two đảng bộ trực thuộc, on a working day. Chi bộ in `leave_out` (the demo
    accounts', the merged and dissolved ones) neither send nor receive."""
    by_block = _blocks_of_cells(province, leave_out)
    blocks = [block for block in province.children if by_block[id(block)]]
    total = sum(len(people.by_cell[id(cell)]) for cells in by_block.values() for cell in cells)
    wanted = max(MIN_TRANSFERS, round(total * TRANSFER_SHARE))
    moved, transfers = set(), []
    for year in (today.year - 1, today.year):
        first, last = datetime.date(year, 1, 10), min(datetime.date(year, 12, 20), today - datetime.timedelta(days=5))
        if last <= first:
            continue
        for between_blocks in (False, True):
            made = 0
            for _attempt in range(wanted * 50):
                if made == wanted:
                    break
                block = rng.choice(blocks)
                cells = by_block[id(block)]
                source = rng.choice(cells)
                if between_blocks:
                    others = [b for b in blocks if b is not block]
                    target = rng.choice(by_block[id(rng.choice(others))]) if others else None
                else:
                    target = rng.choice(cells) if len(cells) > 1 else None
                index = rng.choice(people.by_cell[id(source)])
                day = _day(first, rng.uniform(0, (last - first).days))
                while day.weekday() >= 5:
                    day -= datetime.timedelta(days=1)
                official = people.official_on[index]
                if target is None or target is source or index in moved or index in holders or official is None \
                        or official >= day:
                    continue
                moved.add(index)
                transfers.append(PlannedTransfer(index, source, target, day, between_blocks))
                made += 1
    return transfers


def reorganise(province: UnitPlan, districts: list[District]) -> History:
    """The reorganisation of REORGANISED_ON, by portal.tree's dated decisions, on the units
    as `create_units` wrote them (`units_before`): the đảng bộ xã/phường founded, the district's
    grassroots units moved under them, the district dissolved."""
    levels = {lv.code: lv for lv in OrgLevel.objects.all()}
    history = History(districts=len(districts))
    for district in districts:
        for commune in district.communes:
            commune.org = tree.create_organization(
                code=commune.code, name=commune.name, level=levels[commune.level], parent=province.org,
                established_on=REORGANISED_ON, decision_number=commune.decision_number, sort_order=commune.sort_order)
            history.founded += 1
            for unit in commune.children:
                tree.move_organization(unit.org, new_parent=commune.org, effective_on=REORGANISED_ON,
                                       decision_number=commune.decision_number)
                history.moved += 1
        tree.dissolve_organization(district.plan.org, effective_on=REORGANISED_ON,
                                   decision_number=district.communes[0].decision_number)
    return history


def write_moves(rng: random.Random, history: History, people: PeoplePlan, transfers: list[PlannedTransfer],
                merger: tuple[UnitPlan, UnitPlan, UnitPlan] | None, today: datetime.date) -> None:
    """The people's moves, on people written where they were at the start of the previous
    year: the merger (portal.tree), the transfers, the dissolution (its members transferred
    that day, then portal.tree). Transfers as portal.services.transfer_person records them (a
    Transfer, the person's new unit), in bulk."""
    moves: list[tuple[int, Organization, Organization, datetime.date, str, str]] = [
        (people.pks[t.person], t.source.org, t.target.org, t.day, Transfer.Kind.PERMANENT,
         f"{rng.randint(10, 999)}-GGT/{'TU' if t.between_blocks else 'ĐU'}") for t in transfers]
    if merger:
        merged, absorbing, dissolved = merger
        merged_on = datetime.date(today.year - 1, 10, 1)
        _end_positions(merged.org, merged_on)
        history.transfers += Person.objects.filter(organization=merged.org).count()
        tree.merge_organizations([merged.org], into=absorbing.org, effective_on=merged_on,
                                 decision_number=f"{rng.randint(10, 99)}-QĐ/ĐU")
        history.merged = merged.code
        dissolved_on = min(datetime.date(today.year, 4, 1), today - datetime.timedelta(days=7))
        siblings = [c for c in dissolved.parent.children if c.level == "chi-bo-truc-thuoc" and c not in merger[::2]]
        decision = f"{rng.randint(10, 99)}-QĐ/ĐU"
        moves += [(person_id, dissolved.org, siblings[n % len(siblings)].org, dissolved_on, Transfer.Kind.REORGANISED,
                   decision) for n, person_id in enumerate(people.pks[i] for i in people.by_cell[id(dissolved)])]
    _transfer(sorted(moves, key=lambda move: move[3]))
    history.transfers += len(moves)
    if merger:
        _end_positions(dissolved.org, dissolved_on)
        tree.dissolve_organization(dissolved.org, effective_on=dissolved_on, decision_number=decision)
        history.dissolved = dissolved.code


def _end_positions(unit: Organization, ended_on: datetime.date) -> None:
    """Positions held in a unit that ends on `ended_on` end the day before."""
    Position.objects.filter(organization=unit, ended_on__isnull=True).update(
        ended_on=ended_on - datetime.timedelta(days=1))


def _transfer(moves: list[tuple[int, Organization, Organization, datetime.date, str, str]]) -> None:
    """The rows `portal.services.transfer_person` writes for each move, in bulk: the Transfer,
    then the person's unit (each person moves once here, so his last move is his unit)."""
    Transfer.objects.bulk_create([
        Transfer(person_id=person_id, from_organization=source, to_organization=target, transferred_on=day, kind=kind,
                 decision_number=decision) for person_id, source, target, day, kind, decision in moves],
        batch_size=BATCH)
    by_target = {}
    for person_id, _source, target, *_rest in moves:
        by_target.setdefault(target.pk, []).append(person_id)
    for target_id, person_ids in by_target.items():
        Person.objects.filter(pk__in=person_ids).update(organization_id=target_id, updated_at=timezone.now())


# ---------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------


@dataclass
class Account:
    username: str
    description: str
    units: list[Organization]


def _demo_units(province: UnitPlan) -> tuple[UnitPlan, UnitPlan]:
    """The đảng bộ trực thuộc of the `daotao` grant and, inside it, the chi bộ trực thuộc of
    `bithu` and `dangvien`."""
    block = province.children[0]
    cell = next(u for u in block.walk() if u.level == "chi-bo-truc-thuoc")
    return block, cell


def demo_password(given: str | None = None) -> tuple[str, str]:
    """The password and where it came from."""
    if given:
        return given, "--password"
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"], "DEMO_PASSWORD"
    return DEFAULT_PASSWORD, "default"


def ensure_accounts(*, password: str, block: Organization, cell: Organization, secretary: Person | None,
                    member: Person | None, cat: Catalogues) -> None:
    """Create the five demo accounts that do not exist yet; existing ones are left as they are."""
    User = get_user_model()

    def user(username: str, **flags):
        account, created = User.objects.get_or_create(username=username, defaults=flags)
        if created:
            account.set_password(password)
            account.save(update_fields=["password"])
        return account, created

    user("admin", is_staff=True, is_superuser=True)
    grants = [("tuyengiao", Organization.objects.get(code=PROVINCE_CODE)), ("daotao", block)]
    for username, unit in grants:
        account, created = user(username)
        if created:
            Grant.objects.create(user=account, organization=unit, role=cat.staff[username],
                                 started_on=datetime.date(2025, 1, 2))
    for username, person in [("bithu", secretary), ("dangvien", member)]:
        if person is None or person.user_id:
            continue
        account, created = user(username)
        if created:
            Person.objects.filter(pk=person.pk).update(user=account)


def describe_accounts() -> list[Account]:
    """What each demo account reaches, read from the database (so it is right on a second run too)."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_USERNAMES)
             .select_related("person__organization__parent", "person__party_status")}
    accounts = []
    for username in DEMO_USERNAMES:
        user = users.get(username)
        if user is None:
            continue
        grants = Grant.objects.current().filter(user=user).select_related("organization__parent", "role")
        positions = Position.objects.current().filter(person__user=user).select_related("organization__parent", "role")
        person = getattr(user, "person", None)
        parts, units = [], []
        if user.is_superuser:
            parts.append(_("quản trị toàn hệ thống"))
        for held in [*grants, *positions]:
            parts.append(_("%(role)s tại %(code)s") % {"role": held.role.name, "code": held.organization.code})
            units.append(held.organization)
        if person is not None and not units:
            parts.append(_("%(status)s tại %(code)s") % {"status": person.party_status.name,
                                                          "code": person.organization.code})
            units.append(person.organization)
        accounts.append(Account(username, "; ".join(parts), units))
    return accounts


# ---------------------------------------------------------------------------
# The whole province
# ---------------------------------------------------------------------------


@dataclass
class SeedResult:
    created: bool
    units: int = 0
    people: int = 0
    status_changes: int = 0
    positions: int = 0
    history: History = field(default_factory=History)

    def history_summary(self) -> str:
        """The province's history in one line, for the command's output."""
        h = self.history
        return _("Lịch sử: %(districts)s đảng bộ huyện giải thể ngày %(day)s, %(moved)s tổ chức cơ sở đảng "
                 "chuyển về %(founded)s đảng bộ xã, phường thành lập cùng ngày; %(transfers)s lượt chuyển sinh "
                 "hoạt đảng; %(merged)s chi bộ sáp nhập, %(dissolved)s chi bộ giải thể.") % {
            "districts": h.districts, "day": date_format(REORGANISED_ON, "SHORT_DATE_FORMAT"),
            "moved": number_format(h.moved, force_grouping=True), "founded": h.founded,
            "transfers": number_format(h.transfers, force_grouping=True), "merged": int(bool(h.merged)),
            "dissolved": int(bool(h.dissolved))}


@contextlib.contextmanager
def seeding():
    """The whole seed (the province, then the further steps) as one transaction: a seed
    stopped half way leaves nothing, and the next one starts over. A new province writes
    millions of row-history rows (one per attendance mark); portal_rowhistory's indexes are
    then built once at the end instead of kept up to date row by row, which halves the time
    of those inserts and locks the table until commit (`make run` seeds before it serves).
    Then VACUUM (ANALYZE), which cannot run inside the transaction: statistics for the
    planner and the visibility map for index-only counts."""
    fresh = not Organization.objects.filter(code=PROVINCE_CODE).exists()
    with acting_as(context="seed_demo"), transaction.atomic():
        with without_indexes("portal_rowhistory") if fresh else contextlib.nullcontext():
            yield
    if fresh:
        refresh_statistics([])


def seed_province(*, members: int = DEFAULT_MEMBERS, password: str = DEFAULT_PASSWORD, seed: int = SEED,
                  today: datetime.date | None = None) -> SeedResult:
    """Generate the province unless one with code TINH exists; make the missing demo accounts."""
    if members < MIN_MEMBERS:
        raise ValueError(f"members must be at least {MIN_MEMBERS}")
    today = today or timezone.localdate()
    with acting_as(context="seed_demo"), transaction.atomic():
        cat = Catalogues()
        if Organization.objects.filter(code=PROVINCE_CODE).exists():
            _ensure_accounts_for_existing(password, cat)
            return SeedResult(created=False)
        rng = random.Random(seed)
        past = random.Random(f"{seed}:history")  # its own draws: the province is the same with or without it
        province = plan_tree(rng, members)
        districts = plan_districts(past, province)
        plans = units_before(province, districts)
        codes = [p.code for p in plans] + [c.code for d in districts for c in d.communes]
        clashes = list(Organization.objects.filter(code__in=codes).values_list("code", flat=True)[:5])
        if clashes:
            raise ValueError(f"unit codes already used: {', '.join(clashes)}")
        create_units(plans)
        history = reorganise(province, districts)
        taken = set(Person.objects.exclude(party_card_number=None).values_list("party_card_number", flat=True))
        people = plan_people(rng, province, cat, today, taken)
        block, cell = _demo_units(province)
        in_cell = people.by_cell[id(cell)]
        positions, theory = plan_positions(rng, province, people, cat, exclude=set(in_cell))
        holders = {p.person for p in positions}
        positions += plan_district_positions(past, districts, people, exclude=set(in_cell) | holders)
        theory.update({p.person: cat.theory[LEADER_THEORY[p.unit.level]] for p in positions
                       if p.unit.level == "dang-bo-huyen" and p.role == "bi-thu"})
        holders = {p.person for p in positions}
        with bulk_load("portal_person"), bulk_load("portal_partystatuschange"):
            write_people(rng, people, province, cat, today, taken, theory)
        write_positions(positions, people, cat)
        merger = pick_merger(province, cell, districts)
        leave_out = {id(cell), *(id(c) for c in merger or ())}
        transfers = plan_transfers(past, province, people, today, holders, leave_out)
        write_moves(past, history, people, transfers, merger, today)
        secretary = next(p.person for p in positions if p.unit is cell and p.role == "bi-thu")
        member = next(i for i in in_cell if i not in holders and people.official_on[i] is not None)
        demo_people = Person.objects.in_bulk([people.pks[secretary], people.pks[member]])
        ensure_accounts(password=password, block=block.org, cell=cell.org, secretary=demo_people[people.pks[secretary]],
                        member=demo_people[people.pks[member]], cat=cat)
    refresh_statistics()
    return SeedResult(created=True, units=len(plans) + history.founded, people=len(people.pks),
                      status_changes=people.status_changes, positions=len(positions), history=history)


SEEDED_TABLES = ["portal_organization", "portal_organizationperiod", "portal_organizationchange", "portal_person",
                 "portal_partystatuschange", "portal_position", "portal_transfer", "portal_rowhistory"]


def refresh_statistics(tables: list[str] = SEEDED_TABLES) -> None:
    """Tell the planner about the rows just loaded: until autovacuum comes round, it would
    take the tables for nearly empty and pick nested loops over 100,000 people (the people
    list took 320 ms instead of 3 ms). VACUUM also sets the visibility map, so counts can
    use index-only scans; it cannot run inside a transaction (tests), ANALYZE can."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {', '.join(tables)}")  # no tables: all of the database's


@dataclass
class StepResult:
    """What a further demo step wrote: a line for the command's output, the tables it filled."""

    summary: str
    tables: list[str]


def seed_further_steps(*, seed: int = SEED, today: datetime.date | None = None) -> list[str]:
    """The domain apps' demo data, after the province: each dotted path of
    settings.DEMO_DATA_STEPS names `step(province, today, rng) -> StepResult | None`, which
    writes its data unless there is some already (then None). The summaries of what was written."""
    province = Organization.objects.filter(code=PROVINCE_CODE).first()
    if province is None:
        return []
    today = today or timezone.localdate()
    summaries = []
    for path in settings.DEMO_DATA_STEPS:
        with acting_as(context="seed_demo"), transaction.atomic():
            result = import_string(path)(province, today, random.Random(f"{seed}:{path}"))
        if result is not None:
            summaries.append(result.summary)
            refresh_statistics(result.tables)  # the next step's queries read them
    return summaries


def _ensure_accounts_for_existing(password: str, cat: Catalogues) -> None:
    """On a second run: recreate only the accounts that went missing, from the units they
    belong to (the first block and its first chi bộ trực thuộc, as generated)."""
    province = Organization.objects.get(code=PROVINCE_CODE)
    block = Organization.objects.filter(parent=province).order_by("sort_order", "id").first()
    if block is None:
        return
    cell = Organization.objects.filter(path__startswith=block.path, level__code="chi-bo-truc-thuoc") \
        .order_by("path").first()
    secretary = member = None
    if cell is not None:
        bi_thu = Position.objects.current().filter(organization=cell, role__code="bi-thu").select_related("person")
        secretary = bi_thu[0].person if bi_thu else None
        member = (Person.objects.filter(organization=cell, party_status__code="chinh-thuc", positions=None)
                  .order_by("id").first())
    ensure_accounts(password=password, block=block, cell=cell, secretary=secretary, member=member, cat=cat)
