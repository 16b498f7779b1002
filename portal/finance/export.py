"""Exports for finance: CSV and XLSX, one row per bank account (or per supplier).

Every text cell goes through ``neutralise_cell`` so that a value starting
with ``= + - @`` can never run as a formula in the spreadsheet program that
opens the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook

from portal.domain.text import neutralise_cell

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


def csv_chunks(views: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """CSV as UTF-8 with BOM (so Chinese Excel opens it correctly), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"{zh} {key}" for key, zh in COLUMNS])
    yield ("\ufeff" + buffer.getvalue()).encode()
    for row in flatten(views):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue().encode()


def xlsx_bytes(views: Iterable[dict[str, Any]]) -> bytes:
    """An .xlsx workbook (write-only mode, constant memory per row)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("suppliers")
    sheet.append([f"{zh} {key}" for key, zh in COLUMNS])
    for row in flatten(views):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
