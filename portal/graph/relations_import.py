"""Contracts, invoices and stores: import (xlsx/csv), single upserts and listings.

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

import re
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select, update

from portal.db.dedup_tables import DedupKeyRow
from portal.db.tables import (
    ContractRow,
    InvoiceRow,
    StoreRow,
    StoreSupplierRow,
    SupplierRow,
    table_of,
)
from portal.domain import names
from portal.domain import uscc as credit_code
from portal.domain.findings import Finding, Severity, finding, register
from portal.importing.readers import UnreadableFileError, iter_rows
from portal.importing.run import ImportReport, RowReport
from portal.resolution.keys import CORE, comparable_core

SUPPLIER = table_of(SupplierRow)
CONTRACT = table_of(ContractRow)
INVOICE = table_of(InvoiceRow)
STORE = table_of(StoreRow)
STORE_SUPPLIER = table_of(StoreSupplierRow)
KEY = table_of(DedupKeyRow)
BATCH_SIZE = 1000
MASTER_DATA = "master_data"

register(
    "relation.supplier_not_found",
    Severity.WARNING,
    "No supplier matches: {detail}",
    "找不到对应的供应商：{detail}",
)

_SUPPLIER_REF = {
    "supplier_uscc": (
        "统一社会信用代码",
        "供应商信用代码",
        "信用代码",
        "供应商税号",
        "uscc",
        "creditcode",
        "suppliertaxid",
        "supplieruscc",
    ),
    "supplier_name": ("供应商名称", "供应商", "乙方", "suppliername", "supplier"),
}
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "contracts": {
        "contract_number": ("合同编号", "合同号", "contractnumber", "contractno", "number"),
        "title": ("合同名称", "合同标题", "标题", "title", "contracttitle"),
        "signed_on": ("签订日期", "签约日期", "signedon", "signed"),
        "valid_from": ("生效日期", "开始日期", "validfrom"),
        "valid_to": ("到期日期", "截止日期", "结束日期", "validto"),
        "amount": ("合同金额", "金额", "amount"),
        "currency": ("币种", "currency"),
        **_SUPPLIER_REF,
    },
    "invoices": {
        "invoice_code": ("发票代码", "invoicecode"),
        "invoice_number": ("发票号码", "发票号", "invoicenumber", "invoiceno"),
        "seller_name": ("销售方名称", "销方名称", "开票方", "sellername", "seller"),
        "seller_tax_number": (
            "销售方纳税人识别号",
            "销售方税号",
            "销方税号",
            "纳税人识别号",
            "sellertaxnumber",
            "sellertaxid",
        ),
        "issued_on": ("开票日期", "issuedon", "date"),
        "amount": ("价税合计", "金额", "amount", "total"),
        "status": ("状态", "发票状态", "status"),
        "rejection_reason": ("拒收原因", "退票原因", "rejectionreason", "reason"),
        "rejection_cause": ("拒收归因", "原因类别", "rejectioncause", "cause"),
    },
    "stores": {
        "code": ("门店编码", "门店编号", "仓库编码", "storecode", "code"),
        "name": ("门店名称", "仓库名称", "storename", "name"),
        "address": ("门店地址", "地址", "address"),
        "supplier_uscc": (
            "供货商信用代码",
            "供应商信用代码",
            "统一社会信用代码",
            "uscc",
            "suppliers",
            "supplieruscc",
        ),
    },
}
REQUIRED = {
    "contracts": ("contract_number",),
    "invoices": ("invoice_number", "seller_name"),
    "stores": ("code", "name"),
}
STATUSES = {
    "rejected": ("rejected", "拒收", "已拒收", "退回", "已退回", "退票"),
    "accepted": ("accepted", "已接收", "已认证", "认证", "已验收"),
    "paid": ("paid", "已付款", "已支付"),
    "received": ("received", "已收到", "待处理", "收到"),
}
MASTER_DATA_WORDS = (
    "主数据",
    "masterdata",
    "抬头",
    "名称",
    "税号",
    "纳税人识别号",
    "开户行",
    "账号",
    "title",
    "taxnumber",
    "taxid",
    "bank",
)


def _fold(text: object) -> str:
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[\s*()（）:：_\-]", "", folded)


def canonical_header(kind: str, header: object) -> str | None:
    """The field of ``kind`` (contracts, invoices, stores) a header names.

    >>> canonical_header('invoices', '销售方纳税人识别号*'), canonical_header('stores', '备注')
    ('seller_tax_number', None)
    """
    if header is None:
        return None
    folded = _fold(header)
    for key, synonyms in SYNONYMS[kind].items():
        if folded in synonyms:
            return key
    return None


# -- matching invoices and contracts to suppliers -------------------------------------


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


# -- one row ----------------------------------------------------------------------------


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
    folded = _fold(text or "")
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
        if text and any(word in _fold(text) for word in MASTER_DATA_WORDS):
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


# -- files ------------------------------------------------------------------------------


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
    kind: str, path: Path, *, engine: Engine, dry_run: bool = False, batch_size: int = BATCH_SIZE
) -> ImportReport:
    """Import contracts, invoices or stores from a file, a transaction per batch."""
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
            for row, raw in batch:
                outcome = UPSERT[kind](conn, matcher, raw)
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
                conn.commit()


# -- listings ---------------------------------------------------------------------------

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
