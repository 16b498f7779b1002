"""Multi-row INSERT for the bulk paths (import, merges), as cheap as the driver allows.

``conn.execute(insert(table), rows)`` builds and processes a parameter set per
row in Python; for a thousand-supplier batch of ten rows each that costs more
than SQLite takes to store them. On SQLite (positional ``qmark`` parameters)
:func:`insert_rows` compiles the statement once per column set, applies
SQLAlchemy's own bind processors (the same conversions, so the stored values
are identical) and hands the tuples to the driver's ``executemany``. Other
databases, and rows the fast path cannot express (a column left to its
default), take the ordinary statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert

Processor = Callable[[Any], Any]
_Plan = tuple[str, tuple[str, ...], tuple[tuple[int, Processor], ...]]
_plans: dict[tuple[str, str, tuple[str, ...]], _Plan | None] = {}


def _plan(conn: Connection, table: Table, columns: tuple[str, ...]) -> _Plan | None:
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    order = tuple(compiled.positiontup or ())
    if set(order) != set(columns) or len(order) != len(columns):
        return None  # SQLAlchemy would add defaults: let it
    processors: list[tuple[int, Processor]] = []
    for i, name in enumerate(order):
        column_type = table.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((i, process))
    return str(compiled), order, tuple(processors)


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (all with the same keys) in the caller's transaction."""
    if not rows:
        return
    columns = tuple(rows[0])
    width = len(columns)
    if any(len(row) != width for row in rows):
        raise ValueError(f"rows for {table.name} differ in their columns")
    plan = None
    if conn.dialect.paramstyle == "qmark":
        key = (conn.dialect.name, table.name, columns)
        if key not in _plans:
            _plans[key] = _plan(conn, table, columns)
        plan = _plans[key]
    if plan is None:
        conn.execute(insert(table), list(rows))
        return
    sql, order, processors = plan
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = [row[name] for name in order]
        for i, process in processors:
            values[i] = process(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)
