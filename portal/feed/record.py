"""Writing feed events: in the transaction that applies the change, numbered in commit order.

:func:`record_events` is called by the acts that change a supplier (creating it, applying a
change request, merging, archiving), after their audit entries and before they commit. It
takes the next sequence numbers under the row lock of ``feed_head`` (an UPDATE, so SQLite
takes its write lock and PostgreSQL a row lock held until commit): a second writer waits
until the first has committed, so sequence order is commit order and a reader that has
seen ``N`` never later finds a smaller number appearing. A rolled-back act leaves no gap.

Each event keeps the supplier's state after the change (sensitive values masked, their
clear values sealed for the event's row), the fields that changed, who approved, and the
hash of the act's last audit entry. In the same transaction each webhook subscription that
wants the event type gets a pending delivery (the outbox rule: it exists if and only if
the change committed).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec
from sqlalchemy import Connection, insert, select, update

from approvals import Approval, FieldChange
from portal.audit.log import ENTRY, HEAD
from portal.db.bulk import insert_rows
from portal.db.feed_tables import (
    FeedEventRow,
    FeedHeadRow,
    WebhookDeliveryRow,
    WebhookSubscriptionRow,
)
from portal.db.supplier_store import SupplierStore
from portal.db.tables import table_of
from portal.domain.supplier import Supplier
from portal.finance.reads import supplier_views

__all__ = ["EVENT", "FEED_HEAD", "EventType", "PendingEvent", "record_events"]

EVENT = table_of(FeedEventRow)
FEED_HEAD = table_of(FeedHeadRow)
SUBSCRIPTION = table_of(WebhookSubscriptionRow)
DELIVERY = table_of(WebhookDeliveryRow)


class EventType(StrEnum):
    """What happened to the supplier."""

    CREATED = "supplier.created"
    CHANGED = "supplier.changed"
    MERGED = "supplier.merged"  # another supplier was absorbed into this one
    BLOCKED = "supplier.blocked"
    ARCHIVED = "supplier.archived"
    SNAPSHOT = "supplier.snapshot"  # the state of a supplier that existed before the feed


@dataclass(frozen=True)
class PendingEvent:
    """An event about to be recorded (the act knows these; the recorder adds the rest)."""

    type: EventType
    supplier_id: str
    request_id: str | None = None
    changes: Sequence[FieldChange] = ()
    approvals: Sequence[Approval] = ()
    extra: dict[str, str] = field(default_factory=dict)


def type_of_change(changes: Sequence[FieldChange]) -> EventType:
    """``blocked``/``archived`` when the change moves the lifecycle there, else ``changed``."""
    for change in changes:
        if change.field_name == "lifecycle_state" and change.after in ("blocked", "archived"):
            return EventType(f"supplier.{change.after}")
    return EventType.CHANGED


def _allocate(conn: Connection, count: int) -> int:
    """Take ``count`` sequence numbers under the head's row lock; returns the first."""
    bump = (
        update(FEED_HEAD)
        .where(FEED_HEAD.c.id == 1)
        .values(seq=FEED_HEAD.c.seq + count)
        .returning(FEED_HEAD.c.seq)
    )
    last = conn.execute(bump).scalar()
    if last is None:
        # first event ever: create the head; a concurrent first writer may win, then the
        # UPDATE waits for its commit (the same dance as the audit head)
        conn.execute(_insert_ignore(conn).values(id=1, seq=0))
        last = conn.execute(bump).scalar()
        assert last is not None
    return int(last) - count + 1


def _insert_ignore(conn: Connection) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING into the head, for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(FEED_HEAD).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(FEED_HEAD).on_conflict_do_nothing()


def _audit_head(conn: Connection) -> tuple[str | None, str | None]:
    """The id and hash of the newest audit entry (the act's own: it holds the head's lock)."""
    head = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1)).first()
    if head is None or not head.seq:
        return None, None
    entry_id = conn.execute(select(ENTRY.c.id).where(ENTRY.c.seq == head.seq)).scalar()
    return entry_id, head.hash


def _states(
    store: SupplierStore, supplier: Supplier | None, supplier_id: str, event_id: str
) -> tuple[dict[str, Any], str | None]:
    """The masked after-state, and the clear one sealed for the event row (None: no secret)."""
    if supplier is None:
        return {"id": supplier_id}, None
    masked, clear, reveals = supplier_views(supplier)
    if not reveals:
        return masked, None
    sealed = store.sealer.seal(
        "feed_event", "revealed", event_id, _json({"state": clear, "reveals": reveals})
    )
    return masked, sealed


def _json(value: Any) -> str:
    """JSON text of a state or list (UTF-8, compact; readers decode it with msgspec)."""
    return _encode(value).decode()


_encode = msgspec.json.Encoder().encode


def _approvers(approvals: Sequence[Approval]) -> list[dict[str, str]]:
    return [{"approver": a.approver_id, "role": a.role, "at": a.at.isoformat()} for a in approvals]


def _fields(changes: Sequence[FieldChange]) -> list[dict[str, str]]:
    return [
        {"entity": str(c.entity), "entity_id": c.entity_id, "field": c.field_name} for c in changes
    ]


def _wanted(types: Sequence[str], event_type: str) -> bool:
    return "*" in types or event_type in types


def record_events(
    conn: Connection,
    store: SupplierStore,
    events: Sequence[PendingEvent],
    *,
    now: datetime,
    audited: bool = True,
    known: Mapping[str, Supplier] | None = None,
) -> list[int]:
    """Record ``events`` in the caller's transaction; returns their sequence numbers.

    Call it last in the act (after its audit entries): the feed head is locked from here
    to the commit. ``audited``: the act wrote audit entries in this transaction (the
    newest one's hash goes with each event).
    """
    if not events:
        return []
    entry_id, entry_hash = _audit_head(conn) if audited else (None, None)
    subscriptions = [
        (sub_id, json.loads(types))  # read once for all the events
        for sub_id, types in conn.execute(
            select(SUBSCRIPTION.c.id, SUBSCRIPTION.c.event_types).where(
                SUBSCRIPTION.c.removed_at.is_(None)
            )
        )
    ]
    known = known or {}
    suppliers = dict(known) | store.get_many(
        conn, sorted({e.supplier_id for e in events} - known.keys())
    )
    first = _allocate(conn, len(events))
    rows: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    for seq, event in enumerate(events, start=first):
        event_id = str(uuid.uuid4())
        supplier = suppliers.get(event.supplier_id)
        state, sealed = _states(store, supplier, event.supplier_id, event_id)
        if event.extra:
            state = state | {"event_detail": dict(event.extra)}
        rows.append(
            {
                "seq": seq,
                "id": event_id,
                "type": event.type.value,
                "supplier_id": event.supplier_id,
                "at": now,
                "request_id": event.request_id,
                "changed_fields": _json(_fields(event.changes)),
                "approvers": _json(_approvers(event.approvals)),
                "state": _json(state),
                "revealed": sealed,
                "audit_entry_id": entry_id,
                "audit_hash": entry_hash,
            }
        )
        deliveries += [
            {
                "id": str(uuid.uuid4()),
                "subscription_id": sub_id,
                "event_seq": seq,
                "supplier_id": event.supplier_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for sub_id, types in subscriptions
            if _wanted(types, event.type.value)
        ]
    insert_rows(conn, EVENT, rows)
    if deliveries:
        conn.execute(insert(DELIVERY), deliveries)
    return list(range(first, first + len(events)))
