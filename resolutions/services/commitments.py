"""State changes of the commitments area.

A commitment (bản cam kết tu dưỡng, rèn luyện, phấn đấu) goes draft → submitted →
returned with a comment → submitted again → accepted; at year end its owner assesses
himself and the secretary rates it. Each step is one function that locks the row,
checks the state it starts from and who acts, and writes nothing when either is wrong.
The row history comes from the database trigger.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.access import can_manage
from portal.models import Organization, Person, Position
from portal.notifications import Email, notify
from resolutions.models import Commitment, RatingLevel, Theme
from resolutions.selectors.commitments import (
    NON_PARTY_STATUS,
    SECTION_FIELDS,
    evaluation_open,
    evaluation_opens_on,
    rating_levels,
)

Status = Commitment.Status
# Reminders sent by the daily schedule start on this day (month, day) of the year:
# members write their commitment in the first weeks of the year.
REMINDERS_START = (2, 1)
# Statuses that count as "filed": the member has handed it in at least once.
FILED = [Status.SUBMITTED, Status.RETURNED, Status.ACCEPTED]


def _is_owner(user, commitment_or_person) -> bool:
    person = getattr(commitment_or_person, "person", commitment_or_person)
    return user is not None and user.is_authenticated and person.user_id == user.pk


def _require_owner(user, commitment: Commitment) -> None:
    if not _is_owner(user, commitment):
        raise PermissionDenied(_("Chỉ người viết bản cam kết mới được sửa hoặc nộp bản cam kết này."))


def _require_reviewer(user, commitment: Commitment) -> None:
    if _is_owner(user, commitment):
        raise PermissionDenied(_("Bạn không thể tự duyệt hoặc xếp loại bản cam kết của chính mình."))
    if not can_manage(user, commitment.person.organization):
        raise PermissionDenied(_("Chỉ bí thư, cấp ủy quản lý đơn vị “%(unit)s” mới được duyệt và xếp loại "
                                 "bản cam kết này.") % {"unit": commitment.person.organization.name})


def _locked(commitment: Commitment, allowed: list[str], action: str) -> Commitment:
    """The row as it is now, locked for this transaction, in one of the `allowed` states."""
    current = Commitment.objects.select_for_update().select_related("person__organization").get(pk=commitment.pk)
    if current.status not in allowed:
        raise ValidationError(
            _("Không thể %(action)s: bản cam kết đang ở trạng thái “%(status)s”.")
            % {"action": action, "status": current.get_status_display()}, code="wrong_state")
    return current


def _save(commitment: Commitment, fields: list[str]) -> Commitment:
    commitment.save(update_fields=[*fields, "updated_at"])
    return commitment


def _clean_sections(sections: dict) -> dict:
    unknown = set(sections) - set(SECTION_FIELDS)
    if unknown:
        raise ValueError(f"not sections of a commitment: {sorted(unknown)}")
    return {name: (value or "").strip() for name, value in sections.items()}


def _check_theme(theme: Theme | None, year: int) -> None:
    if theme is not None and (theme.kind != Theme.Kind.YEAR or theme.year != year):
        raise ValidationError({"theme": _("Chọn chuyên đề hằng năm của năm %(year)d.") % {"year": year}})


# The first year a commitment may be filed or looked up for (the portal holds none older).
COMMITMENTS_SINCE = 2000


def allowed_years(today=None) -> range:
    """Years a member may open a commitment for: last year (late filers), this year, next year."""
    today = today or timezone.localdate()
    return range(today.year - 1, today.year + 2)


@transaction.atomic
def create_commitment(*, person: Person, year: int, by, theme: Theme | None = None, **sections) -> Commitment:
    """A new draft for `person` and `year`, written by the person himself."""
    if not _is_owner(by, person):
        raise PermissionDenied(_("Mỗi người tự viết bản cam kết của mình."))
    years = allowed_years()
    if year not in years:
        raise ValidationError({"year": _("Chỉ lập bản cam kết cho các năm %(first)d–%(last)d.")
                                       % {"first": years[0], "last": years[-1]}})
    _check_theme(theme, year)
    if theme is None:
        theme = Theme.objects.filter(kind=Theme.Kind.YEAR, year=year).order_by("title").first()
    if Commitment.objects.filter(person=person, year=year).exists():
        raise ValidationError(_("Bạn đã có bản cam kết năm %(year)d: mở bản đó để sửa, không lập bản mới.")
                              % {"year": year}, code="duplicate")
    commitment = Commitment(person=person, year=year, theme=theme, **_clean_sections(sections))
    commitment.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            commitment.save()
    except IntegrityError as exc:  # a second tab saved the same year a moment earlier
        raise ValidationError(_("Bạn đã có bản cam kết năm %(year)d: mở bản đó để sửa, không lập bản mới.")
                              % {"year": year}, code="duplicate") from exc
    return commitment


@transaction.atomic
def update_commitment(commitment: Commitment, *, by, theme: Theme | None = None, **sections) -> Commitment:
    """The owner edits his draft, or the commitment returned to him."""
    _require_owner(by, commitment)
    commitment = _locked(commitment, [Status.DRAFT, Status.RETURNED], _("sửa"))
    _check_theme(theme, commitment.year)
    fields = list(sections)
    for name, value in _clean_sections(sections).items():
        setattr(commitment, name, value)
    if theme is not None:
        commitment.theme = theme
        fields.append("theme")
    return _save(commitment, fields)


@transaction.atomic
def submit_commitment(commitment: Commitment, *, by) -> Commitment:
    """Hand the draft (or the revised commitment) to the secretary; every section must be filled."""
    _require_owner(by, commitment)
    commitment = _locked(commitment, [Status.DRAFT, Status.RETURNED], _("nộp"))
    empty = {name: _("Mục này cần được viết trước khi nộp.") for name in SECTION_FIELDS
             if not getattr(commitment, name).strip()}
    if empty:
        raise ValidationError(empty)
    resubmitted = commitment.status == Status.RETURNED
    commitment.status = Status.SUBMITTED
    commitment.submitted_at = timezone.now()
    _save(commitment, ["status", "submitted_at"])
    _notify_reviewers(commitment, resubmitted=resubmitted)
    return commitment


def _notify_reviewers(commitment: Commitment, *, resubmitted: bool) -> None:
    """Tell the unit's cấp ủy (the managing positions held at the member's own unit) that a
    commitment waits for them: one notification per submission, keyed by its time."""
    person = commitment.person
    reviewers = (Position.objects.current().filter(organization_id=person.organization_id, role__manages_subtree=True,
                                                   person__user__isnull=False)
                 .exclude(person__user_id=person.user_id).values("person__user_id"))
    values = {"name": person.full_name, "year": commitment.year}
    text = (_("%(name)s đã sửa và nộp lại bản cam kết năm %(year)d.") if resubmitted
            else _("%(name)s đã nộp bản cam kết năm %(year)d, chờ bạn duyệt.")) % values
    notify(reviewers, text, link=reverse("commitment_detail", args=[commitment.pk]),
           key=f"commitment-{commitment.pk}-submitted-{commitment.submitted_at:%Y%m%d%H%M%S%f}")


def _notify_owner(commitment: Commitment, text: str) -> None:
    """Tell the owner about the secretary's decision: one notification per review."""
    if commitment.person.user_id is None:
        return
    notify([commitment.person.user_id], text, link=reverse("commitment_detail", args=[commitment.pk]),
           key=f"commitment-{commitment.pk}-{commitment.status}-{commitment.reviewed_at:%Y%m%d%H%M%S%f}")


