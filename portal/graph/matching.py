"""Which supplier a contract, invoice or store row names: by credit code, by the
organisation code embedded in a credit code or legacy tax number, then by the comparable
core of the name (only when exactly one supplier has it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from portal.db.dedup_tables import DedupKeyRow
from portal.db.tables import SupplierRow, table_of
from portal.domain import names
from portal.domain import uscc as credit_code
from portal.resolution.keys import CORE, comparable_core

__all__ = ["SupplierMatcher", "SupplierRef"]

SUPPLIER = table_of(SupplierRow)
KEY = table_of(DedupKeyRow)


@dataclass(frozen=True)
class SupplierRef:
    """The supplier a row was matched to, and how."""

    supplier_id: str | None
    uscc: str | None = None
    name: str | None = None
    how: str = "none"  # uscc, org_code, legacy, name_core, none


class SupplierMatcher:
    """Finds the supplier a printed tax number or name refers to (cached per import)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._cache: dict[tuple[str, str], SupplierRef] = {}

    def match(self, tax_number: str | None, name: str | None) -> SupplierRef:
        """By credit code, by organisation code (credit code or legacy number), by name core."""
        number = credit_code.compact(tax_number or "")
        key = (number, name or "")
        if key not in self._cache:
            self._cache[key] = self._match(number, name)
        return self._cache[key]

    def _first(self, *where: Any, how: str) -> SupplierRef | None:
        rows = self.conn.execute(
            select(SUPPLIER.c.id, SUPPLIER.c.uscc, SUPPLIER.c.name)
            .where(SUPPLIER.c.lifecycle_state != "archived", *where)
            .limit(2)
        ).all()
        if len(rows) != 1:
            return None
        return SupplierRef(rows[0].id, rows[0].uscc, rows[0].name, how)

    def _match(self, number: str, name: str | None) -> SupplierRef:
        found: SupplierRef | None = None
        if len(number) == 18:
            found = self._first(SUPPLIER.c.uscc == number, how="uscc") or self._first(
                SUPPLIER.c.org_code == number[8:17], how="org_code"
            )
        elif len(number) == 15:
            found = self._first(SUPPLIER.c.legacy_tax_number == number, how="legacy") or (
                self._first(SUPPLIER.c.org_code == number[6:], how="org_code")
            )
        if found is None and name:
            found = self._first(SUPPLIER.c.name == names.normalise(name), how="name")
        if found is None and name and (core := comparable_core(name)):
            ids = list(self.conn.scalars(select(KEY.c.supplier_id).where(KEY.c.key == CORE + core)))
            if len(ids) == 1:
                found = self._first(SUPPLIER.c.id == ids[0], how="name_core")
        return found or SupplierRef(None)
