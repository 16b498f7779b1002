"""The small amount sent by a provider (e签宝): the provider picks the amount, the supplier
types it, the provider says whether it is right; an outage counts nothing."""

from __future__ import annotations

from typing import Any

import pytest

from payments import VersionState
from payments.fakes import InMemorySmallAmountTransfer
from payments.ports import SmallAmountOutcome
from portal.audit.log import AuditContext
from portal.payments import AccountVersionNotFoundError, PaymentDeps, PaymentForbiddenError
from portal.payments.proving import SmallAmountError, ownership_check, send_small_amount
from portal.payments.small_amount import (
    SmallAmountUnavailableError,
    answer_small_amount,
    send_through_provider,
)
from tests.payments.conftest import NEW
from tests.support import Clock
from tests.support.personas import STAFF

CTX = AuditContext(actor="u-alice", actor_role="finance")


def state(pay: PaymentDeps, version_id: str, clock: Clock) -> VersionState:
    with pay.engine.connect() as conn:
        version = pay.versions.get(conn, version_id)
    assert version is not None
    return version.state_at(clock.now)


async def test_the_amount_the_provider_sent_proves_the_account_when_typed(
    pay: PaymentDeps, new_version: str, world: Any, clock: Clock
) -> None:
    esign = InMemorySmallAmountTransfer()
    sent = await send_through_provider(pay, CTX, STAFF["finance"], new_version, esign)
    assert sent.outcome is SmallAmountOutcome.SENT and esign.sent == {sent.reference: NEW}
    assert await answer_small_amount(pay, CTX, world.user_a, new_version, "0.01元", esign)
    assert state(pay, new_version, clock) is VersionState.COOLING_OFF


async def test_a_wrong_amount_counts_and_the_third_locks_until_a_new_transfer(
    pay: PaymentDeps, new_version: str, world: Any
) -> None:
    esign = InMemorySmallAmountTransfer()
    await send_through_provider(pay, CTX, STAFF["finance"], new_version, esign)
    for _ in range(3):
        assert not await answer_small_amount(pay, CTX, world.user_a, new_version, "0.37", esign)
    with pytest.raises(SmallAmountError):
        await answer_small_amount(pay, CTX, world.user_a, new_version, "0.01", esign)
    await send_through_provider(pay, CTX, STAFF["finance"], new_version, esign)
    assert await answer_small_amount(pay, CTX, world.user_a, new_version, "0.01", esign)


async def test_a_provider_outage_counts_no_attempt_and_proves_nothing(
    pay: PaymentDeps, new_version: str, world: Any, clock: Clock
) -> None:
    esign = InMemorySmallAmountTransfer()
    await send_through_provider(pay, CTX, STAFF["finance"], new_version, esign)
    esign.down = True
    with pytest.raises(SmallAmountUnavailableError):
        await answer_small_amount(pay, CTX, world.user_a, new_version, "0.01", esign)
    with pay.engine.connect() as conn:
        check = ownership_check(conn, new_version)
    assert check is not None and check["attempts"] == 0
    assert state(pay, new_version, clock) is VersionState.APPROVED


async def test_details_the_registry_does_not_know_send_nothing_and_open_no_challenge(
    pay: PaymentDeps, new_version: str, clock: Clock
) -> None:
    esign = InMemorySmallAmountTransfer({NEW: SmallAmountOutcome.NO_MATCH})
    sent = await send_through_provider(pay, CTX, STAFF["finance"], new_version, esign)
    assert sent.outcome is SmallAmountOutcome.NO_MATCH and esign.sent == {}
    with pay.engine.connect() as conn:
        check = ownership_check(conn, new_version)
    assert check is None or check["challenge_reference"] is None
    assert state(pay, new_version, clock) is VersionState.APPROVED


async def test_our_own_small_amount_replaces_the_providers_flow(
    pay: PaymentDeps, new_version: str, world: Any
) -> None:
    esign = InMemorySmallAmountTransfer()
    await send_through_provider(pay, CTX, STAFF["finance"], new_version, esign)
    amount = send_small_amount(pay, CTX, STAFF["finance"], new_version)
    assert await answer_small_amount(pay, CTX, world.user_a, new_version, str(amount), None)


async def test_only_staff_send_and_only_the_supplier_itself_answers(
    pay: PaymentDeps, new_version: str, world: Any
) -> None:
    esign = InMemorySmallAmountTransfer()
    with pytest.raises(PaymentForbiddenError):
        await send_through_provider(pay, CTX, STAFF["clerk"], new_version, esign)
    await send_through_provider(pay, CTX, STAFF["finance"], new_version, esign)
    with pytest.raises(AccountVersionNotFoundError):
        await answer_small_amount(pay, CTX, world.user_b, new_version, "0.01", esign)
