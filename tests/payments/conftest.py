"""The change-flow fixtures (two suppliers, people, a clock) and the payment deps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portal.audit.log import AuditContext
from portal.changes import CallBackInput, ChangeDeps, approve_change, submit_change
from portal.payments import PaymentDeps
from tests.changes.conftest import clock, ctx, deps, notifier, world  # noqa: F401
from tests.support import Clock


@pytest.fixture
def pay(deps: ChangeDeps, clock: Clock) -> PaymentDeps:  # noqa: F811
    return PaymentDeps(engine=deps.engine, sealer=deps.sealer, audit=deps.audit, clock=clock)


@pytest.fixture
def change_account(
    deps: ChangeDeps,  # noqa: F811
    world: Any,  # noqa: F811
    ctx: Callable[[Any], AuditContext],  # noqa: F811
    clock: Clock,  # noqa: F811
) -> Callable[..., Any]:
    """``change_account(supplier, number)``: the supplier's default account gets ``number``
    through a bank change approved by Alice (with a call-back) and Bob."""
    from approvals import CallBackOutcome, Entity
    from approvals.proposals import Proposal

    def run(supplier: Any, number: str, user: Any) -> Any:
        request = submit_change(
            deps, ctx(user), user, supplier.id,
            [Proposal(Entity.BANK_ACCOUNT, supplier.bank_accounts[0].id,
                      {"account_number": number})],
        )  # fmt: skip
        call_back = CallBackInput(supplier.contacts[0].id, CallBackOutcome.CONFIRMED)
        approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=call_back)
        approve_change(deps, ctx(world.bob), world.bob, request.id)
        return request

    return run


#: The account number a bank change gives supplier A in :func:`new_version`.
NEW = "6217000011112222333"


@pytest.fixture
def new_version(
    pay: PaymentDeps,
    world: Any,  # noqa: F811
    change_account: Callable[..., Any],
) -> str:
    """The version a bank change to ``NEW`` made: approved by Alice and Bob, not proven."""
    from portal.domain.principal import Principal, Role
    from portal.payments import adopt_accounts

    admin = AuditContext(actor="u-admin", actor_role="admin")
    adopt_accounts(pay, admin, Principal("u-admin", Role.ADMIN))
    request = change_account(world.a, NEW, world.user_a)
    with pay.engine.connect() as conn:
        versions = pay.versions.of_supplier(conn, world.a.id)
    return next(v.id for v in versions if v.change_request_id == request.id)
