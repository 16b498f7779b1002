"""A foreign tax number belongs to one supplier: a change giving a supplier another's
number is refused when submitted and again when applied (another request may have given
it away in between), with the other supplier named, never left to the unique index."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from approvals import FieldChange
from approvals.proposals import InvalidProposalError
from portal.db.supplier_store import SupplierStore
from portal.domain import foreign_tax
from portal.domain.findings import finding

__all__ = ["refuse_taken_foreign_number"]

_KEY = "supplier.foreign_tax_id"


def refuse_taken_foreign_number(
    suppliers: SupplierStore, conn: Connection, supplier_id: str, changes: Iterable[FieldChange]
) -> None:
    """Raise :class:`InvalidProposalError` if a change sets a foreign tax number another
    supplier holds."""
    for change in changes:
        if f"{change.entity}.{change.field_name}" != _KEY or not change.after:
            continue
        holder = suppliers.get_by_number(conn, change.after)
        if holder is None or holder.id == supplier_id:
            continue
        number = foreign_tax.from_key(change.after).number
        detail = f"{number} ({holder.name})"
        raise InvalidProposalError(
            f"{number} is the foreign tax number of {holder.name} already",
            [finding("duplicate.foreign_tax_id", _KEY, detail=detail)],
            message_zh=f"{number} 已是{holder.name}的境外税号",
        )
