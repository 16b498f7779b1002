"""Workbooks as people keep them: several sheets, a title above the header, a header merged
over two rows, hidden rows and columns, and account numbers Excel turned into numbers."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import Engine, select

from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import SUPPLIER, SupplierStore
from portal.domain.principal import Role
from portal.domain.uscc_factory import make_uscc
from portal.importing.audited import ImportDeps, import_supplier_list
from portal.importing.error_report import error_report_bytes
from portal.importing.run import ImportReport
from tests.support.personas import staff_member

CLERK = staff_member("li.na", Role.PURCHASING_CLERK, "李娜")
CTX = AuditContext(actor="li.na", actor_role="purchasing_clerk")
A, B, C = make_uscc(401), make_uscc(402), make_uscc(403)


def check(engine: Engine, store: SupplierStore, path: Path, **kwargs: object) -> ImportReport:
    deps = ImportDeps(engine, store, AuditLog(store.sealer))
    return import_supplier_list(deps, CTX, CLERK, path, dry_run=True, **kwargs)  # type: ignore[arg-type]


def by_row(report: ImportReport) -> dict[int, list[str]]:
    return {r.row: [f.code for f in r.findings] for r in report.rows}


def test_the_first_sheet_with_data_is_read_and_another_can_be_chosen(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    book = Workbook()
    assert book.active is not None
    book.active.title = "说明"  # an empty cover sheet
    first = book.create_sheet("华东")
    first.append(["统一社会信用代码", "供应商名称"])
    first.append([A, "上海甲材料有限公司"])
    second = book.create_sheet("华北")
    second.append(["统一社会信用代码", "供应商名称"])
    second.append([B, "北京乙材料有限公司"])
    second.append([C, "北京丙材料有限公司"])
    path = tmp_path / "suppliers.xlsx"
    book.save(path)
    default = check(engine, store, path)
    assert (default.sheet, default.counts["would_create"]) == ("华东", 1)
    chosen = check(engine, store, path, sheet="华北")
    assert (chosen.sheet, chosen.counts["would_create"]) == ("华北", 2)


def test_a_title_row_and_a_header_merged_over_two_rows_are_read_as_one_header(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2026 年合格供应商名录"])
    sheet.merge_cells("A1:E1")
    sheet.append(["统一社会信用代码", "供应商名称", "银行信息", None, None])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("C2:E2")
    sheet.append([None, None, "开户行", "银行账号", "户名"])
    sheet.append(
        [A, "上海甲材料有限公司", "中国银行上海分行", "6222021234500001", "上海甲材料有限公司"]
    )
    path = tmp_path / "merged.xlsx"
    book.save(path)
    report = check(engine, store, path)
    assert report.header_rows == [2, 3]
    assert {"uscc", "name", "bank_name", "bank_account", "account_holder"} <= set(
        report.column_index
    )
    assert report.counts == {"would_create": 1, "rows": 1}
    assert report.rows == []  # row 4, with every finding it has: none


def test_hidden_rows_are_listed_not_imported_and_hidden_columns_are_not_read(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["统一社会信用代码", "供应商名称", "联系电话"])
    sheet.append([A, "上海甲材料有限公司", "not a phone"])
    sheet.append([B, "北京乙材料有限公司", "13800138000"])
    sheet.row_dimensions[3].hidden = True
    sheet.column_dimensions["C"].hidden = True
    path = tmp_path / "filtered.xlsx"
    book.save(path)
    deps = ImportDeps(engine, store, AuditLog(store.sealer))
    report = import_supplier_list(deps, CTX, CLERK, path)
    assert by_row(report) == {3: ["row.hidden"]}
    assert report.hidden_columns == ["联系电话"]  # so its bad phone is not a finding
    with engine.connect() as conn:
        assert list(conn.execute(select(SUPPLIER.c.uscc)).scalars()) == [A]


def test_an_account_excel_turned_into_a_number_is_refused_and_never_stored_rounded(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["统一社会信用代码", "供应商名称", "开户行", "银行账号", "户名"])
    sheet.append(
        [A, "上海甲材料有限公司", "中国银行上海分行", 6.22848012345678e18, "上海甲材料有限公司"]
    )
    sheet.append(
        [B, "北京乙材料有限公司", "中国银行北京分行", "6228480123456789012", "北京乙材料有限公司"]
    )
    path = tmp_path / "numbers.xlsx"
    book.save(path)
    deps = ImportDeps(engine, store, AuditLog(store.sealer))
    report = import_supplier_list(deps, CTX, CLERK, path)
    (damaged,) = report.rows
    assert (damaged.row, damaged.status) == (2, "rejected")
    finding = damaged.findings[0]
    assert finding.code == "bank_account.excel_number" and "6.22848E+18" in finding.message_en
    assert "文本" in finding.message_zh and "format the column as Text" in finding.message_en
    with engine.connect() as conn:
        assert list(conn.execute(select(SUPPLIER.c.uscc)).scalars()) == [B]
    marked = error_report_bytes(path, report)
    assert marked[:2] == b"PK"


def test_a_csv_saved_by_excel_with_a_scientific_account_is_refused(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_text(
        "统一社会信用代码,供应商名称,开户行,银行账号,户名\n"
        f"{A},上海甲材料有限公司,中国银行上海分行,6.22848E+18,上海甲材料有限公司\n",
        encoding="gbk",
    )
    assert by_row(check(engine, store, path)) == {2: ["bank_account.excel_number"]}
