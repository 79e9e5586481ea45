"""The area's lists exported (portal.spreadsheets.export), each by its page's own filter
and selector: the sessions list with its attendance figures, one session's attendance sheet
(in the columns of the attendance import format, to be filled in and imported again), and
the commitments of a unit for a year with where each stands."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import can_manage
from portal.spreadsheets.export import (
    INTEGER_FORMAT,
    Column,
    ListExport,
    Rows,
    label_of,
    register_list,
    scope_of,
)
from resolutions.filters import commitment_year, session_filters
from resolutions.imports import ATTENDANCE_TITLES
from resolutions.models import Attendance, Commitment, StudySession
from resolutions.selectors import commitments as commitment_selectors
from resolutions.selectors import sessions as session_selectors

_kind = label_of(StudySession.Kind.choices)
_format = label_of(StudySession.Format.choices)
_attendance = label_of(Attendance.Status.choices)
_method = label_of(Attendance.Method.choices)
_commitment = label_of(Commitment.Status.choices)


def _time(value) -> str:
    return f"{value:%H:%M}" if value else ""


SESSION_COLUMNS = [
    Column("Ngày", "held_on", width=12),
    Column("Giờ bắt đầu", lambda row: _time(row["starts_at"]), lookups=("starts_at",), width=10),
    Column("Loại buổi", lambda row: _kind(row["kind"]), lookups=("kind",), width=26),
    Column("Đơn vị", "organization__name", width=30),
    Column("Mã đơn vị", "organization__code", width=12),
    Column("Hình thức", lambda row: _format(row["format"]), lookups=("format",), width=14),
    Column("Số điểm cầu", "bridge_points", INTEGER_FORMAT, width=10),
    Column("Địa điểm", "place", width=24),
    Column("Người trình bày", "presenter", width=22),
    Column("Đợt học tập", "campaign__title", width=30),
    Column("Có mặt", "n_present", INTEGER_FORMAT, width=9),
    Column("Vắng có lý do", "n_excused", INTEGER_FORMAT, width=11),
    Column("Vắng không lý do", "n_absent", INTEGER_FORMAT, width=11),
    Column("Đã ghi điểm danh", "n_rows", INTEGER_FORMAT, width=11),
]


def session_rows(user, query) -> Rows:
    chosen = session_filters(user, query)
    unit = chosen.filters.organization
    return Rows(session_selectors.session_list(user, chosen.filters),
                scope=scope_of(unit.code if unit else "", chosen.filters.year))


# The attendance import format's columns first (who, and his mark), then how it was recorded.
ATTENDANCE_COLUMNS = [
    Column(ATTENDANCE_TITLES["full_name"], lambda row: row.full_name, width=28),
    Column(ATTENDANCE_TITLES["birth_date"], lambda row: row.birth_date, width=12),
    Column(ATTENDANCE_TITLES["party_card_number"], lambda row: row.party_card_number, width=16),
    Column(ATTENDANCE_TITLES["status"], lambda row: _attendance(row.status), width=16),
    Column(ATTENDANCE_TITLES["reason"], lambda row: row.reason, width=30),
    Column("Ghi nhận", lambda row: _method(row.method) if row.method else "Chưa ghi nhận", width=16),
    Column("Lúc điểm danh", lambda row: row.checked_in_at, width=17),
]


def attendance_rows(user, query, *, pk) -> Rows:
    """The attendance screen's sheet, under its rule: 404 outside the reach, 403 for a
    session seen but not managed."""
    session = session_selectors.session_by_id(user, pk)
    if not can_manage(user, session.organization):
        raise PermissionDenied
    return Rows(session_selectors.attendance_sheet(session),
                scope=f"{session.organization.code}-{session.held_on:%Y-%m-%d}")


def _submitted_on(person):
    submitted = person.commitment.submitted_at if person.commitment else None
    return timezone.localdate(submitted) if submitted else None


def _rating(person, field: str) -> str:
    level = getattr(person.commitment, field) if person.commitment else None
    return level.name if level else ""


COMMITMENT_COLUMNS = [
    Column("Họ và tên", lambda person: person.full_name, width=28),
    Column("Tình trạng đảng viên", lambda person: person.party_status.name, width=18),
    Column("Bản cam kết", lambda person: _commitment(person.commitment.status) if person.commitment else "Chưa lập",
           width=16),
    Column("Ngày nộp", _submitted_on, width=12),
    Column("Tự xếp loại", lambda person: _rating(person, "self_rating"), width=26),
    Column("Xếp loại của chi bộ", lambda person: _rating(person, "rating"), width=26),
]


def commitment_rows(user, query, *, code) -> Rows:
    """The unit's page of commitments for the year asked for (404 outside the reach)."""
    unit = commitment_selectors.unit_by_code(user, code)
    year = commitment_year(query)
    return Rows(commitment_selectors.unit_roster(unit, year).rows, scope=f"{unit.code}-{year}")


SESSIONS = register_list(ListExport(code="sessions", file_stem="buoi-sinh-hoat", sheet="Buổi sinh hoạt",
                                    label=_("Buổi sinh hoạt, học tập"), columns=SESSION_COLUMNS,
                                    source=session_rows))
ATTENDANCE = register_list(ListExport(code="attendance", file_stem="diem-danh", sheet="Điểm danh",
                                      label=_("Điểm danh buổi sinh hoạt"), columns=ATTENDANCE_COLUMNS,
                                      source=attendance_rows))
COMMITMENTS = register_list(ListExport(code="commitments", file_stem="ban-cam-ket", sheet="Bản cam kết",
                                       label=_("Bản cam kết"), columns=COMMITMENT_COLUMNS, source=commitment_rows))
