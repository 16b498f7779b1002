"""Multi-row INSERT for the bulk paths (import, merges), as cheap as the driver allows.

``conn.execute(insert(table), rows)`` builds and processes a parameter set per
row in Python; for a thousand-supplier batch of ten rows each that costs more
than the database takes to store them. :func:`insert_rows` compiles a plan once
per (dialect, table, column set), applies SQLAlchemy's own bind processors (the
same conversions, so the stored values are identical) and hands the tuples to
the driver:

- SQLite (positional ``qmark`` parameters): the driver's ``executemany``;
- PostgreSQL through psycopg 3: ``COPY ... FROM STDIN`` on the connection's own
  cursor, so inside the caller's transaction (a failure rolls the whole batch
  back with it) at a third of the cost of row-by-row ``executemany``. COPY
  converts text, so timezone-aware values bound for a ``timestamp without time
  zone`` column are first brought to the session's time zone, as PostgreSQL does
  with a bound ``timestamptz``; a database error is raised as SQLAlchemy's own
  (an :class:`~sqlalchemy.exc.IntegrityError` for a taken key), as ``execute``
  would raise it.

Other databases, and rows the fast path cannot express (a column left to its
default), take the ordinary statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    DateTime,
    Table,
    exc,
    insert,
)

Processor = Callable[[Any], Any]
#: statement, column order, bind processors by position, naive-timestamp positions
_Plan = tuple[str, tuple[str, ...], tuple[tuple[int, Processor], ...], tuple[int, ...]]
_plans: dict[tuple[str, str, tuple[str, ...]], _Plan | None] = {}
_ZONE = "portal_bulk_session_zone"
_NOTHING = object()


def _processors(conn: Connection, table: Table, order: Sequence[str]) -> list[tuple[int, Any]]:
    dialect = conn.dialect
    found = []
    for i, name in enumerate(order):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            found.append((i, process))
    return found


def _qmark_plan(conn: Connection, table: Table, columns: tuple[str, ...]) -> _Plan | None:
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    order = tuple(compiled.positiontup or ())
    if set(order) != set(columns) or len(order) != len(columns):
        return None  # SQLAlchemy would add defaults: let it
    return str(compiled), order, tuple(_processors(conn, table, order)), ()


def _copy_plan(conn: Connection, table: Table, columns: tuple[str, ...]) -> _Plan | None:
    if any(c.default is not None for c in table.c if c.name not in columns):
        return None  # SQLAlchemy would add a Python-side default: let it
    quote = conn.dialect.identifier_preparer
    sql = (
        f"COPY {quote.format_table(table)} "
        f"({', '.join(quote.quote(name) for name in columns)}) FROM STDIN"
    )
    naive = tuple(
        i
        for i, name in enumerate(columns)
        if isinstance(kind := table.c[name].type, DateTime) and not kind.timezone
    )
    return sql, columns, tuple(_processors(conn, table, columns)), naive


def _uses_copy(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def _session_zone(conn: Connection) -> ZoneInfo:
    """The session's ``TimeZone`` (asked once per pooled connection)."""
    info = conn.connection.info
    if _ZONE not in info:
        info[_ZONE] = ZoneInfo(str(conn.exec_driver_sql("SHOW TimeZone").scalar()))
    zone: ZoneInfo = info[_ZONE]
    return zone


def _tuples(
    rows: Sequence[Mapping[str, Any]],
    order: Sequence[str],
    processors: Sequence[tuple[int, Processor]],
    naive: Sequence[int],
    zone: ZoneInfo | None,
) -> list[tuple[Any, ...]]:
    params: list[tuple[Any, ...]] = []
    # a batch repeats values in a column (its ``now``, True, None): each processor's last
    # input and output are kept, so a value met again is not converted again
    last: list[list[Any]] = [[_NOTHING, None] for _ in processors]
    for row in rows:
        values = [row[name] for name in order]
        for (i, process), seen in zip(processors, last, strict=True):
            value = values[i]
            if value is seen[0]:
                values[i] = seen[1]
            else:
                values[i] = seen[1] = process(value)
                seen[0] = value
        for i in naive:
            value = values[i]
            if isinstance(value, datetime) and value.tzinfo is not None:
                values[i] = value.astimezone(zone).replace(tzinfo=None)
        params.append(tuple(values))
    return params


def _copy(conn: Connection, sql: str, params: list[tuple[Any, ...]]) -> None:
    """COPY the tuples on the transaction's own connection; errors as SQLAlchemy's."""
    import psycopg  # only here: the fast path of the PostgreSQL driver

    raw = conn.connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            for values in params:
                copy.write_row(values)
    except psycopg.Error as error:
        raise exc.DBAPIError.instance(
            sql, None, error, psycopg.Error, dialect=conn.dialect
        ) from error


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (all with the same keys) in the caller's transaction."""
    if not rows:
        return
    columns = tuple(rows[0])
    width = len(columns)
    if any(len(row) != width for row in rows):
        raise ValueError(f"rows for {table.name} differ in their columns")
    copying = _uses_copy(conn)
    plan = None
    if copying or conn.dialect.paramstyle == "qmark":
        key = (conn.dialect.name, table.name, columns)
        if key not in _plans:
            make = _copy_plan if copying else _qmark_plan
            _plans[key] = make(conn, table, columns)
        plan = _plans[key]
    if plan is None:
        conn.execute(insert(table), list(rows))
        return
    sql, order, processors, naive = plan
    zone = _session_zone(conn) if naive else None
    params = _tuples(rows, order, processors, naive, zone)
    if copying:
        _copy(conn, sql, params)
    else:
        conn.exec_driver_sql(sql, params)
