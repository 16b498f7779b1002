"""Claiming rows of a job table with a lease: one shape for every queue we run.

A worker reads a few candidate rows, then takes each with a conditional UPDATE that repeats
what made it a candidate (``... WHERE id = :id AND attempts = :seen``, or ``AND (state =
'queued' OR lease_until < :now)``) and sets the lease; it has the row only when that UPDATE
changed exactly one row. Of two workers racing for a row, one UPDATE matches and the other
finds the guard false, on SQLite and on PostgreSQL alike (no ``SKIP LOCKED``, no row lock
held while the work runs). Each claim is its own short transaction; what the caller needs
from the won row is read in that same transaction.

:func:`claim_each` is lazy: it claims the next candidate only when asked for the next
result, so a worker that handles one row before claiming the next (the outbox, webhooks)
keeps that order, and one that wants a single job takes ``next(claim_each(...), None)``.
What the queues differ in stays theirs: which rows are candidates, the guard, the columns a
lease sets, how the work is settled. :func:`backoff` is the exponential wait they share.

>>> backoff(timedelta(seconds=30), 1), backoff(timedelta(seconds=30), 3)
(datetime.timedelta(seconds=30), datetime.timedelta(seconds=120))
>>> backoff(timedelta(minutes=1), 20, cap=timedelta(hours=6))
datetime.timedelta(seconds=21600)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, Row, Select, Table, update

__all__ = ["backoff", "claim_each", "claim_one"]

T = TypeVar("T")


def claim_one(
    engine: Engine,
    table: Table,
    guard: ColumnElement[bool],
    lease: Mapping[str, Any],
    then: Callable[[Connection], T],
) -> T | None:
    """``UPDATE table SET lease WHERE guard`` in a transaction of its own; when exactly one
    row changed (this caller won it), ``then(conn)`` inside that transaction, else None."""
    with engine.begin() as conn:
        if conn.execute(update(table).where(guard).values(**lease)).rowcount != 1:
            return None
        return then(conn)


def claim_each(
    engine: Engine,
    table: Table,
    candidates: Select[Any],
    *,
    guard: Callable[[Row[Any]], ColumnElement[bool]],
    lease: Callable[[Row[Any]], Mapping[str, Any]],
    then: Callable[[Connection, Row[Any]], T],
) -> Iterator[T]:
    """For each row of ``candidates`` (read once, up front), in order, :func:`claim_one`
    with ``guard(row)`` and ``lease(row)``, yielding ``then(conn, row)`` for each row won.
    Rows another worker took in between are skipped."""
    with engine.connect() as conn:
        rows = conn.execute(candidates).all()
    for row in rows:
        won = claim_one(engine, table, guard(row), lease(row), partial(_boxed, then, row))
        if won is not None:
            yield won[0]


def _boxed(then: Callable[[Connection, Row[Any]], T], row: Row[Any], conn: Connection) -> tuple[T]:
    """``then``'s answer in a box, so that an answer of None still counts as won."""
    return (then(conn, row),)


def backoff(base: timedelta, attempts: int, *, cap: timedelta | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: ``base``, then twice as
    long each time, at most ``cap``."""
    delay: timedelta = base * 2 ** max(attempts - 1, 0)
    return delay if cap is None else min(delay, cap)
