"""Change requests on the database: submit, review, apply, conflicts, scope, audit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from approvals import (
    CallBackOutcome,
    CallBackRequiredError,
    Channel,
    DuplicateApproverError,
    Entity,
    NotRequesterError,
    SelfApprovalError,
    Status,
)
from approvals.risk import (
    BANK_ACCOUNT_CHANGED,
    BANK_ACCOUNT_SHARED,
    CHANGES_FREQUENT,
    HOLDER_MISMATCH,
)
from portal.audit.log import ENTRY
from portal.changes import (
    CallBackInput,
    ChangeDeps,
    ChangeNotFoundError,
    InvalidProposalError,
    Proposal,
    SupplierNotFoundError,
    approve_change,
    get_change,
    list_changes,
    reject_change,
    submit_change,
    withdraw_change,
)
from portal.changes.records import FIELD

NEW_NUMBER = "6217 0000 1111 2222 333"


def bank_change(world: Any, **values: str) -> Proposal:
    account = world.a.bank_accounts[0]
    return Proposal(Entity.BANK_ACCOUNT, account.id, values or {"account_number": NEW_NUMBER})


def call_back(world: Any) -> CallBackInput:
    return CallBackInput(world.a.contacts[0].id, CallBackOutcome.CONFIRMED, "王经理确认新账户")


def actions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(ENTRY.c.action).order_by(ENTRY.c.seq)).scalars())


def submit_bank_change(deps: ChangeDeps, world: Any, ctx: Any, **values: str) -> Any:
    return submit_change(
        deps, ctx(world.user_a), world.user_a, world.a.id, [bank_change(world, **values)]
    )


def test_submitting_records_a_diff_findings_risk_flags_and_an_audit_entry(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine, notifier: Any
) -> None:
    request = submit_bank_change(
        deps, world, ctx, account_number=NEW_NUMBER, holder_name="上海丙咨询有限公司"
    )
    assert request.status is Status.PENDING
    assert request.base_version == world.a.version
    by_field = {c.field_name: c for c in request.changes}
    assert by_field["account_number"].before == "6222021234567891234"
    assert by_field["account_number"].after == "6217000011112222333"
    assert by_field["account_number"].sensitive
    codes = {f.code for f in request.risk_flags}
    assert {BANK_ACCOUNT_CHANGED, HOLDER_MISMATCH} <= codes
    assert [f.code for f in request.findings] == ["bank_account.holder_mismatch"]
    assert actions(engine) == ["change.submitted"]
    assert notifier.sent == [("submitted", request.id, "pending")]
    stored = get_change(deps, world.alice, request.id)
    assert stored.changes == request.changes and stored.risk_flags == request.risk_flags


def test_sensitive_before_and_after_are_stored_sealed(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    submit_bank_change(deps, world, ctx)
    with engine.connect() as conn:
        rows = conn.execute(select(FIELD.c.before, FIELD.c.after)).all()
    stored = " ".join(str(v) for row in rows for v in row)
    assert "6217000011112222333" not in stored and "6222021234567891234" not in stored


def test_an_invalid_account_number_is_refused_with_a_finding(
    deps: ChangeDeps, world: Any, ctx: Any
) -> None:
    with pytest.raises(InvalidProposalError) as caught:
        submit_bank_change(deps, world, ctx, account_number="12-AB")
    assert [f.code for f in caught.value.findings] == ["bank_account.invalid"]


def test_proposing_the_values_on_file_is_refused(deps: ChangeDeps, world: Any, ctx: Any) -> None:
    with pytest.raises(InvalidProposalError, match="nothing would change"):
        submit_bank_change(deps, world, ctx, bank_name="中国工商银行上海分行")


def test_an_account_of_another_supplier_is_flagged(deps: ChangeDeps, world: Any, ctx: Any) -> None:
    request = submit_bank_change(deps, world, ctx, account_number="6222029876543210987")
    shared = [f for f in request.risk_flags if f.code == BANK_ACCOUNT_SHARED]
    assert shared and shared[0].evidence["other_supplier_ids"] == [world.b.id]


def test_several_requests_in_a_short_time_are_flagged(
    deps: ChangeDeps, world: Any, ctx: Any, clock: Any
) -> None:
    for i in range(4):
        clock.advance(hours=1)
        request = submit_change(
            deps,
            ctx(world.user_a),
            world.user_a,
            world.a.id,
            [Proposal(Entity.SUPPLIER, world.a.id, {"address": f"地址{i}号"})],
        )
    assert CHANGES_FREQUENT in {f.code for f in request.risk_flags}


def test_requester_cannot_approve_own_change(deps: ChangeDeps, world: Any, ctx: Any) -> None:
    request = submit_change(
        deps,
        ctx(world.alice),
        world.alice,
        world.a.id,
        [Proposal(Entity.SUPPLIER, world.a.id, {"address": "新地址"})],
        channel=Channel.STAFF,
    )
    with pytest.raises(SelfApprovalError):
        approve_change(deps, ctx(world.alice), world.alice, request.id)


def test_one_supervisor_cannot_give_both_approvals(
    deps: ChangeDeps, world: Any, ctx: Any, clock: Any
) -> None:
    request = submit_bank_change(deps, world, ctx)
    clock.advance(minutes=30)
    first = approve_change(
        deps, ctx(world.alice), world.alice, request.id, call_back=call_back(world)
    )
    assert first.status is Status.PARTIALLY_APPROVED
    with pytest.raises(DuplicateApproverError):
        approve_change(deps, ctx(world.alice), world.alice, request.id)
    assert get_change(deps, world.alice, request.id).status is Status.PARTIALLY_APPROVED


def test_first_bank_approval_needs_a_call_back_to_a_contact_on_file(
    deps: ChangeDeps, world: Any, ctx: Any
) -> None:
    request = submit_bank_change(deps, world, ctx)
    with pytest.raises(CallBackRequiredError):
        approve_change(deps, ctx(world.alice), world.alice, request.id)
    stranger = CallBackInput(world.b.contacts[0].id, CallBackOutcome.CONFIRMED)
    with pytest.raises(CallBackRequiredError):
        approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=stranger)


def test_second_approval_applies_the_change_and_audits_every_field(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine, clock: Any
) -> None:
    request = submit_bank_change(deps, world, ctx)
    approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=call_back(world))
    done = approve_change(deps, ctx(world.bob), world.bob, request.id)
    assert done.status is Status.APPLIED
    with engine.connect() as conn:
        supplier = deps.suppliers.get(conn, world.a.id)
        entries = list(deps.audit.entries(conn))
    assert supplier is not None and supplier.version == world.a.version + 1
    assert supplier.bank_accounts[0].account_number == "6217000011112222333"
    assert [e.action for e in entries] == [
        "change.submitted",
        "change.approved",
        "change.approved",
        "field.changed",
        "change.applied",
    ]
    changed = entries[3]
    assert changed.field_name == f"bank_account[{world.a.bank_accounts[0].id}].account_number"
    assert "6217000011112222333" not in (changed.after or "")
    assert deps.audit.verify(engine).ok
    first = get_change(deps, world.alice, request.id).approvals[0]
    assert first.call_back is not None and first.call_back.phone_masked == "138****5678"


def test_an_applied_change_is_due_for_verification_again(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    from sqlalchemy import select

    from portal.verification.schedule import SCHEDULE

    request = submit_bank_change(deps, world, ctx)
    approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=call_back(world))
    approve_change(deps, ctx(world.bob), world.bob, request.id)
    with engine.connect() as conn:
        row = conn.execute(select(SCHEDULE).where(SCHEDULE.c.supplier_id == world.a.id)).one()
    assert row.reason == "change"


def test_a_request_on_a_field_changed_meanwhile_conflicts_instead_of_overwriting(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    address = Proposal(Entity.SUPPLIER, world.a.id, {"address": "甲地址"})
    other = Proposal(Entity.SUPPLIER, world.a.id, {"address": "乙地址"})
    first = submit_change(deps, ctx(world.user_a), world.user_a, world.a.id, [address])
    second = submit_change(deps, ctx(world.user_a), world.user_a, world.a.id, [other])
    assert approve_change(deps, ctx(world.alice), world.alice, first.id).status is Status.APPLIED
    # closed as soon as the first one reached the record (it can no longer apply)
    assert get_change(deps, world.alice, second.id).status is Status.CONFLICT
    with engine.connect() as conn:
        supplier = deps.suppliers.get(conn, world.a.id)
    assert supplier is not None and supplier.address == "甲地址"
    assert "change.conflicted" in actions(engine)


def test_rejecting_some_fields_applies_only_the_others(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine, notifier: Any
) -> None:
    contact = world.a.contacts[0]
    request = submit_change(
        deps,
        ctx(world.user_a),
        world.user_a,
        world.a.id,
        [Proposal(Entity.CONTACT, contact.id, {"role": "总监", "name": "王总"})],
    )
    name_key = f"contact[{contact.id}].name"
    partly = reject_change(
        deps, ctx(world.alice), world.alice, request.id, {name_key: "请填写全名"}
    )
    assert partly.status is Status.PENDING
    done = approve_change(deps, ctx(world.bob), world.bob, request.id)
    assert done.status is Status.APPLIED
    assert [c.field_name for c in done.approved_changes] == ["role"]
    assert done.decision_for(name_key).reason == "请填写全名"
    with engine.connect() as conn:
        stored = deps.suppliers.get(conn, world.a.id)
    assert stored is not None
    assert (stored.contacts[0].role, stored.contacts[0].name) == ("总监", "王经理")
    assert ("decided", request.id, "applied") in notifier.sent


def test_rejecting_everything_closes_the_request(deps: ChangeDeps, world: Any, ctx: Any) -> None:
    request = submit_bank_change(deps, world, ctx)
    done = reject_change(
        deps, ctx(world.alice), world.alice, request.id, {}, reason_for_all="账户未经核实"
    )
    assert done.status is Status.REJECTED


def test_only_the_requester_may_withdraw(deps: ChangeDeps, world: Any, ctx: Any) -> None:
    request = submit_bank_change(deps, world, ctx)
    with pytest.raises(NotRequesterError):
        withdraw_change(deps, ctx(world.clerk), world.clerk, request.id)
    done = withdraw_change(deps, ctx(world.user_a), world.user_a, request.id)
    assert done.status is Status.WITHDRAWN


def test_a_supplier_user_never_reaches_another_supplier(
    deps: ChangeDeps, world: Any, ctx: Any
) -> None:
    request = submit_bank_change(deps, world, ctx)
    with pytest.raises(ChangeNotFoundError):
        get_change(deps, world.user_b, request.id)
    with pytest.raises(ChangeNotFoundError):
        withdraw_change(deps, ctx(world.user_b), world.user_b, request.id)
    with pytest.raises(SupplierNotFoundError):
        submit_change(deps, ctx(world.user_b), world.user_b, world.a.id, [bank_change(world)])
    assert list_changes(deps, world.user_b) == []
    assert list_changes(deps, world.user_b, supplier_id=world.a.id) == []
    assert [r.id for r in list_changes(deps, world.user_a)] == [request.id]


def test_adding_and_retiring_accounts(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    add = Proposal(
        Entity.BANK_ACCOUNT,
        None,
        {
            "bank_name": "招商银行上海分行",
            "account_number": "6214830000000001",
            "holder_name": world.a.name,
        },
    )
    retire = Proposal(Entity.BANK_ACCOUNT, world.a.bank_accounts[0].id, remove=True)
    request = submit_change(deps, ctx(world.user_a), world.user_a, world.a.id, [add, retire])
    assert request.kind.value == "bank_account_add"
    approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=call_back(world))
    approve_change(deps, ctx(world.bob), world.bob, request.id)
    with engine.connect() as conn:
        stored = deps.suppliers.get(conn, world.a.id)
    assert stored is not None
    live = [a for a in stored.bank_accounts if not a.retired]
    assert [a.account_number for a in live] == ["6214830000000001"]
