"""Findings that hold payments, as people read them, and the invoice check.

* :func:`review_invoices`: an invoice matched to a supplier whose printed seller credit
  code is not the supplier's approved one opens a finding (``invoice.seller_mismatch``,
  audited ``invoice_finding.opened``) naming the supplier, the invoice and what differs;
  it is resolved (``invoice_finding.resolved``) once the invoice is corrected or
  rejected. The payment hold ``invoice_mismatch`` follows from the same facts at check
  time. Called by the relations API and import in the transaction that stores the invoice.
* :func:`open_hold_findings`: the open findings (registry events and invoices) for the
  staff payments page and the supplier's dashboard, newest first, with the supplier's
  name, since when and the draft change request, if any.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from portal.audit.log import AuditContext, AuditLog
from portal.db.hold_tables import HoldFindingRow
from portal.db.supplier_store import BANK, INVOICING, SUPPLIER
from portal.db.tables import InvoiceRow, table_of

__all__ = [
    "HOLD",
    "INVOICE_MISMATCH",
    "open_hold_findings",
    "open_invoice_findings",
    "printed_account",
    "review_invoices",
]

HOLD = table_of(HoldFindingRow)
INVOICE = table_of(InvoiceRow)
INVOICE_MISMATCH = "invoice.seller_mismatch"


def _invoice_name(row: Any) -> str:
    return f"{row.invoice_code}-{row.invoice_number}" if row.invoice_code else row.invoice_number


def printed_account(text: object) -> str | None:
    """The account number in a printed 销售方开户行及账号 ("招商银行上海分行 6222 0212 ...").

    >>> printed_account("招商银行上海分行 6222 0212 3456 7891 234")
    '6222021234567891234'
    >>> printed_account("") is None
    True
    """
    runs = [re.sub(r"[\s-]", "", r) for r in re.findall(r"\d[\d\s-]{6,}\d", str(text or ""))]
    return runs[-1] if runs else None


def _record_printed_accounts(
    conn: Connection, audit: AuditLog, printed: Mapping[str, object]
) -> None:
    for invoice_id, text in printed.items():
        number = printed_account(text)
        if number:
            conn.execute(
                update(INVOICE)
                .where(INVOICE.c.id == invoice_id)
                .values(seller_account_bidx=audit.sealer.index("bank_account", number))
            )


def _accounts_on_record(conn: Connection, supplier_ids: set[str]) -> dict[str, set[str]]:
    """Blind indexes of each supplier's accounts in use: bank accounts and the invoicing
    profile's account (the one printed on its invoices)."""
    found: dict[str, set[str]] = {}
    ids = sorted(supplier_ids)
    for sid, bidx in conn.execute(
        select(BANK.c.supplier_id, BANK.c.account_number_bidx).where(
            BANK.c.supplier_id.in_(ids), BANK.c.retired.is_(False)
        )
    ):
        found.setdefault(sid, set()).add(bidx)
    for sid, bidx in conn.execute(
        select(INVOICING.c.supplier_id, INVOICING.c.account_number_bidx).where(
            INVOICING.c.supplier_id.in_(ids)
        )
    ):
        found.setdefault(sid, set()).add(bidx)
    return found


