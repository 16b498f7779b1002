"""What follows each change event is declared in one table; a new event must be added here."""

from __future__ import annotations

from typing import Any

from approvals import (
    ChangeApplied,
    ChangeApproved,
    ChangeConflicted,
    ChangeEvent,
    ChangeRebased,
    ChangeRejected,
    ChangeSubmitted,
    ChangeWithdrawn,
    Entity,
    FieldsRejected,
)
from portal.changes import ChangeDeps, Proposal, approve_change, submit_change
from portal.changes.effects import EFFECTS

#: Every event and the side effects that follow it, by name.
DECLARED = {
    ChangeSubmitted: {"tell_reviewers"},
    ChangeApproved: set(),
    FieldsRejected: {"tell_requester"},
    ChangeRejected: {"tell_requester"},
    ChangeWithdrawn: set(),
    ChangeApplied: {
        "record_bank_change",
        "version_accounts",
        "screen_again",
        "verify_again",
        "tell_requester",
    },
    ChangeConflicted: {"tell_requester"},
    ChangeRebased: set(),  # nothing changes for the requester: the review goes on
}


def test_every_change_event_has_its_side_effects_declared() -> None:
    events = set(ChangeEvent.__subclasses__())
    assert set(DECLARED) == events
    wired = {event: {e.run.__name__ for e in EFFECTS if event in e.on} for event in events}
    assert wired == DECLARED


def test_rejecting_some_fields_and_approving_the_rest_tells_the_requester_once(
    deps: ChangeDeps, world: Any, ctx: Any, notifier: Any, clock: Any
) -> None:
    contact = world.a.contacts[0].id
    request = submit_change(deps, ctx(world.user_a), world.user_a, world.a.id,
                            [Proposal(Entity.CONTACT, contact, {"role": "总监", "name": "王总"})])  # fmt: skip
    clock.advance(minutes=5)
    done = approve_change(deps, ctx(world.alice), world.alice, request.id,
                          rejected_fields={f"contact[{contact}].name": "请填写全名"})  # fmt: skip
    assert done.status.value == "applied"
    assert [what for what, rid, _ in notifier.sent if rid == request.id] == ["submitted", "decided"]
