"""Pages of the reports units submit up the tree: the list of those the user deals with,
and a unit's report page (the narrative saved as one types, the figures, runs and their
files, submit; for the superior, each subordinate's state with accept and return). Thin:
forms read the input, services decide, selectors read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.access import Action, reach_of
from reports import runs_selectors
from reports import submission_selectors as selectors
from reports.figures_cache import report_figures
from reports.selectors import report_target
from reports.services import calendar, runs
from reports.services import submissions as services
from reports.submission_forms import HEADING, NarrativeForm, ReturnForm, SubmissionFilterForm

LISTED = 200  # rows of a list table; the filters narrow a province's list


def _target(user, code: str, kind: str, period: str):
    """The page's (kind, unit, period): 404 for anything that is no report in reach."""
    year, span = selectors.year_and_span(period)
    try:
        return report_target(user, kind, code, year, span, action=Action.VIEW)
    except ValidationError:
        raise Http404 from None


def _refused(request, error: Exception) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(error))


@login_required
@require_GET
def submission_list(request):
    form = SubmissionFilterForm(request.GET)
    filters = form.filters()
    own = list(selectors.own_submissions(request.user, filters)[:LISTED])
    below = selectors.subordinate_submissions(request.user, filters)
    listed_below = list(below[:LISTED])
    for submission in [*own, *listed_below]:
        submission.url = selectors.report_url(submission)
    return render(request, "reports/submissions/list.html", {
        "form": form, "own": own, "below": listed_below,
        "below_counts": selectors.state_counts(below), "today": timezone.localdate(),
        "listed": LISTED})


@login_required
@require_GET
def report_unit(request, code, kind, period):
    kind, unit, period = _target(request.user, code, kind, period)
    user = request.user
    reach = reach_of(user)
    submission = selectors.submission_for(kind, unit, period)
    live = report_figures(kind, unit, period)
    latest = runs_selectors.latest_run(kind, unit, period)
    context = {
        "kind": kind, "unit": unit, "period": period, "submission": submission,
        "period_slug": selectors.period_slug(period), "today": timezone.localdate(),
        "may_report": reach.allows(Action.REPORT, unit.path),
        "live_rows": selectors.figure_rows(live), "latest": latest,
        "latest_files": runs_selectors.run_files(latest) if latest else [],
        "latest_running": latest is not None and latest.job is not None and latest.job.is_active,
    }
    if context["may_report"]:
        # The superior's view: the reports of the units directly below, for the same kind and period.
        children = list(selectors.children_reports(kind, unit, period))
        for child in children:
            child.url = selectors.report_url(child)
            child.may_decide = child.status == child.Status.SUBMITTED and services.may_decide(user, child)
        context.update(children=children,
                       children_counts=selectors.state_counts(selectors.children_reports(kind, unit, period)))
    if submission is not None:
        context.update(
            sections=selectors.sections_of(submission), events=selectors.events_of(submission),
            may_write=submission.is_editable and services.may_write(user, submission),
            may_decide=submission.status == submission.Status.SUBMITTED and services.may_decide(user, submission),
            form=NarrativeForm(submission=submission), heading_code=HEADING)
        if submission.run_id is not None:
            submitted_run = runs_selectors.with_details(
                runs_selectors.runs_visible_to(user).filter(pk=submission.run_id)).first()
            context.update(submitted_run=submitted_run,
                           submitted_files=runs_selectors.run_files(submitted_run) if submitted_run else [],
                           submitted_rows=selectors.figure_rows(submitted_run.figures) if submitted_run else [],
                           changed=selectors.changed_figures(submitted_run.figures if submitted_run else None, live))
    return render(request, "reports/submissions/unit.html", context)


def _back(submission):
    return redirect(selectors.report_url(submission))


@login_required
@require_POST
def report_open(request, code, kind, period):
    """Open the unit's report for a period the calendar does not open (or has not yet)."""
    kind, unit, period = _target(request.user, code, kind, period)
    if not reach_of(request.user).allows(Action.REPORT, unit.path):
        raise PermissionDenied(_("Chỉ người được giao lập báo cáo của “%(unit)s” mới được mở báo cáo này.")
                               % {"unit": unit.name})
    submission = calendar.open_submission(kind, unit, period)
    return _back(submission)


