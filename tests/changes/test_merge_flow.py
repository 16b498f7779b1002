"""Merging a duplicate supplier: a change request, two approvals, one record left."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from approvals import CallBackRequiredError, SelfApprovalError, Status
from approvals.model import CallBackOutcome
from portal.audit.log import ENTRY
from portal.changes import (
    CallBackInput,
    ChangeDeps,
    NotAllowedError,
    approve_change,
    propose_merge,
)
from portal.db.tables import ContractRow, table_of
from portal.domain.principal import Principal, Role

CONTRACT = table_of(ContractRow)


def _contract_for(engine: Engine, supplier_id: str) -> str:
    cid = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            insert(CONTRACT).values(
                id=cid, supplier_id=supplier_id, contract_number="HT-2026-001", title="年度采购"
            )
        )
    return cid


def test_a_merge_through_two_approvals_leaves_one_supplier_with_everything(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    contract = _contract_for(engine, world.b.id)
    request = propose_merge(deps, ctx(world.clerk), world.clerk, world.a.id, world.b.id)
    assert request.status is Status.PENDING
    with pytest.raises(CallBackRequiredError):
        approve_change(deps, ctx(world.alice), world.alice, request.id)
    call_back = CallBackInput(world.a.contacts[0].id, CallBackOutcome.CONFIRMED, "确认合并")
    approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=call_back)
    done = approve_change(deps, ctx(world.bob), world.bob, request.id)
    assert done.status is Status.APPLIED

    with engine.connect() as conn:
        survivor = deps.suppliers.get(conn, world.a.id)
        absorbed = deps.suppliers.get(conn, world.b.id)
        contract_owner = conn.execute(
            select(CONTRACT.c.supplier_id).where(CONTRACT.c.id == contract)
        ).scalar_one()
        actions = list(conn.execute(select(ENTRY.c.action).order_by(ENTRY.c.seq)).scalars())
    assert survivor is not None and absorbed is not None
    assert absorbed.lifecycle_state.value == "archived"
    assert "北京乙科技有限公司" in survivor.aliases
    accounts = {a.account_number for a in survivor.bank_accounts}
    assert {"6222021234567891234", "6222029876543210987"} <= accounts
    assert {c.phone for c in survivor.contacts} >= {"13812345678", "13987654321"}
    assert contract_owner == world.a.id
    assert actions.count("change.approved") == 2
    assert "supplier.merged" in actions and actions[-1] == "change.applied"
    assert deps.audit.verify(engine).ok


def test_the_proposer_cannot_approve_the_merge(deps: ChangeDeps, world: Any, ctx: Any) -> None:
    proposer = world.alice
    request = propose_merge(deps, ctx(proposer), proposer, world.a.id, world.b.id)
    call_back = CallBackInput(world.a.contacts[0].id, CallBackOutcome.CONFIRMED, "确认")
    with pytest.raises(SelfApprovalError):
        approve_change(deps, ctx(proposer), proposer, request.id, call_back=call_back)


def test_suppliers_cannot_propose_merges(deps: ChangeDeps, world: Any, ctx: Any) -> None:
    with pytest.raises(NotAllowedError):
        propose_merge(deps, ctx(world.user_a), world.user_a, world.a.id, world.b.id)
    finance = Principal("u-fin", Role.FINANCE)
    with pytest.raises(NotAllowedError):
        propose_merge(deps, ctx(finance), finance, world.a.id, world.b.id)
