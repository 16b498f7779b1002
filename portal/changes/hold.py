"""Whether payments to a supplier are on hold: an open bank change, or cooling off after one.

The rule is :func:`approvals.evaluate_payment_hold`; :class:`HoldStore` keeps the time of
the last applied bank change (the ``payment_hold`` table; callers own the transaction).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select, update

from approvals import PaymentHold, evaluate_payment_hold
from portal.changes.records import OPEN
from portal.db.approval_tables import PaymentHoldRow
from portal.db.supplier_store import SUPPLIER
from portal.db.tables import table_of
from portal.domain.supplier import LifecycleState

if TYPE_CHECKING:
    from portal.changes.deps import ChangeDeps

__all__ = ["BLOCKED", "HoldStore", "payment_hold"]

HOLD = table_of(PaymentHoldRow)
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
    if state == LifecycleState.BLOCKED.value:
        return PaymentHold(on_hold=True, reason_code=BLOCKED, until=None)
    ids = deps.records.ids(conn, supplier_id=supplier_id, statuses=OPEN, bank_only=True)
    return evaluate_payment_hold(
        deps.records.load(conn, ids),
        deps.holds.last_bank_change(conn, supplier_id),
        now=now or deps.clock(),
        cooling_off=deps.cooling_off,
    )
