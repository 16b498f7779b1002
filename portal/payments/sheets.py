"""Payment files in, result sheets out.

Two layouts are read, told apart by their headers (docs/payments.md):

* ``generic``: payee, credit code, bank, account, amount (Chinese or English headers,
  CSV or XLSX, any column order, extra columns kept);
* ``icbc_batch``: the ICBC corporate online banking 企业财务室 批量支付 sheet
  (收款账号开户行 / 收款账号 / 收款账号名称 / 金额 / 汇款用途 ...), which names no credit
  code: its payees are found by their exact registered name.

The result is the same sheet with the verdict columns added on the right, every cell
neutralised so that nothing can run as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import Workbook

from payments import PaymentFileError
from portal.domain import bank_account
from portal.domain.text import neutralise_cell
from portal.importing.readers import ReadLimits, UnreadableFileError, iter_rows

__all__ = ["FORMATS", "PaymentLine", "PaymentSheet", "read_payment_file", "result_sheet"]

LIMITS = ReadLimits(max_rows=100_000, max_columns=60, max_cell_chars=500)

#: header -> role, per layout (headers compared without spaces, case-folded).
_GENERIC: dict[str, tuple[str, ...]] = {
    "payee": ("收款方", "收款人", "收款单位", "收款人名称", "户名", "payee", "payeename"),
    "credit_code": ("统一社会信用代码", "信用代码", "creditcode", "uscc"),
    "bank": ("开户行", "开户银行", "收款银行", "bank", "bankname"),
    "account": ("账号", "收款账号", "银行账号", "account", "accountnumber"),
    "amount": ("金额", "付款金额", "amount"),
}
_ICBC: dict[str, tuple[str, ...]] = {
    "payee": ("收款账号名称",),
    "bank": ("收款账号开户行",),
    "account": ("收款账号",),
    "amount": ("金额",),
}
#: the layouts, most specific first: the bank's sheet is recognised by its own headers.
FORMATS: dict[str, dict[str, tuple[str, ...]]] = {"icbc_batch": _ICBC, "generic": _GENERIC}
_REQUIRED = ("payee", "account", "amount")


def _key(header: object) -> str:
    return "".join(str(header or "").split()).casefold().replace("_", "")


@dataclass(frozen=True)
class PaymentLine:
    row: int  # the row number in the sheet (the header is row 1)
    payee: str
    credit_code: str
    bank: str
    account: str  # digits as typed, compacted
    amount: Decimal | None
    cells: tuple[str, ...]  # the row as read, for the result sheet


@dataclass(frozen=True)
class PaymentSheet:
    layout: str
    file_format: str  # csv or xlsx
    header: tuple[str, ...]
    lines: tuple[PaymentLine, ...]


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _columns(header: Sequence[str]) -> tuple[str, dict[str, int]]:
    keys = [_key(h) for h in header]
    for layout, roles in FORMATS.items():
        found = {}
        for role, names in roles.items():
            for name in names:
                if _key(name) in keys:
                    found[role] = keys.index(_key(name))
                    break
        if all(r in found for r in _REQUIRED) and (
            layout != "icbc_batch" or "收款账号名称" in header
        ):
            return layout, found
    raise PaymentFileError(
        "no payee, account and amount columns found; use the template's headers "
        "(收款方 / 统一社会信用代码 / 开户行 / 账号 / 金额) or the ICBC batch-payment sheet",
        message_zh="未找到收款方、账号和金额列；请使用模板表头"
        "（收款方 / 统一社会信用代码 / 开户行 / 账号 / 金额）或工行批量支付表",
    )


def _amount(text: str, row: int) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation as exc:
        raise PaymentFileError(
            f"row {row}: the amount {text!r} is not a number",
            message_zh=f"第{row}行：金额「{text}」不是数字",
            line=row,
        ) from exc
    return value


def read_payment_file(filename: str, content: bytes) -> PaymentSheet:
    """The lines of a payment file (.csv or .xlsx); raises :class:`PaymentFileError`."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise PaymentFileError(
            f"{filename}: only .csv and .xlsx payment files can be checked",
            message_zh=f"{filename}：只能核对 .csv 或 .xlsx 付款文件",
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"payments{suffix}"
        path.write_bytes(content)
        try:
            rows = [[_text(c) for c in row] for row in iter_rows(path, LIMITS)]
        except UnreadableFileError as exc:
            raise PaymentFileError(str(exc), message_zh=f"无法读取付款文件：{exc}") from exc
    if not rows:
        raise PaymentFileError("the file is empty", message_zh="文件是空的")
    header = tuple(rows[0])
    layout, at = _columns(header)
    lines = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue

        def cell(role: str, row: list[str] = row) -> str:
            index = at.get(role)
            return row[index] if index is not None and index < len(row) else ""

        lines.append(
            PaymentLine(
                row=number,
                payee=cell("payee"),
                credit_code=cell("credit_code").upper(),
                bank=cell("bank"),
                account=bank_account.compact(cell("account")),
                amount=_amount(cell("amount"), number),
                cells=tuple(row),
            )
        )
    if not lines:
        raise PaymentFileError("the file has a header but no payment lines",
                               message_zh="文件只有表头，没有付款行")  # fmt: skip
    return PaymentSheet(layout, suffix.lstrip("."), header, tuple(lines))


#: the columns the result sheet adds, in both languages.
RESULT_HEADERS = (
    "核对结果 Verdict",
    "原因 Reason",
    "解除条件 What clears it",
    "账户版本 Account version",
    "证明 Attestation",
)


def result_sheet(
    sheet: PaymentSheet, extra: Iterable[Sequence[str]], file_format: str | None = None
) -> tuple[bytes, str]:
    """The sheet with the verdict columns added; returns (bytes, content type)."""
    width = len(sheet.header)
    header = [neutralise_cell(h) for h in (*sheet.header, *RESULT_HEADERS)]
    rows = [
        [neutralise_cell(c) for c in (*line.cells, *[""] * (width - len(line.cells)), *more)]
        for line, more in zip(sheet.lines, extra, strict=True)
    ]
    if (file_format or sheet.file_format) == "xlsx":
        book = Workbook(write_only=True)
        out = book.create_sheet("payment check")
        out.append(header)
        for row in rows:
            out.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return buffer.getvalue(), kind
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + text.getvalue()).encode(), "text/csv; charset=utf-8"