def review_invoices(
    conn: Connection,
    audit: AuditLog,
    ctx: AuditContext,
    invoice_ids: Iterable[str],
    *,
    now: datetime,
    printed_accounts: Mapping[str, object] | None = None,
) -> list[str]:
    """Open or resolve the invoice findings of these invoices (caller's transaction);
    ``printed_accounts``: invoice id -> the 销售方开户行及账号 text sent with it (kept as a
    blind index). Returns ``+<invoice id>`` / ``-<invoice id>`` for each finding opened or
    resolved."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return []
    _record_printed_accounts(conn, audit, printed_accounts or {})
    rows = conn.execute(
        select(INVOICE, SUPPLIER.c.uscc, SUPPLIER.c.name.label("supplier_name"))
        .join(SUPPLIER, SUPPLIER.c.id == INVOICE.c.supplier_id)
        .where(INVOICE.c.id.in_(ids))
    ).all()
    open_rows = {
        r.subject_id: r
        for r in conn.execute(
            select(HOLD).where(
                HOLD.c.code == INVOICE_MISMATCH, HOLD.c.status == "open", HOLD.c.subject_id.in_(ids)
            )
        )
    }
    accounts = _accounts_on_record(conn, {r.supplier_id for r in rows})
    done: list[str] = []
    for row in rows:
        other_code = row.seller_tax_number != row.uscc
        other_account = row.seller_account_bidx is not None and (
            row.seller_account_bidx not in accounts.get(row.supplier_id, set())
        )
        differs = row.status != "rejected" and (other_code or other_account)
        found = open_rows.pop(row.id, None)
        if differs and found is not None and found.evidence != _evidence(row, other_account):
            _resolve(conn, audit, ctx, found, "changed", now)  # what differs changed
            found = None
        if differs and found is None:
            _open(conn, audit, ctx, row, other_code, other_account, now)
            done.append(f"+{row.id}")
        elif not differs and found is not None:
            _resolve(conn, audit, ctx, found, row.status, now)
            done.append(f"-{row.id}")
    for found in open_rows.values():  # no longer matched to any supplier
        _resolve(conn, audit, ctx, found, "unmatched", now)
        done.append(f"-{found.subject_id}")
    return done


def _evidence(row: Any, other_account: bool) -> str:
    return json.dumps(
        {
            "invoice": _invoice_name(row),
            "number": row.invoice_number,
            "seller_name": row.seller_name,
            "printed_credit_code": row.seller_tax_number,
            "record_credit_code": row.uscc,
            "account_not_on_record": other_account,
        },
        ensure_ascii=False,
    )


def _open(
    conn: Connection,
    audit: AuditLog,
    ctx: AuditContext,
    row: Any,
    other_code: bool,
    other_account: bool,
    now: datetime,
) -> None:
    number = _invoice_name(row)
    zh, en = [], []
    if other_code:
        zh.append(
            f"销售方税号为 {row.seller_tax_number}，与档案中的统一社会信用代码 {row.uscc} 不一致"
        )
        en.append(f"names seller credit code {row.seller_tax_number}, not {row.uscc} on record")
    if other_account:
        zh.append("销售方账号不是档案中的银行账户或开票账户")
        en.append("prints a seller bank account that is not one of the accounts on record")
    conn.execute(
        insert(HOLD).values(
            id=str(uuid.uuid4()),
            supplier_id=row.supplier_id,
            code=INVOICE_MISMATCH,
            subject_id=row.id,
            message_zh=(
                f"供应商「{row.supplier_name}」的发票 {number}：{'；'.join(zh)}；"
                "付款已暂停，发票更正或退回后解除"
            ),
            message_en=(
                f"invoice {number} of 「{row.supplier_name}」 {' and '.join(en)}; payments are "
                "held until the invoice is corrected or rejected"
            ),
            evidence=_evidence(row, other_account),
            opened_at=now,
            status="open",
        )
    )
    audit.record(
        conn, ctx, "invoice_finding.opened", subject_type="supplier",
        subject_id=row.supplier_id, field_name="seller", before=row.uscc,
        after=json.dumps({"invoice": number, "printed_credit_code": row.seller_tax_number,
                          "account_not_on_record": other_account}), now=now,
    )  # fmt: skip


def _resolve(
    conn: Connection, audit: AuditLog, ctx: AuditContext, found: Any, how: str, now: datetime
) -> None:
    conn.execute(
        update(HOLD).where(HOLD.c.id == found.id).values(status="resolved", resolved_at=now)
    )
    audit.record(
        conn, ctx, "invoice_finding.resolved", subject_type="supplier",
        subject_id=found.supplier_id, field_name="seller",
        after=json.dumps({"invoice": found.subject_id, "invoice_status": how}), now=now,
    )  # fmt: skip


def open_invoice_findings(conn: Connection, supplier_ids: Iterable[str]) -> dict[str, list[str]]:
    """Supplier id -> invoice numbers with an open invoice finding (the payment check)."""
    ids = sorted(set(supplier_ids))
    found: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        query = select(HOLD.c.supplier_id, HOLD.c.evidence).where(
            HOLD.c.supplier_id.in_(ids[start : start + 500]),
            HOLD.c.code == INVOICE_MISMATCH,
            HOLD.c.status == "open",
        )
        for sid, evidence in conn.execute(query):
            found.setdefault(sid, []).append(str(json.loads(evidence).get("number", "")))
    return found


def open_hold_findings(
    conn: Connection, *, supplier_id: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Open findings holding payments, newest first, as the pages show them."""
    query = (
        select(HOLD, SUPPLIER.c.name.label("supplier_name"))
        .join(SUPPLIER, SUPPLIER.c.id == HOLD.c.supplier_id)
        .where(HOLD.c.status == "open")
        .order_by(HOLD.c.opened_at.desc(), HOLD.c.id)
        .limit(limit)
    )
    if supplier_id is not None:
        query = query.where(HOLD.c.supplier_id == supplier_id)
    return [
        {
            "id": r.id,
            "supplier_id": r.supplier_id,
            "supplier_name": r.supplier_name,
            "code": r.code,
            "message_zh": r.message_zh,
            "message_en": r.message_en,
            "since": r.opened_at,
            "draft_id": r.change_request_id,
            "evidence": json.loads(r.evidence),
        }
        for r in conn.execute(query)
    ]
