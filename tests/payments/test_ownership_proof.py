"""Proving a new account: a verification service or a small amount, then cooling off."""

from __future__ import annotations

from typing import Any

import pytest

from payments import VersionState
from payments.fakes import InMemoryOwnershipVerifier
from payments.ports import OwnershipOutcome
from portal.audit.log import AuditContext
from portal.payments import PaymentDeps, PaymentForbiddenError
from portal.payments.proving import (
    RETRY_AFTER,
    SmallAmountError,
    confirm_small_amount,
    ownership_check,
    retry_unknown,
    send_small_amount,
    verify_ownership,
)
from tests.payments.conftest import NEW
from tests.support import Clock
from tests.support.personas import STAFF

CTX = AuditContext(actor="u-alice", actor_role="purchasing_supervisor")


def state(pay: PaymentDeps, version_id: str, clock: Clock) -> VersionState:
    with pay.engine.connect() as conn:
        version = pay.versions.get(conn, version_id)
    assert version is not None
    return version.state_at(clock.now)


async def test_a_service_match_proves_the_account_and_cooling_off_follows(
    pay: PaymentDeps, new_version: str, clock: Clock
) -> None:
    service = InMemoryOwnershipVerifier({NEW: OwnershipOutcome.MATCH})
    answer = await verify_ownership(pay, CTX, STAFF["alice"], new_version, service)
    assert answer.outcome is OwnershipOutcome.MATCH
    assert state(pay, new_version, clock) is VersionState.COOLING_OFF
    clock.advance(hours=48)
    assert state(pay, new_version, clock) is VersionState.ACTIVE


async def test_an_outage_leaves_the_account_unverified_unfailed_and_retried(
    pay: PaymentDeps, new_version: str, clock: Clock
) -> None:
    service = InMemoryOwnershipVerifier({NEW: OwnershipOutcome.MATCH})
    service.down = True
    await verify_ownership(pay, CTX, STAFF["alice"], new_version, service)
    with pay.engine.connect() as conn:
        check = ownership_check(conn, new_version)
    assert check is not None and check["outcome"] == "unknown"
    assert state(pay, new_version, clock) is VersionState.APPROVED  # approved, not proven
    service.down = False
    assert await retry_unknown(pay, CTX, service) == []  # not due yet
    clock.advance(seconds=RETRY_AFTER.total_seconds())
    assert [a.outcome for a in await retry_unknown(pay, CTX, service)] == ["match"]
    assert state(pay, new_version, clock) is VersionState.COOLING_OFF


async def test_a_no_match_is_recorded_and_proves_nothing(
    pay: PaymentDeps, new_version: str, clock: Clock
) -> None:
    service = InMemoryOwnershipVerifier({NEW: OwnershipOutcome.NO_MATCH})
    await verify_ownership(pay, CTX, STAFF["alice"], new_version, service)
    with pay.engine.connect() as conn:
        check = ownership_check(conn, new_version)
    assert check is not None and (check["outcome"], check["retry_at"]) == ("no_match", None)
    assert state(pay, new_version, clock) is VersionState.APPROVED


def test_the_supplier_typing_the_small_amount_proves_the_account(
    pay: PaymentDeps, new_version: str, world: Any, clock: Clock
) -> None:
    amount = send_small_amount(pay, CTX, STAFF["finance"], new_version)
    assert confirm_small_amount(pay, CTX, world.user_a, new_version, f"{amount}元")
    assert state(pay, new_version, clock) is VersionState.COOLING_OFF


def test_three_wrong_amounts_lock_the_challenge(
    pay: PaymentDeps, new_version: str, world: Any, clock: Clock
) -> None:
    amount = send_small_amount(pay, CTX, STAFF["finance"], new_version)
    wrong = "0.00" if amount != 0 else "0.50"
    for _ in range(3):
        assert not confirm_small_amount(pay, CTX, world.user_a, new_version, wrong)
    with pytest.raises(SmallAmountError, match="three wrong"):
        confirm_small_amount(pay, CTX, world.user_a, new_version, str(amount))
    assert state(pay, new_version, clock) is VersionState.APPROVED


def test_only_the_supplier_itself_answers_and_only_staff_send(
    pay: PaymentDeps, new_version: str, world: Any
) -> None:
    from portal.payments import AccountVersionNotFoundError

    send_small_amount(pay, CTX, STAFF["finance"], new_version)
    with pytest.raises(AccountVersionNotFoundError):
        confirm_small_amount(pay, CTX, world.user_b, new_version, "0.10")
    with pytest.raises(PaymentForbiddenError):
        send_small_amount(pay, CTX, STAFF["clerk"], new_version)
