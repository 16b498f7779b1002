"""Showing one sensitive value in clear: the one use case every route that reveals calls.

Who may: :func:`may_reveal`, the same rule for a browser session and an API token, on
every route (the staff page's reveal, the finance API's ``?reveal=true``). Sessions get
``can_reveal`` from their role (:data:`~portal.domain.principal.MAY_REVEAL`); an API
token carries it as issued (``portal api-token create --reveal``). A supplier user never
may, whatever the flag says.

Every value shown writes exactly one ``value.revealed`` audit entry, in the transaction
that reads the value: if the entry cannot be written, the value is not returned.

Errors (both ``PermissionError``, 403): :class:`RevealNotAllowedError` (this caller may
not see clear values), :class:`NothingToRevealError` (no such sensitive value there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine

from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import SupplierStore
from portal.domain.fields import revealable
from portal.domain.principal import Principal
from portal.domain.supplier import Supplier

__all__ = [
    "NothingToRevealError",
    "RevealCallback",
    "RevealDeps",
    "RevealNotAllowedError",
    "may_reveal",
    "require_reveal",
    "reveal_value",
    "revealer",
    "sensitive_value",
]

#: (table, column, row_id) of a value about to be shown in clear.
RevealCallback = Callable[[str, str, str], None]


class RevealNotAllowedError(PermissionError):
    """This caller may not see clear sensitive values (on any route)."""

    def __init__(self) -> None:
        super().__init__(
            "you may not see clear account numbers or phones; "
            "ask an admin for a role or an API token with reveal"
        )


class NothingToRevealError(PermissionError):
    """The supplier has no sensitive value at that table, column and row."""

    def __init__(self) -> None:
        super().__init__("nothing to reveal there")


@dataclass(frozen=True)
class RevealDeps:
    """What a reveal needs: the database, the supplier store, the audit log, a clock."""

    engine: Engine
    suppliers: SupplierStore
    audit: AuditLog
    clock: Callable[[], datetime]


def may_reveal(principal: Principal) -> bool:
    """Whether ``principal`` may see clear sensitive values: staff with the reveal right.

    >>> from portal.domain.principal import Role
    >>> may_reveal(Principal("t-1", Role.FINANCE, can_reveal=True, kind="api"))
    True
    >>> may_reveal(Principal("t-2", Role.FINANCE, can_reveal=False, kind="api"))
    False
    >>> may_reveal(Principal("u-1", Role.SUPPLIER, can_reveal=True))
    False
    """
    return principal.is_staff and principal.can_reveal


def require_reveal(principal: Principal) -> None:
    """Raise :class:`RevealNotAllowedError` unless :func:`may_reveal`."""
    if not may_reveal(principal):
        raise RevealNotAllowedError


def sensitive_value(supplier: Supplier, table: str, column: str, row_id: str) -> str | None:
    """The clear value of one revealable field of the supplier (None when it has none)."""
    if (table, column) not in revealable():
        return None
    if table == "bank_account":
        rows: tuple[object, ...] = supplier.bank_accounts
    elif table == "contact":
        rows = supplier.contacts
    else:
        rows = (supplier,)
    row = next((r for r in rows if getattr(r, "id", None) == row_id), None)
    value = getattr(row, column, None) if row is not None else None
    return value if isinstance(value, str) and value else None


def _record(
    deps: RevealDeps, conn: Connection, ctx: AuditContext, table: str, column: str, row_id: str
) -> None:
    deps.audit.record(
        conn,
        ctx,
        "value.revealed",
        subject_type=table,
        subject_id=row_id,
        field_name=column,
        now=deps.clock(),
    )


def reveal_value(
    deps: RevealDeps,
    ctx: AuditContext,
    principal: Principal,
    supplier_id: str,
    table: str,
    column: str,
    row_id: str,
) -> str:
    """One clear value of supplier ``supplier_id``, with its ``value.revealed`` entry."""
    require_reveal(principal)
    with deps.engine.begin() as conn:
        supplier = deps.suppliers.get(conn, supplier_id)
        value = sensitive_value(supplier, table, column, row_id) if supplier else None
        if value is None:
            raise NothingToRevealError
        _record(deps, conn, ctx, table, column, row_id)
    return value


def revealer(deps: RevealDeps, ctx: AuditContext, principal: Principal) -> RevealCallback:
    """For views that show many values at once (the finance API's ``?reveal=true``).

    Checks the permission now; the callback it returns writes one ``value.revealed``
    entry per value and must be called before that value is shown (it raises, and the
    value stays masked, when the entry cannot be written).
    """
    require_reveal(principal)

    def reveal(table: str, column: str, row_id: str) -> None:
        with deps.engine.begin() as conn:
            _record(deps, conn, ctx, table, column, row_id)

    return reveal
