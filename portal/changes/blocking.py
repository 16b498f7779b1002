"""Blocking a supplier and lifting the block: :func:`block_supplier`, :func:`unblock_supplier`.

A blocked supplier (已冻结) is held in the finance API (``payment_hold`` with the reason
``supplier.blocked``) until a supervisor or an admin lifts the block. Both acts take a
reason, open their transaction, check the role and write their audit entry
(``supplier.blocked`` / ``supplier.unblocked``, the reason in ``after``). The block in force
is kept on the supplier row (``blocked_reason``/``blocked_by``/``blocked_at``, cleared when
the block is lifted) and shown from there (:func:`block_reason`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from portal.audit.log import AuditContext
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
        blocking = to is LifecycleState.BLOCKED
        conn.execute(
            update(SUPPLIER)
            .where(SUPPLIER.c.id == supplier_id, SUPPLIER.c.lifecycle_state == state.value)
            .values(
                lifecycle_state=to.value,
                blocked_reason=text if blocking else None,
                blocked_by=ctx.actor if blocking else None,
                blocked_at=now if blocking else None,
            )
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
    """The block in force, as recorded on the supplier (None when not blocked, or blocked
    by an import or before blocks were recorded: no reason on file)."""
    row = conn.execute(
        select(
            SUPPLIER.c.lifecycle_state,
            SUPPLIER.c.blocked_reason,
            SUPPLIER.c.blocked_by,
            SUPPLIER.c.blocked_at,
        ).where(SUPPLIER.c.id == supplier_id)
    ).first()
    if row is None or row.lifecycle_state != LifecycleState.BLOCKED.value:
        return None
    if row.blocked_reason is None or row.blocked_at is None:
        return None
    return Block(reason=row.blocked_reason, by=row.blocked_by or "", at=row.blocked_at)
