"""Outage of the ownership service, through the configured adapter and the worker's pass.

The provider down: the new account stays unverified and unpaid, nothing is marked failed.
The provider back: the scheduled pass verifies it (after the backoff), and once cooled
off it is paid. The seam is the transport: jumdata's documented answer, or a 503.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from payments import HoldReason, Verdict, VersionState
from portal.audit.log import AuditContext
from portal.bootstrap import Collaborators, build_collaborators, ownership_verifier
from portal.changes import ChangeDeps
from portal.commands.worker import ownership_retry_pass
from portal.config import load_settings
from portal.core import Services
from portal.payments import PaymentDeps, check_payment_file
from portal.payments.proving import RETRY_AFTER, ownership_check, verify_ownership
from tests.payments.conftest import NEW
from tests.support import Clock
from tests.support.personas import STAFF

CTX = AuditContext(actor="u-alice", actor_role="purchasing_supervisor")
SECRET = "jumdata-secret-never-logged"


class Provider:
    """jumdata as the transport sees it: down (503) or answering its documented match."""

    def __init__(self) -> None:
        self.down = True
        self.asked = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked += 1
        if self.down:
            return httpx.Response(503, text="Service Unavailable")
        body = {"code": 200, "msg": "成功", "taskNo": f"T{self.asked}", "charge": True,
                "data": {"result": 1, "resultMsg": "一致"}}  # fmt: skip
        return httpx.Response(200, json=body)


@pytest.fixture
def collaborators(services: Services, deps: ChangeDeps, tmp_path: Any) -> Collaborators:
    settings = load_settings({
        "PORTAL_DATA_DIR": str(tmp_path / "data"), "PORTAL_SECURE_COOKIES": "0",
        "PORTAL_JUMDATA_APP_ID": "app-1", "PORTAL_JUMDATA_APP_SECRET": SECRET,
    })  # fmt: skip
    return build_collaborators(replace(services, settings=settings), changes=deps)


def state(pay: PaymentDeps, version_id: str, clock: Clock) -> VersionState:
    with pay.engine.connect() as conn:
        version = pay.versions.get(conn, version_id)
    assert version is not None
    return version.state_at(clock.now)


def pay_new_account(pay: PaymentDeps, world: Any) -> Any:
    out = io.StringIO()
    csv.writer(out).writerows([
        ["收款方", "统一社会信用代码", "开户行", "账号", "金额"],
        [world.a.name, world.a.uscc, "工行", NEW, "100.00"],
    ])  # fmt: skip
    result = check_payment_file(pay, CTX, STAFF["finance"], "run.csv", out.getvalue().encode())
    return result.lines[0].result


async def test_an_outage_holds_the_payment_and_the_scheduled_pass_verifies_it_when_back(
    pay: PaymentDeps, world: Any, new_version: str, clock: Clock,
    collaborators: Collaborators, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    provider = Provider()
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(transport=httpx.MockTransport(provider)) as client:
        verifier = ownership_verifier(collaborators.settings, client)
        assert verifier is not None and verifier.name == "jumdata"
        answer = await verify_ownership(pay, CTX, STAFF["alice"], new_version, verifier)
        assert answer.outcome.value == "unknown"
        assert state(pay, new_version, clock) is VersionState.APPROVED  # not proven, not failed
        held = pay_new_account(pay, world)
        assert held.verdict is Verdict.HOLD
        assert [r.code for r in held.reasons] == [HoldReason.UNVERIFIED]

        assert await ownership_retry_pass(collaborators, verifier) == 0  # not due yet
        clock.advance(seconds=RETRY_AFTER.total_seconds())
        assert await ownership_retry_pass(collaborators, verifier) == 1  # still down
        with pay.engine.connect() as conn:
            check = ownership_check(conn, new_version)
        assert check is not None and check["outcome"] == "unknown"
        assert check["retry_at"] - check["checked_at"] == 2 * RETRY_AFTER  # backing off

        provider.down = False
        clock.advance(seconds=RETRY_AFTER.total_seconds())
        assert await ownership_retry_pass(collaborators, verifier) == 0  # waits its backoff
        clock.advance(seconds=RETRY_AFTER.total_seconds())
        assert await ownership_retry_pass(collaborators, verifier) == 1
    assert state(pay, new_version, clock) is VersionState.COOLING_OFF
    clock.advance(hours=48)
    assert pay_new_account(pay, world).verdict is Verdict.PASS
    assert provider.asked == 3
    assert SECRET not in caplog.text


async def test_a_version_proven_meanwhile_is_not_asked_again(
    pay: PaymentDeps, new_version: str, clock: Clock,
    collaborators: Collaborators,
) -> None:  # fmt: skip
    provider = Provider()
    async with httpx.AsyncClient(transport=httpx.MockTransport(provider)) as client:
        verifier = ownership_verifier(collaborators.settings, client)
        assert verifier is not None
        await verify_ownership(pay, CTX, STAFF["alice"], new_version, verifier)
        with pay.engine.begin() as conn:
            version = pay.versions.lock(conn, new_version)
            assert version is not None
            proven = version.verify("small_amount", clock.now, cooling_off=timedelta(hours=48))
            pay.versions.save(conn, proven)
        clock.advance(hours=2)
        assert await ownership_retry_pass(collaborators, verifier) == 0
    assert provider.asked == 1


async def test_without_credentials_no_service_is_wired_and_the_secret_never_prints(
    collaborators: Collaborators, tmp_path: Any
) -> None:
    bare = load_settings({"PORTAL_DATA_DIR": str(tmp_path / "d"), "PORTAL_SECURE_COOKIES": "0"})
    async with httpx.AsyncClient() as client:
        assert ownership_verifier(bare, client) is None
        wired = ownership_verifier(collaborators.settings, client)
    assert SECRET not in repr(collaborators.settings) and SECRET not in repr(wired.__dict__)
