"""First entries of this app's catalogues (administrators edit them afterwards): the
programmes of DOMAIN.md §5 and the rule each follows from 2021 on."""

import datetime

from portal.catalogues import upsert

RULES_FROM = datetime.date(2021, 1, 1)
COMMITTEE_ROLES = ["bi-thu", "pho-bi-thu", "uv-ban-thuong-vu", "cap-uy-vien", "chu-nhiem-ubkt", "uy-vien-ubkt"]

# code, name, external, theory level reached, eligibility, statuses or roles, lessons, periods,
# has test, certifies, pass mark
CLASS_TYPES = [
    ("nhan-thuc-ve-dang", "Bồi dưỡng lý luận chính trị cho đối tượng kết nạp Đảng", False, None,
     "tinh_trang", ["quan-chung"], 6, 24, True, True, 5),
    ("dang-vien-moi", "Chương trình lý luận chính trị dành cho đảng viên mới", False, None,
     "tinh_trang", ["du-bi"], 8, 32, True, True, 5),
    ("nghiep-vu-cong-tac-dang", "Bồi dưỡng nghiệp vụ công tác Đảng", False, None,
     "chuc_vu", COMMITTEE_ROLES, 5, 20, False, True, None),
    ("cap-nhat-kien-thuc", "Cập nhật kiến thức mới", False, None, "moi_nguoi", [], 2, 8, False, False, None),
    ("chuyen-de", "Học tập chuyên đề", False, None, "moi_nguoi", [], 1, 4, False, False, None),
    ("so-cap-llct", "Sơ cấp lý luận chính trị", False, "so-cap",
     "tinh_trang", ["quan-chung", "du-bi", "chinh-thuc"], 16, 64, True, True, 5),
    ("trung-cap-llct", "Trung cấp lý luận chính trị", True, "trung-cap", "moi_nguoi", [], 0, 0, False, False, None),
    ("cao-cap-llct", "Cao cấp lý luận chính trị", True, "cao-cap", "moi_nguoi", [], 0, 0, False, False, None),
]


def load(apps) -> None:
    ClassType = apps.get_model("training.ClassType")
    ClassTypeRule = apps.get_model("training.ClassTypeRule")
    PartyStatus = apps.get_model("portal.PartyStatus")
    PositionRole = apps.get_model("portal.PositionRole")
    TheoryLevel = apps.get_model("portal.TheoryLevel")
    for order, (code, name, external, level, eligibility, allowed, lessons, periods, has_test, certifies,
                pass_mark) in enumerate(CLASS_TYPES):
        upsert(apps, "training.ClassType", code, name=name, sort_order=order, external=external,
               theory_level=TheoryLevel.objects.filter(code=level).first() if level else None)
        if external:
            continue
        rule, _created = ClassTypeRule.objects.update_or_create(
            class_type=ClassType.objects.get(code=code), valid_from=RULES_FROM,
            defaults={"eligibility": eligibility, "lessons": lessons, "periods": periods, "has_test": has_test,
                      "certifies": certifies, "pass_mark": pass_mark})
        if eligibility == "tinh_trang":
            rule.eligible_statuses.set(PartyStatus.objects.filter(code__in=allowed))
        elif eligibility == "chuc_vu":
            rule.eligible_roles.set(PositionRole.objects.filter(code__in=allowed))
