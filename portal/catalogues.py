"""The catalogues' first entries (rules as data: administrators edit them afterwards).

Loaded by migration 0003 and kept here so tests and `seed_demo` read the same codes.
"""

import datetime

from portal.access import Action
from portal.text import search_key

ORG_LEVELS = [
    # code, name, is_grassroots, is_cell, valid_to
    ("dang-bo-tinh", "Đảng bộ tỉnh", False, False, None),
    ("dang-bo-truc-thuoc", "Đảng bộ trực thuộc Tỉnh ủy", False, False, None),
    ("dang-bo-huyen", "Đảng bộ huyện, thị xã, thành phố", False, False, datetime.date(2025, 6, 30)),
    ("dang-bo-co-so", "Đảng bộ cơ sở", True, False, None),
    ("chi-bo-co-so", "Chi bộ cơ sở", True, True, None),
    ("dang-bo-bo-phan", "Đảng bộ bộ phận", False, False, None),
    ("chi-bo-truc-thuoc", "Chi bộ trực thuộc", False, True, None),
]

PARTY_STATUSES = [
    # code, name, is_member, expected_at_meetings
    ("quan-chung", "Quần chúng", False, False),
    ("du-bi", "Đảng viên dự bị", True, True),
    ("chinh-thuc", "Đảng viên chính thức", True, True),
    ("mien-sinh-hoat", "Miễn công tác và sinh hoạt đảng", True, False),
    ("chuyen-tam-thoi", "Chuyển sinh hoạt tạm thời", True, False),
    ("chuyen-di", "Đã chuyển sinh hoạt đi", False, False),
    ("dinh-chi", "Đình chỉ sinh hoạt", True, False),
    ("xoa-ten", "Xóa tên", False, False),
    ("khai-tru", "Khai trừ", False, False),
    ("tu-tran", "Từ trần", False, False),
]

# Who may do what (portal.access.Action). Seeing follows the reach, and updating records
# follows manages_subtree / may_edit_records; the other actions are listed per role:
# - the cấp ủy (bí thư, phó bí thư, ủy viên thường vụ, cấp ủy viên) lead their unit: they
#   address documents and campaigns to it (PUBLISH) and submit its report (REPORT);
# - the UBKT roles reach no unit by position (they do not manage a subtree), so no action;
# - tuyên giáo keeps the catalogue of documents and launches campaigns (PUBLISH) and
#   prepares the annual report (REPORT); đào tạo plans and runs classes (TRAIN) and reports
#   on them (REPORT); tổ chức updates records, and has published since before actions were
#   named (a grant that may edit records managed its units), so keeps PUBLISH; kiểm tra
#   reads and reports. Every staff grant reports on its subtree (DESIGN.md §1).
LEADERSHIP = [Action.PUBLISH, Action.APPROVE, Action.REPORT]

POSITION_ROLES = [
    # code, name, manages_subtree, is_committee_member, actions
    ("bi-thu", "Bí thư", True, True, LEADERSHIP),
    ("pho-bi-thu", "Phó Bí thư", True, True, LEADERSHIP),
    ("uv-ban-thuong-vu", "Ủy viên Ban Thường vụ", True, True, LEADERSHIP),
    ("cap-uy-vien", "Cấp ủy viên", True, True, LEADERSHIP),
    ("chu-nhiem-ubkt", "Chủ nhiệm Ủy ban Kiểm tra", False, False, []),
    ("uy-vien-ubkt", "Ủy viên Ủy ban Kiểm tra", False, False, []),
]

STAFF_ROLES = [
    # code, name, may_edit_records, actions
    ("tuyengiao", "Tuyên giáo", False, [Action.PUBLISH, Action.REPORT]),
    ("daotao", "Đào tạo, bồi dưỡng", False, [Action.TRAIN, Action.REPORT]),
    ("tochuc", "Tổ chức", True, [Action.PUBLISH, Action.REPORT]),
    ("kiemtra", "Kiểm tra", False, [Action.REPORT]),
]

THEORY_LEVELS = [
    ("so-cap", "Sơ cấp"),
    ("trung-cap", "Trung cấp"),
    ("cao-cap", "Cao cấp"),
    ("cu-nhan", "Cử nhân"),
]

# The 54 ethnic groups (dân tộc) of Viet Nam, in the order of the official list.
ETHNIC_GROUPS = [
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai",
    "Ê Đê", "Ba Na", "Sán Chay", "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai", "Mnông",
    "Thổ", "Xtiêng", "Khơ Mú", "Bru - Vân Kiều", "Cơ Tu", "Giáy", "Tà Ôi", "Mạ", "Giẻ - Triêng", "Co",
    "Chơ Ro", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "Kháng", "Phù Lá", "La Hủ", "La Ha",
    "Pà Thẻn", "Lự", "Ngái", "Chứt", "Lô Lô", "Mảng", "Cơ Lao", "Bố Y", "Cống", "Si La",
    "Pu Péo", "Brâu", "Ơ Đu", "Rơ Măm",
]
assert len(ETHNIC_GROUPS) == 54


def ethnicity_code(name: str) -> str:
    return "-".join(search_key(name).replace("-", " ").split())


def upsert(apps, label: str, code: str, **defaults) -> None:
    """Create or update one entry by code. Migrations call it with their historical
    models, so fields that a later migration adds are left out until then."""
    model = apps.get_model(label)
    fields = {f.name for f in model._meta.get_fields()}
    model.objects.update_or_create(code=code, defaults={k: v for k, v in defaults.items() if k in fields})


def load(apps) -> None:
    """Create or update every entry of the core catalogues (idempotent)."""
    for order, (code, name, grassroots, cell, valid_to) in enumerate(ORG_LEVELS):
        upsert(apps, "portal.OrgLevel", code, name=name, sort_order=order, is_grassroots=grassroots, is_cell=cell,
               valid_to=valid_to)
    for order, (code, name, member, expected) in enumerate(PARTY_STATUSES):
        upsert(apps, "portal.PartyStatus", code, name=name, sort_order=order, is_member=member,
               expected_at_meetings=expected)
    for order, (code, name, manages, committee, actions) in enumerate(POSITION_ROLES):
        upsert(apps, "portal.PositionRole", code, name=name, sort_order=order, manages_subtree=manages,
               is_committee_member=committee, actions=actions)
    for order, (code, name, may_edit, actions) in enumerate(STAFF_ROLES):
        upsert(apps, "portal.StaffRole", code, name=name, sort_order=order, may_edit_records=may_edit,
               actions=actions)
    for order, (code, name) in enumerate(THEORY_LEVELS):
        upsert(apps, "portal.TheoryLevel", code, name=name, sort_order=order)
    for order, name in enumerate(ETHNIC_GROUPS):
        upsert(apps, "portal.Ethnicity", ethnicity_code(name), name=name, sort_order=order,
               is_minority=name != "Kinh")
