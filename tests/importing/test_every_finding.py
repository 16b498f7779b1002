"""Every row of an import carries every finding that applies, in one pass (issue 14)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from portal.db.supplier_store import SupplierStore
from portal.domain.supplier import BankAccount, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.importing.run import import_suppliers
from portal.onboarding.registration import register_suppliers

HEADER = ["统一社会信用代码", "供应商名称", "开户行", "银行账号", "户名", "联系电话"]
FULL = "上海合德贸易股份有限公司"
ACCOUNT = "31050161393600000123"


def _csv(tmp_path: Path, *rows: list[str]) -> Path:
    path = tmp_path / "list.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def _codes(engine: Engine, store: SupplierStore, path: Path) -> dict[int, list[str]]:
    report = import_suppliers(path, engine=engine, store=store, dry_run=True)
    return {r.row: sorted(f.code for f in r.findings) for r in report.rows}


def _stored(engine: Engine, store: SupplierStore, code: str) -> None:
    supplier = Supplier(
        uscc=code,
        name=FULL,
        bank_accounts=(
            BankAccount(bank_name="招商银行", account_number=ACCOUNT, holder_name=FULL),
        ),
    )
    register_suppliers(engine, store, [(0, supplier, [])], now=datetime.now(UTC))


def test_a_short_name_repeating_a_rows_credit_code_is_a_truncated_duplicate_not_a_holder_mismatch(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    code = make_uscc(7101)
    path = _csv(
        tmp_path,
        [code, FULL, "招商银行", "6222021234567891234", FULL, ""],
        [code, "上海合德贸易", "招商银行", "6222021234567891234", FULL, ""],
    )
    codes = _codes(engine, store, path)
    assert codes[3] == ["duplicate.uscc", "name.truncated"]


def test_a_row_with_a_bad_phone_also_says_its_credit_code_is_already_on_file(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    code = make_uscc(7102)
    _stored(engine, store, code)
    path = _csv(tmp_path, [code, FULL, "", "", "", "12345"])
    assert _codes(engine, store, path)[2] == ["duplicate.uscc", "phone.invalid"]


def test_a_row_with_a_bad_phone_also_says_its_account_belongs_to_another_supplier(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    _stored(engine, store, make_uscc(7103))
    name = "杭州另一家贸易有限公司"
    path = _csv(tmp_path, [make_uscc(7104), name, "招商银行", ACCOUNT, name, "12345"])
    assert _codes(engine, store, path)[2] == ["duplicate.bank_account", "phone.invalid"]


def test_a_repeated_credit_code_is_reported_beside_the_rows_own_errors(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    code = make_uscc(7105)
    path = _csv(tmp_path, [code, FULL, "", "", "", ""], [code, "", "", "", "", "12345"])
    assert _codes(engine, store, path)[3] == ["duplicate.uscc", "phone.invalid", "required.missing"]