@transaction.atomic
def return_commitment(commitment: Commitment, *, by, comment: str) -> Commitment:
    """The secretary sends a submitted commitment back, saying what to change."""
    _require_reviewer(by, commitment)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Ghi ý kiến để người viết biết cần sửa gì.")})
    commitment = _locked(commitment, [Status.SUBMITTED], _("trả lại"))
    commitment.status = Status.RETURNED
    commitment.review_comment = comment
    commitment.reviewed_by, commitment.reviewed_at = by, timezone.now()
    _save(commitment, ["status", "review_comment", "reviewed_by", "reviewed_at"])
    _notify_owner(commitment, _("Bản cam kết năm %(year)d của bạn được trả lại để sửa: %(comment)s")
                  % {"year": commitment.year, "comment": comment})
    return commitment


@transaction.atomic
def accept_commitment(commitment: Commitment, *, by, comment: str = "") -> Commitment:
    """The secretary accepts a submitted commitment."""
    _require_reviewer(by, commitment)
    commitment = _locked(commitment, [Status.SUBMITTED], _("duyệt"))
    commitment.status = Status.ACCEPTED
    commitment.review_comment = (comment or "").strip()
    commitment.reviewed_by, commitment.reviewed_at = by, timezone.now()
    _save(commitment, ["status", "review_comment", "reviewed_by", "reviewed_at"])
    _notify_owner(commitment, _("Bản cam kết năm %(year)d của bạn đã được duyệt.") % {"year": commitment.year})
    return commitment