@login_required
@require_POST
def report_run_start(request, code, kind, period):
    """"Lập báo cáo": figures and files computed now, with the narrative as it stands."""
    kind, unit, period = _target(request.user, code, kind, period)
    submission = selectors.submission_for(kind, unit, period)
    narrative = selectors.effective_narrative(submission) if submission else {
        section["code"]: section.get("default", "") for section in kind.sections}
    try:
        runs.start_run(user=request.user, kind=kind, unit=unit, period=period, narrative=narrative,
                       number=submission.number if submission else "", place=submission.place if submission else "")
    except PermissionDenied as error:
        _refused(request, error)
    else:
        messages.success(request, _("Đã bắt đầu lập báo cáo: theo dõi tiến độ ngay trên trang này."))
    return redirect(reverse("report_unit", args=[unit.code, kind.code, selectors.period_slug(period)]) + "#run")


@login_required
@require_POST
def report_narrative(request, pk):
    """Save the narrative: one section as one types (htmx answers the "saved at" note and
    the section's history), or the whole form from a browser without JavaScript."""
    submission = selectors.submission_by_id(request.user, pk)
    form = NarrativeForm(request.POST, submission=submission)
    htmx = request.headers.get("HX-Request") == "true"
    section = request.POST.get("section", "")
    error = None
    try:
        if not form.is_valid():
            raise ValidationError([message for errors in form.errors.values() for message in errors])
        texts = form.texts()
        if htmx and section == HEADING:
            texts = {}
        elif htmx and section:
            if section not in texts:
                raise ValidationError(_("Báo cáo này không có phần “%(section)s”.") % {"section": section})
            texts = {section: texts[section]}
        with transaction.atomic():  # the whole form or nothing
            for code, text in texts.items():
                submission = services.save_narrative(submission, user=request.user, section=code, text=text)
            if (section == HEADING or not htmx) and ("number" in request.POST or "place" in request.POST):
                submission = services.save_heading(submission, user=request.user,
                                                   number=form.cleaned_data["number"],
                                                   place=form.cleaned_data["place"])
    except (ValidationError, PermissionDenied) as refusal:
        error = refusal
    if htmx:
        sections = [s for s in selectors.sections_of(submission) if s.code == section]
        return render(request, "reports/submissions/_saved.html", {
            "section": sections[0] if sections else None, "code": section, "saved_at": timezone.now(),
            "error": " ".join(error.messages) if isinstance(error, ValidationError) else (str(error) if error else "")})
    if error is not None:
        _refused(request, error)
    else:
        messages.success(request, _("Đã lưu nội dung báo cáo."))
    return _back(submission)


def _transition(request, pk, function, success: str, **kwargs):
    submission = selectors.submission_by_id(request.user, pk)
    try:
        submission = function(submission, user=request.user, **kwargs)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, success % {"unit": submission.organization.name})
    return submission


@login_required
@require_POST
def report_submit(request, pk):
    submission = _transition(request, pk, services.submit,
                             _("Đã nộp báo cáo của %(unit)s lên cấp trên; số liệu và tệp được lập kèm."))
    return _back(submission)


def _superior_page(request, submission):
    """Back to the page the superior decided from (his own unit's report), else the report's."""
    next_url = request.POST.get("next_url", "")
    if next_url.startswith("/reports/") and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
        return redirect(next_url)
    return _back(submission)


@login_required
@require_POST
def report_accept(request, pk):
    submission = _transition(request, pk, services.accept, _("Đã nhận báo cáo của %(unit)s."))
    return _superior_page(request, submission)


@login_required
@require_POST
def report_return(request, pk):
    form = ReturnForm(request.POST)
    comment = request.POST.get("comment", "") if not form.is_valid() else form.cleaned_data["comment"]
    submission = _transition(request, pk, services.return_submission,
                             _("Đã trả lại báo cáo của %(unit)s kèm ý kiến."), comment=comment)
    return _superior_page(request, submission)
