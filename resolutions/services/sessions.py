"""State changes of the sessions area: sessions, the attendance sheet, apologies and QR
check-in. Each validates fully and answers bad input with a Vietnamese ValidationError,
writing nothing; pages, the API and the admin call the same functions."""

import datetime
import enum
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from portal.access import can_manage, restrict
from portal.models import Person
from portal.selectors import own_person
from resolutions.models import Attendance, Document, StudyCampaign, StudySession
from resolutions.selectors import sessions as selectors

Status = Attendance.Status
Method = Attendance.Method

_QR_SALT = "resolutions.sessions.checkin"


def max_days_ahead() -> int:
    """How far ahead a session may be scheduled: a typo in the year ("2062") is caught."""
    return settings.STUDY_SESSION_MAX_DAYS_AHEAD


def qr_lifetime() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.STUDY_CHECKIN_QR_SECONDS)


def qr_slot_seconds() -> int:
    """How often the secretary's screen shows a new code: half a code's life, so a code
    scanned just before it is replaced still has time to be confirmed."""
    return max(1, settings.STUDY_CHECKIN_QR_SECONDS // 2)


# --- Sessions --------------------------------------------------------------------------------

SESSION_FIELDS = ("organization", "kind", "held_on", "starts_at", "format", "place", "bridge_points", "presenter",
                  "campaign", "notes")


def check_session(session: StudySession, *, user, documents) -> None:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if session.organization_id is None or not can_manage(user, session.organization):
        add("organization", _("Bạn không quản lý đơn vị này nên không ghi được buổi sinh hoạt của đơn vị."))
    if session.held_on:
        latest = timezone.localdate() + datetime.timedelta(days=max_days_ahead())
        if session.held_on > latest:
            add("held_on", _("Ngày sinh hoạt không được sau hôm nay quá %(days)d ngày (muộn nhất %(date)s). "
                             "Kiểm tra lại ngày, tháng, năm.")
                % {"days": max_days_ahead(), "date": date_format(latest, "SHORT_DATE_FORMAT")})
    if session.format == StudySession.Format.ONLINE and not session.bridge_points:
        add("bridge_points", _("Buổi trực tuyến cần ghi số điểm cầu (ít nhất 1)."))
    if session.format == StudySession.Format.IN_PERSON and not session.place.strip():
        add("place", _("Buổi tập trung cần ghi địa điểm."))
    visible_documents = set(restrict(Document.objects.filter(pk__in=[d.pk for d in documents]), user)
                            .values_list("pk", flat=True))
    if any(d.pk not in visible_documents for d in documents):
        add("documents", _("Có văn bản không tìm thấy trong phạm vi bạn được xem."))
    if session.campaign_id and not restrict(StudyCampaign.objects.filter(pk=session.campaign_id), user).exists():
        add("campaign", _("Không tìm thấy đợt học tập này trong phạm vi bạn được xem."))
    if errors:
        raise ValidationError(errors)
    session.full_clean(exclude=["documents", "created_by"])


@transaction.atomic
def create_session(*, user, documents=(), **fields) -> StudySession:
    session = StudySession(created_by=user if user.is_authenticated else None, **fields)
    documents = list(documents)
    check_session(session, user=user, documents=documents)
    session.save()
    session.documents.set(documents)
    return session


@transaction.atomic
def update_session(session: StudySession, *, user, documents=None, **fields) -> StudySession:
    """Change a session; its unit may change only to another unit the user manages."""
    if not can_manage(user, session.organization):
        raise ValidationError(_("Bạn không quản lý đơn vị của buổi sinh hoạt này nên không sửa được."))
    for name, value in fields.items():
        if name not in SESSION_FIELDS:
            raise TypeError(name)
        setattr(session, name, value)
    documents = list(session.documents.all()) if documents is None else list(documents)
    check_session(session, user=user, documents=documents)
    session.save()
    session.documents.set(documents)
    return session


# --- The attendance sheet --------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """One line of a posted sheet, as received (validated by `record_attendance`)."""

    person: object
    status: str
    reason: str = ""


class SheetError(ValidationError):
    """A refused sheet: the messages, and the people whose lines are at fault."""

    def __init__(self, messages: list[str], people: set[int]):
        super().__init__(messages)
        self.people = people


def _names(ids, known: dict[int, str], user) -> str:
    """Names for a message; a person the user may not see is named by his number only."""
    unknown = [i for i in ids if i not in known]
    if unknown:
        known = {**known, **dict(restrict(Person.objects.filter(pk__in=unknown), user)
                                 .values_list("pk", "full_name"))}
    return ", ".join(known.get(i) or _("người có mã %(id)s") % {"id": i} for i in ids)


_UPSERT_SQL = """
    INSERT INTO resolutions_attendance (session_id, person_id, status, reason, method, checked_in_at, updated_at)
    SELECT %(session)s, t.person, t.status, t.reason, %(method)s, %(now)s, %(now)s
      FROM unnest(%(people)s::bigint[], %(statuses)s::text[], %(reasons)s::text[]) AS t(person, status, reason)
    ON CONFLICT (session_id, person_id) DO UPDATE
       SET status = EXCLUDED.status, reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at,
           -- An unchanged status keeps how it was recorded (a QR check-in, an apology).
           method = CASE WHEN resolutions_attendance.status = EXCLUDED.status
                         THEN resolutions_attendance.method ELSE EXCLUDED.method END,
           checked_in_at = CASE WHEN resolutions_attendance.status = EXCLUDED.status
                                THEN resolutions_attendance.checked_in_at ELSE EXCLUDED.checked_in_at END
     WHERE (resolutions_attendance.status, resolutions_attendance.reason)
           IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.reason)
"""


@transaction.atomic
def record_attendance(*, session: StudySession, by, marks) -> dict[str, int]:
    """Save the whole sheet of a session in one statement, whatever its length: every
    expected member exactly once, nobody else. All or nothing; history by the trigger."""
    if not can_manage(by, session.organization):
        raise SheetError([_("Bạn không quản lý đơn vị của buổi sinh hoạt này nên không điểm danh được.")], set())
    if session.held_on > timezone.localdate():
        raise SheetError([_("Buổi sinh hoạt chưa diễn ra: điểm danh từ ngày %(date)s.")
                          % {"date": date_format(session.held_on, "SHORT_DATE_FORMAT")}], set())
    messages, culprits = [], set()
    lines: dict[int, Mark] = {}
    duplicates, bad_status, no_reason, too_long = [], [], [], []
    for mark in marks:
        try:
            pid = int(mark.person)
        except (TypeError, ValueError):
            messages.append(_("Mã người “%(value)s” không hợp lệ.") % {"value": mark.person})
            continue
        if pid in lines:
            duplicates.append(pid)
            continue
        reason = " ".join((mark.reason or "").split())
        lines[pid] = Mark(pid, mark.status, reason)
        if mark.status not in Status.values:
            bad_status.append(pid)
        elif mark.status == Status.EXCUSED and not reason:
            no_reason.append(pid)
        if len(reason) > 300:
            too_long.append(pid)
    expected = dict(selectors.expected_members(session).values_list("pk", "full_name"))
    outsiders = [pid for pid in lines if pid not in expected]
    missing = [pid for pid in expected if pid not in lines]
    for ids, message in [
        (duplicates, _("Mỗi người chỉ được điểm danh một lần; có dòng trùng: %(names)s.")),
        (outsiders, _("Không thuộc danh sách phải dự buổi sinh hoạt này của %(unit)s: %(names)s. "
                      "Không ghi gì cả.")),
        (missing, _("Danh sách điểm danh thiếu: %(names)s. Tải lại trang để có danh sách mới nhất.")),
        (bad_status, _("Tình trạng không hợp lệ ở dòng của: %(names)s.")),
        (no_reason, _("Vắng có lý do cần ghi lý do: %(names)s.")),
        (too_long, _("Lý do dài quá 300 ký tự: %(names)s.")),
    ]:
        if ids:
            messages.append(message % {"names": _names(ids, expected, by), "unit": session.organization.name})
            culprits |= set(ids)
    if messages:
        raise SheetError(messages, culprits)
    rows = list(lines.values())
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL, {
            "session": session.pk, "method": Method.SECRETARY, "now": timezone.now(),
            "people": [m.person for m in rows], "statuses": [m.status for m in rows],
            "reasons": [m.reason for m in rows],
        })
    return selectors.sheet_summary(rows)


