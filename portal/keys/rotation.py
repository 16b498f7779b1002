"""Data-key rotation over the stored rows: resumable, in small transactions.

``rotate-dek`` adds a new key version, then walks every sealed column in
primary-key order, re-encrypting (or re-indexing) a batch per transaction and
saving its position in ``job_state`` in that same transaction. Killed
halfway, it resumes where the last committed batch ended; rows written
meanwhile by the running service under either version stay readable, because
old versions remain loaded until nothing uses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Table, bindparam, insert, select, update

from crypto import DataKeyStore, Keyring, Purpose
from portal.db.import_tables import ImportJobRow
from portal.db.sealing import Sealer
from portal.db.tables import (
    BankAccountRow,
    ContactRow,
    InvoicingProfileRow,
    JobStateRow,
    SupplierRow,
    table_of,
)

JOB = table_of(JobStateRow)


@dataclass(frozen=True)
class SealedColumn:
    """One encrypted column, and the blind index computed from it (if any)."""

    table: Table
    name: str  # logical column name bound into the ciphertext
    enc: str
    bidx: str | None = None
    kind: str | None = None


SEALED_COLUMNS: tuple[SealedColumn, ...] = (
    SealedColumn(
        table_of(SupplierRow),
        "legal_rep_id_number",
        "legal_rep_id_number_enc",
        "legal_rep_id_number_bidx",
        "id_number",
    ),
    SealedColumn(
        table_of(BankAccountRow),
        "account_number",
        "account_number_enc",
        "account_number_bidx",
        "bank_account",
    ),
    SealedColumn(table_of(ContactRow), "phone", "phone_enc", "phone_bidx", "phone"),
    SealedColumn(table_of(InvoicingProfileRow), "phone", "phone_enc"),
    SealedColumn(
        table_of(InvoicingProfileRow),
        "account_number",
        "account_number_enc",
        "account_number_bidx",
        "bank_account",
    ),
    # the web import's kept report (findings name accounts and phones of the list)
    SealedColumn(table_of(ImportJobRow), "report", "report"),
)


@dataclass
class RotationProgress:
    """Where a rotation stands."""

    purpose: Purpose
    version: int
    column_index: int
    after: str
    rewritten: int
    done: bool


def _job_name(purpose: Purpose) -> str:
    return f"rotate-dek:{purpose.value}"


def _load(engine: Engine, purpose: Purpose) -> RotationProgress | None:
    with engine.connect() as conn:
        row = conn.execute(select(JOB).where(JOB.c.name == _job_name(purpose))).first()
    if row is None:
        return None
    version, column_index, after = row.cursor.split("|", 2)
    return RotationProgress(
        purpose, int(version), int(column_index), after, row.done, row.state == "done"
    )


def _cursor(p: RotationProgress) -> str:
    return f"{p.version}|{p.column_index}|{p.after}"


def start_or_resume(
    engine: Engine, keyring: Keyring, store: DataKeyStore, purpose: Purpose
) -> RotationProgress:
    """Resume an unfinished rotation of ``purpose``, or add a key version and start one."""
    progress = _load(engine, purpose)
    if progress is not None and not progress.done:
        return progress
    version = keyring.add_version(store, purpose)
    progress = RotationProgress(purpose, version, 0, "", 0, False)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(JOB.delete().where(JOB.c.name == _job_name(purpose)))
        conn.execute(
            insert(JOB).values(
                name=_job_name(purpose),
                cursor=_cursor(progress),
                done=0,
                state="running",
                updated_at=now,
            )
        )
    return progress


def run_rotation(
    engine: Engine,
    sealer: Sealer,
    progress: RotationProgress,
    *,
    batch_size: int = 500,
    after_batch: Callable[[RotationProgress], None] | None = None,
) -> RotationProgress:
    """Re-encrypt (FIELD) or re-index (BLIND_INDEX) every sealed column from the cursor on."""
    for column_index in range(progress.column_index, len(SEALED_COLUMNS)):
        column = SEALED_COLUMNS[column_index]
        if progress.column_index != column_index:
            progress.column_index, progress.after = column_index, ""
        if progress.purpose is Purpose.BLIND_INDEX and column.bidx is None:
            continue
        while _rotate_batch(engine, sealer, column, progress, batch_size):
            if after_batch is not None:
                after_batch(progress)
    progress.done = True
    with engine.begin() as conn:
        conn.execute(
            update(JOB)
            .where(JOB.c.name == _job_name(progress.purpose))
            .values(
                state="done",
                cursor=_cursor(progress),
                done=progress.rewritten,
                updated_at=datetime.now(UTC),
            )
        )
    return progress


def _rotate_batch(
    engine: Engine, sealer: Sealer, column: SealedColumn, progress: RotationProgress, size: int
) -> bool:
    """One transaction: rewrite up to ``size`` rows and move the cursor. False when none left."""
    table = column.table
    enc = table.c[column.enc]
    with engine.begin() as conn:
        rows = conn.execute(
            select(table.c.id, enc)
            .where(table.c.id > progress.after, enc.is_not(None))
            .order_by(table.c.id)
            .limit(size)
        ).all()
        if not rows:
            return False
        changes = []
        for row in rows:
            token = row[1]
            name = table.name
            if progress.purpose is Purpose.FIELD:
                if sealer.cipher.needs_reencryption(token):
                    new = sealer.cipher.reencrypt(
                        token, table=name, column=column.name, row_id=row.id
                    )
                    changes.append({"_id": row.id, column.enc: new})
            elif column.bidx is not None and column.kind is not None:
                clear = sealer.cipher.decrypt_any(
                    token, table=name, column=column.name, row_id=row.id
                )
                changes.append({"_id": row.id, column.bidx: sealer.index(column.kind, clear)})
        if changes:
            target = column.enc if progress.purpose is Purpose.FIELD else column.bidx
            assert target is not None
            conn.execute(
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({target: bindparam(target)}),
                changes,
            )
        progress.after = rows[-1].id
        progress.rewritten += len(changes)
        conn.execute(
            update(JOB)
            .where(JOB.c.name == _job_name(progress.purpose))
            .values(cursor=_cursor(progress), done=progress.rewritten, updated_at=datetime.now(UTC))
        )
    return True


def remaining_on_old_keys(engine: Engine, sealer: Sealer) -> int:
    """How many sealed values are not under the current FIELD key (0 after a rotation)."""
    count = 0
    with engine.connect() as conn:
        for column in SEALED_COLUMNS:
            enc = column.table.c[column.enc]
            for (token,) in conn.execute(select(enc).where(enc.is_not(None))):
                count += sealer.cipher.needs_reencryption(token)
    return count
