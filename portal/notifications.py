"""On-screen notifications (the bell in the navbar), for every app.

`notify()` is the one way to send one: apps call it with the users, the text, a link and
a key naming the occasion; the unique (user, key) of `Notification` keeps each occasion
to once per user, however often or concurrently it is sent. The selectors and `mark_read`
serve the bell and the list (portal/views_notifications.py).

A notification belongs to its user alone, whatever his reach (a superuser does not read
other people's): every read below is by `user`, the `user_field` scope that
portal/apps.py registers for the model.
"""

import logging
from collections.abc import Iterable
from typing import Literal, NamedTuple

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from portal.models import Notification

logger = logging.getLogger(__name__)

ALL: Literal["all"] = "all"


class Email(NamedTuple):
    """The mail that goes with a notification to those who have an address."""

    subject: str
    body: str


def _field_length(name: str) -> int:
    return Notification._meta.get_field(name).max_length


def _user_ids_sql(users) -> tuple[str, list]:
    """A SELECT of the users' ids: a queryset stays a subquery (no row reaches Python),
    other iterables (users or ids) travel as one array."""
    if isinstance(users, QuerySet):
        if users.model is get_user_model():
            users = users.values("pk")
        elif len(users.query.values_select) != 1:
            raise TypeError("notify() takes users, or a one-column queryset of user ids")
        sql, params = users.query.sql_with_params()
        return sql, list(params)
    return "SELECT unnest(%s::bigint[])", [sorted({getattr(user, "pk", user) for user in users})]


def notify(users, text: str, *, link: str = "", key: str, email: Email | None = None) -> int:
    """Notify each of `users` (User objects, ids, a queryset of users, or a one-column
    queryset of user ids) once per `key`: those who already have a notification with this
    key are skipped. One statement whatever the number of users. With `email`, the newly
    notified users who have an address also get it by mail, once the notifications are
    committed; mail is best effort (a failure is logged, never retried, never sent twice).
    Returns how many users were newly notified."""
    users_sql, params = _user_ids_sql(users)
    user_table = get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH new AS (
                    INSERT INTO {Notification._meta.db_table} (user_id, text, link, key, created_at)
                    SELECT ids.id, %s, %s, %s, %s FROM ({users_sql}) AS ids (id)
                    ON CONFLICT (user_id, key) DO NOTHING
                    RETURNING user_id)
                SELECT u.email FROM new JOIN {user_table} u ON u.id = new.user_id""",
            [text[:_field_length("text")], link[:_field_length("link")], key, timezone.now(), *params])
        addresses = [row[0] for row in cursor.fetchall()]
    if email is not None and any(addresses):
        messages = [EmailMessage(email.subject, email.body, to=[address]) for address in addresses if address]
        transaction.on_commit(lambda: _send(messages, key))
    return len(addresses)


def _send(messages: list[EmailMessage], key: str) -> None:
    try:
        get_connection().send_messages(messages)
    except OSError:  # the notifications stand; mail is best effort and never sent twice
        logger.exception("notification %s: sending %d emails failed", key, len(messages))


# --- The bell ---------------------------------------------------------------------------------


def notifications_of(user) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def recent(user, limit: int) -> list[Notification]:
    return list(notifications_of(user)[:limit])


def unread_count(user) -> int:
    """The badge: one query."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def own_ids(user, ids: Iterable[int]) -> set[int]:
    """Those of `ids` that are notifications of `user`."""
    return set(Notification.objects.filter(user_id=user.pk, pk__in=list(ids)).values_list("pk", flat=True))


def mark_read(user, ids: Iterable[int] | Literal["all"]) -> int:
    """Mark the user's notifications `ids` (or ALL of them) read; others' ids are ignored.
    Returns how many were unread."""
    unread = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids != ALL:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
