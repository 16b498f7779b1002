"""The import template (``.xlsx``), generated from the declaration the importer reads.

The first sheet is where the list goes: Chinese headers (``*`` marks the required ones),
English in a second header row (the import skips it), a drop-down list for every column
with a fixed vocabulary. The example row is on a sheet of its own, because the import
reads the first sheet and would take an example there for a supplier; a third sheet
lists every column with the header synonyms the import recognises.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from portal.domain import fields
from portal.domain.supplier_input import FIELDS, REQUIRED, VOCABULARIES

__all__ = ["EXAMPLE", "header_rows", "template_bytes"]

#: One filled-in row, as a purchasing clerk would type it.
EXAMPLE: dict[str, str] = {
    "uscc": "91110000600037341L",
    "name": "北京示例科技有限公司",
    "legal_representative": "张伟",
    "registered_capital": "500万元人民币",
    "established_on": "2015-06-01",
    "address": "北京市海淀区中关村大街1号",
    "registry_status": "存续",
    "lifecycle_state": "prospective",
    "bank_name": "中国工商银行北京海淀支行",
    "cnaps_code": "102100000458",
    "bank_account": "6222021234567891234",
    "account_holder": "北京示例科技有限公司",
    "bank_currency": "CNY",
    "contact_name": "李娜",
    "contact_phone": "+86 138 0013 8000",
    "contact_email": "li.na@example.com",
}
_HEAD = PatternFill("solid", fgColor="DDEBF7")


def header_rows() -> tuple[list[str], list[str]]:
    """The Chinese header row and the English one, in import-key order."""
    zh = [fields.by_import_key(k).headers[0] + ("*" if k in REQUIRED else "") for k in FIELDS]
    en = [fields.by_import_key(k).en for k in FIELDS]
    return zh, en


def _headers(sheet: Worksheet) -> None:
    zh, en = header_rows()
    sheet.append(zh)
    sheet.append(en)
    for cell in (*sheet[1], *sheet[2]):
        cell.fill = _HEAD
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i in range(1, len(zh) + 1):
        sheet.column_dimensions[get_column_letter(i)].width = 18
    sheet.freeze_panes = "A3"


def _lists(sheet: Worksheet, rows: int) -> None:
    for i, key in enumerate(FIELDS, start=1):
        vocabulary = VOCABULARIES.get(key)
        if vocabulary is None:
            continue
        letter = get_column_letter(i)
        check = DataValidation(
            type="list",
            formula1='"' + ",".join(m.value for m in vocabulary) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="取值无效 Value not valid",
            error="请从列表中选择 Choose from the list",
        )
        check.add(f"{letter}3:{letter}{rows}")
        sheet.add_data_validation(check)


def template_bytes(rows: int = 5000) -> bytes:
    """The template workbook; drop-down lists cover the first ``rows`` data rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "供应商 suppliers"
    _headers(sheet)
    _lists(sheet, rows + 2)
    example = book.create_sheet("示例 example")
    _headers(example)
    example.append([EXAMPLE.get(k, "") for k in FIELDS])
    synonyms = book.create_sheet("列名 columns")
    synonyms.append(["列名 column", "English", "必填 required", "也可写作 also recognised as"])
    for key in FIELDS:
        spec = fields.by_import_key(key)
        choices = VOCABULARIES.get(key)
        synonyms.append(
            [
                spec.headers[0],
                spec.en,
                "是 yes" if key in REQUIRED else "",
                "、".join(spec.headers[1:])
                + (f"（取值 values: {' / '.join(m.value for m in choices)}）" if choices else ""),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
