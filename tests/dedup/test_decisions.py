"""Decisions about likely duplicates: merge, or "not the same" remembered."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert, select

from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import BANK, CONTACT, SupplierStore
from portal.db.tables import ContractRow, InvoiceRow, StoreRow, StoreSupplierRow, table_of
from portal.dedup import (
    count_open_pairs,
    decide_not_the_same,
    merge_suppliers,
    screen_one,
    sweep,
)
from portal.dedup.tables import DECISION, PAIR
from portal.domain.principal import Principal, Role
from portal.domain.supplier import InvoicingProfile, Supplier
from portal.resolution import DismissRefusedError, MergeRefusedError, SupplierNotFoundError
from tests.support.suppliers import SupplierFactory

from .conftest import NOW, Seed

CONTRACT, INVOICE = table_of(ContractRow), table_of(InvoiceRow)
STORE, STORE_SUPPLIER = table_of(StoreRow), table_of(StoreSupplierRow)
CLERK = Principal("clerk", Role.PURCHASING_CLERK)
SUPERVISOR = Principal("supervisor", Role.PURCHASING_SUPERVISOR)
CTX = AuditContext(actor="clerk")


def test_merge_moves_every_relationship_and_keeps_the_names_as_aliases(
    engine: Engine, store: SupplierStore, seed: Seed
) -> None:
    factory = SupplierFactory(21)
    survivor = replace(
        factory.supplier(), name="上海示例科技有限公司", aliases=("上海旧名有限公司",)
    )
    absorbed = replace(
        factory.supplier(),
        name="示例科技（上海）有限公司",
        aliases=("上海更旧名有限公司",),
        invoicing_profile=InvoicingProfile("示例科技（上海）有限公司", "91310000MA1FL0000X"),
    )
    shared_store_account = replace(absorbed.bank_accounts[0], account_number="6222000011112222333")
    absorbed = replace(absorbed, bank_accounts=(*absorbed.bank_accounts, shared_store_account))
    survivor = replace(survivor, bank_accounts=(*survivor.bank_accounts, shared_store_account))
    s_id, a_id = seed([survivor, absorbed])
    with engine.begin() as conn:
        conn.execute(
            insert(CONTRACT),
            [
                {
                    "id": "c1",
                    "supplier_id": a_id,
                    "contract_number": "HT-1",
                    "title": "框架协议",
                    "currency": "CNY",
                }
            ],
        )
        conn.execute(
            insert(INVOICE),
            [
                {
                    "id": "i1",
                    "supplier_id": a_id,
                    "invoice_code": "31",
                    "invoice_number": "0001",
                    "seller_name": absorbed.name,
                    "seller_tax_number": absorbed.uscc,
                    "amount": Decimal("10.00"),
                    "status": "received",
                }
            ],
        )
        conn.execute(
            insert(STORE),
            [
                {"id": "st1", "code": "SH01", "name": "一号店"},
                {"id": "st2", "code": "SH02", "name": "二号店"},
            ],
        )
        conn.execute(
            insert(STORE_SUPPLIER),
            [
                {"store_id": "st1", "supplier_id": a_id},
                {"store_id": "st2", "supplier_id": a_id},
                {"store_id": "st2", "supplier_id": s_id},
            ],
        )

    with engine.begin() as conn:
        result = merge_suppliers(conn, s_id, a_id, now=NOW, decided_by="supervisor")

    assert result.moved == {
        "bank_accounts": 2,
        "bank_accounts_retired": 1,
        "contacts": 1,
        "contracts": 1,
        "invoices": 1,
        "invoicing_profile": 1,
        "stores": 2,
    }
    with engine.connect() as conn:
        for table in (BANK, CONTACT, CONTRACT, INVOICE, STORE_SUPPLIER):
            owners = set(conn.scalars(select(table.c.supplier_id)))
            assert owners == {s_id}, table.name
        merged = store.get(conn, s_id)
        gone = store.get(conn, a_id)
        decision = conn.execute(select(DECISION)).one()
    assert merged is not None and gone is not None
    assert merged.aliases == ("上海旧名有限公司", "示例科技（上海）有限公司", "上海更旧名有限公司")
    assert gone.lifecycle_state.value == "archived"
    assert merged.invoicing_profile is not None
    assert sorted(a.retired for a in merged.bank_accounts) == [False, False, False, True]
    assert decision.decision == "merged"
    with engine.connect() as conn:
        finding = screen_one(
            conn, store.sealer, replace(factory.supplier(), id=None, name="上海更旧名")
        )
    assert finding[0].evidence["existing_id"] == s_id
    assert finding[0].evidence["matched"] == "former_name"


def test_merge_refuses_nonsense(engine: Engine, seed: Seed) -> None:
    factory = SupplierFactory(22)
    a, b = seed([factory.supplier(), factory.supplier()])
    with engine.begin() as conn:
        with pytest.raises(MergeRefusedError):
            merge_suppliers(conn, a, a, now=NOW)
        with pytest.raises(SupplierNotFoundError):
            merge_suppliers(conn, a, "nobody", now=NOW)
        merge_suppliers(conn, a, b, now=NOW)
        with pytest.raises(MergeRefusedError, match="archived"):
            merge_suppliers(conn, a, b, now=NOW)


def test_not_the_same_decision_suppresses_the_finding_next_time(
    engine: Engine, store: SupplierStore, seed: Seed
) -> None:
    factory = SupplierFactory(23)
    first = replace(factory.supplier(), name="深圳远航电子有限公司")
    second = replace(factory.supplier(), name="远航电子（深圳）有限公司")
    first_id, second_id = seed([first, second])
    sweep(engine)
    with engine.connect() as conn:
        assert count_open_pairs(conn) == 1
        assert [f.code for f in screen_one(conn, store.sealer, second)] == [
            "duplicate.similar_name"
        ]
    decide_not_the_same(
        engine, AuditLog(store.sealer), CTX, CLERK, second_id, first_id, now=NOW, note="两家"
    )
    with engine.connect() as conn:
        assert count_open_pairs(conn) == 0
        assert screen_one(conn, store.sealer, second) == []
    sweep(engine)
    with engine.connect() as conn:
        assert conn.execute(select(PAIR)).all() == []


def test_an_interrupted_sweep_resumes_to_the_same_pairs(engine: Engine, seed: Seed) -> None:
    from tests.support.suppliers import plant_all

    factory = SupplierFactory(24)
    base = list(factory.suppliers(120))
    planted = plant_all(factory, base, per_kind=2, negatives=5)
    seed(base)
    seed(
        [
            replace(p.candidate, uscc=p.candidate.uscc or f"9131000{i:010d}X"[:18])
            for i, p in enumerate(planted)
            if p.kind not in ("uscc", "legacy")
        ]
    )

    def pairs() -> set[tuple[str, str, str]]:
        with engine.connect() as conn:
            return {(r.a_id, r.b_id, r.code) for r in conn.execute(select(PAIR))}

    whole = sweep(engine, batch_size=25)
    uninterrupted = pairs()
    assert whole.finished and len(uninterrupted) >= 12

    first = sweep(engine, batch_size=25, max_batches=2)
    assert not first.finished and first.screened == 50
    resumed = sweep(engine, batch_size=25, resume=True)
    assert resumed.finished and resumed.screened == whole.screened
    assert pairs() == uninterrupted
    with engine.connect() as conn:
        evidence = json.loads(conn.execute(select(PAIR.c.evidence)).scalars().first() or "{}")
    assert {"existing_id", "matched", "score"} <= set(evidence)


def _sharing_an_account(factory: SupplierFactory) -> tuple[Supplier, Supplier]:
    first = replace(factory.supplier(), name="杭州同账科技有限公司")
    second = replace(factory.supplier(), name="宁波别家贸易有限公司")
    shared = replace(second.bank_accounts[0], account_number=first.bank_accounts[0].account_number)
    return first, replace(second, bank_accounts=(shared,))


def test_a_clerk_may_not_dismiss_a_pair_that_shares_a_bank_account(
    engine: Engine, store: SupplierStore, seed: Seed
) -> None:
    first_id, second_id = seed(list(_sharing_an_account(SupplierFactory(25))))
    with pytest.raises(DismissRefusedError, match="bank account"):
        decide_not_the_same(
            engine, AuditLog(store.sealer), CTX, CLERK, first_id, second_id, now=NOW
        )
    with engine.connect() as conn:
        assert conn.execute(select(DECISION)).all() == []


def test_a_supervisor_dismisses_a_shared_account_pair_and_the_act_is_audited(
    engine: Engine, store: SupplierStore, seed: Seed
) -> None:
    first_id, second_id = seed(list(_sharing_an_account(SupplierFactory(26))))
    audit = AuditLog(store.sealer)
    ctx = AuditContext(actor="supervisor", actor_role="purchasing_supervisor")
    decide_not_the_same(engine, audit, ctx, SUPERVISOR, first_id, second_id, now=NOW)
    with engine.connect() as conn:
        entries = [e for e in audit.entries(conn) if e.action == "duplicate.not_the_same"]
        decision = conn.execute(select(DECISION)).one()
    assert [(e.actor, e.subject_id, e.after) for e in entries] == [
        ("supervisor", first_id, second_id)
    ]
    assert (decision.decision, decision.decided_by) == ("not_the_same", "supervisor")
