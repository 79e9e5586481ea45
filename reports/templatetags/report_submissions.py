"""The state of a unit's report as every page shows it: a badge per status, and "Nộp muộn"
beside it when late (the status names live here, never in templates)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from reports.models import Submission

register = template.Library()
Status = Submission.Status

BADGES = {
    Status.OPEN: "text-bg-light border",
    Status.DRAFTING: "text-bg-info",
    Status.SUBMITTED: "text-bg-primary",
    Status.ACCEPTED: "text-bg-success",
    Status.RETURNED: "text-bg-warning",
}


@register.simple_tag
def submission_state(submission: Submission):
    badge = format_html('<span class="badge {}" data-state="{}">{}</span>', BADGES[submission.status],
                        submission.status, submission.get_status_display())
    if submission.late:
        badge += format_html(' <span class="badge text-bg-danger" data-late>{}</span>', _("Nộp muộn"))
    return badge


@register.simple_tag
def days_left_text(submission: Submission, today):
    """"còn 10 ngày", "hôm nay là hạn", "quá hạn 3 ngày"; nothing once submitted."""
    if submission.status in (Status.SUBMITTED, Status.ACCEPTED):
        return ""
    days = (submission.due_on - today).days
    if days > 0:
        return _("còn %(n)d ngày") % {"n": days}
    if days == 0:
        return _("hôm nay là hạn")
    return _("quá hạn %(n)d ngày") % {"n": -days}
