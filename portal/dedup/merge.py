"""Merging two suppliers once the merge was approved (the proposal goes through
:func:`portal.changes.propose_merge`; applying it calls :func:`merge_suppliers`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from portal.dedup.decisions import record_decision
from portal.dedup.keys import index_suppliers
from portal.dedup.tables import (
    ARCHIVED,
    BANK,
    CONTACT,
    CONTRACT,
    INVOICE,
    INVOICING,
    PAIR,
    STORE_SUPPLIER,
    SUPPLIER,
)
from portal.resolution import Decision, MergeRefusedError, SupplierNotFoundError

__all__ = ["MergeResult", "merge_suppliers"]


@dataclass(frozen=True)
class MergeResult:
    """What a merge moved, for the audit log."""

    survivor_id: str
    absorbed_id: str
    moved: dict[str, int]
    aliases_before: tuple[str, ...]
    aliases_after: tuple[str, ...]


def merge_suppliers(
    conn: Connection,
    survivor_id: str,
    absorbed_id: str,
    *,
    now: datetime,
    decided_by: str = "merge",
) -> MergeResult:
    """Fold ``absorbed`` into ``survivor`` in the caller's transaction.

    Bank accounts, contacts, contracts, invoices and store links move to the
    survivor (an account the survivor already has moves retired, so history
    stays complete); the invoicing profile moves when the survivor has none;
    documents stay with the registration they prove. The absorbed names become
    aliases of the survivor, the absorbed supplier is archived and the pair is
    remembered as merged.
    """
    if survivor_id == absorbed_id:
        raise MergeRefusedError("a supplier cannot be merged into itself")
    rows = {
        r.id: r
        for r in conn.execute(
            select(SUPPLIER.c.id, SUPPLIER.c.name, SUPPLIER.c.aliases, SUPPLIER.c.lifecycle_state)
            .where(SUPPLIER.c.id.in_([survivor_id, absorbed_id]))
            .with_for_update()
        )
    }
    if missing := {survivor_id, absorbed_id} - set(rows):
        raise SupplierNotFoundError(f"no supplier {', '.join(sorted(missing))}")
    survivor, absorbed = rows[survivor_id], rows[absorbed_id]
    for row, role in ((survivor, "surviving"), (absorbed, "absorbed")):
        if row.lifecycle_state == ARCHIVED:
            raise MergeRefusedError(f"the {role} supplier {row.id} is archived already")
    moved: dict[str, int] = {}
    held = set(
        conn.scalars(select(BANK.c.account_number_bidx).where(BANK.c.supplier_id == survivor_id))
    )
    moved["bank_accounts_retired"] = conn.execute(
        update(BANK)
        .where(BANK.c.supplier_id == absorbed_id, BANK.c.account_number_bidx.in_(held))
        .values(supplier_id=survivor_id, retired=True, is_default=False)
    ).rowcount
    moved["bank_accounts"] = (
        conn.execute(
            update(BANK)
            .where(BANK.c.supplier_id == absorbed_id)
            .values(supplier_id=survivor_id, is_default=False)
        ).rowcount
        + moved["bank_accounts_retired"]
    )
    for name, table in (("contacts", CONTACT), ("contracts", CONTRACT), ("invoices", INVOICE)):
        moved[name] = conn.execute(
            update(table).where(table.c.supplier_id == absorbed_id).values(supplier_id=survivor_id)
        ).rowcount
    has_profile = conn.execute(
        select(INVOICING.c.id).where(INVOICING.c.supplier_id == survivor_id)
    ).first()
    moved["invoicing_profile"] = (
        0
        if has_profile
        else conn.execute(
            update(INVOICING)
            .where(INVOICING.c.supplier_id == absorbed_id)
            .values(supplier_id=survivor_id)
        ).rowcount
    )
    moved["stores"] = _move_stores(conn, survivor_id, absorbed_id)
    before = tuple(json.loads(survivor.aliases))
    after = tuple(
        a
        for a in dict.fromkeys((*before, absorbed.name, *json.loads(absorbed.aliases)))
        if a != survivor.name
    )
    conn.execute(
        update(SUPPLIER)
        .where(SUPPLIER.c.id == survivor_id)
        .values(
            aliases=json.dumps(list(after), ensure_ascii=False),
            version=SUPPLIER.c.version + 1,
            updated_at=now,
        )
    )
    conn.execute(
        update(SUPPLIER)
        .where(SUPPLIER.c.id == absorbed_id)
        .values(lifecycle_state=ARCHIVED, version=SUPPLIER.c.version + 1, updated_at=now)
    )
    conn.execute(delete(PAIR).where((PAIR.c.a_id == absorbed_id) | (PAIR.c.b_id == absorbed_id)))
    record_decision(conn, survivor_id, absorbed_id, Decision.MERGED, decided_by=decided_by, now=now)
    index_suppliers(conn, [survivor_id, absorbed_id])
    return MergeResult(survivor_id, absorbed_id, moved, before, after)


def _move_stores(conn: Connection, survivor_id: str, absorbed_id: str) -> int:
    served = set(
        conn.scalars(
            select(STORE_SUPPLIER.c.store_id).where(STORE_SUPPLIER.c.supplier_id == survivor_id)
        )
    )
    stores = set(
        conn.scalars(
            select(STORE_SUPPLIER.c.store_id).where(STORE_SUPPLIER.c.supplier_id == absorbed_id)
        )
    )
    if stores - served:
        conn.execute(
            insert(STORE_SUPPLIER),
            [{"store_id": s, "supplier_id": survivor_id} for s in sorted(stores - served)],
        )
    conn.execute(delete(STORE_SUPPLIER).where(STORE_SUPPLIER.c.supplier_id == absorbed_id))
    return len(stores)
