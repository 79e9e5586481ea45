"""Bulk writes by COPY: for demo data and imports of hundreds of thousands of rows, where
`bulk_create` spends more time building SQL than PostgreSQL spends storing the rows.
COPY fires the row triggers, so the row history is written as for any other insert."""

import contextlib
import csv
import io
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from portal.audit import PastEvent, bulk_load_history

COPY_READ = 1 << 16  # characters COPY asks for at a time


def next_ids(table: str, count: int) -> list[int]:
    """`count` ids from the table's own sequence, so rows can be linked before they are written."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
                       [count])
        return [row[0] for row in cursor.fetchall()]


class _CsvStream:
    """The rows as a file of CSV that COPY reads piece by piece: only the piece being read is
    ever formatted, so a COPY of millions of rows holds no more than a few rows in memory."""

    def __init__(self, rows):
        self._rows = iter(rows)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")

    def read(self, size: int = -1) -> str:
        while size < 0 or self._buffer.tell() < size:
            row = next(self._rows, None)
            if row is None:
                break
            self._writer.writerow([r"\N" if value is None else value for value in row])
        text = self._buffer.getvalue()
        piece, rest = (text, "") if size < 0 else (text[:size], text[size:])
        self._buffer.seek(0)
        self._buffer.truncate()
        self._buffer.write(rest)
        return piece


def copy_rows(table: str, columns: list[str], rows) -> None:
    """COPY rows (tuples, None for NULL; any iterable, consumed as COPY reads) into `table`:
    CSV, so text needs no escaping."""
    with connection.cursor() as cursor:
        # `size` by position: Django's debug cursor wrapper (DEBUG=true) passes on no keywords.
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                           _CsvStream(rows), COPY_READ)


def copy_objects(objects: list) -> None:
    """Insert unsaved model instances of one model by COPY: ids come from the sequence and
    are set on the instances; auto_now / auto_now_add fields get the current time. For
    models whose fields hold plain values (text, numbers, dates, booleans, foreign keys)."""
    if not objects:
        return
    meta = type(objects[0])._meta
    fields = meta.concrete_fields
    now = timezone.now()
    for obj, pk in zip(objects, next_ids(meta.db_table, len(objects)), strict=True):
        obj.pk = pk
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                setattr(obj, field.attname, now)
    copy_rows(meta.db_table, [field.column for field in fields],
              ([getattr(obj, field.attname) for field in fields] for obj in objects))


@contextlib.contextmanager
def bulk_load(table: str, events: Sequence[PastEvent] = ()):
    """Load `table` the way PostgreSQL's manual advises for bulk loads ("Populating a
    Database"): its foreign keys, unique constraints and indexes are dropped and added back
    afterwards (one validating join or sorted build instead of work per row), and the rows
    get their row history from one INSERT … SELECT (portal.audit.bulk_load_history) instead
    of one trigger call each. All inside the caller's transaction, under the lock ALTER
    TABLE takes on the table until commit."""
    with bulk_load_history(table, events=events):
        with without_indexes(table):
            yield
        with connection.cursor() as cursor:
            # The planner's figures for the rows just loaded: without them it would sort the
            # whole table for the history's ORDER BY id (on disk, past work_mem) instead of
            # reading the primary key in order.
            cursor.execute(f"ANALYZE {table}")


@contextlib.contextmanager
def without_indexes(table: str):
    """Drop `table`'s foreign keys, unique constraints and indexes (its primary key stays)
    for the block and add them back after it: one sorted build each costs far less than
    keeping them up to date row by row. Inside the caller's transaction, which holds the
    table locked against every other reader and writer until commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [table])
        foreign_keys = cursor.fetchall()
        for name, _definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype = 'u' ORDER BY conname", [table])
        uniques = cursor.fetchall()
        for name, _definition in uniques:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                       "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
                       "ORDER BY i.indexname", [table])
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in uniques:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
