"""Reading change requests: one (:func:`get_change`) or a list (:func:`list_changes`),
only ever those the caller may see."""

from __future__ import annotations

from collections.abc import Collection

from approvals import ChangeRequest, Status
from portal.changes.deps import ChangeDeps, visible
from portal.domain.principal import Principal, Role

__all__ = ["get_change", "list_changes"]


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
