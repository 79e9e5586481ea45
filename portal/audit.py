"""Who did it: the actor and context that the row-history triggers record.

The triggers (migration 0002) read two PostgreSQL settings, `portal.actor_id` and
`portal.audit_context`. We set them just before each write statement inside `acting_as`,
so reads cost nothing, and reset them afterwards so a pooled connection never carries one
user's name into another's request.
"""

import contextlib
import contextvars
import dataclasses
from collections.abc import Sequence

from django.db import connection

# A callable giving (user id, context) at the moment of the write: the API authenticates
# tokens inside the view, after the middleware has run.
_actor: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=None)
_WRITES = ("insert", "update", "delete", "with")


def _set_on_write(execute, sql, params, many, context):
    # Set before every write, not once per block: a set_config issued inside a savepoint or
    # transaction is undone when that one rolls back (create_commitment's caught
    # IntegrityError, any failed request), and a cache of "already set" would then leave the
    # next writes without actor. Full rollbacks go straight to psycopg2, past this wrapper,
    # so tracking them costs more code than the extra round trip (~30-45 µs on a local
    # server): a few per request, one per statement on the bulk paths (bulk_create, UPDATE …
    # WHERE, INSERT … SELECT; 37 in a whole default seed_demo), none per row. On the raw
    # connection, so query counts see only the app's own statements.
    resolve = _actor.get()
    if resolve is not None and sql.lstrip()[:6].lower().startswith(_WRITES):
        actor_id, audit_context = resolve()
        conn = context["connection"]
        with conn.wrap_database_errors, conn.connection.cursor() as raw:
            raw.execute(
                "SELECT set_config('portal.actor_id', %s, false), set_config('portal.audit_context', %s, false)",
                [str(actor_id or ""), audit_context],
            )
        conn._audit_set = True
    return execute(sql, params, many, context)


def _user_id(user) -> int | None:
    return user.pk if user is not None and getattr(user, "is_authenticated", False) else None


@contextlib.contextmanager
def acting_as(user=None, context: str = "", *, request=None):
    """Attribute every write inside the block to `user` (or the user of `request`,
    looked up when the write happens), with a short description of where it came from."""
    if request is not None:
        token = _actor.set(lambda: (_user_id(getattr(request, "user", None)), context[:100]))
    else:
        token = _actor.set(lambda: (_user_id(user), context[:100]))
    try:
        with connection.execute_wrapper(_set_on_write):
            yield
    finally:
        _actor.reset(token)
        # An enclosing acting_as sets its own again at its next write. Inside a transaction
        # bound to roll back, the flag stays up: settings made before that transaction
        # survive it, and the next block's end resets them.
        if getattr(connection, "_audit_set", False):
            if connection.connection is None:
                connection._audit_set = False
            elif not connection.needs_rollback:
                with connection.connection.cursor() as raw:
                    raw.execute("RESET portal.actor_id; RESET portal.audit_context")
                connection._audit_set = False


class AuditActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(context=f"{request.method} {request.path}", request=request):
            return self.get_response(request)


# --- Bulk loads -------------------------------------------------------------------------------

# What the trigger (portal.migration_ops.AUDIT_FUNCTION) leaves out of the history.
_UNRECORDED_COLUMNS = ("password", "last_login")


def _trigger(table: str) -> str:
    return f"{table}_audit"  # the name portal.migration_ops.audit_trigger gives it


_REMOVED = "".join(f" - '{column}'" for column in _UNRECORDED_COLUMNS)
_SETTING_ACTOR = "NULLIF(current_setting('portal.actor_id', true), '')::bigint"


@dataclasses.dataclass(frozen=True)
class PastEvent:
    """A change that rows loaded in bulk describe (created on a date, submitted, reviewed…)
    but that was never made row by row, so that their history tells what happened when.
    Each field is SQL over the loaded row `t`; they are the loading code's own constants,
    never user input."""

    action: str  # "I" or "U"
    changed_at: str  # when it happened, e.g. "t.submitted_at"
    new: str = f"to_jsonb(t){_REMOVED}"  # what the history shows as the row's new values (jsonb)
    actor: str = _SETTING_ACTOR  # the user id who did it
    where: str = "TRUE"  # which rows had this event


_INSERTED_NOW = PastEvent(action="I", changed_at="clock_timestamp()")


def record_bulk_history(table: str, *, id_above: int, event: PastEvent = _INSERTED_NOW) -> int:
    """Write the history of the rows of `table` whose id is above `id_above` as the trigger
    writes it for an insert (same columns, left-out columns, actor and context settings),
    in one INSERT … SELECT: for rows loaded while the trigger was off; or, with `event`, one
    past change of theirs. Returns the row count."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO portal_rowhistory (table_name, row_id, action, changed_at, actor_id, context, old, new) "
            f"SELECT %s, t.id, %s, {event.changed_at}, {event.actor}, "
            f"COALESCE(current_setting('portal.audit_context', true), ''), NULL, {event.new} "
            f"FROM {table} t WHERE t.id > %s AND ({event.where}) ORDER BY t.id", [table, event.action, id_above])
        return cursor.rowcount


@contextlib.contextmanager
def bulk_load_history(*tables: str, events: Sequence[PastEvent] = ()):
    """Load `tables` inside the block with their row-history trigger off, then write the
    history of every row added, in one statement per table, instead of one trigger call per
    row. Only inside a transaction: ALTER TABLE locks each table against other writers until
    commit, so none of theirs goes unrecorded and the ids above the largest one before are
    exactly the rows loaded here. Inserts only: rows the block updates or deletes would get
    no history. With `events`, the history of the loaded rows is those past changes instead
    of one insert at the time of loading."""
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_load_history needs a transaction (transaction.atomic)")
    largest = {}
    with connection.cursor() as cursor:
        # Checks of earlier statements run now: ALTER TABLE refuses a table with some pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {_trigger(table)}")
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            largest[table] = cursor.fetchone()[0]
    yield
    for table in tables:
        for event in events or [_INSERTED_NOW]:
            record_bulk_history(table, id_above=largest[table], event=event)
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {_trigger(table)}")
