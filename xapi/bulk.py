"""Fast bulk writes for the statement insert: COPY on PostgreSQL, executemany on SQLite.

Both run on the session's own DBAPI connection, so they stay inside the caller's transaction. Sequence values
are allocated up front; writers hold the statement lock (xapi.service), so they are in commit order.
"""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import Table, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def writer_position(session: Session, table: Table, count: int) -> tuple[int, list[int]]:
    """(latest `stored_us`, `count` new increasing `seq` values) in one round trip; call it holding the writer
    lock. Unused values are harmless gaps."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.execute(text(
            f"SELECT (SELECT max(stored_us) FROM {table.name}), "
            f"nextval(pg_get_serial_sequence('{table.name}', 'seq')) FROM generate_series(1, :n)"), {"n": count}).all()
        return rows[0][0] or 0, [row[1] for row in rows]
    last_stored, last_seq = connection.execute(select(func.max(table.c.stored_us), func.max(table.c.seq))).one()
    start = (last_seq or 0) + 1
    return last_stored or 0, list(range(start, start + count))


def copy_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert many rows given as tuples in `columns` order."""
    if not rows:
        return
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    names = ", ".join(columns)
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        if connection.dialect.name == "postgresql":
            sql = f"COPY {table.name} ({names}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
        cursor = raw.cursor()
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()
    except driver_error as exc:  # the same exception classes SQLAlchemy raises (IntegrityError, DataError...)
        raise DBAPIError.instance(sql, None, exc, driver_error) from exc
