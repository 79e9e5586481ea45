"""Demo study data for `seed_demo` (DESIGN.md §5; issue 4): the chuyên đề of the term and
of the last two years, the documents the seeds cite, two province-wide study campaigns
(one closed last year, one running now) and, for the previous calendar year in full and
the current one up to today, every chi bộ's monthly and quarterly meetings and campaign
sessions with attendance, and everyone's commitments.

`seed_demo` calls `seed_study` through settings.DEMO_DATA_STEPS (portal imports no domain
app). The data are Vietnamese whatever the command's language (only its summary line is
translated). Everything is planned in Python with the generator it is given and written
in bulk (`portal.bulk.bulk_load`), a chunk at a time so memory does not grow with the province: ids
are taken from the sequences first, rows go in with COPY, members are read by pages, and
attendance (about 1.7 million rows a year at 100,000 members) is one INSERT … SELECT per
batch of sessions whose draws are hashes of (session, person) seeded from the generator.
Every row still gets its row history. Only expected people get an attendance row, by the
sessions area's rule: a party status that expects them at meetings, and admitted on or
before the session's day; and only in the unit they were in that day (portal.asof's rule,
from the transfers the province step recorded): a chi bộ merged or dissolved meets until
the day before, its members attend their new chi bộ's meetings afterwards.
"""

import datetime
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal.audit import PastEvent
from portal.bulk import bulk_load, copy_rows, next_ids
from portal.demo import StepResult
from portal.models import Organization, Person, Position
from resolutions.models import (
    Attendance,
    Audience,
    Commitment,
    Document,
    DocumentKind,
    RatingLevel,
    StudyCampaign,
    StudySession,
    Theme,
)

Status = Attendance.Status
Kind = StudySession.Kind

TERM_TITLE = ("Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về ý chí tự lực, tự cường và "
              "khát vọng phát triển đất nước phồn vinh, hạnh phúc")
TERM = "XIII (2021–2026)"
TERM_SUMMARY = (
    "Ba nội dung cơ bản: (1) những nội dung cơ bản của tư tưởng, đạo đức, phong cách Hồ Chí Minh về ý chí tự lực, "
    "tự cường và khát vọng phát triển đất nước phồn vinh, hạnh phúc; (2) ý nghĩa lý luận, thực tiễn; (3) một số "
    "giải pháp đẩy mạnh học tập và làm theo, nâng cao trách nhiệm nêu gương của cán bộ, đảng viên, nhất là người "
    "đứng đầu. Học tập, quán triệt đến cán bộ chủ chốt và cán bộ, đảng viên hoàn thành trong quý III năm 2021.")
# Yearly themes, picked by year so a demo made any year has two different ones.
YEAR_THEMES = [
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về xây dựng Đảng trong sạch, vững mạnh, "
    "tổ chức bộ máy tinh gọn, hoạt động hiệu lực, hiệu quả",
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về phát huy khát vọng phát triển, "
    "đổi mới sáng tạo, đưa đất nước vững bước vào kỷ nguyên mới",
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về nâng cao đạo đức công vụ, "
    "gần dân, trọng dân, vì Nhân dân phục vụ",
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về tăng cường khối đại đoàn kết toàn dân tộc, "
    "phát huy sức mạnh tự lực, tự cường",
]


@dataclass(frozen=True)
class SeedDocument:
    key: str
    kind: str  # DocumentKind.code
    number_symbol: str
    issuing_body: str
    issued_on: datetime.date
    title: str
    summary: str
    themes: tuple[str, ...] = ()  # "term", "last", "this"
    addressed_to: tuple[str, ...] = ()  # names of the unit it is addressed to, best first; () for the province


