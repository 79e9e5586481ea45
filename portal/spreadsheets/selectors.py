"""Reading imports for the pages and the API: always through `imports.visible_batches` (the
batch's creator, and those who may write its unit's data of that kind)."""

from django.db.models import QuerySet
from django.http import Http404

from portal.spreadsheets.imports import ImportFormat, get_format, visible_batches
from portal.spreadsheets.models import ImportBatch

HISTORY_LENGTH = 20


def format_or_404(code: str) -> ImportFormat:
    try:
        return get_format(code)
    except LookupError:
        raise Http404 from None


def batch_for(user, pk) -> ImportBatch:
    """One batch with what its page shows beside it; 404 for one the user may not see."""
    batch = (visible_batches(user).select_related("organization", "created_by__person", "job")
             .filter(pk=pk).first())
    if batch is None:
        raise Http404
    return batch


def batches_of(user, fmt: ImportFormat, organization) -> QuerySet[ImportBatch]:
    """The imports of this kind into one unit, newest first: the history under the upload form."""
    return (visible_batches(user).filter(format_code=fmt.code, organization=organization)
            .select_related("created_by__person").order_by("-created_at", "-id")[:HISTORY_LENGTH])