def _check_evaluation_window(commitment: Commitment) -> None:
    if not evaluation_open(commitment.year):
        raise ValidationError(_("Việc đánh giá cuối năm %(year)d bắt đầu từ ngày %(date)s.") % {
            "year": commitment.year, "date": evaluation_opens_on(commitment.year).strftime("%d/%m/%Y")},
            code="too_early")


def _check_level(level: RatingLevel | None, year: int, field: str) -> None:
    if level is None or not rating_levels(year).filter(pk=level.pk).exists():
        raise ValidationError({field: _("Chọn một mức xếp loại đang có hiệu lực.")})


@transaction.atomic
def self_assess(commitment: Commitment, *, by, self_assessment: str, self_rating: RatingLevel | None
                ) -> Commitment:
    """The owner's year-end self-assessment and self-rating, until the secretary rates."""
    _require_owner(by, commitment)
    commitment = _locked(commitment, [Status.ACCEPTED], _("tự đánh giá"))
    _check_evaluation_window(commitment)
    if commitment.rating_id is not None:
        raise ValidationError(_("Chi bộ đã xếp loại bản cam kết này; không sửa tự đánh giá được nữa."),
                              code="already_rated")
    self_assessment = (self_assessment or "").strip()
    if not self_assessment:
        raise ValidationError({"self_assessment": _("Viết phần tự đánh giá việc thực hiện cam kết.")})
    _check_level(self_rating, commitment.year, "self_rating")
    commitment.self_assessment, commitment.self_rating = self_assessment, self_rating
    return _save(commitment, ["self_assessment", "self_rating"])


@transaction.atomic
def rate_commitment(commitment: Commitment, *, by, rating: RatingLevel | None) -> Commitment:
    """The secretary's official rating at year end, only on an accepted commitment."""
    _require_reviewer(by, commitment)
    commitment = _locked(commitment, [Status.ACCEPTED], _("xếp loại"))
    _check_evaluation_window(commitment)
    _check_level(rating, commitment.year, "rating")
    commitment.rating, commitment.rated_by, commitment.rated_at = rating, by, timezone.now()
    return _save(commitment, ["rating", "rated_by", "rated_at"])


# --- Reminders ------------------------------------------------------------------------------


def missing_filers(year: int, unit: Organization | None = None):
    """People with an active account who are expected to file for `year` and have not
    handed a commitment in (none, or a draft only)."""
    people = Person.objects.filter(user__isnull=False, user__is_active=True, organization__active=True).filter(
        Q(party_status__expected_at_meetings=True) | Q(party_status__code=NON_PARTY_STATUS))
    if unit is not None:
        people = people.filter(organization=unit)
    return people.exclude(commitments__year=year, commitments__status__in=FILED)


def reminder_key(year: int) -> str:
    return f"commitment-missing-{year}"


def send_missing_reminders(*, year: int, unit: Organization | None = None) -> int:
    """An on-screen notification, and an email where the account has an address, to each
    person who has not filed for `year`. Once per person and year: the notification's
    unique (user, key) decides, so a second or a concurrent run sends nothing again."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Bạn chưa nộp bản cam kết tu dưỡng, rèn luyện, phấn đấu năm %(year)d. "
                 "Hãy viết và nộp để chi bộ xem xét.") % {"year": year}
        subject = _("Nhắc nộp bản cam kết tu dưỡng, rèn luyện, phấn đấu năm %(year)d") % {"year": year}
        link = f"{reverse('commitment_create')}?year={year}"
        body = _("%(text)s\n\nVào cổng thông tin để viết bản cam kết: %(url)s") % {
            "text": text, "url": settings.PORTAL_BASE_URL + link}
    return notify(missing_filers(year, unit).values_list("user_id", flat=True), text, link=link,
                  key=reminder_key(year), email=Email(subject, body))


def request_reminders(*, unit: Organization, year: int, by) -> None:
    """The secretary's button: remind his unit's missing filers, once the request commits."""
    if not can_manage(by, unit):
        raise PermissionDenied(_("Chỉ bí thư, cấp ủy quản lý đơn vị mới được gửi nhắc nhở."))
    from resolutions.tasks import remind_missing_commitments

    transaction.on_commit(lambda: remind_missing_commitments.delay(year, unit.pk))