# As the seeds (shared/seeds) cite them; dates the seeds leave out are the documents' own.
DOCUMENTS = [
    SeedDocument("ct05", "CT", "05-CT/TW", "Bộ Chính trị", datetime.date(2016, 5, 15),
                 "Về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
                 "Đưa việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh thành nội dung sinh hoạt "
                 "thường xuyên, định kỳ của chi bộ, gắn với Nghị quyết Trung ương 4 (khóa XI, XII); kết quả thực "
                 "hiện là tiêu chuẩn đánh giá, phân loại đảng viên, tổ chức đảng hằng năm.", ("term",)),
    SeedDocument("nq35", "NQ", "35-NQ/TW", "Bộ Chính trị", datetime.date(2018, 10, 22),
                 "Tăng cường bảo vệ nền tảng tư tưởng của Đảng, đấu tranh phản bác các quan điểm sai trái, thù địch",
                 "Thông tin đúng, đủ, kịp thời những vấn đề nhạy cảm, nổi cộm, tạo sự đồng thuận, đoàn kết trong "
                 "Đảng bộ; kiên quyết đấu tranh, phản bác các quan điểm sai trái, thù địch, xuyên tạc nghị quyết."),
    SeedDocument("kl01", "KL", "01-KL/TW", "Bộ Chính trị", datetime.date(2021, 5, 18),
                 "Về tiếp tục thực hiện Chỉ thị 05-CT/TW của Bộ Chính trị về đẩy mạnh học tập và làm theo tư tưởng, "
                 "đạo đức, phong cách Hồ Chí Minh",
                 "Kết quả thực hiện chuyên đề toàn khóa, chuyên đề hằng năm là một nội dung của báo cáo hằng năm, "
                 "sơ kết 3 năm và tổng kết 5 năm thực hiện Kết luận.", ("term", "last", "this")),
    SeedDocument("ct17", "CT", "17-CT/TU", "Ban Thường vụ Tỉnh ủy", datetime.date(2022, 2, 22),
                 "Đẩy mạnh đổi mới, nâng cao chất lượng hiệu quả đào tạo, bồi dưỡng và học tập nghiên cứu lý luận "
                 "chính trị, nghị quyết của Đảng",
                 "Khắc phục tình trạng lười học, ngại học lý luận chính trị, nghị quyết của Đảng; chỉ xem xét các "
                 "lớp có trong kế hoạch đã được cấp ủy phê duyệt; báo cáo kết quả trước ngày 22 tháng 02 hằng năm."),
    SeedDocument("kh195", "KH", "195-KH/ĐU", "Đảng ủy Văn phòng Ủy ban nhân dân tỉnh", datetime.date(2021, 8, 11),
                 "Về việc tiếp tục nâng cao chất lượng công tác giáo dục chính trị tư tưởng giai đoạn 2021-2025",
                 "Nâng cao trách nhiệm của cấp ủy, đảng viên và tổ chức đoàn thể đối với công tác giáo dục chính "
                 "trị, tư tưởng; bí thư cấp ủy trực tiếp quán triệt chỉ thị, nghị quyết của Đảng; khắc phục việc "
                 "ngại học tập lý luận chính trị.", addressed_to=("Văn phòng Ủy ban nhân dân tỉnh", "Ủy ban nhân dân tỉnh")),
    SeedDocument("cv434", "CV", "434-CV/BTGTU", "Ban Tuyên giáo Tỉnh ủy", datetime.date(2021, 4, 19),
                 "Về đăng ký cam kết thực hiện nghị quyết, chỉ thị, quy định của Đảng",
                 "Hướng dẫn cán bộ, công chức, viên chức, chiến sĩ, đoàn viên, hội viên viết bản cam kết tu dưỡng, "
                 "rèn luyện, phấn đấu thực hiện chuyên đề toàn khóa, chuyên đề hằng năm.", ("term",)),
    SeedDocument("ct27", "CT", "27/CT-TTg", "Thủ tướng Chính phủ", datetime.date(2016, 9, 8),
                 "Về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
                 "Các cơ quan, đơn vị quản lý nhà nước triển khai chuyên đề trong sinh hoạt định kỳ, gắn với "
                 "văn hóa công vụ và cải cách thủ tục hành chính."),
]

# Attendance draws: shares of the people of a cell, per session.
PRESENT_SHARE = (0.86, 0.95)  # a cell's usual share present (seed 001: 85–87% a year, above 95% at best)
CHRONIC_SHARE = 0.015  # members who are often away ("lười học", seed 000), so "remind" has people
CHRONIC_PRESENT = 0.35
CHRONIC_EXCUSED = 0.3  # of their absences: mostly without a reason
EXCUSED_OF_ABSENT = 0.72  # most absences come with a reason given beforehand
APOLOGY_OF_EXCUSED = 0.7  # of which sent before the meeting (xin vắng)
QR_OF_PRESENT = 0.35  # this year, members checking in from their phones
REASONS = ["Đi công tác", "Ốm, có đơn xin phép", "Việc gia đình", "Đi học tập trung", "Trực cơ quan",
           "Con nhỏ ốm", "Tham gia tập huấn của ngành", "Đưa người nhà đi khám bệnh", "Trực sẵn sàng chiến đấu",
           "Đi họp tại tỉnh"]
# Rows drawn, written and forgotten at a time, so memory stays the same whatever the province's size.
SESSION_CHUNK = 20_000
COMMITMENT_CHUNK = 20_000
MEMBERS_PAGE = 20_000

THEMATIC_TOPICS = [
    "Nêu gương của cán bộ, đảng viên trong học tập và làm theo Bác",
    "Ý chí tự lực, tự cường trong thực hiện nhiệm vụ chính trị của đơn vị",
    "Đạo đức công vụ, văn hóa công sở và tác phong làm việc",
    "Đấu tranh phản bác các quan điểm sai trái, thù địch trên không gian mạng",
    "Phòng, chống suy thoái tư tưởng chính trị, đạo đức, lối sống, “tự diễn biến”, “tự chuyển hóa”",
    "Xây dựng chi bộ trong sạch, vững mạnh; nâng cao chất lượng sinh hoạt chi bộ",
    "Đổi mới sáng tạo, cải cách hành chính, chuyển đổi số tại cơ quan, đơn vị",
    "Thực hành tiết kiệm, chống lãng phí",
]
PLACES = {"hamlet": ["Nhà văn hóa {unit}", "Hội trường {unit}"], "office": ["Phòng họp chi bộ", "Hội trường cơ quan",
                                                                          "Phòng họp số 2"]}

