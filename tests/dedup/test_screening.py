"""Screening candidates against stored suppliers and against their own batch."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from portal.db.supplier_store import SupplierStore
from portal.dedup import screen_batch, screen_one
from portal.domain.supplier import BankAccount, Supplier
from portal.domain.uscc_factory import legacy_tax_number, make_uscc
from tests.support.suppliers import SupplierFactory, evaluate, plant_all

from .conftest import Seed


def new(factory: SupplierFactory, **changes: object) -> Supplier:
    """A candidate that is not stored yet (no id)."""
    return replace(factory.supplier(), id=None, **changes)  # type: ignore[arg-type]


def codes_to(findings: list, existing_id: str) -> set[str]:
    return {f.code for f in findings if f.evidence.get("existing_id") == existing_id}


def test_planted_duplicates_are_found_with_high_precision_and_recall(
    engine: Engine, store: SupplierStore, seed: Seed
) -> None:
    factory = SupplierFactory(7)
    base = list(factory.suppliers(400))
    seed(base)
    planted = plant_all(factory, base, per_kind=6, negatives=20)
    with engine.connect() as conn:
        found = screen_batch(conn, store.sealer, [p.candidate for p in planted], within_batch=False)
    scores = evaluate(planted, found)
    assert scores.recall >= 0.95, scores
    assert scores.precision >= 0.9, scores
    assert all(r == 1.0 for r in scores.recall_by_kind.values()), scores.recall_by_kind


def test_import_batch_flags_truncated_name_shared_account_and_legacy_number(
    engine: Engine, store: SupplierStore, seed: Seed
) -> None:
    factory = SupplierFactory(11)
    existing = list(factory.suppliers(30))
    [acme, payee, old] = existing[:3]
    acme = replace(acme, name="上海示例科技有限公司")
    seed([acme, *existing[1:]])
    batch = [
        new(factory, name="上海示例科技"),
        new(factory, bank_accounts=(replace(payee.bank_accounts[0]),)),
        Supplier(uscc="", legacy_tax_number=legacy_tax_number(old.uscc), name="旧号公司"),
        new(factory),
    ]
    with engine.connect() as conn:
        truncated, shared, legacy, clean = screen_batch(conn, store.sealer, batch)
    assert codes_to(truncated, acme.id or "") == {"duplicate.similar_name"}
    assert codes_to(shared, payee.id or "") == {"duplicate.bank_account"}
    assert codes_to(legacy, old.id or "") == {"duplicate.uscc"}
    assert legacy[0].evidence["matched"] == "org_code"
    assert clean == []
    assert float(truncated[0].evidence["score"]) >= 0.9
    assert truncated[0].evidence["existing_name"] == "上海示例科技有限公司"


def test_exact_credit_code_blocks_and_names_the_existing_supplier(
    engine: Engine, store: SupplierStore, seed: Seed
) -> None:
    factory = SupplierFactory(3)
    original = factory.supplier()
    seed([original])
    with engine.connect() as conn:
        [finding] = screen_one(conn, store.sealer, new(factory, uscc=original.uscc))
    assert finding.code == "duplicate.uscc"
    assert finding.severity.value == "error"
    assert finding.evidence["existing_id"] == original.id
    assert finding.evidence["matched"] == "uscc"


def test_rows_of_one_batch_are_compared_with_each_other(
    engine: Engine, store: SupplierStore
) -> None:
    factory = SupplierFactory(5)
    first = new(factory, name="杭州远景网络科技有限公司")
    second = new(factory, name="远景网络科技（杭州）有限公司")
    account = BankAccount("工行", "6222020200001234567", "x")
    third = new(factory, bank_accounts=(account,))
    fourth = new(factory, bank_accounts=(account,))
    with engine.connect() as conn:
        found = screen_batch(conn, store.sealer, [first, second, third, fourth])
    assert [(f.code, f.evidence["batch_index"]) for f in found[1]] == [
        ("duplicate.similar_name", "0")
    ]
    assert [(f.code, f.evidence["batch_index"]) for f in found[3]] == [
        ("duplicate.bank_account", "2")
    ]


def test_a_stored_supplier_is_not_its_own_duplicate(
    engine: Engine, store: SupplierStore, seed: Seed
) -> None:
    factory = SupplierFactory(9)
    original = factory.supplier()
    seed([original, factory.supplier()])
    with engine.connect() as conn:
        assert screen_one(conn, store.sealer, original) == []


def test_former_names_from_the_registry_are_matched(
    engine: Engine, store: SupplierStore, seed: Seed
) -> None:
    factory = SupplierFactory(13)
    renamed = new(factory, aliases=("深圳旧名电子有限公司",))
    seed([renamed])
    with engine.connect() as conn:
        [finding] = screen_one(
            conn, store.sealer, new(factory, name="深圳旧名电子", uscc=make_uscc(99))
        )
    assert finding.code == "duplicate.similar_name"
    assert finding.evidence["matched"] == "former_name"
