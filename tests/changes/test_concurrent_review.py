"""Two supervisors approving the same request at the same moment apply it exactly once."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, select

from approvals import ApprovalError, CallBackOutcome, Entity, Status
from portal.audit.log import ENTRY
from portal.changes import (
    CallBackInput,
    ChangeDeps,
    ConcurrentReviewError,
    Proposal,
    approve_change,
    get_change,
    submit_change,
)


def test_two_supervisors_approving_at_the_same_moment_apply_it_exactly_once(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    account = world.a.bank_accounts[0]
    request = submit_change(
        deps,
        ctx(world.user_a),
        world.user_a,
        world.a.id,
        [Proposal(Entity.BANK_ACCOUNT, account.id, {"account_number": "6217000011112222333"})],
    )
    call_back = CallBackInput(world.a.contacts[0].id, CallBackOutcome.CONFIRMED)
    approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=call_back)

    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(who: Any) -> None:
        start.wait()
        try:
            outcomes[who.subject] = approve_change(deps, ctx(who), who, request.id).status
        except (ApprovalError, ConcurrentReviewError) as exc:
            outcomes[who.subject] = exc

    threads = [threading.Thread(target=approve, args=(p,)) for p in (world.bob, world.carol)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    statuses = sorted(str(v) for v in outcomes.values())
    assert len(outcomes) == 2
    assert [v for v in outcomes.values() if v is Status.APPLIED] == [Status.APPLIED], statuses
    loser = next(v for v in outcomes.values() if v is not Status.APPLIED)
    assert isinstance(loser, ApprovalError | ConcurrentReviewError)
    final = get_change(deps, world.alice, request.id)
    assert final.status is Status.APPLIED and len(final.approvals) == 2
    with engine.connect() as conn:
        applied = conn.execute(select(ENTRY.c.action).where(ENTRY.c.action == "change.applied"))
        changed = conn.execute(select(ENTRY.c.action).where(ENTRY.c.action == "field.changed"))
        supplier = deps.suppliers.get(conn, world.a.id)
        assert len(applied.all()) == 1 and len(changed.all()) == 1
    assert supplier is not None and supplier.version == world.a.version + 1
    assert deps.audit.verify(engine).ok


def test_a_review_act_based_on_an_old_revision_writes_nothing(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    request = submit_change(
        deps,
        ctx(world.user_a),
        world.user_a,
        world.a.id,
        [Proposal(Entity.SUPPLIER, world.a.id, {"address": "新地址"})],
    )
    approved, _ = request.approve(world.alice.subject, world.alice.role.value, request.requested_at)
    with engine.begin() as conn:
        assert deps.records.save_transition(conn, request, approved, revision=1)
    with engine.begin() as conn:
        # A second reviewer who read revision 1 too: the conditional UPDATE matches nothing.
        assert not deps.records.save_transition(conn, request, approved, revision=1)
    assert get_change(deps, world.alice, request.id).status is Status.APPROVED
