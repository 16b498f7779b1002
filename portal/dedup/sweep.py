"""The sweep: every stored supplier screened against the others, resumable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from portal.dedup.keys import index_suppliers, unindexed
from portal.dedup.pairs import remember_pairs
from portal.dedup.screening import find_matches, load_probes
from portal.dedup.tables import ARCHIVED, JOB, PAIR, SUPPLIER

__all__ = ["SWEEP_JOB", "SweepProgress", "sweep", "sweep_state"]

SWEEP_JOB = "dedup_sweep"


@dataclass
class SweepProgress:
    """Where a sweep stands; ``cursor`` is the last supplier id screened."""

    cursor: str = ""
    screened: int = 0
    new_pairs: int = 0
    batches: int = 0
    finished: bool = False


def sweep(
    engine: Engine,
    *,
    batch_size: int = 1000,
    resume: bool = False,
    max_batches: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_batch: Callable[[SweepProgress], None] | None = None,
) -> SweepProgress:
    """Screen every stored supplier against the others, a batch per transaction.

    Each batch files suppliers that have no blocking keys yet, screens the
    batch, keeps new pairs as open duplicates and moves the cursor, all in
    one transaction: killed at any point, ``resume=True`` goes on after the
    last committed batch and ends with the same pairs as an uninterrupted run.
    A fresh sweep (``resume=False``) first forgets undecided pairs, so pairs
    that no longer match disappear.
    """
    progress = _start_sweep(engine, resume=resume, now=clock())
    while not progress.finished and (max_batches is None or progress.batches < max_batches):
        with engine.begin() as conn:
            ids = list(
                conn.scalars(
                    select(SUPPLIER.c.id)
                    .where(SUPPLIER.c.id > progress.cursor, SUPPLIER.c.lifecycle_state != ARCHIVED)
                    .order_by(SUPPLIER.c.id)
                    .limit(batch_size)
                )
            )
            if ids:
                index_suppliers(conn, unindexed(conn, ids))
                stored = load_probes(conn, ids, with_keys=True)
                probes = [stored[i] for i in ids if i in stored]
                found = [m for ms in find_matches(conn, probes) for m in ms]
                progress.new_pairs += remember_pairs(conn, found, now=clock())
                progress.cursor = ids[-1]
                progress.screened += len(ids)
                progress.batches += 1
            progress.finished = len(ids) < batch_size
            conn.execute(
                update(JOB)
                .where(JOB.c.name == SWEEP_JOB)
                .values(
                    cursor=progress.cursor,
                    done=progress.screened,
                    state="done" if progress.finished else "running",
                    updated_at=clock(),
                )
            )
        if on_batch is not None:
            on_batch(progress)
    return progress


def _start_sweep(engine: Engine, *, resume: bool, now: datetime) -> SweepProgress:
    with engine.begin() as conn:
        row = conn.execute(select(JOB).where(JOB.c.name == SWEEP_JOB)).first()
        if resume and row is not None and row.state == "running":
            return SweepProgress(cursor=row.cursor, screened=row.done)
        conn.execute(delete(JOB).where(JOB.c.name == SWEEP_JOB))
        conn.execute(delete(PAIR))
        conn.execute(
            insert(JOB).values(name=SWEEP_JOB, cursor="", done=0, state="running", updated_at=now)
        )
    return SweepProgress()


def sweep_state(conn: Connection) -> dict[str, object] | None:
    """The sweep's job row as a dict, or None when no sweep ever ran."""
    row = conn.execute(select(JOB).where(JOB.c.name == SWEEP_JOB)).first()
    if row is None:
        return None
    return {
        "cursor": row.cursor,
        "screened": row.done,
        "state": row.state,
        "updated_at": row.updated_at.isoformat(),
    }