# --- Apologies (xin vắng) ----------------------------------------------------------------------


@transaction.atomic
def send_apology(*, session: StudySession, user, reason: str) -> Attendance:
    """A member says beforehand that he cannot come: his absence becomes excused."""
    person = own_person(user)
    reason = " ".join((reason or "").split())
    if person is None or person.organization_id != session.organization_id:
        raise ValidationError(_("Chỉ đảng viên sinh hoạt tại %(unit)s mới xin vắng được buổi này.")
                              % {"unit": session.organization.name})
    if not selectors.is_expected(session, person):
        raise ValidationError(_("Bạn không thuộc diện phải dự buổi sinh hoạt này nên không cần xin vắng."))
    if selectors.has_started(session):
        raise ValidationError(_("Buổi sinh hoạt đã bắt đầu (%(start)s): không xin vắng được nữa. "
                                "Hãy báo trực tiếp với bí thư chi bộ.")
                              % {"start": _when(selectors.session_start(session))})
    if not reason:
        raise ValidationError({"reason": [_("Ghi lý do xin vắng.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Lý do dài quá 300 ký tự.")]})
    attendance, _created = Attendance.objects.update_or_create(
        session=session, person=person,
        defaults={"status": Status.EXCUSED, "reason": reason, "method": Method.APOLOGY,
                  "checked_in_at": timezone.now()})
    return attendance