SECTIONS = {
    "political_ideology": [
        "Tuyệt đối trung thành với lợi ích của Đảng, Tổ quốc và Nhân dân; kiên định chủ nghĩa Mác - Lênin, "
        "tư tưởng Hồ Chí Minh.",
        "Chấp hành nghiêm chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước; không dao động "
        "trước các quan điểm sai trái, thù địch.",
        "Giữ vững lập trường, quan điểm; chủ động đấu tranh với thông tin xấu, độc trên mạng xã hội.",
    ],
    "ethics_lifestyle": [
        "Giữ gìn phẩm chất đạo đức, lối sống giản dị, trung thực; không vi phạm những điều đảng viên không được làm.",
        "Thực hành cần, kiệm, liêm, chính, chí công vô tư; đoàn kết, giúp đỡ đồng chí, đồng nghiệp.",
        "Sống gương mẫu ở nơi cư trú, giữ mối liên hệ với chi ủy, chính quyền nơi cư trú.",
    ],
    "duties": [
        "Hoàn thành đúng tiến độ, bảo đảm chất lượng các nhiệm vụ được giao; không để tồn đọng hồ sơ, công việc.",
        "Chủ động tham mưu, đề xuất giải pháp nâng cao hiệu quả công tác chuyên môn của đơn vị.",
        "Thực hiện nghiêm quy chế làm việc, giờ giấc, kỷ luật, kỷ cương hành chính.",
    ],
    "exemplary_conduct": [
        "Nói đi đôi với làm; gương mẫu trong công việc và trong gia đình, vận động người thân chấp hành tốt "
        "chủ trương, pháp luật.",
        "Nêu cao tinh thần tự phê bình và phê bình; tiếp thu góp ý của chi bộ, đồng nghiệp và Nhân dân.",
    ],
    "study": [
        "Tham gia đầy đủ sinh hoạt chi bộ, học tập, quán triệt nghị quyết; tự nghiên cứu, liên hệ với công việc "
        "của bản thân.",
        "Tự học nâng cao trình độ lý luận chính trị, chuyên môn, ngoại ngữ, tin học; đăng ký học lớp trung cấp "
        "lý luận chính trị.",
        "Đọc và ghi sổ tay các bài viết về tư tưởng, đạo đức, phong cách Hồ Chí Minh, mỗi tháng ít nhất một bài.",
    ],
    "concrete_deed": [
        "Mỗi tháng làm một việc tốt giúp đỡ gia đình khó khăn trong khu dân cư.",
        "Đề xuất ít nhất một sáng kiến cải tiến, cải cách thủ tục hành chính trong năm.",
        "Không sử dụng điện thoại vào việc riêng trong các cuộc họp, giờ làm việc.",
        "Tham gia xây dựng mô hình “Dân vận khéo” của đơn vị.",
        "Tiết kiệm điện, nước, văn phòng phẩm; tắt thiết bị khi ra khỏi phòng làm việc.",
        "Hướng dẫn người dân sử dụng dịch vụ công trực tuyến.",
    ],
}
RETURN_COMMENTS = [
    "Đề nghị đồng chí bổ sung việc làm cụ thể, có thời gian hoàn thành và kết quả đo được.",
    "Phần thực hiện nhiệm vụ được giao còn chung chung; đề nghị gắn với chức trách của đồng chí.",
    "Đề nghị bổ sung nội dung học tập, nâng cao trình độ trong năm.",
]
SELF_ASSESSMENTS = {
    "xuat-sac": "Đã thực hiện đầy đủ, vượt các nội dung cam kết; việc làm cụ thể được đơn vị ghi nhận, nhân rộng.",
    "tot": "Đã thực hiện đầy đủ các nội dung cam kết; hoàn thành tốt nhiệm vụ được giao.",
    "hoan-thanh": "Thực hiện cơ bản các nội dung cam kết; một số việc còn chậm so với kế hoạch.",
    "khong-hoan-thanh": "Chưa thực hiện được nhiều nội dung cam kết; xin tiếp thu góp ý của chi bộ để khắc phục.",
}
# Year-end ratings of last year: (code, weight); xuất sắc is capped at a share of tốt.
RATINGS = [("xuat-sac", 15), ("tot", 66), ("hoan-thanh", 16), ("khong-hoan-thanh", 3)]
# This year's commitments by state (the year is under way): (status, weight); None = not filed.
THIS_YEAR = [(Commitment.Status.ACCEPTED, 78), (Commitment.Status.SUBMITTED, 8), (Commitment.Status.RETURNED, 3),
             (Commitment.Status.DRAFT, 5), (None, 6)]


# ---------------------------------------------------------------------------
# Bulk writing
# ---------------------------------------------------------------------------


