"""Blocking a supplier and lifting the block: :func:`block_supplier`, :func:`unblock_supplier`.

A blocked supplier (已冻结) is held in the finance API (``payment_hold`` with the reason
``supplier.blocked``) until a supervisor or an admin lifts the block. Both acts take a
reason, open their transaction, check the role and write their audit entry
(``supplier.blocked`` / ``supplier.unblocked``, the reason in ``after``); the reason shown
on the supplier's pages is read back from that entry (:func:`block_reason`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from portal.audit.log import ENTRY, AuditContext
from portal.changes.deps import ChangeDeps
from portal.changes.errors import NotAllowedError, SupplierNotFoundError
from portal.db.supplier_store import SUPPLIER
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role
from portal.domain.supplier import LifecycleState

__all__ = [
    "BLOCKERS",
    "Block",
    "BlockStateError",
    "ReasonRequiredError",
    "block_reason",
    "block_supplier",
    "unblock_supplier",
]

#: Who may block a supplier or lift a block (a clerk proposes, a supervisor decides).
BLOCKERS = frozenset({Role.PURCHASING_SUPERVISOR, Role.ADMIN})
MAX_REASON = 500


class ReasonRequiredError(PortalError, ValueError):
    """A block, an unblock or a revocation needs a reason people can read later."""

    kind = ErrorKind.INVALID
    code = "reason.required"

    def __init__(self) -> None:
        super().__init__(
            f"give a reason (1 to {MAX_REASON} characters)",
            message_zh=f"请填写理由（1 至 {MAX_REASON} 个字）",
            field="reason",
        )


class BlockStateError(PortalError):
    """The supplier is not in a state this act applies to (already blocked, archived...)."""

    kind = ErrorKind.CONFLICT
    code = "supplier.state"


@dataclass(frozen=True)
class Block:
    """Why and since when a supplier is blocked, and by whom (an account id or subject)."""

    reason: str
    by: str
    at: datetime


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason or len(reason) > MAX_REASON:
        raise ReasonRequiredError()
    return reason


def _state(conn: Connection, supplier_id: str) -> LifecycleState:
    state = conn.execute(
        select(SUPPLIER.c.lifecycle_state).where(SUPPLIER.c.id == supplier_id).with_for_update()
    ).scalar_one_or_none()
    if state is None:
        raise SupplierNotFoundError(supplier_id)
    return LifecycleState(state)


def _move(
    deps: ChangeDeps,
    ctx: AuditContext,
    by: Principal,
    supplier_id: str,
    reason: str,
    *,
    to: LifecycleState,
    action: str,
) -> None:
    if by.role not in BLOCKERS:
        raise NotAllowedError(f"role {by.role.value} may not block or unblock suppliers")
    text = _reason(reason)
    now = deps.clock()
    with deps.engine.begin() as conn:
        state = _state(conn, supplier_id)
        allowed = (
            state in (LifecycleState.PROSPECTIVE, LifecycleState.ACTIVE)
            if to is LifecycleState.BLOCKED
            else state is LifecycleState.BLOCKED
        )
        if not allowed:
            raise BlockStateError(
                f"the supplier is {state.value}; it cannot be moved to {to.value}",
                message_zh="供应商当前状态不允许此操作（已冻结的不能再次冻结，未冻结的无需解冻，已归档的不能冻结）",
            )
        conn.execute(
            update(SUPPLIER)
            .where(SUPPLIER.c.id == supplier_id, SUPPLIER.c.lifecycle_state == state.value)
            .values(lifecycle_state=to.value)
        )
        deps.audit.record(
            conn,
            ctx,
            action,
            subject_type="supplier",
            subject_id=supplier_id,
            field_name="lifecycle_state",
            before=state.value,
            after=json.dumps({"state": to.value, "reason": text}, ensure_ascii=False),
            now=now,
        )


def block_supplier(
    deps: ChangeDeps, ctx: AuditContext, by: Principal, supplier_id: str, reason: str
) -> None:
    """Block the supplier (payments held, shown as 已冻结) with a reason; audited."""
    _move(deps, ctx, by, supplier_id, reason, to=LifecycleState.BLOCKED, action="supplier.blocked")


def unblock_supplier(
    deps: ChangeDeps, ctx: AuditContext, by: Principal, supplier_id: str, reason: str
) -> None:
    """Lift a block (the supplier is active again) with a reason; audited."""
    _move(deps, ctx, by, supplier_id, reason, to=LifecycleState.ACTIVE, action="supplier.unblocked")


def block_reason(conn: Connection, supplier_id: str) -> Block | None:
    """The reason of the block in force, from its audit entry (None when not blocked)."""
    state = conn.execute(
        select(SUPPLIER.c.lifecycle_state).where(SUPPLIER.c.id == supplier_id)
    ).scalar_one_or_none()
    if state != LifecycleState.BLOCKED.value:
        return None
    row = conn.execute(
        select(ENTRY.c.after, ENTRY.c.actor, ENTRY.c.at)
        .where(ENTRY.c.action == "supplier.blocked", ENTRY.c.subject_id == supplier_id)
        .order_by(ENTRY.c.seq.desc())
        .limit(1)
    ).first()
    if row is None:  # blocked by an import or before blocks were recorded
        return None
    try:
        reason = str(json.loads(row.after or "{}").get("reason", ""))
    except ValueError:
        reason = ""
    return Block(reason=reason, by=row.actor, at=row.at)
