"""Reading change requests: one (:func:`get_change`) or a list (:func:`list_changes`),
only ever those the caller may see."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from approvals import ChangeRequest, Status
from portal.changes.deps import ChangeDeps, visible, visible_supplier
from portal.changes.errors import SupplierNotFoundError
from portal.db.supplier_store import SUPPLIER
from portal.domain.principal import Principal, Role

__all__ = ["get_change", "list_changes", "supplier_id_for", "supplier_names"]


def get_change(deps: ChangeDeps, viewer: Principal, request_id: str) -> ChangeRequest:
    """One request, if ``viewer`` may see it."""
    with deps.engine.connect() as conn:
        return visible(viewer, deps.records.get(conn, request_id), request_id)


def list_changes(
    deps: ChangeDeps,
    viewer: Principal,
    *,
    supplier_id: str | None = None,
    statuses: Collection[Status] | None = None,
    limit: int = 200,
) -> list[ChangeRequest]:
    """Requests, newest first; a supplier user only ever gets their own supplier's."""
    if viewer.role is Role.SUPPLIER:
        if viewer.supplier_id is None:
            return []
        supplier_id = viewer.supplier_id
    with deps.engine.connect() as conn:
        ids = deps.records.ids(conn, supplier_id=supplier_id, statuses=statuses, limit=limit)
        return deps.records.load(conn, ids)


def supplier_id_for(deps: ChangeDeps, viewer: Principal, uscc: str) -> str:
    """The id of the supplier with this canonical credit code (or foreign tax id key, see
    :func:`portal.domain.foreign_tax.supplier_number`), if ``viewer`` may see it."""
    with deps.engine.connect() as conn:
        supplier = deps.suppliers.get_by_number(conn, uscc)
    if supplier is None or supplier.id is None:
        raise SupplierNotFoundError(uscc)
    visible_supplier(viewer, supplier.id)
    return supplier.id


def supplier_names(deps: ChangeDeps) -> dict[str, str]:
    """Supplier id -> name, for lists of requests."""
    with deps.engine.connect() as conn:
        return {r.id: r.name for r in conn.execute(select(SUPPLIER.c.id, SUPPLIER.c.name))}
