"""Bulk writes by COPY: for demo data and imports of hundreds of thousands of rows, where
`bulk_create` spends more time building SQL than PostgreSQL spends storing the rows.
COPY fires the row triggers, so the row history is written as for any other insert."""

import csv
import io

from django.db import connection
from django.utils import timezone

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
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                           _CsvStream(rows), size=COPY_READ)


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
