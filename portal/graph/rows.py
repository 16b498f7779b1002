"""One contract, invoice or store row: parsed, matched to its supplier, created or updated.

An invoice rejected because the supplier's data was wrong (title or tax number) is
attributed to master data (``rejection_cause = "master_data"``), so the dashboard can
count what bad master data costs. Rows are keyed by contract number, invoice code and
number, and store code, so sending a row again updates it.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from portal.db.tables import ContractRow, InvoiceRow, StoreRow, StoreSupplierRow, table_of
from portal.domain import names
from portal.domain import uscc as credit_code
from portal.domain.findings import Finding, Severity, finding, register
from portal.graph.headers import MASTER_DATA_WORDS, REQUIRED, STATUSES, fold
from portal.graph.matching import SupplierMatcher, SupplierRef

__all__ = [
    "CONTRACT",
    "INVOICE",
    "MASTER_DATA",
    "STORE",
    "STORE_SUPPLIER",
    "UPSERT",
    "RowOutcome",
    "rejection_cause",
    "upsert_contract",
    "upsert_invoice",
    "upsert_store",
]

CONTRACT = table_of(ContractRow)
INVOICE = table_of(InvoiceRow)
STORE = table_of(StoreRow)
STORE_SUPPLIER = table_of(StoreSupplierRow)
MASTER_DATA = "master_data"

register(
    "relation.supplier_not_found",
    Severity.WARNING,
    "No supplier matches: {detail}",
    "找不到对应的供应商：{detail}",
)


@dataclass
class RowOutcome:
    """What happened to one row."""

    status: str  # created, updated, rejected
    ref: SupplierRef
    findings: list[Finding]
    row_id: str | None = None


def _text(raw: Mapping[str, object], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def _date(raw: Mapping[str, object], key: str, found: list[Finding]) -> date | None:
    value = raw.get(key)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(raw, key)
    if text is None:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        if re.fullmatch(r"\d{8}", text):
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        pass
    found.append(finding("value.invalid", key, detail=f"{text} is not a date"))
    return None


def _amount(raw: Mapping[str, object], key: str, found: list[Finding]) -> Decimal | None:
    text = _text(raw, key)
    if text is None:
        return None
    try:
        return Decimal(text.replace(",", "").replace("¥", "").replace("元", "")).quantize(
            Decimal("0.01")
        )
    except InvalidOperation:
        found.append(finding("value.invalid", key, detail=f"{text} is not an amount"))
        return None


def _missing(kind: str, raw: Mapping[str, object]) -> list[Finding]:
    return [
        finding("required.missing", key, detail=key)
        for key in REQUIRED[kind]
        if _text(raw, key) is None
    ]


def _status(text: str | None) -> str:
    folded = fold(text or "")
    for status, words in STATUSES.items():
        if folded in words:
            return status
    return "received" if not folded else folded[:20]


def rejection_cause(
    status: str, cause: str | None, reason: str | None, ref: SupplierRef
) -> str | None:
    """Why a rejected invoice was rejected: ``master_data`` when the supplier's data
    (title, tax number, bank) was wrong, ``other`` otherwise; None when not rejected.

    >>> rejection_cause('rejected', None, '发票抬头错误', SupplierRef('s1', how='uscc'))
    'master_data'
    >>> rejection_cause('rejected', None, None, SupplierRef('s1', how='org_code'))
    'master_data'
    >>> rejection_cause('rejected', '价格不符', None, SupplierRef('s1', how='uscc'))
    'other'
    """
    if status != "rejected":
        return None
    for text in (cause, reason):
        if text and any(word in fold(text) for word in MASTER_DATA_WORDS):
            return MASTER_DATA
    if cause or reason:
        return "other" if cause or ref.how == "uscc" else MASTER_DATA
    return MASTER_DATA if ref.how in ("org_code", "legacy", "name", "name_core") else "other"


def _upsert(conn: Connection, table: Table, where: Any, values: dict[str, Any]) -> tuple[str, str]:
    existing = conn.execute(select(table.c.id).where(where)).first()
    if existing is not None:
        conn.execute(update(table).where(table.c.id == existing.id).values(**values))
        return "updated", existing.id
    row_id = str(uuid.uuid4())
    conn.execute(insert(table).values(id=row_id, **values))
    return "created", row_id


def upsert_contract(
    conn: Connection, matcher: SupplierMatcher, raw: Mapping[str, object]
) -> RowOutcome:
    """Create or update one contract from import-style fields."""
    found = _missing("contracts", raw)
    ref = matcher.match(_text(raw, "supplier_uscc"), _text(raw, "supplier_name"))
    if ref.supplier_id is None:
        detail = _text(raw, "supplier_uscc") or _text(raw, "supplier_name") or "-"
        found.append(finding("relation.supplier_not_found", "supplier", detail=detail))
    values = {
        "supplier_id": ref.supplier_id,
        "contract_number": _text(raw, "contract_number"),
        "title": _text(raw, "title") or _text(raw, "contract_number"),
        "signed_on": _date(raw, "signed_on", found),
        "valid_from": _date(raw, "valid_from", found),
        "valid_to": _date(raw, "valid_to", found),
        "amount": _amount(raw, "amount", found),
        "currency": (_text(raw, "currency") or "CNY").upper()[:3],
    }
    if any(f.severity is Severity.ERROR for f in found) or ref.supplier_id is None:
        return RowOutcome("rejected", ref, found)
    status, row_id = _upsert(
        conn, CONTRACT, CONTRACT.c.contract_number == values["contract_number"], values
    )
    return RowOutcome(status, ref, found, row_id)


def upsert_invoice(
    conn: Connection, matcher: SupplierMatcher, raw: Mapping[str, object]
) -> RowOutcome:
    """Create or update one invoice; it is kept even when no supplier matches."""
    found = _missing("invoices", raw)
    printed_number = credit_code.compact(_text(raw, "seller_tax_number") or "")
    ref = matcher.match(printed_number, _text(raw, "seller_name"))
    if ref.supplier_id is None:
        detail = f"{_text(raw, 'seller_name')} / {printed_number}"
        found.append(finding("relation.supplier_not_found", "seller", detail=detail))
    status = _status(_text(raw, "status"))
    reason = _text(raw, "rejection_reason")
    values = {
        "supplier_id": ref.supplier_id,
        "invoice_code": _text(raw, "invoice_code") or "",
        "invoice_number": _text(raw, "invoice_number"),
        "seller_name": names.normalise(_text(raw, "seller_name") or ""),
        "seller_tax_number": printed_number[:20],
        "issued_on": _date(raw, "issued_on", found),
        "amount": _amount(raw, "amount", found),
        "status": status,
        "rejection_reason": reason[:500] if reason else None,
        "rejection_cause": rejection_cause(status, _text(raw, "rejection_cause"), reason, ref),
    }
    if any(f.severity is Severity.ERROR for f in found):
        return RowOutcome("rejected", ref, found)
    where = (INVOICE.c.invoice_code == values["invoice_code"]) & (
        INVOICE.c.invoice_number == values["invoice_number"]
    )
    result, row_id = _upsert(conn, INVOICE, where, values)
    return RowOutcome(result, ref, found, row_id)


def upsert_store(
    conn: Connection, matcher: SupplierMatcher, raw: Mapping[str, object]
) -> RowOutcome:
    """Create or update one store and link the suppliers listed for it (``;``-separated)."""
    found = _missing("stores", raw)
    if any(f.severity is Severity.ERROR for f in found):
        return RowOutcome("rejected", SupplierRef(None), found)
    values = {
        "code": _text(raw, "code"),
        "name": _text(raw, "name"),
        "address": _text(raw, "address"),
    }
    status, row_id = _upsert(conn, STORE, STORE.c.code == values["code"], values)
    ref = SupplierRef(None)
    linked = set(
        conn.scalars(
            select(STORE_SUPPLIER.c.supplier_id).where(STORE_SUPPLIER.c.store_id == row_id)
        )
    )
    for number in re.split(r"[;；,，\s]+", _text(raw, "supplier_uscc") or ""):
        if not number:
            continue
        ref = matcher.match(number, None)
        if ref.supplier_id is None:
            found.append(finding("relation.supplier_not_found", "supplier", detail=number))
        elif ref.supplier_id not in linked:
            conn.execute(
                insert(STORE_SUPPLIER).values(store_id=row_id, supplier_id=ref.supplier_id)
            )
            linked.add(ref.supplier_id)
    return RowOutcome(status, ref, found, row_id)


UPSERT: dict[str, Callable[[Connection, SupplierMatcher, Mapping[str, object]], RowOutcome]] = {
    "contracts": upsert_contract,
    "invoices": upsert_invoice,
    "stores": upsert_store,
}
