"""Whether payments to a supplier are on hold: an open bank change, or cooling off after one.

The rule is :func:`approvals.evaluate_payment_hold`; :class:`HoldStore` keeps the time of
the last applied bank change (the ``payment_hold`` table; callers own the transaction).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, or_, select, update

from approvals import ChangeRequest, PaymentHold, evaluate_payment_hold
from portal.changes.records import OPEN, REQUEST
from portal.db.approval_tables import PaymentHoldRow
from portal.db.keyed import ByKeys
from portal.db.supplier_store import SUPPLIER
from portal.db.tables import table_of
from portal.domain.supplier import LifecycleState

if TYPE_CHECKING:
    from portal.changes.deps import ChangeDeps

__all__ = ["BLOCKED", "HoldStore", "payment_hold", "payment_holds"]

HOLD = table_of(PaymentHoldRow)
# Built once (the finance API asks for every page it serves): building costs more than
# the database takes to answer.
_LAST_CHANGES = ByKeys(
    lambda among: select(HOLD.c.supplier_id, HOLD.c.last_bank_change_applied_at).where(
        among(HOLD.c.supplier_id)
    )
)
_OPEN_BANK_CHANGES = ByKeys(
    lambda among: select(REQUEST.c.supplier_id, REQUEST.c.id).where(
        among(REQUEST.c.supplier_id),
        # not ``in_([...])``: a list is an expanding parameter, rendered again on every call
        or_(*(REQUEST.c.status == s.value for s in OPEN)),
        REQUEST.c.touches_bank.is_(True),
    )
)
#: The reason code of the hold a blocked supplier is under (see :mod:`.blocking`).
BLOCKED = "supplier.blocked"


class HoldStore:
    """The ``payment_hold`` rows: when a bank change last reached a supplier's record."""

    @staticmethod
    def last_bank_change(conn: Connection, supplier_id: str) -> datetime | None:
        query = select(HOLD.c.last_bank_change_applied_at).where(HOLD.c.supplier_id == supplier_id)
        value: datetime | None = conn.execute(query).scalar_one_or_none()
        return value

    @staticmethod
    def last_bank_changes(conn: Connection, supplier_ids: list[str]) -> dict[str, datetime]:
        """:meth:`last_bank_change` of several suppliers in one query (those that have one)."""
        return {sid: at for sid, at in conn.execute(_LAST_CHANGES.on(conn), {"ids": supplier_ids})}

    @staticmethod
    def record_bank_change(
        conn: Connection, supplier_id: str, request_id: str, now: datetime
    ) -> None:
        values = {"last_bank_change_applied_at": now, "last_request_id": request_id}
        updated = conn.execute(
            update(HOLD).where(HOLD.c.supplier_id == supplier_id).values(**values)
        )
        if updated.rowcount == 0:
            conn.execute(insert(HOLD).values(supplier_id=supplier_id, **values))


def payment_hold(
    deps: ChangeDeps, conn: Connection, supplier_id: str, now: datetime | None = None
) -> PaymentHold:
    """Whether payments to the supplier are on hold (blocked, open bank change, or cooling
    off)."""
    state = conn.execute(
        select(SUPPLIER.c.lifecycle_state).where(SUPPLIER.c.id == supplier_id)
    ).scalar_one_or_none()
    return payment_holds(deps, conn, {supplier_id: state or ""}, now)[supplier_id]


def payment_holds(
    deps: ChangeDeps, conn: Connection, states: Mapping[str, str], now: datetime | None = None
) -> dict[str, PaymentHold]:
    """:func:`payment_hold` of a page of suppliers, whose lifecycle states the caller read
    with them (``supplier id -> state``): the same rule, in a fixed number of queries (the
    open bank changes and the last applied ones of the whole page), not a few per supplier."""
    ids = [sid for sid, state in states.items() if state != LifecycleState.BLOCKED.value]
    now = now or deps.clock()
    open_ids: dict[str, list[str]] = {}
    last: dict[str, datetime] = {}
    if ids:
        for sid, rid in conn.execute(_OPEN_BANK_CHANGES.on(conn), {"ids": ids}):
            open_ids.setdefault(sid, []).append(rid)
        last = deps.holds.last_bank_changes(conn, ids)
    requests = deps.records.load(conn, [rid for rids in open_ids.values() for rid in rids])
    by_supplier: dict[str, list[ChangeRequest]] = {}
    for request in requests:
        by_supplier.setdefault(request.supplier_id, []).append(request)
    holds = {sid: PaymentHold(on_hold=True, reason_code=BLOCKED, until=None) for sid in states}
    for sid in ids:
        holds[sid] = evaluate_payment_hold(
            by_supplier.get(sid, ()), last.get(sid), now=now, cooling_off=deps.cooling_off
        )
    return holds
