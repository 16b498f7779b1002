"""The sweep: every stored supplier screened against the others, resumable.

:func:`sweep` blocks the whole base in bulk (:mod:`portal.dedup.bulk_blocking`)
and scores each candidate pair with the rules of :mod:`portal.resolution`;
:func:`sweep_per_record` screens each supplier as registration does. Both
find the same pairs (the tests hold them to it); the bulk one is the nightly
sweep, the per-record one the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from portal.dedup.bulk_blocking import BulkBlocker, CandidatePair
from portal.dedup.keys import index_suppliers, unindexed
from portal.dedup.pairs import decided_pairs, remember_pairs
from portal.dedup.screening import find_matches, load_probes
from portal.dedup.tables import ARCHIVED, JOB, KEY, PAIR, SUPPLIER
from portal.resolution import Match, compare, names_may_match

__all__ = ["SWEEP_JOB", "SweepProgress", "sweep", "sweep_per_record", "sweep_state"]

SWEEP_JOB = "dedup_sweep"


@dataclass
class SweepProgress:
    """Where a sweep stands; ``cursor`` is the last supplier id screened."""

    cursor: str = ""
    screened: int = 0
    new_pairs: int = 0
    batches: int = 0
    finished: bool = False


def sweep_per_record(
    engine: Engine,
    *,
    batch_size: int = 1000,
    resume: bool = False,
    max_batches: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_batch: Callable[[SweepProgress], None] | None = None,
) -> SweepProgress:
    """Screen every stored supplier against the others as registration does, a batch per
    transaction (the reference :func:`sweep` is held to).

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
            found: list[Match] = []
            if ids:
                index_suppliers(conn, unindexed(conn, ids))
                stored = load_probes(conn, ids, with_keys=True)
                probes = [stored[i] for i in ids if i in stored]
                found = [m for ms in find_matches(conn, probes) for m in ms]
            _close_batch(conn, progress, ids, found, batch_size, clock)
        if on_batch is not None:
            on_batch(progress)
    return progress


def sweep(
    engine: Engine,
    *,
    batch_size: int = 20_000,
    resume: bool = False,
    max_batches: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_batch: Callable[[SweepProgress], None] | None = None,
    memory_limit: str = "1GB",
) -> SweepProgress:
    """Screen every stored supplier against the others: blocking in bulk, a batch of
    probes per transaction.

    Suppliers without blocking keys are filed first. The postings, numbers and
    blind indexes are then read once into DuckDB (:class:`BulkBlocker`), which
    hands out each batch's candidate pairs; the pairs are scored by the rules of
    :mod:`portal.resolution` and kept with the cursor in one transaction, so
    ``resume=True`` goes on after the last committed batch, and a fresh sweep
    first forgets undecided pairs, as :func:`sweep_per_record` does.
    """
    progress = _start_sweep(engine, resume=resume, now=clock())
    _file_unindexed(engine)
    with BulkBlocker(memory_limit=memory_limit) as blocker:
        with engine.connect() as conn:
            blocker.load(conn)
        blocker.prepare()
        while not progress.finished and (max_batches is None or progress.batches < max_batches):
            ids = blocker.live_ids(progress.cursor, batch_size)
            with engine.begin() as conn:
                found = _scored(conn, blocker.candidates(ids[0], ids[-1])) if ids else []
                _close_batch(conn, progress, ids, found, batch_size, clock)
            if on_batch is not None:
                on_batch(progress)
    return progress


def _close_batch(
    conn: Connection,
    progress: SweepProgress,
    ids: list[str],
    found: list[Match],
    batch_size: int,
    clock: Callable[[], datetime],
) -> None:
    """Keep a batch's pairs and move the cursor past it, in the batch's transaction (both
    sweeps: a resumed sweep goes on after the last batch committed here)."""
    if ids:
        progress.new_pairs += remember_pairs(conn, found, now=clock())
        progress.cursor = ids[-1]
        progress.screened += len(ids)
        progress.batches += 1
    progress.finished = len(ids) < batch_size
    _save(conn, progress, now=clock())


def _file_unindexed(engine: Engine, batch_size: int = 1000) -> None:
    """File every live supplier that has no blocking key yet, a batch per transaction."""
    no_key = ~select(KEY.c.supplier_id).where(KEY.c.supplier_id == SUPPLIER.c.id).exists()
    after = ""
    while True:
        with engine.begin() as conn:
            ids = list(
                conn.scalars(
                    select(SUPPLIER.c.id)
                    .where(SUPPLIER.c.id > after, SUPPLIER.c.lifecycle_state != ARCHIVED, no_key)
                    .order_by(SUPPLIER.c.id)
                    .limit(batch_size)
                )
            )
            if not ids:
                return
            index_suppliers(conn, ids)
            after = ids[-1]


def _scored(conn: Connection, pairs: Sequence[CandidatePair]) -> list[Match]:
    """Matches of candidate pairs (in probe order), without pairs already decided.

    A pair found only by name is scored only when the names can reach the threshold
    (``names_may_match`` on the stored cores), as the per-record screen does.
    """

    def worth(pair: CandidatePair, probe_cores: Sequence[str]) -> bool:
        return (
            not pair.by_name_only
            or not pair.other_cores
            or names_may_match(probe_cores, pair.other_cores.split("\n"))
        )

    kept = [p for p in pairs if not p.probe_cores or worth(p, p.probe_cores.split("\n"))]
    probes = load_probes(conn, {i for p in kept for i in (p.probe, p.other)})
    found: list[Match] = []
    for pair in kept:
        probe, other = probes.get(pair.probe), probes.get(pair.other)
        if probe is None or other is None:  # archived
            continue
        if pair.probe_cores or worth(pair, probe.cores):
            found.extend(compare(probe, other))
    decided = decided_pairs(conn, {m.pair for m in found})
    return [m for m in found if m.pair not in decided]


def _save(conn: Connection, progress: SweepProgress, *, now: datetime) -> None:
    conn.execute(
        update(JOB)
        .where(JOB.c.name == SWEEP_JOB)
        .values(
            cursor=progress.cursor,
            done=progress.screened,
            state="done" if progress.finished else "running",
            updated_at=now,
        )
    )


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
