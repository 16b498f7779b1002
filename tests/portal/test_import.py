"""Importing a messy supplier list: every defect under its code, good rows once."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from portal.db.supplier_store import SUPPLIER, SupplierStore
from portal.domain.uscc_factory import legacy_tax_number, make_uscc
from portal.importing.run import import_suppliers

GOOD = [make_uscc(i) for i in range(1, 6)]
HEADER = ["统一社会信用代码", "供应商名称*", "开户行", "银行账号", "户名", "联系人", "联系电话"]


def _with_bad_check(code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:17] + alphabet[(alphabet.index(code[17]) + 1) % 31]


def messy_rows() -> list[list[str]]:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in GOOD[2])
    return [
        HEADER,
        [
            GOOD[0],
            "上海甲科技有限公司",
            "招商银行上海分行",
            "6222021234567891234",
            "上海甲科技有限公司",
            "张三",
            "13812345678",
        ],
        [_with_bad_check(GOOD[1]), "乙公司", "", "", "", "", ""],  # wrong check character
        [GOOD[1][:17], "丙公司", "", "", "", "", ""],  # missing a character
        [GOOD[1][:9] + "I" + GOOD[1][10:], "丁公司", "", "", "", "", ""],  # forbidden letter I
        [
            f" {full_width.lower()} ",
            "北京丙科技 有限公司",
            "",
            "",
            "",
            "",
            "",
        ],  # full-width, lower, spaced
        [
            f"{GOOD[3][:4]} {GOOD[3][4:10]}-{GOOD[3][10:]}",
            "深圳丁贸易有限公司",
            "",
            "",
            "",
            "李四",
            "0755-8888888",
        ],
        ["", "无代码公司", "", "", "", "", ""],  # missing required credit code
        [GOOD[4], "", "", "", "", "", ""],  # missing required name
        [make_uscc(50), "戊公司", "", "", "", "王五", "12345"],  # bad phone
        [GOOD[0], "上海甲科技有限公司（重复）", "", "", "", "", ""],  # duplicate in the file
        [make_uscc(51), '=HYPERLINK("http://evil")', "", "", "", "", ""],  # formula cell
        [legacy_tax_number(GOOD[0]), "上海甲科技", "", "", "", "", ""],  # legacy tax number
        [make_uscc(52), "己公司", "工行", "6222021234567891234", "别人", "", ""],  # holder mismatch
    ]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def codes_by_row(report: dict[str, object]) -> dict[int, set[str]]:
    rows = report["rows"]
    assert isinstance(rows, list)
    return {r["row"]: {f["code"] for f in r["findings"]} for r in rows}


def count_suppliers(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(SUPPLIER)).scalar_one())


def test_messy_list_reports_each_defect_under_its_code(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "suppliers.csv", messy_rows())
    report = import_suppliers(path, engine=engine, store=store).as_dict()
    codes = codes_by_row(report)
    assert "uscc.invalid_checksum" in codes[3]
    assert "uscc.invalid_length" in codes[4]
    assert "uscc.invalid_format" in codes[5]
    assert codes[8] == {"required.missing"}
    assert codes[9] == {"required.missing"}
    assert "phone.invalid" in codes[10]
    assert "duplicate.uscc" in codes[11]
    assert "input.rejected" in codes[12]
    assert "uscc.legacy_tax_number" in codes[13]
    assert "bank_account.holder_mismatch" in codes[14]
    assert 2 not in codes and 6 not in codes and 7 not in codes
    assert report["counts"]["created"] == 3
    assert count_suppliers(engine) == 3


def test_full_width_and_spaced_codes_are_stored_canonically(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    import_suppliers(write_csv(tmp_path / "s.csv", messy_rows()), engine=engine, store=store)
    with engine.connect() as conn:
        stored = {r.uscc: r.name for r in conn.execute(select(SUPPLIER.c.uscc, SUPPLIER.c.name))}
        assert stored == {
            GOOD[0]: "上海甲科技有限公司",
            GOOD[2]: "北京丙科技有限公司",
            GOOD[3]: "深圳丁贸易有限公司",
        }
        supplier = store.get_by_uscc(conn, GOOD[0])
    assert supplier is not None
    assert supplier.bank_accounts[0].account_number == "6222021234567891234"
    assert supplier.contacts[0].phone == "13812345678"


def test_reimporting_the_same_file_creates_nothing_new(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", messy_rows())
    import_suppliers(path, engine=engine, store=store)
    again = import_suppliers(path, engine=engine, store=store).as_dict()
    assert again["counts"].get("created", 0) == 0
    assert again["counts"]["exists"] == 3
    assert count_suppliers(engine) == 3


def test_dry_run_reports_in_file_duplicates_and_stores_nothing(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", messy_rows())
    report = import_suppliers(path, engine=engine, store=store, dry_run=True).as_dict()
    assert "duplicate.uscc" in codes_by_row(report)[11]
    assert report["counts"]["would_create"] == 3
    assert count_suppliers(engine) == 0


def test_gbk_csv_as_chinese_excel_writes_it_is_read(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "gbk.csv", messy_rows()[:2], encoding="gbk")
    report = import_suppliers(path, engine=engine, store=store).as_dict()
    assert report["counts"]["created"] == 1
    with engine.connect() as conn:
        assert conn.execute(select(SUPPLIER.c.name)).scalar_one() == "上海甲科技有限公司"


def test_utf8_bom_csv_is_read(engine: Engine, store: SupplierStore, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", messy_rows()[:2], encoding="utf-8-sig")
    assert import_suppliers(path, engine=engine, store=store).counts["created"] == 1


def test_xlsx_with_english_headers_and_formula_cell(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Credit Code", "Company Name", "Phone"])
    sheet.append([GOOD[0], "上海甲科技有限公司", "13812345678"])
    sheet.append([GOOD[1], "=1+1", ""])
    book.save(tmp_path / "s.xlsx")
    report = import_suppliers(tmp_path / "s.xlsx", engine=engine, store=store).as_dict()
    assert report["counts"]["created"] == 1
    assert codes_by_row(report)[3] == {"input.rejected"}


def test_report_json_lists_findings_with_codes(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    from portal.importing.run import write_report

    report = import_suppliers(
        write_csv(tmp_path / "s.csv", messy_rows()), engine=engine, store=store
    )
    write_report(report, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    row3 = next(r for r in data["rows"] if r["row"] == 3)
    assert row3["findings"][0]["message_zh"].startswith("统一社会信用代码")
    assert "校验位应为" in row3["findings"][0]["message_zh"]  # the detail is Chinese too
    assert "check character" in row3["findings"][0]["message_en"]
