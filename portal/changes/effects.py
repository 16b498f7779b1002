"""What follows an act, from the events it raised: the one table of side effects.

A use case stores its request, writes the audit entries of its events, then calls
:func:`follow` with every event of the act, in the same transaction. Each
:class:`Effect` names the events it follows; one that says ``once`` runs at most once
per act (a reviewer who rejects some fields and approves the rest gets one message).

========================  =================================================
event                     what follows
========================  =================================================
ChangeApplied             bank change recorded for the payment hold;
                          a new account version for each changed account;
                          the record screened again for duplicates;
                          re-verification against the registry made due
ChangeSubmitted           reviewers told
FieldsRejected,           the requester told (once per act)
ChangeRejected,
ChangeApplied,
ChangeConflicted          (also when another request changed its field: the
                          requester told which field, and why)
ChangeRebased             nothing: the review goes on from the new version
========================  =================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from approvals import (
    ChangeApplied,
    ChangeConflicted,
    ChangeEvent,
    ChangeRejected,
    ChangeSubmitted,
    FieldsRejected,
)
from portal.dedup import index_suppliers
from portal.payments.versions import version_applied_bank_change
from portal.verification.schedule import request_verification

if TYPE_CHECKING:
    from portal.changes.deps import ChangeDeps

__all__ = ["EFFECTS", "MERGED_FROM", "Effect", "follow"]

#: The pseudo-field of a merge request naming the absorbed supplier.
MERGED_FROM = "merged_from"

Run = Callable[["ChangeDeps", Connection, ChangeEvent], None]


@dataclass(frozen=True)
class Effect:
    """A side effect and the events it follows."""

    on: tuple[type[ChangeEvent], ...]
    run: Run
    once: bool = False


def _is_merge(event: ChangeApplied) -> bool:
    return any(c.field_name == MERGED_FROM for c in event.applied)


def record_bank_change(deps: ChangeDeps, conn: Connection, event: ChangeEvent) -> None:
    """Payments cool off after a bank change reaches the record."""
    assert isinstance(event, ChangeApplied)
    if any(c.touches_bank_details for c in event.applied):
        deps.holds.record_bank_change(conn, event.supplier_id, event.request_id, event.at)


def version_accounts(deps: ChangeDeps, conn: Connection, event: ChangeEvent) -> None:
    """Each changed bank account gets a new version, approved by the request's approvers."""
    assert isinstance(event, ChangeApplied)
    request = deps.records.get(conn, event.request_id)
    if request is not None and any(c.touches_bank_details for c in event.applied):
        version_applied_bank_change(
            conn, request, event.applied, event.at, cooling_off=deps.cooling_off
        )


def screen_again(deps: ChangeDeps, conn: Connection, event: ChangeEvent) -> None:
    """The changed record is filed again under its blocking keys (a merge files itself)."""
    assert isinstance(event, ChangeApplied)
    if not _is_merge(event):
        index_suppliers(conn, [event.supplier_id])


def verify_again(deps: ChangeDeps, conn: Connection, event: ChangeEvent) -> None:
    """The monitoring job re-verifies the record, which it now finds due."""
    assert isinstance(event, ChangeApplied)
    reason = "merge" if _is_merge(event) else "change"
    request_verification(conn, [event.supplier_id], now=event.at, reason=reason)


def tell_reviewers(deps: ChangeDeps, conn: Connection, event: ChangeEvent) -> None:
    request = deps.records.get(conn, event.request_id)
    if request is not None:
        deps.notifier.change_submitted(conn, request, deps.master.name(conn, event.supplier_id))


def tell_requester(deps: ChangeDeps, conn: Connection, event: ChangeEvent) -> None:
    request = deps.records.get(conn, event.request_id)
    if request is not None:
        deps.notifier.change_decided(conn, request, deps.master.name(conn, event.supplier_id))


#: Wired once: every side effect of the change flow, in the order they run.
EFFECTS: tuple[Effect, ...] = (
    Effect((ChangeApplied,), record_bank_change),
    Effect((ChangeApplied,), version_accounts),
    Effect((ChangeApplied,), screen_again),
    Effect((ChangeApplied,), verify_again),
    Effect((ChangeSubmitted,), tell_reviewers),
    Effect((FieldsRejected, ChangeRejected, ChangeApplied, ChangeConflicted), tell_requester,
           once=True),
)  # fmt: skip


def follow(deps: ChangeDeps, conn: Connection, events: Sequence[ChangeEvent]) -> None:
    """Run the side effects of one act's events, in the caller's transaction."""
    for effect in EFFECTS:
        matching = [e for e in events if isinstance(e, effect.on)]
        for event in matching[:1] if effect.once else matching:
            effect.run(deps, conn, event)
