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
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from portal.audit.log import AuditContext, AuditLog
from portal.db.hold_tables import HoldFindingRow
from portal.db.supplier_store import SUPPLIER
from portal.db.tables import InvoiceRow, table_of

__all__ = ["HOLD", "INVOICE_MISMATCH", "open_hold_findings", "review_invoices"]

HOLD = table_of(HoldFindingRow)
INVOICE = table_of(InvoiceRow)
INVOICE_MISMATCH = "invoice.seller_mismatch"


def _invoice_name(row: Any) -> str:
    return f"{row.invoice_code}-{row.invoice_number}" if row.invoice_code else row.invoice_number


def review_invoices(
    conn: Connection,
    audit: AuditLog,
    ctx: AuditContext,
    invoice_ids: Iterable[str],
    *,
    now: datetime,
) -> list[str]:
    """Open or resolve the invoice findings of these invoices (caller's transaction);
    returns ``+<invoice id>`` / ``-<invoice id>`` for each finding opened or resolved."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return []
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
    done: list[str] = []
    for row in rows:
        differs = row.status != "rejected" and row.seller_tax_number != row.uscc
        found = open_rows.pop(row.id, None)
        if differs and found is None:
            _open(conn, audit, ctx, row, now)
            done.append(f"+{row.id}")
        elif not differs and found is not None:
            _resolve(conn, audit, ctx, found, row.status, now)
            done.append(f"-{row.id}")
    for found in open_rows.values():  # no longer matched to any supplier
        _resolve(conn, audit, ctx, found, "unmatched", now)
        done.append(f"-{found.subject_id}")
    return done


def _open(conn: Connection, audit: AuditLog, ctx: AuditContext, row: Any, now: datetime) -> None:
    number = _invoice_name(row)
    evidence = {
        "invoice": number,
        "seller_name": row.seller_name,
        "printed_credit_code": row.seller_tax_number,
        "record_credit_code": row.uscc,
    }
    conn.execute(
        insert(HOLD).values(
            id=str(uuid.uuid4()),
            supplier_id=row.supplier_id,
            code=INVOICE_MISMATCH,
            subject_id=row.id,
            message_zh=(
                f"发票 {number} 的销售方税号为 {row.seller_tax_number}，"
                f"与供应商「{row.supplier_name}」档案中的统一社会信用代码 {row.uscc} 不一致；"
                "付款已暂停，发票更正或退回后解除"
            ),
            message_en=(
                f"invoice {number} names seller credit code {row.seller_tax_number}, not "
                f"{row.uscc} of 「{row.supplier_name}」 on record; payments are held until the "
                "invoice is corrected or rejected"
            ),
            evidence=json.dumps(evidence, ensure_ascii=False),
            opened_at=now,
            status="open",
        )
    )
    audit.record(
        conn, ctx, "invoice_finding.opened", subject_type="supplier",
        subject_id=row.supplier_id, field_name="seller_tax_number", before=row.uscc,
        after=json.dumps({"invoice": number, "printed": row.seller_tax_number}), now=now,
    )  # fmt: skip


def _resolve(
    conn: Connection, audit: AuditLog, ctx: AuditContext, found: Any, how: str, now: datetime
) -> None:
    conn.execute(
        update(HOLD).where(HOLD.c.id == found.id).values(status="resolved", resolved_at=now)
    )
    audit.record(
        conn, ctx, "invoice_finding.resolved", subject_type="supplier",
        subject_id=found.supplier_id, field_name="seller_tax_number",
        after=json.dumps({"invoice": found.subject_id, "invoice_status": how}), now=now,
    )  # fmt: skip


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