# Sessions were recorded by their secretary when created, attendance when marked.
SESSION_EVENTS = [PastEvent("I", changed_at="t.created_at", actor="t.created_by_id")]
ATTENDANCE_EVENTS = [PastEvent("I", changed_at="COALESCE(t.checked_in_at, t.updated_at)")]
# A commitment's history tells its steps on their dates, as the detail page shows them: filed
# by the member (a draft), submitted by him, returned or accepted by the secretary, rated.
_MEMBER = "(SELECT p.user_id FROM portal_person p WHERE p.id = t.person_id)"
COMMITMENT_EVENTS = [
    PastEvent("I", changed_at="t.created_at", actor=_MEMBER,
              new="to_jsonb(t) || jsonb_build_object('status', 'nhap', 'submitted_at', NULL, 'reviewed_at', NULL, "
                  "'reviewed_by_id', NULL, 'review_comment', '', 'rating_id', NULL, 'rated_by_id', NULL, "
                  "'rated_at', NULL)"),
    PastEvent("U", changed_at="t.submitted_at", actor=_MEMBER, where="t.submitted_at IS NOT NULL",
              new="jsonb_build_object('status', 'da_nop', 'submitted_at', t.submitted_at)"),
    PastEvent("U", changed_at="t.reviewed_at", actor="t.reviewed_by_id", where="t.reviewed_at IS NOT NULL",
              new="jsonb_build_object('status', t.status, 'reviewed_at', t.reviewed_at, "
                  "'review_comment', t.review_comment)"),
    PastEvent("U", changed_at="t.rated_at", actor="t.rated_by_id", where="t.rated_at IS NOT NULL",
              new="jsonb_build_object('rating_id', t.rating_id, 'rated_at', t.rated_at)"),
]


# ---------------------------------------------------------------------------
# The step
# ---------------------------------------------------------------------------


@dataclass
class Cell:
    id: int
    name: str
    hamlet: bool
    secretary: str = ""
    deputy: str = ""
    until: datetime.date | None = None  # merged or dissolved that day: it met until the day before


@dataclass
class Member:
    id: int
    organization_id: int
    admitted_on: datetime.date | None
    user_id: int | None


def has_study_data(province: Organization) -> bool:
    return (Theme.objects.filter(kind=Theme.Kind.TERM, title=TERM_TITLE).exists()
            or StudySession.objects.filter(organization__path__startswith=province.path).exists())


def seed_study(province: Organization, today: datetime.date, rng: random.Random) -> StepResult | None:
    """The study data of the demo province; None, writing nothing, when there is some already."""
    if has_study_data(province):
        return None
    started = time.monotonic()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["tuyengiao", "bithu", "dangvien"])}
    themes = _themes(today)
    documents = _documents(province, themes)
    campaigns = _campaigns(province, today, documents, themes, users.get("tuyengiao"))
    cells = _cells(province, datetime.date(today.year - 1, 1, 1))
    demo_cell, bithu, dangvien = _demo_people(users)
    # The demo cell's other members, in id order, for the states and absences it shows.
    others = [m.id for m in _members(province, organization_id=demo_cell) if m.id not in (bithu, dangvien)] \
        if demo_cell else []
    with bulk_load("resolutions_studysession", events=SESSION_EVENTS):
        sessions = _sessions(rng, cells, today, documents, campaigns, demo_cell, bithu)
    with bulk_load("resolutions_attendance", events=ATTENDANCE_EVENTS):
        attendance = _attendance(rng, sessions, others, bithu)
    with bulk_load("resolutions_commitment", events=COMMITMENT_EVENTS):
        commitments = _commitments(rng, _members(province), today, themes, demo_cell, bithu, dangvien, others,
                                   users.get("bithu"))
    summary = _("Dữ liệu học tập: %(themes)s chuyên đề, %(documents)s văn bản, %(campaigns)s đợt học tập, "
                "%(sessions)s buổi sinh hoạt, %(attendance)s lượt điểm danh, %(commitments)s bản cam kết, trong "
                "%(seconds)s giây.") % {
        "themes": len(themes), "documents": len(documents), "campaigns": len(campaigns),
        "sessions": number_format(sessions.count, force_grouping=True),
        "attendance": number_format(attendance, force_grouping=True),
        "commitments": number_format(commitments, force_grouping=True),
        "seconds": number_format(time.monotonic() - started, 1)}
    return StepResult(summary=summary, tables=[
        "resolutions_theme", "resolutions_document", "resolutions_studycampaign", "resolutions_studysession",
        "resolutions_studysession_documents", "resolutions_attendance", "resolutions_commitment"])


def _themes(today: datetime.date) -> dict[str, Theme]:
    themes = {"term": Theme.objects.create(kind=Theme.Kind.TERM, title=TERM_TITLE, term=TERM, summary=TERM_SUMMARY)}
    for key, year in [("last", today.year - 1), ("this", today.year)]:
        themes[key] = Theme.objects.create(
            kind=Theme.Kind.YEAR, year=year, title=YEAR_THEMES[year % len(YEAR_THEMES)],
            term=TERM if year <= 2026 else "XIV (2026–2031)",
            summary=f"Chuyên đề năm {year}, gắn với Chuyên đề toàn khóa và Kết luận 01-KL/TW.")
    return themes


