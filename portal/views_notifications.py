"""The notification bell of the navbar (templates/_notifications.html): the badge, the
dropdown and the full list, for the signed-in user's own notifications only. Opening the
dropdown or the list marks what it shows read; the "mark all read" button covers the rest."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal import notifications

MENU_SIZE = 8
LIST_SIZE = 200


def _render_and_mark_read(request, template: str, shown: list, **context):
    """Render `shown` as it stood (the unread ones marked new), then mark them read."""
    unread = [n.pk for n in shown if n.read_at is None]
    context["unread_left"] = notifications.unread_count(request.user) - len(unread)
    response = render(request, template, {"notifications": shown, **context})
    notifications.mark_read(request.user, unread)
    return response


@login_required
@require_GET
def notification_list(request):
    return _render_and_mark_read(request, "portal/notification_list.html",
                                 notifications.recent(request.user, LIST_SIZE))


@login_required
@require_GET
def notification_menu(request):
    """The dropdown's content (htmx), with the badge of what is left unread."""
    return _render_and_mark_read(request, "portal/_notification_menu.html",
                                 notifications.recent(request.user, MENU_SIZE))


@login_required
@require_GET
def notification_count(request):
    """The badge (htmx)."""
    return _badge(request)


def _badge(request):
    return render(request, "portal/_notification_count.html", {"unread": notifications.unread_count(request.user)})


@login_required
@require_POST
def notification_mark_read(request):
    """Mark read the notifications posted as `id` (404 if one is not the user's), or all
    of them with `all`. htmx gets the badge back; a plain form goes to the list."""
    if request.POST.get("all"):
        notifications.mark_read(request.user, notifications.ALL)
    else:
        try:
            ids = {int(value) for value in request.POST.getlist("id")}
        except ValueError:
            raise Http404 from None
        if not ids or notifications.own_ids(request.user, ids) != ids:
            raise Http404
        notifications.mark_read(request.user, ids)
    if request.headers.get("HX-Request"):
        return _badge(request)
    return redirect("notification_list")
