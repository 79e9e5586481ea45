"""First entries of this app's catalogues (administrators edit them afterwards)."""

from portal.catalogues import upsert

# Symbol as written in a number-symbol, name.
DOCUMENT_KINDS = [
    ("NQ", "Nghị quyết"), ("CT", "Chỉ thị"), ("KL", "Kết luận"), ("QĐ", "Quyết định, quy định"),
    ("KH", "Kế hoạch"), ("HD", "Hướng dẫn"), ("TB", "Thông báo"), ("BC", "Báo cáo"), ("CV", "Công văn"),
]

# Xếp loại chất lượng đảng viên (Quy định 366-QĐ/TW, 2025: on 100 points).
RATING_LEVELS = [
    ("xuat-sac", "Hoàn thành xuất sắc nhiệm vụ", 90),
    ("tot", "Hoàn thành tốt nhiệm vụ", 70),
    ("hoan-thanh", "Hoàn thành nhiệm vụ", 50),
    ("khong-hoan-thanh", "Không hoàn thành nhiệm vụ", 0),
]


def load(apps) -> None:
    for order, (code, name) in enumerate(DOCUMENT_KINDS):
        upsert(apps, "resolutions.DocumentKind", code, name=name, sort_order=order)
    for order, (code, name, min_score) in enumerate(RATING_LEVELS):
        upsert(apps, "resolutions.RatingLevel", code, name=name, sort_order=order, min_score=min_score)