def _documents(province: Organization, themes: dict[str, Theme]) -> dict[str, Document]:
    kinds = {k.code: k for k in DocumentKind.objects.all()}
    documents = {}
    for seed in DOCUMENTS:
        unit = province
        for name in seed.addressed_to:  # a small province may lack the office: its block then
            found = (Organization.objects.filter(path__startswith=province.path, name__contains=name)
                     .order_by("depth", "path").first())
            if found:
                unit = found
                break
        document = Document.objects.create(
            kind=kinds[seed.kind], number_symbol=seed.number_symbol, issuing_body=seed.issuing_body,
            issued_on=seed.issued_on, title=seed.title, summary=seed.summary, organization=unit)
        document.themes.set([themes[key] for key in seed.themes])
        documents[seed.key] = document
    return documents


def _campaigns(province, today, documents, themes, tuyengiao) -> dict[str, StudyCampaign]:
    last = today.year - 1
    closed = StudyCampaign.objects.create(
        title="Học tập, quán triệt Nghị quyết số 35-NQ/TW của Bộ Chính trị về bảo vệ nền tảng tư tưởng "
                f"của Đảng (năm {last})",
        document=documents["nq35"], organization=province, audience=Audience.MEMBERS,
        starts_on=datetime.date(last, 3, 1), deadline=datetime.date(last, 6, 30), created_by=tuyengiao)
    current = StudyCampaign.objects.create(
        title=f"Học tập chuyên đề năm {today.year}: {themes['this'].title}",
        document=documents["kl01"], theme=themes["this"], organization=province, audience=Audience.MEMBERS,
        starts_on=today - datetime.timedelta(days=40), deadline=today + datetime.timedelta(days=50),
        created_by=tuyengiao)
    return {"closed": closed, "current": current}


def _cells(province: Organization, first: datetime.date) -> list[Cell]:
    """The chi bộ that met at some time from `first`: those active today and those merged or
    dissolved since, with their bí thư and phó bí thư (the latest to take office)."""
    cells = {o.id: Cell(o.id, o.name, hamlet=o.name.startswith(("Chi bộ ấp", "Chi bộ khu phố")), until=o.dissolved_on)
             for o in Organization.objects.filter(path__startswith=province.path, level__is_cell=True)
             .filter(Q(active=True) | Q(dissolved_on__gt=first)).only("id", "name", "dissolved_on").order_by("path")}
    for org_id, role, name in (Position.objects.filter(organization_id__in=cells, role__code__in=["bi-thu", "pho-bi-thu"])
                               .order_by("started_on", "id")
                               .values_list("organization_id", "role__code", "person__full_name")):
        setattr(cells[org_id], "secretary" if role == "bi-thu" else "deputy", name)
    return list(cells.values())


def _members(province: Organization, organization_id: int | None = None) -> Iterator[Member]:
    """People expected at meetings today (who write a commitment too), in id order, read
    MEMBERS_PAGE at a time from one server-side cursor; those of one unit with `organization_id`."""
    people = Person.objects.filter(organization__path__startswith=province.path,
                                   party_status__expected_at_meetings=True)
    if organization_id is not None:
        people = people.filter(organization_id=organization_id)
    for row in people.order_by("id").values_list("id", "organization_id", "admitted_on", "user_id") \
            .iterator(chunk_size=MEMBERS_PAGE):
        yield Member(*row)


def _demo_people(users) -> tuple[int | None, int | None, int | None]:
    people = dict(Person.objects.filter(user__in=[u for k, u in users.items() if k in ("bithu", "dangvien")])
                  .values_list("user__username", "id"))
    cell = Person.objects.filter(pk=people.get("bithu")).values_list("organization_id", flat=True).first()
    return cell, people.get("bithu"), people.get("dangvien")


@dataclass
class SessionRow:
    id: int
    organization_id: int
    kind: str
    held_on: datetime.date
    starts_at: datetime.time
    format: str
    place: str
    bridge_points: int | None
    presenter: str
    notes: str
    campaign_id: int | None
    document_ids: tuple[int, ...]


def _weekday(day: datetime.date, hamlet: bool) -> datetime.date:
    """Offices meet on working days; an ấp meets on any evening, Sunday too."""
    while not hamlet and day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


@dataclass
class Sessions:
    """The sessions written, as attendance needs them: how many, the range of their ids (the
    table stays locked by the step's bulk load until commit, so every id in it is one of
    them) and the latest day."""

    count: int = 0
    first_id: int | None = None
    last_id: int | None = None
    latest: datetime.date | None = None


