"""Payment hold over time, and the policy and cooling-off settings."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from approvals import (
    ApprovalPolicy,
    CallBackOutcome,
    ChangeKind,
    Entity,
    PolicyConfigError,
    Status,
)
from approvals.proposals import Proposal
from portal.bootstrap import approval_policy, cooling_off
from portal.changes import (
    CallBackInput,
    ChangeDeps,
    approve_change,
    get_change,
    payment_hold,
    reject_change,
    submit_change,
)
from portal.changes.policy import policy_from_file
from portal.config import load_settings


def hold(deps: ChangeDeps, supplier_id: str) -> Any:
    with deps.engine.connect() as conn:
        return payment_hold(deps, conn, supplier_id)


def test_payments_are_held_while_pending_and_for_the_cooling_off_after_applying(
    deps: ChangeDeps, world: Any, ctx: Any, clock: Any
) -> None:
    sid = world.a.id
    assert not hold(deps, sid).on_hold
    request = submit_change(
        deps,
        ctx(world.user_a),
        world.user_a,
        sid,
        [
            Proposal(
                Entity.BANK_ACCOUNT,
                world.a.bank_accounts[0].id,
                {"account_number": "6217000011112222333"},
            )
        ],
    )
    pending = hold(deps, sid)
    assert (pending.on_hold, pending.reason_code, pending.until) == (
        True,
        "bank_change.pending",
        None,
    )
    clock.advance(minutes=10)
    call_back = CallBackInput(world.a.contacts[0].id, CallBackOutcome.CONFIRMED)
    approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=call_back)
    assert hold(deps, sid).reason_code == "bank_change.pending"
    clock.advance(minutes=10)
    approve_change(deps, ctx(world.bob), world.bob, request.id)
    applied_at = clock.now
    cooling = hold(deps, sid)
    assert cooling.on_hold and cooling.reason_code == "bank_change.cooling_off"
    assert cooling.until == applied_at + timedelta(hours=48)
    clock.advance(hours=47, minutes=59)
    assert hold(deps, sid).on_hold
    clock.advance(minutes=1)
    assert not hold(deps, sid).on_hold
    assert not hold(deps, world.b.id).on_hold


def test_a_rejected_bank_change_releases_the_hold_at_once(
    deps: ChangeDeps, world: Any, ctx: Any
) -> None:
    request = submit_change(
        deps,
        ctx(world.user_a),
        world.user_a,
        world.a.id,
        [Proposal(Entity.BANK_ACCOUNT, world.a.bank_accounts[0].id, {"purpose": "货款"})],
    )
    assert hold(deps, world.a.id).on_hold
    reject_change(deps, ctx(world.alice), world.alice, request.id, {}, reason_for_all="不需要")
    assert not hold(deps, world.a.id).on_hold


def test_a_contact_change_does_not_hold_payments(deps: ChangeDeps, world: Any, ctx: Any) -> None:
    submit_change(
        deps,
        ctx(world.user_a),
        world.user_a,
        world.a.id,
        [Proposal(Entity.CONTACT, world.a.contacts[0].id, {"role": "总监"})],
    )
    assert not hold(deps, world.a.id).on_hold


def test_policy_is_read_from_a_toml_or_json_file(tmp_path: Path) -> None:
    toml = tmp_path / "policy.toml"
    toml.write_text(
        "[default]\napprovals_required = 2\n[kinds.contact_change]\napprovals_required = 3\n"
    )
    policy = approval_policy(load_settings({"PORTAL_APPROVAL_POLICY_FILE": str(toml)}))
    assert policy.default.approvals_required == 2
    assert policy.by_kind[ChangeKind.CONTACT_CHANGE].approvals_required == 3
    as_json = tmp_path / "policy.json"
    as_json.write_text(json.dumps(ApprovalPolicy.standard().to_dict()))
    assert policy_from_file(as_json) == ApprovalPolicy.standard()
    assert approval_policy(load_settings({})) == ApprovalPolicy.standard()


def test_a_broken_policy_file_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"kinds": {"bank_acount_add": {}}}')
    with pytest.raises(PolicyConfigError, match=r"kinds\.bank_acount_add"):
        policy_from_file(path)


def test_cooling_off_seconds_override_the_hours() -> None:
    assert cooling_off(load_settings({})) == timedelta(hours=48)
    seconds = load_settings({"PORTAL_PAYMENT_COOLING_OFF_SECONDS": "5"})
    assert cooling_off(seconds) == timedelta(seconds=5)


def test_a_bank_change_that_can_no_longer_apply_stops_holding_payments(
    deps: ChangeDeps, world: Any, ctx: Any, clock: Any
) -> None:
    sid, account = world.a.id, world.a.bank_accounts[0].id

    def propose(number: str) -> Any:
        change = Proposal(Entity.BANK_ACCOUNT, account, {"account_number": number})
        return submit_change(deps, ctx(world.user_a), world.user_a, sid, [change])

    first, second = propose("6217000011112222333"), propose("6217000099998888777")
    clock.advance(minutes=10)
    call_back = CallBackInput(world.a.contacts[0].id, CallBackOutcome.CONFIRMED)
    approve_change(deps, ctx(world.alice), world.alice, first.id, call_back=call_back)
    approve_change(deps, ctx(world.bob), world.bob, first.id)
    assert get_change(deps, world.alice, second.id).status is Status.CONFLICT
    after = hold(deps, sid)
    assert after.reason_code != "bank_change.pending"  # only the cooling-off of the first
    assert after.until is not None
