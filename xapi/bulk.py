"""Fast bulk writes for the statement insert: COPY and array parameters on PostgreSQL, executemany on SQLite.

All run on the session's own DBAPI connection, so they stay inside the caller's transaction. Sequence values
are allocated up front; writers hold the statement lock (xapi.service), so they are in commit order.
Statement texts do not depend on the number of rows: the driver parses (and PostgreSQL plans) each one once.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Collection, Iterator, Sequence

from sqlalchemy import Column, ColumnElement, Connection, Table, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def writer_position(session: Session, table: Table, ids: Sequence[str]) -> tuple[int, list[int], dict[str, str]]:
    """(latest `stored_us`, one new increasing `seq` per id, {id: body} of the ids already stored) in one round
    trip on PostgreSQL; call it holding the writer lock. Unused `seq` values are harmless gaps."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        last_stored, seqs, stored = connection.execute(text(
            f"SELECT (SELECT max(stored_us) FROM {table.name}), "
            # the sequence is looked up once (OFFSET 0 keeps the subquery apart), not once per value
            f"ARRAY(SELECT nextval(q.seq) FROM (SELECT pg_get_serial_sequence('{table.name}', 'seq')::regclass AS seq "
            f"OFFSET 0) AS q, generate_series(1, :n)), "
            f"ARRAY(SELECT ARRAY[id, body] FROM {table.name} WHERE id = ANY(CAST(:ids AS text[])))"),
            {"n": len(ids), "ids": list(ids)}).one()
        return last_stored or 0, sorted(seqs), dict(stored)
    last_stored, last_seq = connection.execute(select(func.max(table.c.stored_us), func.max(table.c.seq))).one()
    start = (last_seq or 0) + 1
    rows = connection.execute(select(table.c.id, table.c.body).where(table.c.id.in_(ids)))
    stored = {row.id: row.body for row in rows}
    return last_stored or 0, list(range(start, start + len(ids))), stored


def one_of(connection: Connection, column: Column, values: Collection[Any]) -> ColumnElement[bool]:
    """`column = ANY(:array)` on PostgreSQL (one parameter, one cached statement whatever the count), else IN."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


@contextmanager
def _driver_errors(connection: Connection, sql: str) -> Iterator[Any]:
    """The session's DBAPI connection; driver errors become the exception classes SQLAlchemy raises
    (IntegrityError, DataError...), which the LRS turns into a retry or a 400, never a 500."""
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        yield connection.connection.dbapi_connection
    except driver_error as exc:
        raise DBAPIError.instance(sql, None, exc, driver_error) from exc


def copy_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert many rows given as tuples in `columns` order."""
    if not rows:
        return
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        sql = f"COPY {table.name} ({names}) FROM STDIN"
        with _driver_errors(connection, sql) as raw, raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    _executemany(connection, table, columns, rows)


def insert_new_keys(session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert rows whose primary key is not stored yet (ON CONFLICT DO NOTHING), in the order given.

    PostgreSQL gets one array per column and unnests them, so the statement is the same for any number of rows.
    """
    if not rows:
        return
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        arrays = ", ".join(f"%b::{table.c[name].type.compile(connection.dialect)}[]" for name in columns)
        sql = f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"
        with _driver_errors(connection, sql) as raw, raw.cursor() as cursor:
            cursor.execute(sql, [list(column) for column in zip(*rows)])
        return
    _executemany(connection, table, columns, rows, " ON CONFLICT DO NOTHING")


def _executemany(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple],
                 suffix: str = "") -> None:
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}){suffix}"
    with _driver_errors(connection, sql) as raw:
        cursor = raw.cursor()
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()
