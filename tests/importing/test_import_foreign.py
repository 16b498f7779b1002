"""An import of foreign suppliers: their tax number in its own column (境外税号), a malformed
one refused in words, the same VAT number found as the same supplier."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine

from portal.db.supplier_store import SupplierStore
from portal.domain.uscc_factory import make_uscc
from portal.importing.run import import_suppliers


def write(path: Path, *rows: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def findings_of(report: dict[str, object], row: int) -> dict[str, dict[str, object]]:
    rows = report["rows"]
    assert isinstance(rows, list)
    found = next(r for r in rows if r["row"] == row)
    return {f["code"]: f for f in found["findings"]}


def test_a_list_of_foreign_suppliers_needs_no_credit_code_column(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "eu.csv",
        ["供应商名称", "境外税号"],
        ["Beispiel GmbH", "DE 136 695 976"],
        ["Sarl Exemple Fictif", "FR40303265045"],
    )
    report = import_suppliers(path, engine=engine, store=store)
    assert report.counts["created"] == 2
    with engine.connect() as conn:
        stored = store.get_by_number(conn, "eu_vat:DE136695976")
    assert stored is not None and stored.name == "Beispiel GmbH" and stored.uscc is None


def test_a_malformed_vat_number_is_refused_with_a_message_people_read(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "mixed.csv",
        ["统一社会信用代码", "供应商名称", "VAT number"],
        [make_uscc(31), "上海示例贸易有限公司", ""],
        ["", "Beispiel GmbH", "DE136695975"],
    )
    report = import_suppliers(path, engine=engine, store=store).as_dict()
    refused = findings_of(report, 3)["foreign_tax_id.invalid"]
    assert refused["message_en"] == (
        "Foreign tax number refused: DE136695975 is not a valid EU VAT number: "
        "the check digit is wrong"
    )
    assert refused["message_zh"] == "境外税号无效：DE136695975 不是有效的欧盟增值税号：校验位不对"
    assert report["counts"]["created"] == 1


def test_the_same_vat_number_is_the_same_supplier_in_the_file_and_on_file(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    first = write(
        tmp_path / "first.csv", ["供应商名称", "境外税号"], ["Beispiel GmbH", "DE136695976"]
    )
    import_suppliers(first, engine=engine, store=store)
    with engine.connect() as conn:
        existing = store.get_by_number(conn, "eu_vat:DE136695976")
    assert existing is not None
    again = write(
        tmp_path / "again.csv",
        ["供应商名称", "境外税号"],
        ["Beispiel GmbH Niederlassung", "de136695976"],
        ["Anders AG", "ATU13585627"],
        ["Anders Aktiengesellschaft", "ATU 1358 5627"],
    )
    report = import_suppliers(again, engine=engine, store=store, dry_run=True).as_dict()
    on_file = findings_of(report, 2)["duplicate.foreign_tax_id"]
    assert on_file["evidence"]["existing_id"] == existing.id
    assert "该境外税号的供应商已存在" in on_file["message_zh"]
    in_file = findings_of(report, 4)["duplicate.foreign_tax_id"]
    assert in_file["evidence"]["row"] == "3"