def _sessions(rng, cells, today, documents, campaigns, demo_cell, bithu) -> Sessions:
    """Every cell's sessions, written SESSION_CHUNK at a time as the cells are drawn."""
    first = datetime.date(today.year - 1, 1, 1)
    months = [(first.year + (m // 12), m % 12 + 1) for m in range(12 + today.month)]
    closed, current = campaigns["closed"], campaigns["current"]
    now = timezone.now()
    tz = timezone.get_current_timezone()
    bithu_user = Person.objects.filter(pk=bithu).values_list("user_id", flat=True).first()
    written = Sessions()

    def created(plan):
        day = plan.held_on + datetime.timedelta(days=1)
        return min(now, datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=tz))

    def write(plans):
        for plan, pk in zip(plans, next_ids("resolutions_studysession", len(plans)), strict=True):
            plan.id = pk
        copy_rows("resolutions_studysession",
                  ["id", "organization_id", "kind", "held_on", "starts_at", "format", "place", "bridge_points",
                   "presenter", "notes", "campaign_id", "created_by_id", "created_at", "updated_at"],
                  ((p.id, p.organization_id, p.kind, p.held_on, p.starts_at, p.format, p.place, p.bridge_points,
                    p.presenter, p.notes, p.campaign_id, bithu_user if p.organization_id == demo_cell else None,
                    created(p), created(p)) for p in plans))
        copy_rows("resolutions_studysession_documents", ["studysession_id", "document_id"],
                  ((p.id, d) for p in plans for d in p.document_ids))
        if plans:
            written.count += len(plans)
            written.first_id = written.first_id or plans[0].id
            written.last_id = plans[-1].id
        latest = max((p.held_on for p in plans), default=None)
        if latest and (written.latest is None or latest > written.latest):
            written.latest = latest
        plans.clear()

    plans = []
    for index, cell in enumerate(cells):
        usual_day = rng.randint(3, 12)
        starts_at = datetime.time(19, 30) if cell.hamlet else rng.choice(
            [datetime.time(7, 30), datetime.time(8, 0), datetime.time(14, 0), datetime.time(14, 30)])
        places = PLACES["hamlet" if cell.hamlet else "office"]
        unit = cell.name.removeprefix("Chi bộ ").strip()
        secretary = f"Đồng chí {cell.secretary}, Bí thư Chi bộ" if cell.secretary else ""
        deputy = f"Đồng chí {cell.deputy}, Phó Bí thư Chi bộ" if cell.deputy else secretary

        def add(kind, held_on, presenter, notes, *, campaign=None, docs=(), online=False,
                cell=cell, starts_at=starts_at, places=places, unit=unit):
            if held_on > today or (cell.until and held_on >= cell.until):
                return
            plans.append(SessionRow(
                0, cell.id, kind, held_on, starts_at, "truc_tuyen" if online else "tap_trung",
                rng.choice(places).format(unit=unit), rng.randint(2, 12) if online else None, presenter, notes,
                campaign.pk if campaign else None, tuple(d.pk for d in docs)))

        for year, month in months:
            held_on = _weekday(datetime.date(year, month, usual_day), cell.hamlet)
            add(Kind.REGULAR, held_on, secretary,
                f"Đánh giá kết quả thực hiện nhiệm vụ tháng {month}/{year}, triển khai nhiệm vụ tháng tới; "
                  "thông tin thời sự, tình hình tư tưởng đảng viên.")
            if month % 3 == 2:  # the quarter's middle month
                add(Kind.THEMATIC, _weekday(held_on + datetime.timedelta(days=rng.randint(7, 14)), cell.hamlet),
                    deputy, f"Sinh hoạt chuyên đề: {rng.choice(THEMATIC_TOPICS)}.",
                    docs=[documents["ct05"]])
        # The closed campaign: most on time, a few late, a few never (the last two cells at
        # least, so a small province shows both); the demo cell on time.
        draw = 0.0 if cell.id == demo_cell else {len(cells) - 1: 1.0, len(cells) - 2: 0.93}.get(index, rng.random())
        window = (closed.deadline - closed.starts_on).days
        if draw < 0.9:
            held_on = closed.starts_on + datetime.timedelta(days=rng.randint(5, window))
        elif draw < 0.96:
            held_on = closed.deadline + datetime.timedelta(days=rng.randint(3, 45))
        else:
            held_on = None
        if held_on:
            add(Kind.STUDY, _weekday(held_on, cell.hamlet), secretary,
                "Học tập, quán triệt Nghị quyết số 35-NQ/TW; đảng viên liên hệ trách nhiệm của bản thân.",
                campaign=closed, docs=[documents["nq35"]], online=rng.random() < 0.15)
        # The current campaign: about two units in three so far.
        if cell.id == demo_cell or rng.random() < 0.65:
            span = max(0, (today - current.starts_on).days)
            add(Kind.STUDY, current.starts_on + datetime.timedelta(days=rng.randint(0, span)), deputy,
                f"Học tập chuyên đề năm {today.year}; mỗi đảng viên đăng ký việc làm cụ thể.",
                campaign=current, docs=[documents["kl01"]], online=rng.random() < 0.1)
        if len(plans) >= SESSION_CHUNK:
            write(plans)
    write(plans)
    return written


# Who was in which unit when, by portal.asof's rule (a person's unit on a day is the unit he
# left by his first transfer after that day, else his current unit): a row per stretch, both
# ends excluded, so a person moved that day has no row in either unit, whichever way the day
# is read. People never moved have one stretch without ends.
_STINTS_SQL = [
    "DROP TABLE IF EXISTS demo_stint",
    """CREATE TEMP TABLE demo_stint AS
       SELECT t.person_id, t.from_organization_id AS organization_id,
              COALESCE(lag(t.transferred_on) OVER moves, '-infinity') AS since, t.transferred_on AS until
         FROM portal_transfer t
       WINDOW moves AS (PARTITION BY t.person_id ORDER BY t.transferred_on, t.id)
       UNION ALL
       SELECT p.id, p.organization_id, COALESCE(last.day, '-infinity'), 'infinity'
         FROM portal_person p
         LEFT JOIN (SELECT person_id, max(transferred_on) AS day FROM portal_transfer GROUP BY person_id) last
           ON last.person_id = p.id""",
    "CREATE INDEX ON demo_stint (organization_id)",
    "ANALYZE demo_stint",
]

# One row per (session, expected person of its unit that day), for every session the step wrote, in one
# statement. Draws are uniform numbers in [0, 1) hashed from the ids and the seed, so the statement is
# deterministic whatever plan PostgreSQL picks; they are float8 (numeric division costs several times
# more) and computed once per row: OFFSET 0 keeps `draws` a subquery of its own, where the planner would
# otherwise copy its expressions into every CASE that reads them (three times slower).
_ATTENDANCE_SQL = """
WITH draws AS (
    SELECT s.id AS session_id, p.id AS person_id, s.held_on,
           (s.held_on + s.starts_at) AT TIME ZONE %(tz)s AS starts,
           (hashint8extended(p.id, hashint8extended(s.id, %(seed)s)) & 2147483647) / 2147483648.0::float8 AS r,
           (hashint8extended(p.id, hashint8extended(s.id, %(seed)s + 1)) & 2147483647) / 2147483648.0::float8 AS r2,
           (hashint8extended(p.id, hashint8extended(s.id, %(seed)s + 2)) & 2147483647) / 2147483648.0::float8 AS r3,
           (hashint8extended(p.id, %(seed)s + 3) & 2147483647) / 2147483648.0::float8 AS r_person,
           (hashint8extended(s.organization_id, %(seed)s + 4) & 2147483647) / 2147483648.0::float8 AS r_unit
      FROM resolutions_studysession s
      JOIN demo_stint st ON st.organization_id = s.organization_id AND s.held_on > st.since AND s.held_on < st.until
      JOIN portal_person p ON p.id = st.person_id
      JOIN portal_partystatus ps ON ps.id = p.party_status_id
     WHERE s.id BETWEEN %(first)s AND %(last)s
       AND ps.expected_at_meetings AND (p.admitted_on IS NULL OR p.admitted_on <= s.held_on)
    OFFSET 0
), shares AS (
    SELECT *, (person_id = ANY(%(chronic)s::bigint[]) OR r_person < %(chronic_share)s) AS chronic,
           CASE WHEN person_id = %(always)s THEN 2.0
                WHEN person_id = ANY(%(chronic)s::bigint[]) THEN %(chronic_present)s / 2
                WHEN r_person < %(chronic_share)s THEN %(chronic_present)s
                ELSE %(low)s + %(spread)s * r_unit
           END AS present_share
      FROM draws
), marked AS (
    SELECT *, CASE WHEN r < present_share THEN 'co_mat'
                   WHEN r2 < CASE WHEN chronic THEN %(chronic_excused)s ELSE %(excused_share)s END
                   THEN 'vang_co_ly_do'
                   ELSE 'vang_khong_ly_do' END AS status
      FROM shares
), recorded AS (
    SELECT *, CASE WHEN status = 'co_mat' AND held_on >= %(qr_from)s AND r3 < %(qr_share)s THEN 'qr'
                   WHEN status = 'vang_co_ly_do' AND r3 < %(apology_share)s THEN 'xin_vang'
                   ELSE 'bi_thu' END AS method
      FROM marked
)
INSERT INTO resolutions_attendance (session_id, person_id, status, reason, method, checked_in_at, updated_at)
SELECT session_id, person_id, status,
       CASE WHEN status = 'vang_co_ly_do'
            THEN (%(reasons)s::text[])[1 + floor(r2 * 1000)::int %% %(reason_count)s] ELSE '' END,
       method, t, t
  FROM recorded,
       LATERAL (SELECT CASE method WHEN 'qr' THEN starts + (r3 * 100 - 15) * interval '1 minute'
                                   WHEN 'xin_vang' THEN starts - (2 + r3 * 46) * interval '1 hour'
                                   ELSE starts + interval '100 minutes' END AS t) moment
"""


def _attendance(rng, sessions: Sessions, others: list[int], bithu) -> int:
    """Insert the attendance of `sessions`; the count. `others`: the demo cell's members but
    its two accounts."""
    seed = rng.getrandbits(40)
    if not sessions.count:
        return 0
    # The demo secretary's cell has one member who is often away, so his "remind" list is not empty.
    chronic = others[:1]
    params = {
        "tz": settings.TIME_ZONE, "seed": seed, "always": bithu or 0, "chronic": chronic,
        "chronic_share": CHRONIC_SHARE, "chronic_present": CHRONIC_PRESENT,
        "chronic_excused": CHRONIC_EXCUSED, "low": PRESENT_SHARE[0],
        "spread": PRESENT_SHARE[1] - PRESENT_SHARE[0], "excused_share": EXCUSED_OF_ABSENT,
        "qr_from": datetime.date(sessions.latest.year, 1, 1) if sessions.latest else datetime.date.min,
        "qr_share": QR_OF_PRESENT, "apology_share": APOLOGY_OF_EXCUSED, "reasons": REASONS,
        "reason_count": len(REASONS), "first": sessions.first_id, "last": sessions.last_id,
    }
    with connection.cursor() as cursor:
        for statement in _STINTS_SQL:
            cursor.execute(statement)
        cursor.execute(_ATTENDANCE_SQL, params)
        total = cursor.rowcount
        cursor.execute("DROP TABLE demo_stint")
    return total


def _commitments(rng, members, today, themes, demo_cell, bithu, dangvien, others, bithu_user) -> int:
    """Last year's, accepted and rated for the most part; this year's in every state, the
    demo member's returned to him with a comment. Written COMMITMENT_CHUNK at a time as
    `members` (in id order) are drawn; the count."""
    ratings = {r.code: r.pk for r in RatingLevel.objects.all()}
    codes, weights = zip(*RATINGS, strict=True)
    states, state_weights = zip(*THIS_YEAR, strict=True)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    last, this = today.year - 1, today.year
    # The demo cell shows every state: its first members (after the two accounts) get one each.
    forced = {}
    for person_id, status in zip(others, [Commitment.Status.SUBMITTED, Commitment.Status.DRAFT, None,
                                          Commitment.Status.ACCEPTED], strict=False):
        forced[person_id] = status
    if dangvien:
        forced[dangvien] = Commitment.Status.RETURNED
    if bithu:
        forced[bithu] = Commitment.Status.ACCEPTED

    def moment(year, month_from, month_to):
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint((month_from - 1) * 30,
                                                                               month_to * 30 - 1))
        at = datetime.datetime.combine(day, datetime.time(rng.randint(7, 21), rng.randint(0, 59)), tzinfo=tz)
        return min(at, now)

    def sections():
        return [rng.choice(SECTIONS[name]) for name in SECTIONS]

    rows, written = [], 0

    def write():
        nonlocal written
        ids = next_ids("resolutions_commitment", len(rows))
        copy_rows("resolutions_commitment",
                  ["id", "person_id", "year", "theme_id", *SECTIONS, "status", "submitted_at", "review_comment",
                   "reviewed_by_id", "reviewed_at", "self_assessment", "self_rating_id", "rating_id", "rated_by_id",
                   "rated_at", "created_at", "updated_at"],
                  ((pk, *row) for pk, row in zip(ids, rows, strict=True)))
        written += len(rows)
        rows.clear()

    for member in members:
        if len(rows) >= COMMITMENT_CHUNK:
            write()
        reviewer = bithu_user.pk if bithu_user and member.organization_id == demo_cell and member.id != bithu \
            else None
        if member.admitted_on is None or member.admitted_on <= datetime.date(last, 6, 30):
            draw = rng.random()
            if draw < 0.97:  # accepted and, the year over, rated
                submitted = moment(last, 1, 3)
                reviewed = submitted + datetime.timedelta(days=rng.randint(1, 20))
                code = "tot" if member.id == dangvien else "xuat-sac" if member.id == bithu \
                    else rng.choices(codes, weights)[0]
                rated = moment(last, 12, 12)
                rows.append((member.id, last, themes["last"].pk, *sections(), "da_duyet", submitted, "", reviewer,
                             reviewed, SELF_ASSESSMENTS[code], ratings.get(code), ratings.get(code), reviewer, rated,
                             submitted - datetime.timedelta(days=3), rated))
            elif draw < 0.99:  # accepted, never rated
                submitted = moment(last, 1, 4)
                reviewed = submitted + datetime.timedelta(days=rng.randint(1, 30))
                rows.append((member.id, last, themes["last"].pk, *sections(), "da_duyet", submitted, "", reviewer,
                             reviewed, "", None, None, None, None, submitted - datetime.timedelta(days=2), reviewed))
        if member.admitted_on is not None and member.admitted_on > today - datetime.timedelta(days=30):
            continue
        status = forced[member.id] if member.id in forced else rng.choices(states, state_weights)[0]
        if status is None:
            continue
        started = moment(this, 1, min(3, today.month))
        body = sections()
        if status == Commitment.Status.DRAFT:
            body[3:] = ["", "", ""]  # half written
            rows.append((member.id, this, themes["this"].pk, *body, status, None, "", None, None, "", None, None,
                         None, None, started, started))
            continue
        submitted = started + datetime.timedelta(days=rng.randint(1, 10))
        reviewed = min(now, submitted + datetime.timedelta(days=rng.randint(1, 14)))
        comment, reviewed_by, reviewed_at = "", None, None
        if status == Commitment.Status.RETURNED:
            comment, reviewed_by, reviewed_at = rng.choice(RETURN_COMMENTS), reviewer, reviewed
        elif status == Commitment.Status.ACCEPTED:
            reviewed_by, reviewed_at = reviewer, reviewed
        rows.append((member.id, this, themes["this"].pk, *body, status, min(now, submitted), comment, reviewed_by,
                     reviewed_at, "", None, None, None, None, started, reviewed_at or min(now, submitted)))
    write()
    return written
