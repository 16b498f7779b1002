"""Writing the approved fields of a request to the supplier's master record.

Called inside the transaction that moved the request to ``approved`` (or by
``apply_change``), after the supplier's version was bumped with
``WHERE version = base_version``. Values are sealed bound to the row they land in,
account numbers get a fresh blind index, and every field written is returned so the
caller can put it in the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from approvals import Entity, FieldChange
from approvals.proposals import OPEN_ENDED, REMOVED, RETIRED
from portal.db.sealing import Sealer
from portal.db.supplier_store import BANK, CONTACT, INVOICING, SUPPLIER
from portal.domain import fields, names

_BANK_REQUIRED = fields.required_on_add(Entity.BANK_ACCOUNT)


def _supplier_row(values: Mapping[str, str | None]) -> dict[str, Any]:
    """Columns of the ``supplier`` row for the text values of a change (see
    :func:`~approvals.proposals.supplier_values`).

    >>> row = _supplier_row({"registered_capital": "1000000 CNY", "term_to": "长期"})
    >>> row["registered_capital_amount"], row["registered_capital_currency"], row["term_to"]
    (Decimal('1000000'), 'CNY', None)
    """
    row: dict[str, Any] = {}
    for name, value in values.items():
        if name == "registered_capital":
            amount, _, currency = (value or "").partition(" ")
            row["registered_capital_amount"] = Decimal(amount) if value else None
            row["registered_capital_currency"] = currency if value else None
        elif name in ("established_on", "term_from", "term_to"):
            row[name] = None if value in (None, OPEN_ENDED) else date.fromisoformat(value)
        elif name == "name" and value:
            row["name"], row["name_core"] = value, names.core(value)
        else:
            row[name] = value
    return row


def _group(changes: Sequence[FieldChange]) -> dict[tuple[str, str], dict[str, str | None]]:
    grouped: dict[tuple[str, str], dict[str, str | None]] = {}
    for change in changes:
        grouped.setdefault((change.entity, change.entity_id), {})[change.field_name] = change.after
    return grouped


class ChangeWriter:
    """Applies field changes to the supplier, bank account, contact and invoicing rows."""

    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer

    def write(
        self, conn: Connection, supplier_id: str, changes: Sequence[FieldChange], now: datetime
    ) -> list[FieldChange]:
        """Write ``changes``; returns those written (an add missing a required field is
        left out: its other fields have nowhere to go)."""
        written: list[FieldChange] = []
        groups = _group(changes)
        for (entity, entity_id), values in groups.items():
            done = self._write_entity(conn, supplier_id, entity, entity_id, values, now)
            if done:
                written += [c for c in changes if (c.entity, c.entity_id) == (entity, entity_id)]
        return written

    def _write_entity(
        self,
        conn: Connection,
        sid: str,
        entity: str,
        entity_id: str,
        values: dict[str, str | None],
        now: datetime,
    ) -> bool:
        if entity == Entity.SUPPLIER:
            row = _supplier_row(values)
            conn.execute(update(SUPPLIER).where(SUPPLIER.c.id == sid).values(**row))
            return True
        if entity == Entity.BANK_ACCOUNT:
            return self._bank(conn, sid, entity_id, values, now)
        if entity == Entity.CONTACT:
            return self._contact(conn, sid, entity_id, values)
        if entity == Entity.INVOICING_PROFILE:
            return self._invoicing(conn, sid, values)
        return False

    def _bank(
        self, conn: Connection, sid: str, aid: str, values: dict[str, str | None], now: datetime
    ) -> bool:
        exists = conn.execute(
            select(BANK.c.id).where(BANK.c.id == aid, BANK.c.supplier_id == sid)
        ).first()
        row: dict[str, Any] = {
            k: v for k, v in values.items() if k not in (RETIRED, "account_number")
        }
        if RETIRED in values:
            row["retired"] = values[RETIRED] == "true"
            if row["retired"]:
                row["is_default"] = False
        if "account_number" in values:
            number = values["account_number"]
            row["account_number_enc"] = self.sealer.seal_cell(
                "bank_account", "account_number", aid, number
            )
            row["account_number_bidx"] = self.sealer.index("bank_account", number)
        if exists:
            conn.execute(update(BANK).where(BANK.c.id == aid).values(**row))
            return True
        if any(values.get(name) is None for name in _BANK_REQUIRED):
            return False
        has_default = conn.execute(
            select(BANK.c.id).where(
                BANK.c.supplier_id == sid, BANK.c.is_default.is_(True), BANK.c.retired.is_(False)
            )
        ).first()
        row.setdefault("currency", "CNY")
        conn.execute(
            insert(BANK).values(
                id=aid, supplier_id=sid, created_at=now, is_default=has_default is None, **row
            )
        )
        return True

    def _contact(self, conn: Connection, sid: str, cid: str, values: dict[str, str | None]) -> bool:
        where = (CONTACT.c.id == cid, CONTACT.c.supplier_id == sid)
        if values.get(REMOVED) == "true":
            conn.execute(delete(CONTACT).where(*where))
            return True
        row: dict[str, Any] = {k: v for k, v in values.items() if k not in ("phone", REMOVED)}
        if "phone" in values:
            row["phone_enc"] = self.sealer.seal_cell("contact", "phone", cid, values["phone"])
            row["phone_bidx"] = self.sealer.index("phone", values["phone"])
        if conn.execute(select(CONTACT.c.id).where(*where)).first():
            conn.execute(update(CONTACT).where(*where).values(**row))
            return True
        if not values.get("name"):
            return False
        conn.execute(insert(CONTACT).values(id=cid, supplier_id=sid, **row))
        return True

    def _invoicing(self, conn: Connection, sid: str, values: dict[str, str | None]) -> bool:
        existing = conn.execute(
            select(INVOICING.c.id).where(INVOICING.c.supplier_id == sid)
        ).first()
        pid = existing.id if existing else str(uuid.uuid4())
        row: dict[str, Any] = {
            k: v for k, v in values.items() if k not in ("phone", "account_number")
        }
        if "phone" in values:
            row["phone_enc"] = self.sealer.seal_cell(
                "invoicing_profile", "phone", pid, values["phone"]
            )
        if "account_number" in values:
            number = values["account_number"]
            row["account_number_enc"] = self.sealer.seal_cell(
                "invoicing_profile", "account_number", pid, number
            )
            row["account_number_bidx"] = self.sealer.index("bank_account", number)
        if existing:
            conn.execute(update(INVOICING).where(INVOICING.c.id == pid).values(**row))
        else:
            row.setdefault("title", "")
            row.setdefault("tax_number", "")
            conn.execute(insert(INVOICING).values(id=pid, supplier_id=sid, **row))
        return True
