"""The template and the Excel error report: a clerk fills in, imports, fixes in place."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine

from portal.db.supplier_store import SupplierStore
from portal.domain.supplier_input import FIELDS, parse_supplier
from portal.domain.uscc_factory import make_uscc
from portal.importing.error_report import error_report_bytes
from portal.importing.run import import_suppliers
from portal.importing.template import EXAMPLE, template_bytes


def _filled_template(tmp_path: Path, *rows: dict[str, str]) -> Path:
    book = load_workbook(io.BytesIO(template_bytes()))
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append([row.get(k, "") for k in FIELDS])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    return path


def test_a_filled_in_template_imports_every_column_and_skips_the_english_header_row(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = _filled_template(
        tmp_path,
        {
            **EXAMPLE,
            "uscc": make_uscc(61),
            "name": "北京丁科技有限公司",
            "account_holder": "北京丁科技有限公司",
        },
    )
    report = import_suppliers(path, engine=engine, store=store, dry_run=True)
    assert sorted(report.columns.values()) == sorted(FIELDS)
    assert report.counts == {"rows": 1, "would_create": 1}


def test_the_example_row_of_the_template_has_nothing_to_find() -> None:
    assert parse_supplier(EXAMPLE)[1] == []


def test_columns_with_a_fixed_vocabulary_offer_a_list_in_the_template() -> None:
    sheet = load_workbook(io.BytesIO(template_bytes())).worksheets[0]
    lists = {v.formula1.strip('"') for v in sheet.data_validations.dataValidation}
    assert "prospective,active,blocked,archived" in lists
    assert any("存续" in choices for choices in lists)


def test_the_error_report_is_the_users_sheet_with_status_findings_and_marked_cells(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["统一社会信用代码", "供应商名称", "联系电话", "备注"],
                [make_uscc(62), "北京戊科技有限公司", "13812345678", "老客户"],
                [make_uscc(63), "北京己科技有限公司", "12345", ""],
            ]
        )
    report = import_suppliers(path, engine=engine, store=store, dry_run=True)
    sheet = load_workbook(io.BytesIO(error_report_bytes(path, report))).worksheets[0]
    assert [c.value for c in sheet[1]] == [
        "统一社会信用代码",
        "供应商名称",
        "联系电话",
        "备注",
        "状态 status",
        "问题 findings",
    ]
    assert sheet["E2"].value == "可导入 can be imported" and sheet["F2"].value is None
    assert sheet["E3"].value == "未导入 not imported"
    assert "不是有效的手机号" in sheet["F3"].value and "Not a mainland" in sheet["F3"].value
    assert (
        sheet["C3"].fill.fgColor.rgb.endswith("FFC7CE")
        and sheet["C2"].fill.fgColor.rgb == "00000000"
    )


def test_an_xlsx_error_report_keeps_the_users_other_sheets(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["统一社会信用代码", "供应商名称"])
    sheet.append(["91310000123", "庚公司"])
    book.create_sheet("备忘")
    path = tmp_path / "list.xlsx"
    book.save(path)
    report = import_suppliers(path, engine=engine, store=store, dry_run=True)
    out = load_workbook(io.BytesIO(error_report_bytes(path, report)))
    assert out.sheetnames == ["Sheet", "备忘"]
    assert out.worksheets[0]["A2"].fill.fgColor.rgb.endswith("FFC7CE")
