"""Exports for finance: CSV and XLSX, one row per bank account (or per supplier).

The columns are the import's (same headers, from the field catalogue), so an export
imported again is read as the same suppliers: masked account numbers are withheld
values, not new ones, and an unchanged export creates and changes nothing.

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
from portal.domain import fields
from portal.domain.text import neutralise_cell
from portal.finance.ports import ExportAudit

#: The columns, by import key of the field catalogue; the headers are the catalogue's
#: (:func:`portal.domain.fields.column_title`), so the import reads this export back.
KEYS: tuple[str, ...] = (
    "uscc",
    "name",
    "lifecycle_state",
    "registry_status",
    "taxpayer_qualification",
    "tax_status",
    "bank_name",
    "cnaps_code",
    "bank_account",
    "account_holder",
    "bank_currency",
    "bank_purpose",
    "invoice_title",
    "invoice_tax_number",
)
#: The last column: whether payments are held, and why (the finance API's ``payment_hold``);
#: an export-only column, which the import skips without reporting it.
HOLD_KEY = "payment_hold"
HOLD_TITLE = "付款暂停 payment_hold"
#: Then the account's version id (the finance API's ``version_id``): the version a payment
#: file should name; export-only too.
VERSION_KEY = "version_id"
VERSION_TITLE = "账户版本 account_version"
#: The titles of the columns only an export has: the import reads past them.
EXPORT_ONLY_TITLES = frozenset({HOLD_TITLE, VERSION_TITLE})
#: Last, a foreign supplier's tax number (added after the columns ERPs already read by
#: position); the import reads it back like the credit code.
FOREIGN_KEY = "foreign_tax_id"
COLUMNS: tuple[tuple[str, str], ...] = (
    *((key, fields.column_title(key)) for key in KEYS),
    (HOLD_KEY, HOLD_TITLE),
    (VERSION_KEY, VERSION_TITLE),
    (FOREIGN_KEY, fields.column_title(FOREIGN_KEY)),
)
_HOLD_WORDS = {
    "supplier.blocked": "供应商已冻结",
    "bank_change.pending": "银行账户变更审批中",
    "bank_change.cooling_off": "银行账户变更冷静期",
}


def hold_cell(hold: dict[str, Any] | None) -> str:
    """``否 no``, or ``暂停 on hold: <why> (<code>)[ until <UTC time>]``.

    >>> hold_cell({"on_hold": True, "reason": "supplier.blocked", "until": None})
    '暂停 on hold: 供应商已冻结 (supplier.blocked)'
    >>> hold_cell({"on_hold": False, "reason": None, "until": None}), hold_cell(None)
    ('否 no', '')
    """
    if hold is None:
        return ""
    if not hold.get("on_hold"):
        return "否 no"
    reason = str(hold.get("reason") or "")
    cell = f"暂停 on hold: {_HOLD_WORDS.get(reason, reason)} ({reason})"
    return f"{cell} until {hold['until']}" if hold.get("until") else cell


def foreign_cell(tax_id: dict[str, Any] | None) -> str:
    """A foreign supplier's tax number as the import reads it back: an EU VAT number as
    printed (its country prefix names the scheme), any other with its scheme.

    >>> foreign_cell({"scheme": "eu_vat", "number": "DE136695976"})
    'DE136695976'
    >>> foreign_cell({"scheme": "us_ein", "number": "041234567"}), foreign_cell(None)
    ('us_ein:041234567', '')
    """
    if not tax_id:
        return ""
    number = str(tax_id["number"])
    return number if tax_id["scheme"] == "eu_vat" else f"{tax_id['scheme']}:{number}"


def _value(view: dict[str, Any], account: dict[str, Any], key: str) -> object:
    spec = fields.by_import_key(key)
    if spec.entity == "bank_account":
        return account.get(spec.name)
    if spec.entity == "invoicing_profile":
        return (view.get("invoicing_profile") or {}).get(spec.name)
    return view.get(spec.name)


def flatten(views: Iterable[dict[str, Any]]) -> Iterator[list[str]]:
    """Rows of cells from supplier views (see ``finance.supplier_view``)."""
    for view in views:
        accounts = [a for a in view["bank_accounts"] if not a["retired"]] or [{}]
        for account in accounts:
            cells = [neutralise_cell(str(_value(view, account, key) or "")) for key in KEYS]
            hold = neutralise_cell(hold_cell(view.get(HOLD_KEY)))
            version = neutralise_cell(str(account.get(VERSION_KEY) or ""))
            yield [*cells, hold, version, neutralise_cell(foreign_cell(view.get(FOREIGN_KEY)))]


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
    return [neutralise_cell(title) for _, title in COLUMNS]


def csv_chunks(rows: Iterable[list[str]], header: list[str] | None = None) -> Iterator[bytes]:
    """CSV as UTF-8 with BOM (so Chinese Excel opens it correctly), streamed; ``header``
    replaces the import's column titles (an ERP profile's field names)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or _header())
    yield ("\ufeff" + buffer.getvalue()).encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue().encode()


def xlsx_bytes(rows: Iterable[list[str]], header: list[str] | None = None) -> bytes:
    """An .xlsx workbook (write-only mode, constant memory per row)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("suppliers")
    sheet.append(header or _header())
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
