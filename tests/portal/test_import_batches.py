"""An import in several batches: a later batch sees every supplier an earlier one stored
(its legacy numbers, accounts and names), the progress comes batch by batch, and a batch
that fails to store stops the import with its error while the batches before it stay
stored, each whole."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

import portal.onboarding.registration as registration
from portal.db.supplier_store import SupplierStore
from portal.db.tables import SupplierRow
from portal.domain.uscc_factory import legacy_tax_number, make_uscc
from portal.importing.run import import_suppliers
from tests.portal.test_import_duplicates import _codes

ACCOUNT = "31050161393600000456"


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [["统一社会信用代码", "供应商名称", "开户行", "银行账号", "户名"], *rows]
        )
    return path


def test_a_later_batch_finds_what_an_earlier_batch_of_the_file_stored(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    first = make_uscc(950)
    name = "宁波澜川精密模具有限公司"
    other = "温州另一家五金有限公司"
    path = _write(
        tmp_path / "list.csv",
        [
            [first, name, "招商银行", ACCOUNT, name],  # row 2, batch 1
            [make_uscc(960), "无关的第一家贸易有限公司", "", "", ""],
            # batch 2
            [legacy_tax_number(first), "宁波澜川精密模具", "", "", ""],  # row 4
            [make_uscc(951), other, "招商银行", ACCOUNT, other],  # row 5
            [make_uscc(961), "无关的第二家贸易有限公司", "", "", ""],  # batch 3
        ],
    )
    seen: list[int] = []
    report = import_suppliers(
        path, engine=engine, store=store, batch_size=2, on_progress=seen.append
    ).as_dict()
    with engine.connect() as conn:
        stored = store.get_by_uscc(conn, first)
    assert stored is not None and stored.id
    assert _codes(report, 5)["duplicate.bank_account"]["existing_id"] == stored.id
    legacy = _codes(report, 4)
    assert "uscc.legacy_tax_number" in legacy
    assert legacy["duplicate.uscc"]["existing_id"] == stored.id
    assert seen == [2, 4, 5]  # after each batch, in order
    assert report["counts"]["rows"] == 5


def test_a_batch_that_fails_to_store_stops_the_import_and_keeps_the_batches_before(
    engine: Engine, store: SupplierStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[make_uscc(970 + i), f"第{i}家供应链管理有限公司", "", "", ""] for i in range(6)]
    path = _write(tmp_path / "list.csv", rows)
    calls = 0
    real = registration.register_suppliers

    def second_batch_fails(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("portal.importing.run.register_suppliers", second_batch_fails)
    with pytest.raises(RuntimeError, match="went away"):
        import_suppliers(path, engine=engine, store=store, batch_size=2)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(SupplierRow)).scalar()
    assert count == 2  # the first batch, whole; nothing of the second or third
