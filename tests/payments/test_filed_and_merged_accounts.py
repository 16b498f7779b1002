"""Accounts filed by an import or moved by a merge are never payable on that alone."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from approvals.model import CallBackOutcome
from portal.audit.log import ENTRY, AuditContext
from portal.changes import CallBackInput, ChangeDeps, approve_change, propose_merge
from portal.db.supplier_store import BANK, SUPPLIER, SupplierStore
from portal.domain.uscc_factory import make_uscc
from portal.onboarding.registration import register_suppliers
from portal.payments import PaymentDeps, adopt_accounts, explain, record_ownership
from portal.payments.filed import AlreadyApprovedByYouError, approve_filed_version
from tests.payments.test_payment_check import ADMIN_CTX, _admin, check, line, reasons, sheet
from tests.support import Clock
from tests.support.builders import licensed_supplier
from tests.support.personas import STAFF

NEW = "6217000011112222333"


def _register(engine: Engine, store: SupplierStore, clock: Clock) -> Any:
    supplier = licensed_supplier(make_uscc(7), "杭州丙材料有限公司", NEW, "13700001111", "c@b.cn")
    [outcome] = register_suppliers(engine, store, [(2, supplier, [])], now=clock.now)
    with engine.connect() as conn:
        return store.get(conn, outcome.supplier_id or "")


def _approve(pay: PaymentDeps, who: str, version_id: str) -> Any:
    person = STAFF[who]
    ctx = AuditContext(actor=person.subject, actor_role=person.role.value)
    return approve_filed_version(pay, ctx, person, version_id)


def test_an_imported_account_is_held_proposed_with_what_clears_it(
    pay: PaymentDeps, engine: Engine, store: SupplierStore, clock: Clock
) -> None:
    c = _register(engine, store, clock)
    result = check(pay, sheet(line(c, NEW)))
    assert reasons(result) == [("hold", "proposed")]
    held = result.lines[0].result.reasons[0]
    assert held.since == clock.now

    _, why, clears, _ = explain(result.lines[0].result)
    assert "尚未完成归属验证和审批" in why and "not yet proven and approved" in why
    assert "两名采购主管" in clears and "two purchasing supervisors" in clears


def test_an_imported_account_passes_only_once_proven_approved_by_two_and_cooled_off(
    pay: PaymentDeps, engine: Engine, store: SupplierStore, clock: Clock
) -> None:
    c = _register(engine, store, clock)
    version = check(pay, sheet(line(c, NEW))).lines[0].result.version
    assert version is not None
    _approve(pay, "alice", version.id)
    with pytest.raises(AlreadyApprovedByYouError):
        _approve(pay, "alice", version.id)
    assert reasons(check(pay, sheet(line(c, NEW)))) == [("hold", "proposed")]
    _approve(pay, "bob", version.id)
    assert reasons(check(pay, sheet(line(c, NEW)))) == [("hold", "unverified")]
    record_ownership(pay, ADMIN_CTX, STAFF["alice"], version.id, "demo")
    assert reasons(check(pay, sheet(line(c, NEW)))) == [("hold", "cooling_off")]
    clock.advance(hours=49)
    assert reasons(check(pay, sheet(line(c, NEW)))) == [("pass",)]


def test_adopting_the_accounts_on_file_does_not_activate_imported_ones(
    pay: PaymentDeps, engine: Engine, store: SupplierStore, clock: Clock
) -> None:
    c = _register(engine, store, clock)
    adopt_accounts(pay, ADMIN_CTX, _admin())
    assert reasons(check(pay, sheet(line(c, NEW)))) == [("hold", "proposed")]


def _merge(deps: ChangeDeps, world: Any, ctx: Any) -> None:
    request = propose_merge(deps, ctx(world.clerk), world.clerk, world.a.id, world.b.id)
    call_back = CallBackInput(world.a.contacts[0].id, CallBackOutcome.CONFIRMED, "确认合并")
    approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=call_back)
    approve_change(deps, ctx(world.bob), world.bob, request.id)


def test_a_merge_does_not_keep_another_companys_active_account_payable(
    pay: PaymentDeps, deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    adopt_accounts(pay, ADMIN_CTX, _admin())
    b_account = world.b.bank_accounts[0].account_number
    assert reasons(check(pay, sheet(line(world.b, b_account)))) == [("pass",)]
    _merge(deps, world, ctx)
    result = check(pay, sheet(line(world.a, b_account), line(world.a, "6222021234567891234")))
    assert reasons(result) == [("hold", "proposed"), ("pass",)]
    with engine.connect() as conn:
        owners = set(conn.scalars(select(BANK.c.supplier_id)))
        merged = conn.scalars(
            select(ENTRY.c.after).where(ENTRY.c.action == "supplier.merged")
        ).one()
    assert owners == {world.a.id}
    assert '"versions_reproposed": ["' in merged and '"versions_moved": 1' in merged


def test_a_merge_keeps_an_account_held_in_the_survivors_own_name_payable(
    pay: PaymentDeps, deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(BANK).where(BANK.c.supplier_id == world.b.id).values(holder_name=world.a.name)
        )
    adopt_accounts(pay, ADMIN_CTX, _admin())
    _merge(deps, world, ctx)
    b_account = world.b.bank_accounts[0].account_number
    assert reasons(check(pay, sheet(line(world.a, b_account)))) == [("pass",)]
    with engine.connect() as conn:
        archived = conn.scalar(
            select(SUPPLIER.c.lifecycle_state).where(SUPPLIER.c.id == world.b.id)
        )
    assert archived == "archived"
