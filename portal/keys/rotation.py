"""Data-key rotation over the stored rows: resumable, in small transactions.

``rotate-dek`` adds a new key version, then walks every sealed column in
primary-key order, re-encrypting (or re-indexing) a batch per transaction and
saving its position in ``job_state`` in that same transaction. Killed
halfway, it resumes where the last committed batch ended; rows written
meanwhile by the running service under either version stay readable, because
old versions remain loaded until nothing uses them.

A BLIND_INDEX rotation also re-indexes the payment indexes kept beside bank accounts
(:func:`reindex_payment_indexes`): each account version of an account's number on file,
and each open small-amount challenge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Table, bindparam, insert, select, update

from crypto import DataKeyStore, Keyring, Purpose
from portal.db.import_tables import ImportJobRow
from portal.db.payment_tables import AccountVersionRow, OwnershipCheckRow
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
VERSION = table_of(AccountVersionRow)
CHECK = table_of(OwnershipCheckRow)
BANK = table_of(BankAccountRow)
#: the small amounts a challenge can be, in cents (portal.payments.proving)
_CENTS = range(1, 100)


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
    if progress.purpose is Purpose.BLIND_INDEX:
        progress.rewritten += reindex_payment_indexes(engine, sealer, batch_size=batch_size)
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


def reindex_payment_indexes(engine: Engine, sealer: Sealer, *, batch_size: int = 500) -> int:
    """Re-index what the payment check finds accounts by; idempotent, so a killed run is
    simply run again. Returns how many indexes changed.

    * ``account_version.account_bidx``: a version keeps only the index of its number, so
      it is re-computed from the account's number on file when the version's index is
      that number's under any loaded key. A retired version of an *older* number cannot
      be re-indexed (its number is kept nowhere): a payment file naming that old number
      is then held as ``not_on_file`` instead of ``retired``, a hold either way.
    * ``ownership_check.challenge_bidx``: the small amount is kept only as the index of
      ``version:cents``; the cents are found again among the 99 possible amounts.
    """
    changed, after = 0, ""
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(VERSION.c.id, VERSION.c.account_bidx, BANK.c.id.label("bank_id"),
                       BANK.c.account_number_enc)
                .join(BANK, BANK.c.id == VERSION.c.bank_account_id)
                .where(VERSION.c.id > after, BANK.c.account_number_enc.is_not(None))
                .order_by(VERSION.c.id)
                .limit(batch_size)
            ).all()  # fmt: skip
            if not rows:
                break
            changes = []
            for row in rows:
                clear = sealer.cipher.decrypt_any(
                    row.account_number_enc, table="bank_account", column="account_number",
                    row_id=row.bank_id,
                )  # fmt: skip
                if clear and row.account_bidx in sealer.candidates("bank_account", clear):
                    new = sealer.index("bank_account", clear)
                    if new != row.account_bidx:
                        changes.append({"_id": row.id, "account_bidx": new})
            if changes:
                conn.execute(
                    update(VERSION)
                    .where(VERSION.c.id == bindparam("_id"))
                    .values(account_bidx=bindparam("account_bidx")),
                    changes,
                )
            changed += len(changes)
            after = rows[-1].id
    return changed + _reindex_challenges(engine, sealer)


def _reindex_challenges(engine: Engine, sealer: Sealer) -> int:
    changed = 0
    with engine.begin() as conn:
        open_challenges = conn.execute(
            select(CHECK.c.version_id, CHECK.c.challenge_bidx).where(
                CHECK.c.challenge_bidx.is_not(None)
            )
        ).all()
        for row in open_challenges:
            for cents in _CENTS:
                value = f"{row.version_id}:{cents}"
                if row.challenge_bidx in sealer.candidates("small_amount", value):
                    new = sealer.index("small_amount", value)
                    if new != row.challenge_bidx:
                        conn.execute(
                            update(CHECK)
                            .where(CHECK.c.version_id == row.version_id)
                            .values(challenge_bidx=new)
                        )
                        changed += 1
                    break
    return changed


def remaining_on_old_keys(engine: Engine, sealer: Sealer) -> int:
    """How many sealed values are not under the current FIELD key (0 after a rotation)."""
    count = 0
    with engine.connect() as conn:
        for column in SEALED_COLUMNS:
            enc = column.table.c[column.enc]
            for (token,) in conn.execute(select(enc).where(enc.is_not(None))):
                count += sealer.cipher.needs_reencryption(token)
    return count
