"""What the finance API needs besides the store: the reveal audit and the payment-hold view.

Both are required collaborators, built by the composition root (:mod:`portal.bootstrap`):
the app refuses to start without them, so a clear value is never served without its
audit entry and a payment is never read as "not held" for want of the rule.

>>> isinstance(object(), RevealAudit)
False
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlalchemy import Connection, Engine

from portal.audit.log import AuditContext, AuditLog

if TYPE_CHECKING:
    from portal.changes import ChangeDeps

__all__ = ["AuditedReveals", "ChangePaymentHolds", "PaymentHoldView", "RevealAudit"]


@runtime_checkable
class RevealAudit(Protocol):
    """Records that one clear value is about to be shown; raises when it cannot (then the
    value is not shown)."""

    def record_reveal(self, ctx: AuditContext, table: str, column: str, row_id: str) -> None:
        """Append a ``value.revealed`` entry, committed before the value leaves."""


@runtime_checkable
class PaymentHoldView(Protocol):
    """The finance API's ``payment_hold`` object of one supplier."""

    def hold_of(self, conn: Connection, supplier_id: str) -> dict[str, Any]:
        """``{"on_hold": bool, "reason": str | None, "until": ISO time | None}``."""


class AuditedReveals:
    """Each reveal is one ``value.revealed`` audit entry in its own committed transaction."""

    def __init__(self, engine: Engine, audit: AuditLog, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.audit = audit
        self.clock = clock

    def record_reveal(self, ctx: AuditContext, table: str, column: str, row_id: str) -> None:
        with self.engine.begin() as conn:
            self.audit.record(
                conn,
                ctx,
                "value.revealed",
                subject_type=table,
                subject_id=row_id,
                field_name=column,
                now=self.clock(),
            )


class ChangePaymentHolds:
    """Payment holds as the change-request rules decide them (open bank change, cooling off)."""

    def __init__(self, deps: ChangeDeps) -> None:
        self.deps = deps

    def hold_of(self, conn: Connection, supplier_id: str) -> dict[str, Any]:
        from portal.changes import payment_hold

        hold = payment_hold(self.deps, conn, supplier_id)
        return {
            "on_hold": hold.on_hold,
            "reason": hold.reason_code,
            "until": hold.until.astimezone(UTC).isoformat() if hold.until else None,
        }
