"""The supplier row as the change flow touches it (callers own the transaction).

Applying a request bumps the supplier's version only ``WHERE version = base_version``,
so a request based on an older record conflicts instead of overwriting it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from portal.db.supplier_store import SUPPLIER
from portal.domain.supplier import LifecycleState

__all__ = ["SupplierRows"]


class SupplierRows:
    """Version, name and lifecycle state of supplier rows."""

    @staticmethod
    def bump(conn: Connection, supplier_id: str, base_version: int, now: datetime) -> bool:
        """Move the supplier to the next version if it is still at ``base_version``."""
        bumped = conn.execute(
            update(SUPPLIER)
            .where(SUPPLIER.c.id == supplier_id, SUPPLIER.c.version == base_version)
            .values(version=SUPPLIER.c.version + 1, updated_at=now)
        )
        return bumped.rowcount == 1

    @staticmethod
    def version(conn: Connection, supplier_id: str) -> int:
        query = select(SUPPLIER.c.version).where(SUPPLIER.c.id == supplier_id)
        return int(conn.execute(query).scalar_one())

    @staticmethod
    def name(conn: Connection, supplier_id: str) -> str:
        """The supplier's name (its id when there is no such supplier)."""
        query = select(SUPPLIER.c.name).where(SUPPLIER.c.id == supplier_id)
        return str(conn.execute(query).scalar() or supplier_id)

    @staticmethod
    def is_archived(conn: Connection, supplier_id: str) -> bool:
        query = select(SUPPLIER.c.lifecycle_state).where(SUPPLIER.c.id == supplier_id)
        return conn.execute(query).scalar() == LifecycleState.ARCHIVED.value
