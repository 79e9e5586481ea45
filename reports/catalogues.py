"""First entries of the report kinds (administrators edit them afterwards, DESIGN.md §3):
what each report holds, its period and deadline, its narrative sections."""

from portal.catalogues import upsert

# Codes of reports.indicators (DESIGN.md §4), in the order a report shows them.
CT17_INDICATORS = ["classes", "results", "party_work_trained", "lecturers", "study", "grassroots_classes",
                   "commitments", "commend_remind"]
KL01_INDICATORS = ["study", "commitments", "commend_remind", "classes"]
# Every unit reports to its superior, up to the province (seed 003).
REPORTING_LEVELS = ["dang-bo-tinh", "dang-bo-truc-thuoc", "dang-bo-huyen", "dang-bo-co-so", "dang-bo-bo-phan",
                    "chi-bo-co-so", "chi-bo-truc-thuoc"]


def _section(code: str, heading: str, default: str) -> dict:
    return {"code": code, "heading": heading, "default": default}


CT17_SECTIONS = [
    _section("situation", "I. TÌNH HÌNH VÀ KẾT QUẢ THỰC HIỆN",
             "Cấp ủy đã quán triệt, triển khai Chỉ thị số 17-CT/TU và Kế hoạch thực hiện của Ban Tuyên giáo "
             "Tỉnh ủy đến toàn thể cán bộ, đảng viên; xây dựng kế hoạch đào tạo, bồi dưỡng hằng năm và tổ chức "
             "học tập, quán triệt nghị quyết của Đảng theo kế hoạch."),
    _section("assessment", "II. ĐÁNH GIÁ CHUNG",
             "Việc học tập lý luận chính trị, nghị quyết của Đảng được cấp ủy quan tâm lãnh đạo, chỉ đạo; "
             "nội dung, hình thức học tập từng bước được đổi mới."),
    _section("strengths", "1. Ưu điểm", ""),
    _section("limits", "2. Hạn chế và nguyên nhân", ""),
    _section("plans", "III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TỚI",
             "Tiếp tục thực hiện nghiêm Chỉ thị số 17-CT/TU; xây dựng và thực hiện kế hoạch đào tạo, bồi dưỡng "
             "năm tới; phấn đấu 100% học viên các lớp bồi dưỡng nhận thức về Đảng và đảng viên mới được cấp "
             "giấy chứng nhận."),
    _section("proposals", "IV. KIẾN NGHỊ, ĐỀ XUẤT", ""),
]

KL01_SECTIONS = [
    _section("situation", "I. TÌNH HÌNH VÀ KẾT QUẢ THỰC HIỆN",
             "Cấp ủy đã tổ chức học tập, quán triệt chuyên đề năm và triển khai Kết luận số 01-KL/TW về tiếp tục "
             "thực hiện Chỉ thị số 05-CT/TW; cán bộ, đảng viên xây dựng bản cam kết tu dưỡng, rèn luyện, "
             "phấn đấu gắn với chuyên đề."),
    _section("assessment", "II. ĐÁNH GIÁ CHUNG", ""),
    _section("strengths", "1. Ưu điểm", ""),
    _section("limits", "2. Hạn chế và nguyên nhân", ""),
    _section("plans", "III. PHƯƠNG HƯỚNG, NHIỆM VỤ", ""),
    _section("proposals", "IV. KIẾN NGHỊ, ĐỀ XUẤT", ""),
]

# code, name, title, directive, spans, indicators, sections
KINDS = [
    ("ct17", "Báo cáo năm thực hiện Chỉ thị 17-CT/TU",
     "Báo cáo kết quả thực hiện Chỉ thị số 17-CT/TU của Ban Thường vụ Tỉnh ủy về đẩy mạnh đổi mới, nâng cao "
     "chất lượng, hiệu quả đào tạo, bồi dưỡng và học tập, nghiên cứu lý luận chính trị, nghị quyết của Đảng",
     "17-CT/TU", [1], CT17_INDICATORS, CT17_SECTIONS),
    ("kl01", "Báo cáo chuyên đề thực hiện Kết luận 01-KL/TW",
     "Báo cáo kết quả thực hiện Kết luận số 01-KL/TW của Bộ Chính trị về tiếp tục thực hiện Chỉ thị số "
     "05-CT/TW về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
     "01-KL/TW", [1, 3, 5], KL01_INDICATORS, KL01_SECTIONS),
]


def load(apps) -> None:
    OrgLevel = apps.get_model("portal.OrgLevel")
    ReportKind = apps.get_model("reports.ReportKind")
    levels = list(OrgLevel.objects.filter(code__in=REPORTING_LEVELS))
    for order, (code, name, title, directive, spans, indicators, sections) in enumerate(KINDS):
        upsert(apps, "reports.ReportKind", code, name=name, sort_order=order, title=title, directive=directive,
               spans=spans, due_month=2, due_day=22, opens_days_before=120, reminder_days=[30, 10, 3],
               indicators=indicators, sections=sections)
        ReportKind.objects.get(code=code).reporting_levels.set(levels)
