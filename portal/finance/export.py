"""Exports for finance: CSV and XLSX, one row per bank account (or per supplier).

Every text cell goes through ``neutralise_cell`` so that a value starting
with ``= + - @`` can never run as a formula in the spreadsheet program that
opens the file. An export is an audited act: :func:`audited_rows` records who took
how many rows with which filters before the first byte leaves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from openpyxl import Workbook

from portal.audit.log import AuditContext
from portal.domain.text import neutralise_cell
from portal.finance.ports import ExportAudit

COLUMNS: tuple[tuple[str, str], ...] = (
    ("uscc", "统一社会信用代码"),
    ("name", "供应商名称"),
    ("lifecycle_state", "状态"),
    ("registry_status", "登记状态"),
    ("taxpayer_qualification", "纳税人资格"),
    ("tax_status", "税务状态"),
    ("bank_name", "开户行"),
    ("cnaps_code", "联行号"),
    ("account_number", "银行账号"),
    ("holder_name", "户名"),
    ("currency", "币种"),
    ("purpose", "用途"),
    ("invoice_title", "发票抬头"),
    ("invoice_tax_number", "开票税号"),
)


def flatten(views: Iterable[dict[str, Any]]) -> Iterator[list[str]]:
    """Rows of cells from supplier views (see ``finance.supplier_view``)."""
    for view in views:
        profile = view.get("invoicing_profile") or {}
        accounts = [a for a in view["bank_accounts"] if not a["retired"]] or [{}]
        for account in accounts:
            merged = {
                **view,
                **account,
                "id": view["id"],
                "invoice_title": profile.get("title"),
                "invoice_tax_number": profile.get("tax_number"),
            }
            yield [neutralise_cell(str(merged.get(key) or "")) for key, _ in COLUMNS]


def audited_rows(
    views: Iterable[dict[str, Any]],
    audit: ExportAudit,
    ctx: AuditContext,
    *,
    file_format: str,
    criteria: Mapping[str, str | None],
) -> list[list[str]]:
    """The export's rows, once its ``data.exported`` entry is committed (raises otherwise:
    then nothing may be sent). The rows are counted first, so the entry says how many left."""
    rows = list(flatten(views))
    audit.record_export(ctx, file_format=file_format, rows=len(rows), criteria=criteria)
    return rows


def _header() -> list[str]:
    return [neutralise_cell(f"{zh} {key}") for key, zh in COLUMNS]


def csv_chunks(rows: Iterable[list[str]]) -> Iterator[bytes]:
    """CSV as UTF-8 with BOM (so Chinese Excel opens it correctly), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header())
    yield ("\ufeff" + buffer.getvalue()).encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue().encode()


def xlsx_bytes(rows: Iterable[list[str]]) -> bytes:
    """An .xlsx workbook (write-only mode, constant memory per row)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("suppliers")
    sheet.append(_header())
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
