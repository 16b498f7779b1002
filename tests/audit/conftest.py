"""An audit log on the test database, anchored in a checkpoint file outside it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from approvals.audit import chain_hash
from portal.audit import Anchoring, CheckpointSigner
from portal.audit.adapters.append_only_file import AppendOnlyFileCheckpointStore
from portal.audit.log import ENTRY, HEAD, AuditContext, AuditLog
from portal.audit.rows import entry_of, rows_between
from portal.db.supplier_store import SupplierStore

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
CTX = AuditContext(actor="u-1", actor_role="purchasing_supervisor", ip="127.0.0.1")


@pytest.fixture
def log(store: SupplierStore) -> AuditLog:
    return AuditLog(store.sealer)


@pytest.fixture
def anchoring(tmp_path: Path) -> Anchoring:
    store = AppendOnlyFileCheckpointStore(tmp_path / "anchors" / "checkpoints.log")
    return Anchoring(CheckpointSigner.generate(), store)


@pytest.fixture(autouse=True)
def _anchor_dir(tmp_path: Path) -> None:
    (tmp_path / "anchors").mkdir(mode=0o700)


@pytest.fixture
def write(engine: Engine, log: AuditLog) -> Callable[..., None]:
    """``write(n)`` appends n entries, one minute apart, after those already there."""

    def append(n: int, start: datetime = T0) -> None:
        for i in range(n):
            with engine.begin() as conn:
                log.record(
                    conn,
                    CTX,
                    "field.changed",
                    subject_type="supplier",
                    subject_id="s-1",
                    field_name="name",
                    before=f"old {i}",
                    after=f"new {i}",
                    now=start + timedelta(minutes=i),
                )

    return append


class Attacker:
    """Someone with write access to the database, and nothing else."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def rehash_from(self, seq: int, **changes: object) -> None:
        """Change entry ``seq``, re-hash every entry after it and move the head row, so
        the chain in the database is consistent again."""
        rehash_from(self.engine, seq, **changes)

    def move_head_back(self, to_seq: int) -> None:
        """Delete the newest entries and point the head row at ``to_seq``."""
        move_head_back(self.engine, to_seq)


@pytest.fixture
def attacker(engine: Engine) -> Attacker:
    return Attacker(engine)


def rehash_from(engine: Engine, seq: int, **changes: object) -> None:
    with engine.begin() as conn:
        entries = [entry_of(row) for row in conn.execute(rows_between(seq))]
        prev_hash = entries[0].prev_hash
        for index, entry in enumerate(entries):
            forged = replace(entry, **changes) if index == 0 else entry  # type: ignore[arg-type]
            algorithm = entry.hash.partition(":")[0]
            forged = replace(forged, prev_hash=prev_hash, hash="")
            forged = replace(forged, hash=chain_hash(prev_hash, forged, algorithm))
            conn.execute(
                update(ENTRY)
                .where(ENTRY.c.seq == entry.seq)
                .values(
                    prev_hash=forged.prev_hash, hash=forged.hash, **changes if index == 0 else {}
                )
            )
            prev_hash = forged.hash
        conn.execute(update(HEAD).where(HEAD.c.id == 1).values(hash=prev_hash))


def move_head_back(engine: Engine, to_seq: int) -> None:
    with engine.begin() as conn:
        conn.execute(ENTRY.delete().where(ENTRY.c.seq > to_seq))
        new_hash = conn.execute(select(ENTRY.c.hash).where(ENTRY.c.seq == to_seq)).scalar_one()
        conn.execute(update(HEAD).where(HEAD.c.id == 1).values(seq=to_seq, hash=new_hash))
