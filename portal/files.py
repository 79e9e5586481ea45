"""Private files: uploads and generated files, never under a public URL.

They live in the storage named "private" of Django's STORAGES setting (a directory by
default; an S3-compatible store by that setting alone). Apps declare what may be
downloaded with `register_download()`: a key, and how to find the objects a user may see
(through `portal.access`). One view, `download`, serves every kind of file under that
rule, with safe headers and the file's Vietnamese name (RFC 5987).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import Storage, storages
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404
from django.urls import reverse
from django.views.decorators.http import require_GET
from rest_framework.exceptions import AuthenticationFailed

from portal.api.auth import ApiTokenAuthentication


def private_storage() -> Storage:
    """The storage of private files (a callable, so a FileField's migration names no backend)."""
    return storages["private"]


@dataclass(frozen=True)
class Download:
    visible: Callable[..., QuerySet]  # user -> the objects he may download
    field: str  # the FileField holding the file
    filename: Callable[[Model], str]  # the name the person sees
    content_type: Callable[[Model], str]
    inline: bool  # shown in the browser (a PDF to read) rather than saved


_DOWNLOADS: dict[str, Download] = {}


def register_download(key: str, *, visible: Callable[..., QuerySet], filename: Callable[[Model], str],
                      content_type: Callable[[Model], str], field: str = "file", inline: bool = False) -> None:
    _DOWNLOADS[key] = Download(visible=visible, field=field, filename=filename, content_type=content_type,
                               inline=inline)


def download_url(key: str, obj: Model) -> str:
    return reverse("file_download", args=[key, obj.pk])


def file_response(file, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """The file with headers that keep the browser from running or caching it."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Django writes Content-Disposition with filename*=utf-8''… (RFC 5987) for non-ASCII names.
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox"
    return response


def _downloader(request):
    """The signed-in user, or the owner of the API token the request carries (API clients
    follow the download links that the API gives)."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = ApiTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


@require_GET
def download(request, key: str, pk: int):
    """One download view for every private file: 404 for what the user may not see."""
    user = _downloader(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    spec = _DOWNLOADS.get(key)
    if spec is None:
        raise Http404
    obj = spec.visible(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    file = getattr(obj, spec.field)
    if not file:
        raise Http404
    return file_response(file, filename=spec.filename(obj), content_type=spec.content_type(obj), inline=spec.inline)
