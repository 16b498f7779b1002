"""An import finds the duplicates a purchasing department actually makes."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from portal.db.supplier_store import SupplierStore
from portal.domain.supplier import BankAccount, Supplier
from portal.domain.uscc_factory import legacy_tax_number, make_uscc
from portal.importing.run import import_suppliers
from portal.onboarding.registration import register_suppliers

EXISTING = make_uscc(900)
ACCOUNT = "31050161393600000123"


def _existing(engine: Engine, store: SupplierStore) -> str:
    name = "上海澜川智能科技有限公司"
    supplier = Supplier(
        uscc=EXISTING,
        name=name,
        legal_representative="陈思远",
        address="上海市浦东新区张江路877号",
        bank_accounts=(
            BankAccount(bank_name="招商银行", account_number=ACCOUNT, holder_name=name),
        ),
    )
    [outcome] = register_suppliers(engine, store, [(0, supplier, [])], now=datetime.now(UTC))
    assert outcome.supplier_id
    return outcome.supplier_id


def _codes(report: dict[str, object], row: int) -> dict[str, dict[str, str]]:
    rows = report["rows"]
    assert isinstance(rows, list)
    found = next(r for r in rows if r["row"] == row)
    return {f["code"]: f["evidence"] for f in found["findings"]}


def test_truncated_name_shared_account_and_legacy_number_are_each_found(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    existing_id = _existing(engine, store)
    path = tmp_path / "new.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["统一社会信用代码", "供应商名称", "开户行", "银行账号", "户名"],
                [make_uscc(901), "上海澜川智能科技", "", "", ""],
                [
                    make_uscc(902),
                    "杭州另一家贸易有限公司",
                    "招商银行",
                    ACCOUNT,
                    "杭州另一家贸易有限公司",
                ],
                [legacy_tax_number(EXISTING), "上海澜川智能科技", "", "", ""],
            ]
        )
    report = import_suppliers(path, engine=engine, store=store, dry_run=True).as_dict()
    truncated = _codes(report, 2)
    assert truncated["duplicate.similar_name"]["existing_id"] == existing_id
    shared = _codes(report, 3)
    assert shared["duplicate.bank_account"]["existing_id"] == existing_id
    legacy = _codes(report, 4)
    assert "uscc.legacy_tax_number" in legacy
    assert legacy["duplicate.uscc"]["existing_id"] == existing_id


def test_duplicates_inside_one_file_are_found_in_a_dry_run(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = tmp_path / "in-file.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["统一社会信用代码", "供应商名称", "银行账号", "开户行", "户名"],
                [
                    make_uscc(911),
                    "深圳市鹏远电子元件有限公司",
                    ACCOUNT,
                    "工行",
                    "深圳市鹏远电子元件有限公司",
                ],
                [make_uscc(912), "鹏远电子元件（深圳）有限公司", "", "", ""],
            ]
        )
    report = import_suppliers(path, engine=engine, store=store, dry_run=True).as_dict()
    assert "duplicate.similar_name" in _codes(report, 3)


def test_a_credit_code_repeated_batches_later_names_the_first_row_and_its_name(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = tmp_path / "repeated.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["统一社会信用代码", "供应商名称"],
                [make_uscc(921), "苏州禾丰精密机械有限公司"],
                *([make_uscc(922 + i), f"无锡第{i}家包装有限公司"] for i in range(5)),
                [make_uscc(921), "苏州禾丰精密机械"],
            ]
        )
    report = import_suppliers(
        path, engine=engine, store=store, dry_run=True, batch_size=2
    ).as_dict()
    repeat = _codes(report, 8)
    assert repeat["duplicate.uscc"] == {"row": "2"}
    assert repeat["name.truncated"] == {"row": "2", "registered": "苏州禾丰精密机械有限公司"}
    assert report["counts"]["would_create"] == 6
