"""Backfill: one ``supplier.snapshot`` event for every supplier that has no event yet.

Suppliers created before the feed existed have no ``supplier.created`` event; an ERP that
reads from ``after=0`` would never hear of them. :func:`snapshot_existing` (``portal
webhooks snapshot``) gives each one an event carrying its current state, in batches, each
batch with its audit entry. Running it again adds nothing for suppliers already in the feed.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Engine, select

from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import SUPPLIER, SupplierStore
from portal.domain.principal import Principal, Role
from portal.feed.read import FeedReadNotAllowedError
from portal.feed.record import EVENT, EventType, PendingEvent, record_events

__all__ = ["snapshot_existing"]


def snapshot_existing(
    engine: Engine,
    store: SupplierStore,
    audit: AuditLog,
    ctx: AuditContext,
    actor: Principal,
    *,
    now: datetime,
    batch: int = 500,
) -> int:
    """Write snapshot events for suppliers not in the feed; returns how many were written."""
    if actor.role is not Role.ADMIN:
        raise FeedReadNotAllowedError(actor.role.value)
    written = 0
    after = ""
    while True:
        with engine.begin() as conn:
            known = select(EVENT.c.supplier_id)
            ids = list(
                conn.execute(
                    select(SUPPLIER.c.id)
                    .where(SUPPLIER.c.id > after, SUPPLIER.c.id.not_in(known))
                    .order_by(SUPPLIER.c.id)
                    .limit(batch)
                ).scalars()
            )
            if not ids:
                return written
            audit.record(
                conn, ctx, "feed.snapshot", subject_type="supplier",
                after=json.dumps({"suppliers": len(ids)}), now=now,
            )  # fmt: skip
            record_events(
                conn, store, [PendingEvent(EventType.SNAPSHOT, sid) for sid in ids], now=now
            )
        written += len(ids)
        after = ids[-1]