def _when(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{time_format(local, 'TIME_FORMAT')} {date_format(local, 'SHORT_DATE_FORMAT')}"


# --- QR check-in -----------------------------------------------------------------------------


def checkin_token(session: StudySession) -> str:
    """The code of the current time slot: the session and the slot, signed with a timestamp;
    `read_checkin_code` refuses it once it is older than `qr_lifetime`."""
    slot = int(time.time() // qr_slot_seconds())
    return signing.TimestampSigner(salt=_QR_SALT).sign(f"{session.pk}.{slot}")


def may_open_checkin(session: StudySession) -> bool:
    """The QR is shown only on the session's own day."""
    return session.held_on == timezone.localdate()


@dataclass(frozen=True)
class CheckinCode:
    """What a valid, fresh code admits: this person at this session."""

    session: StudySession
    person: Person


def read_checkin_code(*, token: str, user) -> CheckinCode:
    """Validate a scanned code for the user, writing nothing: only a member of the session's
    unit who is expected there, only on its day, only while the code is fresh."""
    try:
        value = signing.TimestampSigner(salt=_QR_SALT).unsign(token, max_age=qr_lifetime())
        session_id = int(value.split(".")[0])
    except signing.SignatureExpired:
        raise ValidationError(_("Mã QR đã hết hạn. Quét lại mã đang hiển thị trên màn hình của bí thư.")) from None
    except (signing.BadSignature, ValueError):
        raise ValidationError(_("Mã QR không hợp lệ. Quét lại mã đang hiển thị trên màn hình của bí thư.")) from None
    session = StudySession.objects.select_related("organization").filter(pk=session_id).first()
    if session is None:
        raise ValidationError(_("Buổi sinh hoạt này không còn nữa."))
    person = own_person(user)
    if person is None or person.organization_id != session.organization_id:
        raise ValidationError(_("Mã QR này dành cho buổi sinh hoạt của một chi bộ khác; bạn không điểm danh "
                                "được bằng mã này."))
    if not may_open_checkin(session):
        raise ValidationError(_("Chỉ điểm danh bằng mã QR trong ngày diễn ra buổi sinh hoạt."))
    if not selectors.is_expected(session, person):
        raise ValidationError(_("Bạn không thuộc diện phải dự buổi sinh hoạt này (ví dụ: đang miễn sinh hoạt "
                                "hoặc đã chuyển sinh hoạt), nên không ghi điểm danh."))
    return CheckinCode(session, person)


class ScanOutcome(enum.Enum):
    RECORDED = "recorded"  # now present
    ALREADY_PRESENT = "already_present"  # present before: a success too
    REFUSED = "refused"  # the secretary marked him absent; the attempt is kept for the secretary


@dataclass(frozen=True)
class ScanResult:
    outcome: ScanOutcome
    attendance: Attendance


# One conditional statement: two scans at once cannot both win, and a mark the secretary
# made is never overridden (an apology is: the member came after all).
_CHECK_IN_SQL = """
    INSERT INTO resolutions_attendance (session_id, person_id, status, reason, method, checked_in_at, updated_at)
    VALUES (%(session)s, %(person)s, %(present)s, '', %(qr)s, %(now)s, %(now)s)
    ON CONFLICT (session_id, person_id) DO UPDATE
       SET status = EXCLUDED.status, reason = '', method = EXCLUDED.method,
           checked_in_at = EXCLUDED.checked_in_at, updated_at = EXCLUDED.updated_at
     WHERE resolutions_attendance.status <> EXCLUDED.status
       AND resolutions_attendance.method <> %(secretary)s
    RETURNING id
"""


@transaction.atomic
def check_in_by_qr(*, token: str, user) -> ScanResult:
    """The member's confirmation (a POST) of a scanned code: marks him present unless he is
    already, or the secretary has marked him absent (then the refused scan is kept on his
    row for the secretary to see). Refusals of the code itself raise ValidationError."""
    code = read_checkin_code(token=token, user=user)
    now = timezone.now()
    params = {"session": code.session.pk, "person": code.person.pk, "present": Status.PRESENT, "qr": Method.QR,
              "secretary": Method.SECRETARY, "now": now}
    with connection.cursor() as cursor:
        cursor.execute(_CHECK_IN_SQL, params)
        written = cursor.fetchone()
    attendance = Attendance.objects.select_related("session__organization").get(
        session=code.session, person=code.person)
    if written is not None:
        return ScanResult(ScanOutcome.RECORDED, attendance)
    if attendance.status == Status.PRESENT:
        return ScanResult(ScanOutcome.ALREADY_PRESENT, attendance)
    attendance.refused_scan_at = now
    attendance.save(update_fields=["refused_scan_at", "updated_at"])
    return ScanResult(ScanOutcome.REFUSED, attendance)
