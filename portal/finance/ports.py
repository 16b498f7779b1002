"""What the finance API needs besides the store: the reveal and export audits and the
payment-hold view.

All are required collaborators, built by the composition root (:mod:`portal.bootstrap`):
the app refuses to start without them, so a clear value is never served without its
audit entry and a payment is never read as "not held" for want of the rule.

>>> isinstance(object(), RevealAudit)
False
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlalchemy import Connection, Engine

from portal.audit.acts import ExportKind, record_export
from portal.audit.log import AuditContext, AuditLog

if TYPE_CHECKING:
    from portal.changes import ChangeDeps

__all__ = [
    "AuditedExports",
    "AuditedReveals",
    "ChangePaymentHolds",
    "ExportAudit",
    "PaymentHoldView",
    "RevealAudit",
]


@runtime_checkable
class RevealAudit(Protocol):
    """Records that one clear value is about to be shown; raises when it cannot (then the
    value is not shown)."""

    def record_reveal(self, ctx: AuditContext, table: str, column: str, row_id: str) -> None:
        """Append a ``value.revealed`` entry, committed before the value leaves."""


@runtime_checkable
class ExportAudit(Protocol):
    """Records that a bulk export is about to leave; raises when it cannot (then nothing
    leaves)."""

    def record_export(
        self, ctx: AuditContext, *, file_format: str, rows: int, criteria: Mapping[str, str | None]
    ) -> None:
        """Append a ``data.exported`` entry (who, format, filters, row count), committed."""


@runtime_checkable
class PaymentHoldView(Protocol):
    """The finance API's ``payment_hold`` object of each supplier of a page."""

    def holds_of(self, conn: Connection, states: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        """Supplier id -> ``{"on_hold": bool, "reason": str | None, "until": ISO time |
        None}``, given each supplier's lifecycle state (read with the supplier)."""


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


class AuditedExports:
    """Each finance export is one ``data.exported`` entry, committed before the first byte."""

    def __init__(self, engine: Engine, audit: AuditLog, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.audit = audit
        self.clock = clock

    def record_export(
        self, ctx: AuditContext, *, file_format: str, rows: int, criteria: Mapping[str, str | None]
    ) -> None:
        record_export(
            self.engine,
            self.audit,
            ctx,
            ExportKind.FINANCE_SUPPLIERS,
            rows=rows,
            file_format=file_format,
            criteria=criteria,
            now=self.clock(),
        )


class ChangePaymentHolds:
    """Payment holds as the change-request rules decide them (open bank change, cooling off)."""

    def __init__(self, deps: ChangeDeps) -> None:
        self.deps = deps

    def holds_of(self, conn: Connection, states: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        from portal.changes import payment_holds

        return {
            sid: {
                "on_hold": hold.on_hold,
                "reason": hold.reason_code,
                "until": hold.until.astimezone(UTC).isoformat() if hold.until else None,
            }
            for sid, hold in payment_holds(self.deps, conn, states).items()
        }
