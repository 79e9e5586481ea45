"""What a report is asked for, checked in one place for the API, the pages and the command:
a kind, a unit within the user's reach and a period the kind allows."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import Action, restrict
from portal.asof import Period, existed_during
from portal.inputs import FIRST_YEAR, parse_year
from portal.models import Organization
from reports.models import ReportKind


def report_target(user, kind_code, unit_code, year, years=None, *,
                  action: Action = Action.REPORT) -> tuple[ReportKind, Organization, Period]:
    """The (kind, unit, period) of a report on `kind_code` for the unit `unit_code` over the
    `years` calendar years ending with `year` (the kind's shortest span when not given).

    Raises ValidationError (Vietnamese, by field: kind, year, years, unit) for an unknown kind,
    a year not yet begun, a span the kind does not allow or a unit that did not exist in the
    period; Http404 for a unit unknown or outside where `user` may do `action` (a `Reach`
    stands for the user in system work)."""
    last_year = parse_year(year, last=timezone.localdate().year)
    if last_year is None:
        raise ValidationError({"year": _("Chọn năm báo cáo.")})
    kind = ReportKind.objects.filter(code=str(kind_code or "").strip()).first()
    if kind is None:
        raise ValidationError({"kind": _("Không có loại báo cáo “%(code)s”.") % {"code": kind_code or ""}})
    span = _span(kind, years)
    if last_year - span + 1 < FIRST_YEAR:
        raise ValidationError({"years": _("Kỳ báo cáo bắt đầu trước năm %(first)d.") % {"first": FIRST_YEAR}})
    period = Period.years(last_year, span)
    if not ReportKind.objects.in_force(period.end).filter(pk=kind.pk).exists():
        raise ValidationError({"kind": _("Loại báo cáo “%(name)s” không áp dụng cho kỳ %(period)s.")
                               % {"name": kind.name, "period": period.label}})
    if not str(unit_code or "").strip():
        raise ValidationError({"unit": _("Chọn đơn vị lập báo cáo.")})
    units = restrict(Organization.objects.select_related("level", "parent"), user, action)
    unit = units.filter(code=str(unit_code or "").strip()).first()
    if unit is None:
        raise Http404
    if not existed_during(unit, period):
        raise ValidationError({"unit": _("Đơn vị “%(name)s” không hoạt động trong kỳ %(period)s.")
                               % {"name": unit.name, "period": period.label}})
    return kind, unit, period


def _span(kind: ReportKind, years) -> int:
    allowed = sorted(kind.spans) or [1]
    if years in (None, ""):
        return allowed[0]
    try:
        span = int(str(years).strip())
    except ValueError:
        span = 0
    if span not in allowed:
        raise ValidationError({"years": _("Báo cáo “%(name)s” lập cho kỳ %(spans)s năm.")
                               % {"name": kind.name, "spans": ", ".join(str(n) for n in allowed)}})
    return span
