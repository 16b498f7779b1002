"""The monitoring work list: ``verification_schedule``, one row per supplier, due at a time.

A row is due after the cadence, after a failed run's ``retry_after``, or at once
after a write (:func:`request_verification`). A worker takes a row with a
conditional UPDATE (``... WHERE next_due_at <= now AND (claimed_until IS NULL OR
claimed_until < now)``, then checks the row count) and a lease, so two workers
never verify the same supplier; a worker that dies loses its lease and the row is
due again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.db.bulk import insert_rows
from portal.db.lease import claim_one
from portal.db.supplier_store import SUPPLIER
from portal.db.tables import table_of
from portal.db.verification_tables import VerificationScheduleRow

SCHEDULE = table_of(VerificationScheduleRow)
MONITORED_STATES = ("prospective", "active")

__all__ = [
    "MONITORED_STATES",
    "SCHEDULE",
    "claim",
    "due_suppliers",
    "ensure_schedule",
    "request_verification",
    "reschedule",
    "schedule_new",
]


def ensure_schedule(conn: Connection, now: datetime) -> int:
    """Give every supplier without a schedule row one, due now; returns how many.

    One ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``: a pass running at the
    same time may give the same suppliers their row first, and that is fine.
    """
    missing = select(SUPPLIER.c.id, literal(now), literal("schedule")).where(
        ~exists().where(SCHEDULE.c.supplier_id == SUPPLIER.c.id)
    )
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(SCHEDULE)
        .from_select(["supplier_id", "next_due_at", "reason"], missing)
        .on_conflict_do_nothing(index_elements=["supplier_id"])
        .returning(SCHEDULE.c.supplier_id)
    )
    return len(conn.execute(statement).all())


def request_verification(
    conn: Connection, supplier_ids: Sequence[str], *, now: datetime, reason: str
) -> None:
    """Make these suppliers due now (in the caller's transaction)."""
    for sid in supplier_ids:
        done = conn.execute(
            update(SCHEDULE)
            .where(SCHEDULE.c.supplier_id == sid)
            .values(next_due_at=now, reason=reason)
        )
        if done.rowcount == 0:
            conn.execute(insert(SCHEDULE).values(supplier_id=sid, next_due_at=now, reason=reason))


def schedule_new(
    conn: Connection, supplier_ids: Sequence[str], *, now: datetime, reason: str
) -> None:
    """Make newly created suppliers due now: one multi-row insert (the import path)."""
    insert_rows(
        conn,
        SCHEDULE,
        [
            {"supplier_id": sid, "next_due_at": now, "reason": reason, "attempts": 0}
            for sid in supplier_ids
        ],
    )


def reschedule(
    conn: Connection,
    supplier_id: str,
    due: datetime,
    *,
    reason: str,
    token: str | None = None,
    ran_at: datetime | None = None,
    error: str | None = None,
) -> None:
    """Set when the supplier is next due; release the claim ``token`` if it is still ours."""
    values: dict[str, Any] = {"next_due_at": due, "reason": reason, "last_error": error}
    if ran_at is not None:
        values["last_run_at"] = ran_at
    done = conn.execute(
        update(SCHEDULE).where(SCHEDULE.c.supplier_id == supplier_id).values(**values)
    )
    if done.rowcount == 0:
        conn.execute(insert(SCHEDULE).values(supplier_id=supplier_id, **values))
    if token is not None:
        conn.execute(
            update(SCHEDULE)
            .where(SCHEDULE.c.supplier_id == supplier_id, SCHEDULE.c.claim_token == token)
            .values(
                claimed_until=None,
                claim_token=None,
                attempts=0 if error is None else SCHEDULE.c.attempts,
            )
        )


def _claimable(now: datetime) -> Any:
    return and_(
        SCHEDULE.c.next_due_at <= now,
        or_(SCHEDULE.c.claimed_until.is_(None), SCHEDULE.c.claimed_until < now),
    )


def due_suppliers(conn: Connection, now: datetime, limit: int) -> list[tuple[str, str]]:
    """(supplier id, reason) of due, unclaimed, monitored suppliers, oldest first."""
    rows = conn.execute(
        select(SCHEDULE.c.supplier_id, SCHEDULE.c.reason)
        .join(SUPPLIER, SUPPLIER.c.id == SCHEDULE.c.supplier_id)
        .where(_claimable(now), SUPPLIER.c.lifecycle_state.in_(MONITORED_STATES))
        .order_by(SCHEDULE.c.next_due_at, SCHEDULE.c.supplier_id)
        .limit(limit)
    )
    return [(r.supplier_id, r.reason) for r in rows]


def claim(engine: Engine, supplier_id: str, now: datetime, lease: timedelta) -> str | None:
    """Take the supplier for this worker if still due and unclaimed; the claim token or None."""
    token = str(uuid.uuid4())
    return claim_one(
        engine,
        SCHEDULE,
        and_(SCHEDULE.c.supplier_id == supplier_id, _claimable(now)),
        {"claimed_until": now + lease, "claim_token": token, "attempts": SCHEDULE.c.attempts + 1},
        lambda conn: token,
    )
