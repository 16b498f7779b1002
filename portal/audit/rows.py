"""The audit chain read straight from rows: one fast pass, no entry objects, no deep copies.

:func:`scan` answers one question as fast as the hashing allows: do these rows, in stored
order, form an unbroken chain from ``start`` that agrees with the checkpoints? It stops at
the first irregularity; :mod:`portal.audit.verify` then runs the slower
:class:`approvals.audit.ChainVerifier` over the same rows to name every problem.
The hash format is :func:`approvals.audit.canonical_bytes`, shared through
:func:`~approvals.audit.canonical_bytes_of`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Select, String, func, select, type_coerce

from approvals.audit import (
    CANONICAL_FIELDS,
    ROW_FIELDS,
    Anchor,
    AuditEntry,
    canonical_bytes_of,
    format_at,
    hasher,
)
from portal.audit.log import ENTRY

__all__ = ["COLUMNS", "ScanResult", "entry_of", "live_bounds", "rows_between", "scan"]

COLUMNS = (*(ENTRY.c[name] for name in ROW_FIELDS), ENTRY.c.prev_hash, ENTRY.c.hash)
_AT = CANONICAL_FIELDS.index("at")
_SEQ = CANONICAL_FIELDS.index("seq")
_BATCH = 2000


@dataclass(frozen=True)
class ScanResult:
    """What one pass over a run of rows found; ``clean`` is False at the first irregularity."""

    clean: bool
    count: int
    first_seq: int | None = None
    first_prev: str | None = None
    last: Anchor | None = None
    where: int | None = None  # the seq at which the pass stopped


def _fast_columns(dialect: str) -> tuple[Any, ...]:
    # ``at`` without the UTCDateTime decorator: SQLite's stored text as it is (turned into
    # the hashed form by slicing), PostgreSQL's timestamptz as the driver parsed it.
    raw_at = type_coerce(ENTRY.c.at, String if dialect == "sqlite" else DateTime(timezone=True))
    return tuple(raw_at if column is ENTRY.c.at else column for column in COLUMNS)


def rows_between(
    first: int | None = None, last: int | None = None, *, raw_for: str | None = None
) -> Select[Any]:
    """The hashed columns of the entries with ``first <= seq <= last``, in stored order.

    ``raw_for`` (a dialect name) is the fast pass's query: ``at`` undecorated, and ordered
    by ``seq`` so that a range is read through the seq index instead of filtering the whole
    table in ``pos`` order (the chain is defined by seq; an entry stored out of place is
    still named by the detailed pass, which reads in stored order).
    """
    columns = _fast_columns(raw_for) if raw_for else COLUMNS
    query = select(*columns).order_by(ENTRY.c.seq if raw_for else ENTRY.c.pos)
    if first is not None:
        query = query.where(ENTRY.c.seq >= first)
    if last is not None:
        query = query.where(ENTRY.c.seq <= last)
    return query


@contextmanager
def stream(conn: Connection, query: Select[Any]) -> Iterator[Iterable[Sequence[Any]]]:
    """Rows through a server-side cursor (PostgreSQL) or in batches (SQLite), closed on
    leaving the block even when the reader stops early."""
    with conn.execution_options(yield_per=_BATCH).execute(query) as result:
        yield result


def live_bounds(conn: Connection, after: int = 0) -> tuple[int, int, int] | None:
    """``(min seq, max seq, count)`` of the live entries after ``after``, or None."""
    low, high, count = conn.execute(
        select(func.min(ENTRY.c.seq), func.max(ENTRY.c.seq), func.count()).where(
            ENTRY.c.seq > after
        )
    ).one()
    return None if count == 0 else (int(low), int(high), int(count))


def scan(
    rows: Iterable[Sequence[Any]],
    start: Anchor | None = None,
    checkpoints: Mapping[int, str] | None = None,
) -> ScanResult:
    """One pass over rows of :data:`COLUMNS`: hashes, links, consecutive seq, checkpoints.

    ``start`` is the entry before the first row (``None``: the first row's own prev_hash is
    taken on trust and returned as ``first_prev``, for a segment checked in parallel).
    """
    hashers: dict[str, Callable[[bytes], str]] = {}
    marks = checkpoints or {}
    prev_hash = start.hash if start else None
    prev_seq = start.seq if start else None
    first_seq: int | None = None
    first_prev: str | None = None
    count = 0
    for row in rows:
        values = list(row)
        stored = values.pop()
        link = values.pop()
        seq = values[_SEQ]
        if first_seq is None:
            first_seq, first_prev = seq, link
        if (prev_seq is not None and seq != prev_seq + 1) or (
            prev_hash is not None and link != prev_hash
        ):
            return ScanResult(False, count, first_seq, first_prev, None, seq)
        at = values[_AT]
        values[_AT] = _sqlite_at(at) if at.__class__ is str else format_at(at)
        algorithm = stored[: stored.find(":")]
        digest = hashers.get(algorithm)
        if digest is None:
            try:
                digest = hashers[algorithm] = hasher(algorithm)
            except ValueError:
                return ScanResult(False, count, first_seq, first_prev, None, seq)
        if digest(link.encode() + b"\n" + canonical_bytes_of(values)) != stored:
            return ScanResult(False, count, first_seq, first_prev, None, seq)
        if marks and marks.get(seq, stored) != stored:
            return ScanResult(False, count, first_seq, first_prev, None, seq)
        prev_hash, prev_seq = stored, seq
        count += 1
    last = Anchor(prev_seq, prev_hash) if prev_seq is not None and prev_hash is not None else None
    return ScanResult(True, count, first_seq, first_prev, last if count else start, None)


def _sqlite_at(text: str) -> str:
    """SQLite's ``2026-12-01 08:30:00.123000`` (UTC, as SQLAlchemy stores it) as hashed."""
    if len(text) == 26 and text[10] == " " and text[19] == ".":
        return text[:10] + "T" + text[11:23] + "Z"
    at = datetime.fromisoformat(text)
    return format_at(at if at.tzinfo else at.replace(tzinfo=UTC))


def entry_of(row: Sequence[Any]) -> AuditEntry:
    """An :class:`AuditEntry` from a row of :data:`COLUMNS` (for the detailed pass)."""
    values = dict(zip(ROW_FIELDS, row, strict=False))
    at = values["at"]
    values["at"] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return AuditEntry(**values, prev_hash=row[-2], hash=row[-1])
