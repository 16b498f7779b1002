"""Issue 12, high 1 and 3 and step-up, on the database: a call-back cannot be steered to a
number the requester just planted, contact phone changes need two people, tokens never
approve, a bank approval needs a fresh two-factor login.

Written against errors that existed before the fix (``CallBackRequiredError``,
``ReviewRefusedError``) so that on the old code they fail with "DID NOT RAISE"."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from approvals import (
    CallBackOutcome,
    CallBackRequiredError,
    Entity,
    ReviewRefusedError,
    Status,
)
from approvals.proposals import Proposal
from portal.changes import (
    CallBackInput,
    ChangeDeps,
    approve_change,
    get_change,
    submit_change,
)
from portal.domain.principal import Principal, Role

ATTACKER_PHONE = "13900001111"
TOKEN = Principal("api:erp", Role.PURCHASING_SUPERVISOR, "ERP", kind="api")


def propose(deps: ChangeDeps, world: Any, ctx: Any, who: Principal, entity: str, eid: Any,
            values: dict[str, str]) -> Any:  # fmt: skip
    return submit_change(deps, ctx(who), who, world.a.id, [Proposal(entity, eid, values)])


def approve_until_applied(deps: ChangeDeps, world: Any, ctx: Any, request_id: str) -> None:
    """However many supervisors the change needs (one before the fix, two after)."""
    for who in (world.alice, world.bob):
        if approve_change(deps, ctx(who), who, request_id).status is Status.APPLIED:
            return
    raise AssertionError("two supervisors did not apply the change")


def confirmed(contact_id: str) -> CallBackInput:
    return CallBackInput(contact_id, CallBackOutcome.CONFIRMED, "确认")


def test_a_contact_phone_change_needs_a_second_supervisor(
    deps: ChangeDeps, world: Any, ctx: Any
) -> None:
    contact = world.a.contacts[0].id
    request = propose(deps, world, ctx, world.user_a, Entity.CONTACT, contact,
                      {"phone": ATTACKER_PHONE})  # fmt: skip
    once = approve_change(deps, ctx(world.alice), world.alice, request.id)
    assert once.status is Status.PARTIALLY_APPROVED
    done = approve_change(deps, ctx(world.bob), world.bob, request.id)
    assert done.status is Status.APPLIED


def test_the_call_back_cannot_go_to_a_number_the_requester_just_planted(
    deps: ChangeDeps, world: Any, ctx: Any, clock: Any
) -> None:
    contact = world.a.contacts[0].id
    planted = propose(deps, world, ctx, world.user_a, Entity.CONTACT, contact,
                      {"phone": ATTACKER_PHONE})  # fmt: skip
    approve_until_applied(deps, world, ctx, planted.id)
    clock.advance(minutes=10)
    bank = propose(deps, world, ctx, world.user_a, Entity.BANK_ACCOUNT,
                   world.a.bank_accounts[0].id, {"account_number": "6217000011112222333"})  # fmt: skip
    with pytest.raises(CallBackRequiredError, match="cooling-off"):
        approve_change(deps, ctx(world.alice), world.alice, bank.id, call_back=confirmed(contact))
    clock.advance(days=30)  # the cooling-off is long over, but the requester set that number
    with pytest.raises(CallBackRequiredError, match="requested this change"):
        approve_change(deps, ctx(world.alice), world.alice, bank.id, call_back=confirmed(contact))
    assert get_change(deps, world.alice, bank.id).status is Status.PENDING


def test_a_contact_change_is_confirmed_by_calling_another_contact_on_file(
    deps: ChangeDeps, world: Any, ctx: Any, clock: Any
) -> None:
    added = propose(deps, world, ctx, world.clerk, Entity.CONTACT, None,
                    {"name": "刘会计", "phone": "13700002222"})  # fmt: skip
    approve_until_applied(deps, world, ctx, added.id)
    with deps.engine.connect() as conn:
        stored = deps.suppliers.get(conn, world.a.id)
    assert stored is not None
    second = next(c.id for c in stored.contacts if c.name == "刘会计")
    wang = world.a.contacts[0].id
    change = propose(deps, world, ctx, world.user_a, Entity.CONTACT, wang,
                     {"phone": ATTACKER_PHONE})  # fmt: skip
    with pytest.raises(CallBackRequiredError):  # the new number is still cooling off
        approve_change(deps, ctx(world.alice), world.alice, change.id, call_back=confirmed(second))
    clock.advance(hours=49)
    with pytest.raises(CallBackRequiredError):  # the contact whose phone is changing
        approve_change(deps, ctx(world.alice), world.alice, change.id, call_back=confirmed(wang))
    done = approve_change(
        deps, ctx(world.alice), world.alice, change.id, call_back=confirmed(second)
    )
    assert done.status is Status.APPLIED


def test_an_api_token_cannot_give_the_second_approval_of_a_bank_change(
    deps: ChangeDeps, world: Any, ctx: Any
) -> None:
    bank = propose(deps, world, ctx, world.user_a, Entity.BANK_ACCOUNT,
                   world.a.bank_accounts[0].id, {"account_number": "6217000011112222333"})  # fmt: skip
    contact = world.a.contacts[0].id
    approve_change(deps, ctx(world.alice), world.alice, bank.id, call_back=confirmed(contact))
    with pytest.raises(ReviewRefusedError, match="API clients"):
        approve_change(deps, ctx(TOKEN), TOKEN, bank.id)
    assert get_change(deps, world.alice, bank.id).status is Status.PARTIALLY_APPROVED


def test_an_api_token_cannot_approve_a_contact_phone_change(
    deps: ChangeDeps, world: Any, ctx: Any
) -> None:
    request = propose(deps, world, ctx, world.user_a, Entity.CONTACT, world.a.contacts[0].id,
                      {"phone": ATTACKER_PHONE})  # fmt: skip
    with pytest.raises(ReviewRefusedError, match="API clients"):
        approve_change(deps, ctx(TOKEN), TOKEN, request.id)


def test_a_bank_approval_needs_a_login_with_a_second_factor_at_most_15_minutes_old(
    deps: ChangeDeps, world: Any, ctx: Any, clock: Any
) -> None:
    from approvals import StepUpRule  # added with the fix

    deps.step_up = StepUpRule(max_age=timedelta(minutes=15))
    bank = propose(deps, world, ctx, world.user_a, Entity.BANK_ACCOUNT,
                   world.a.bank_accounts[0].id, {"account_number": "6217000011112222333"})  # fmt: skip
    call = confirmed(world.a.contacts[0].id)
    password_only = replace(world.alice, authenticated_at=clock(), auth_methods=("pwd",))
    with pytest.raises(ReviewRefusedError, match="second factor"):
        approve_change(deps, ctx(world.alice), password_only, bank.id, call_back=call)
    with_otp = replace(world.alice, authenticated_at=clock(), auth_methods=("pwd", "otp"))
    clock.advance(minutes=20)
    with pytest.raises(ReviewRefusedError, match="last 15 minutes"):
        approve_change(deps, ctx(world.alice), with_otp, bank.id, call_back=call)
    fresh = replace(with_otp, authenticated_at=clock() - timedelta(minutes=2))
    done = approve_change(deps, ctx(world.alice), fresh, bank.id, call_back=call)
    assert done.status is Status.PARTIALLY_APPROVED
