"""Pages of an import: the upload form (with the template to fill and the unit's past
imports), the batch's page (the job's progress bar while a large file is checked or written,
then the preview with its bad rows, then what was written) and the confirmation. Every step
goes through the import services (portal.spreadsheets.imports), as the API and the commands do."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.files import download_url
from portal.spreadsheets import imports, selectors
from portal.spreadsheets.download import template_response
from portal.spreadsheets.forms import UploadForm
from portal.spreadsheets.models import ImportBatch
from portal.spreadsheets.safety import SpreadsheetRefused


@login_required
@require_GET
def import_template(request, code):
    return template_response(selectors.format_or_404(code))


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request, code, target_id):
    """The upload form for one target; a refused file is said on the form, which keeps its place."""
    fmt = selectors.format_or_404(code)
    target = fmt.target(request.user, target_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = imports.stage_import(user=request.user, format_code=fmt.code, target_id=target_id,
                                         upload=upload, filename=upload.name)
        except SpreadsheetRefused as refused:
            form.add_error("file", str(refused))
        else:
            return redirect("import_batch", batch.pk)
    organization = fmt.target_organization(target)
    return render(request, "spreadsheets/upload.html", {
        "fmt": fmt, "target": target, "target_name": fmt.describe_target(target), "target_url": fmt.target_url(target),
        "target_key": fmt.target_key(target), "organization": organization, "form": form,
        "history": selectors.batches_of(request.user, fmt, organization),
    }, status=400 if form.errors else 200)


def _writable_target(fmt, user, batch):
    """The batch's target if the user may still write it, else None: the page still shows what
    the batch held or did, without the button to confirm it."""
    try:
        return fmt.target(user, batch.target_id)
    except (Http404, PermissionDenied):
        return None


@login_required
@require_GET
def import_batch(request, pk):
    batch = selectors.batch_for(request.user, pk)
    in_job = batch.status in (ImportBatch.Status.PLANNING, ImportBatch.Status.APPLYING)
    # A job that ended without moving the batch on (cancelled, or stopped by a fault) leaves it waiting.
    working = in_job and (batch.job is None or batch.job.is_active)
    if request.headers.get("HX-Request"):
        # The page's poll while a job checks or writes the file: nothing yet, or reload it.
        return HttpResponse(status=204) if working else HttpResponse(headers={"HX-Refresh": "true"})
    fmt = selectors.format_or_404(batch.format_code)
    target = _writable_target(fmt, request.user, batch)
    summary, preview = batch.summary, batch.preview
    return render(request, "spreadsheets/batch.html", {
        "batch": batch, "fmt": fmt, "target": target,
        "target_name": fmt.describe_target(target) if target is not None else batch.organization.name,
        "target_url": fmt.target_url(target) if target is not None else None,
        "summary": summary, "created": preview.get("created", []), "changed": preview.get("changed", []),
        "problems": preview.get("problems", []),
        "more_created": max(0, summary.get("created", 0) - len(preview.get("created", []))),
        "more_changed": max(0, summary.get("changed", 0) - len(preview.get("changed", []))),
        "more_problems": max(0, summary.get("problems", 0) - len(preview.get("problems", []))),
        "rejected_url": download_url("import-rejected", batch) if batch.rejected_file else None,
        "may_confirm": batch.is_ready and target is not None,
        "working": working, "stopped": in_job and not working,
    })


@login_required
@require_POST
def import_confirm(request, pk):
    batch = selectors.batch_for(request.user, pk)
    try:
        batch = imports.confirm_import(batch, user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        if batch.status == ImportBatch.Status.APPLIED:
            messages.success(request, _("Đã nhập xong tệp %(name)s.") % {"name": batch.filename})
    return redirect("import_batch", batch.pk)
