"""What finance sees: validated, approved master data, masked by default.

Clear account numbers go only to callers whose role may reveal them, and each
value revealed is reported to the reveal hook (the audit log) first.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from crypto import mask_bank_account, mask_id_number, mask_phone
from portal.db.supplier_store import SupplierFilter, SupplierStore
from portal.domain.fields import fields_of
from portal.domain.supplier import Supplier
from portal.finance.reveal import RevealCallback

__all__ = [
    "BadCursorError",
    "Page",
    "RevealCallback",
    "decode_cursor",
    "encode_cursor",
    "search_suppliers",
    "supplier_view",
    "supplier_views",
]

#: How each kind of sensitive value is masked (the fields are in the catalogue).
_MASKS: dict[str, Callable[[str], str]] = {
    "account_number": mask_bank_account,
    "phone": mask_phone,
    "legal_rep_id_number": mask_id_number,
}


class BadCursorError(ValueError):
    """The pagination cursor was not one we issued; permanent."""


@dataclass(frozen=True)
class Page:
    """One page of suppliers and the cursor of the next."""

    items: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(name: str, supplier_id: str) -> str:
    """Opaque cursor for keyset pagination."""
    raw = json.dumps([name, supplier_id], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """Inverse of :func:`encode_cursor`; a tampered cursor is a clear input error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, sid = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise BadCursorError("the cursor is not valid; start again without one") from exc
    if not isinstance(name, str) or not isinstance(sid, str):
        raise BadCursorError("the cursor is not valid; start again without one")
    return name, sid


def _foreign(supplier: Supplier) -> dict[str, str] | None:
    """A foreign supplier's tax identity (None for a supplier with a credit code)."""
    tax_id = supplier.foreign_tax_id
    if tax_id is None:
        return None
    return {
        "scheme": tax_id.scheme,
        "country": tax_id.country,
        "number": tax_id.number,
        "formatted": tax_id.shown,
    }


def supplier_view(supplier: Supplier, *, reveal: RevealCallback | None = None) -> dict[str, Any]:
    """JSON view of a supplier; sensitive values masked unless ``reveal`` is given."""

    def shown(
        value: str | None, mask: Callable[[str], str], table: str, column: str, row_id: str | None
    ) -> str | None:
        if value is None or value == "":
            return value
        if reveal is None or row_id is None:
            return mask(value)
        reveal(table, column, row_id)
        return value

    capital = supplier.registered_capital
    profile = supplier.invoicing_profile
    return {
        "id": supplier.id,
        "uscc": supplier.uscc,
        "foreign_tax_id": _foreign(supplier),
        "name": supplier.name,
        "aliases": list(supplier.aliases),
        "entity_type": supplier.entity_type,
        "legal_representative": supplier.legal_representative,
        "legal_rep_id_number": shown(
            supplier.legal_rep_id_number,
            mask_id_number,
            "supplier",
            "legal_rep_id_number",
            supplier.id,
        ),
        "registered_capital": (
            {"amount": str(capital.amount), "currency": capital.currency} if capital else None
        ),
        "established_on": _iso(supplier.established_on),
        "term_from": _iso(supplier.term_from),
        "term_to": _iso(supplier.term_to),
        "open_ended_term": supplier.term_from is not None and supplier.term_to is None,
        "address": supplier.address,
        "registration_authority": supplier.registration_authority,
        "registry_status": supplier.registry_status.value,
        "taxpayer_qualification": supplier.taxpayer_qualification.value,
        "tax_status": supplier.tax_status.value,
        "lifecycle_state": supplier.lifecycle_state.value,
        "validated": supplier.validated,
        "version": supplier.version,
        "bank_accounts": [
            {"id": a.id}
            | {
                f.name: shown(
                    getattr(a, f.name),
                    _MASKS[f.name],
                    f.entity,
                    f.name,
                    a.id if f.revealable else None,
                )
                if f.sensitive
                else getattr(a, f.name)
                for f in fields_of("bank_account")
            }
            | {"is_default": a.is_default, "retired": a.retired}
            for a in supplier.bank_accounts
        ],
        "invoicing_profile": None
        if profile is None
        else {
            f.name: shown(getattr(profile, f.name), _MASKS[f.name], f.entity, f.name, None)
            if f.sensitive
            else getattr(profile, f.name)
            for f in fields_of("invoicing_profile")
        },
        "contacts": [
            {"id": c.id}
            | {
                f.name: shown(
                    getattr(c, f.name),
                    _MASKS[f.name],
                    f.entity,
                    f.name,
                    c.id if f.revealable else None,
                )
                if f.sensitive
                else getattr(c, f.name)
                for f in fields_of("contact")
            }
            for c in supplier.contacts
        ],
        "unreadable_fields": dict(supplier.unreadable),
    }


#: the list of a supplier's view holding the rows of an entity whose values can be revealed
_ROWS_OF = {"bank_account": "bank_accounts", "contact": "contacts"}


def supplier_views(
    supplier: Supplier,
) -> tuple[dict[str, Any], dict[str, Any], list[list[str]]]:
    """The masked view, the clear one and what the clear one reveals (``[table, column,
    row id]`` each), built in one pass: the masked view is the clear one with each
    revealed value masked again, equal to ``supplier_view(supplier)``.

    For acts that keep both (the change feed seals the clear state beside the masked one).
    """
    reveals: list[list[str]] = []
    clear = supplier_view(supplier, reveal=lambda t, c, r: reveals.append([t, c, r]))
    if not reveals:
        return clear, clear, reveals
    masked = dict(clear)
    copied: set[str] = set()
    for table, column, row_id in reveals:
        mask = _MASKS[column]
        if table == "supplier":
            masked[column] = mask(clear[column])
            continue
        rows = _ROWS_OF[table]
        if rows not in copied:
            masked[rows] = [dict(entry) for entry in clear[rows]]
            copied.add(rows)
        for entry in masked[rows]:
            if entry["id"] == row_id:
                entry[column] = mask(entry[column])
    return masked, clear, reveals


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


def search_suppliers(
    conn: Connection,
    store: SupplierStore,
    flt: SupplierFilter,
    *,
    cursor: str | None,
    limit: int,
    reveal: RevealCallback | None = None,
) -> Page:
    """A page of suppliers matching the filter, ordered by name."""
    after = decode_cursor(cursor) if cursor else None
    suppliers = store.page(conn, flt, after=after, limit=limit + 1)
    more = len(suppliers) > limit
    suppliers = suppliers[:limit]
    next_cursor = (
        encode_cursor(suppliers[-1].name, suppliers[-1].id or "") if more and suppliers else None
    )
    return Page([supplier_view(s, reveal=reveal) for s in suppliers], next_cursor)
