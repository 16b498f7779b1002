"""Contracts, invoices and stores: import (xlsx/csv) and listings (one row: ``rows``).

Every row names its supplier the way the source system printed it: a credit
code, a legacy 15-character tax number, or only a name. :class:`SupplierMatcher`
finds the supplier by credit code, then by the organisation code embedded in
either number, then by the comparable core of the name (only when exactly one
supplier has it). An invoice rejected because the supplier's data was wrong
(title or tax number) is attributed to master data (``rejection_cause =
"master_data"``), so the dashboard can count what bad master data costs.

Re-importing a file updates the rows it already created (same contract number,
same invoice code and number, same store code).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from portal.audit.log import AuditContext, AuditLog
from portal.graph.headers import REQUIRED, canonical_header
from portal.graph.matching import SupplierMatcher
from portal.graph.rows import CONTRACT, INVOICE, STORE, STORE_SUPPLIER, UPSERT
from portal.importing.readers import UnreadableFileError, iter_rows
from portal.importing.run import ImportReport, RowReport
from portal.payments.hold_findings import review_invoices

__all__ = ["BATCH_SIZE", "import_relations", "list_relations"]

BATCH_SIZE = 1000


def _cell(value: object) -> object:
    if value is None or isinstance(value, (date, datetime)):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _records(
    kind: str, path: Path, report: ImportReport
) -> Iterator[tuple[int, dict[str, object]]]:
    rows = iter_rows(path)
    header = next(rows, None)
    if header is None:
        raise UnreadableFileError(f"{path.name} is empty")
    mapping: dict[int, str] = {}
    for i, title in enumerate(header):
        key = canonical_header(kind, title)
        if key and key not in mapping.values():
            mapping[i] = key
            report.columns[str(title)] = key
        elif title not in (None, ""):
            report.ignored_columns.append(str(title))
    if missing := [k for k in REQUIRED[kind] if k not in mapping.values()]:
        raise UnreadableFileError(
            f"{path.name} lacks the column(s) {', '.join(missing)} for {kind}; "
            f"found {', '.join(str(h) for h in header if h)}"
        )
    for number, values in enumerate(rows, start=2):
        if any(v not in (None, "") for v in values):
            yield number, {k: _cell(values[i]) for i, k in mapping.items() if i < len(values)}


def import_relations(
    kind: str,
    path: Path,
    *,
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import contracts, invoices or stores from a file, a transaction per batch; each
    invoice is checked against its supplier's record in its batch's transaction."""
    if kind not in UPSERT:
        raise ValueError(f"cannot import {kind}; choose one of {', '.join(UPSERT)}")
    report = ImportReport(file=path.name, dry_run=dry_run)
    records = _records(kind, path, report)
    while True:
        batch = [r for _, r in zip(range(batch_size), records, strict=False)]
        if not batch:
            return report
        with engine.connect() as conn:
            matcher = SupplierMatcher(conn)
            stored: dict[str, object] = {}  # invoice id -> the printed seller account
            for row, raw in batch:
                outcome = UPSERT[kind](conn, matcher, raw)
                if outcome.row_id:
                    stored[outcome.row_id] = raw.get("seller_bank_account")
                status = outcome.status
                if dry_run and status != "rejected":
                    status = f"would_{'create' if status == 'created' else 'update'}"
                report.add(
                    RowReport(
                        row, status, outcome.ref.uscc, outcome.ref.supplier_id, outcome.findings
                    )
                )
            if dry_run:
                conn.rollback()
            else:
                if kind == "invoices":
                    review_invoices(
                        conn, audit, ctx, stored, now=datetime.now(UTC), printed_accounts=stored
                    )
                conn.commit()


_TABLES = {"contracts": CONTRACT, "invoices": INVOICE, "stores": STORE}


def _json(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def list_relations(
    conn: Connection,
    kind: str,
    *,
    supplier_id: str | None = None,
    after: str | None = None,
    limit: int = 100,
    **filters: str | None,
) -> list[dict[str, object]]:
    """Rows of contracts, invoices or stores ordered by id, after a cursor id; stores of a
    supplier through the link table; ``filters`` compare columns for equality."""
    table = _TABLES[kind]
    query = select(table)
    if supplier_id and kind == "stores":
        query = query.join(STORE_SUPPLIER, STORE_SUPPLIER.c.store_id == STORE.c.id).where(
            STORE_SUPPLIER.c.supplier_id == supplier_id
        )
    elif supplier_id:
        query = query.where(table.c.supplier_id == supplier_id)
    for column, value in filters.items():
        if value is not None:
            query = query.where(table.c[column] == value)
    if after:
        query = query.where(table.c.id > after)
    rows = conn.execute(query.order_by(table.c.id).limit(limit))
    return [{k: _json(v) for k, v in row._mapping.items()} for row in rows]
