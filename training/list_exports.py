"""The area's lists exported (portal.spreadsheets.export), each by its page's own filter
and selector: the classes, the enrolments with their results, one class's learners (in the
columns of the results import format first, to be filled in and imported again) and the
certificates."""

from django.utils.translation import gettext_lazy as _

from portal.spreadsheets.export import (
    INTEGER_FORMAT,
    Column,
    ListExport,
    Rows,
    label_of,
    person_columns,
    register_list,
    scope_of,
)
from training.filters import certificate_filters, class_filters, enrollment_filters
from training.imports import TITLES as RESULT_TITLES
from training.models import Enrollment, TrainingClass
from training.selectors import certificates as certificate_selectors
from training.selectors import classes as class_selectors

_format = label_of(TrainingClass.Format.choices)
_result = label_of(Enrollment.Result.choices)


def _plan(row) -> str:
    return "Trong kế hoạch" if row["in_plan"] else "Ngoài kế hoạch"


def _certified(row) -> str:
    return "Đã cấp" if row["certified"] else ""


def _scope(f: dict) -> str:
    return scope_of(f["unit"].code if f["unit"] else "", f["year"])


CLASS_COLUMNS = [
    Column("Khai giảng", "starts_on", width=12),
    Column("Bế giảng", "ends_on", width=12),
    Column("Tên lớp", "name", width=40),
    Column("Loại lớp", "class_type__name", width=30),
    Column("Đơn vị tổ chức", "organizer__name", width=30),
    Column("Kế hoạch", _plan, lookups=("in_plan",), width=16),
    Column("Hình thức", lambda row: _format(row["format"]), lookups=("format",), width=14),
    Column("Địa điểm", "place", width=24),
    Column("Học viên", "n_learners", INTEGER_FORMAT, width=9),
    Column("Số học viên tối đa", "capacity", INTEGER_FORMAT, width=10),
]


def class_rows(user, query) -> Rows:
    f, filters = class_filters(user, query)
    return Rows(class_selectors.class_list(user, filters), scope=_scope(f))


ENROLLMENT_COLUMNS = [
    *person_columns(),
    Column("Đơn vị cử", "learner_organization__name", width=30),
    Column("Lớp", "training_class__name", width=40),
    Column("Loại lớp", "training_class__class_type__name", width=30),
    Column("Đơn vị tổ chức", "training_class__organizer__name", width=30),
    Column("Khai giảng", "training_class__starts_on", width=12),
    Column("Kế hoạch", _plan, lookups=("in_plan",), width=16),
    Column("Điểm", "score", width=8),
    Column("Kết quả", lambda row: _result(row["result"]), lookups=("result",), width=12),
    Column("Giấy chứng nhận", _certified, lookups=("certified",), width=12),
]


def enrollment_rows(user, query) -> Rows:
    f, filters = enrollment_filters(user, query)
    return Rows(class_selectors.enrollment_list(user, filters), scope=_scope(f))


# The results import format's columns first (who, his score and result), then the rest of the roll.
ROLL_COLUMNS = [
    *person_columns(),
    Column(RESULT_TITLES["score"], "score", width=8),
    Column(RESULT_TITLES["result"], lambda row: _result(row["result"]), lookups=("result",), width=12),
    Column("Tình trạng", "person__party_status__name", width=16),
    Column("Đơn vị cử", "learner_organization__name", width=30),
    Column("Buổi có mặt", "n_present", INTEGER_FORMAT, width=10),
    Column("Giấy chứng nhận", _certified, lookups=("certified",), width=12),
]


def roll_rows(user, query, *, pk) -> Rows:
    """The learners of a class as its page lists them (404 for a class outside the reach)."""
    training_class = class_selectors.class_by_id(user, pk)
    return Rows(class_selectors.class_roll(user, training_class), scope=f"lop-{training_class.pk}")


def _state(row) -> str:
    return f"Đã thu hồi {row['revoked_on']:%d/%m/%Y}" if row["revoked_on"] else "Còn hiệu lực"


CERTIFICATE_COLUMNS = [
    Column("Số", lambda row: f"{row['number']:04d}/{row['year']}", lookups=("number", "year"), width=11),
    *person_columns("enrollment__person__")[:2],  # a register names the holder without his card
    Column("Đơn vị của học viên", "enrollment__learner_organization__name", width=30),
    Column("Lớp", "enrollment__training_class__name", width=40),
    Column("Đơn vị cấp", "organizer__name", width=30),
    Column("Ngày cấp", "issued_on", width=12),
    Column("Tình trạng", _state, lookups=("revoked_on",), width=22),
    Column("Lý do thu hồi", "revoked_reason", width=30),
]


def certificate_rows(user, query) -> Rows:
    f = certificate_filters(user, query)
    scope = scope_of(f.unit.code if f.unit else "", f"lop-{f.class_id}" if f.class_id else "", f.year)
    return Rows(certificate_selectors.certificate_list(user, unit=f.unit, year=f.year, class_id=f.class_id,
                                                       revoked=f.revoked), scope=scope)


CLASSES = register_list(ListExport(code="classes", file_stem="lop-boi-duong", sheet="Lớp bồi dưỡng",
                                   label=_("Lớp bồi dưỡng"), columns=CLASS_COLUMNS, source=class_rows))
ENROLLMENTS = register_list(ListExport(code="enrollments", file_stem="hoc-vien", sheet="Học viên",
                                       label=_("Học viên các lớp"), columns=ENROLLMENT_COLUMNS,
                                       source=enrollment_rows))
CLASS_ROLL = register_list(ListExport(code="class_roll", file_stem="ket-qua-hoc-tap", sheet="Kết quả",
                                      label=_("Học viên và kết quả của lớp"), columns=ROLL_COLUMNS, source=roll_rows))
CERTIFICATES = register_list(ListExport(code="certificates", file_stem="giay-chung-nhan", sheet="Giấy chứng nhận",
                                        label=_("Giấy chứng nhận"), columns=CERTIFICATE_COLUMNS,
                                        source=certificate_rows))
