"""Reviewing a change: :func:`approve_change` (with the call-back a bank change needs) and
:func:`reject_change`. The approval that completes the policy applies the request in the
same transaction (:func:`portal.changes.apply.apply_approved`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection

from approvals import (
    CallBack,
    ChangeEvent,
    ChangeRequest,
    Status,
    check_call_back_target,
    check_person,
    eligible_contact_ids,
)
from crypto import mask_phone
from portal.audit.log import AuditContext
from portal.changes.apply import apply_approved
from portal.changes.call_back import candidates_for
from portal.changes.deps import CallBackInput, ChangeDeps, audit_events, lock_visible
from portal.changes.effects import follow
from portal.changes.errors import ConcurrentReviewError
from portal.changes.step_up import authentication_of
from portal.domain.principal import Principal

__all__ = ["approve_change", "reject_change"]


def _store(
    deps: ChangeDeps,
    conn: Connection,
    ctx: AuditContext,
    before: ChangeRequest,
    after: ChangeRequest,
    revision: int,
    events: Sequence[ChangeEvent],
    now: datetime,
) -> None:
    if not deps.records.save_transition(conn, before, after, revision):
        raise ConcurrentReviewError(before.id)
    audit_events(deps, conn, ctx, events, now)


def approve_change(
    deps: ChangeDeps,
    ctx: AuditContext,
    reviewer: Principal,
    request_id: str,
    *,
    call_back: CallBackInput | None = None,
    rejected_fields: Mapping[str, str] | None = None,
) -> ChangeRequest:
    """Record one approval; when the policy's count is reached, apply the request."""
    now = deps.clock()
    with deps.engine.begin() as conn:
        request, revision = lock_visible(deps, conn, reviewer, request_id)
        policy = deps.policy_in(conn)
        check_person(policy, request, reviewer.subject, is_person=reviewer.is_person)
        if deps.step_up is not None:
            deps.step_up.check(request, authentication_of(reviewer), now)
        supplier = deps.suppliers.get(conn, request.supplier_id)
        contacts = {c.id: c for c in supplier.contacts} if supplier else {}
        record, eligible = None, frozenset[str]()
        if call_back is not None:
            candidates = candidates_for(deps, conn, request, supplier)
            check_call_back_target(candidates, call_back.contact_id)
            eligible = eligible_contact_ids(candidates)
            contact = contacts.get(call_back.contact_id)
            phone = contact.phone if contact is not None else None
            record = CallBack(
                contact_id=call_back.contact_id,
                phone_masked=mask_phone(phone) if phone else "****",
                called_at=call_back.called_at or now,
                outcome=call_back.outcome,
                note=call_back.note.strip()[:500],
            )
        approved, events = request.approve(
            reviewer.subject,
            reviewer.role.value,
            now,
            record,
            rejected_fields=rejected_fields or None,
            contacts_on_file=eligible,
            policy=policy,
        )
        _store(deps, conn, ctx, request, approved, revision, events, now)
        act = list(events)
        if approved.status is Status.APPROVED:
            approved, applied = apply_approved(deps, conn, ctx, approved, now)
            act += applied
        follow(deps, conn, act)
    return approved


def reject_change(
    deps: ChangeDeps,
    ctx: AuditContext,
    reviewer: Principal,
    request_id: str,
    reasons: Mapping[str, str],
    *,
    reason_for_all: str | None = None,
) -> ChangeRequest:
    """Reject the named fields (key -> reason), or everything with ``reason_for_all``."""
    now = deps.clock()
    with deps.engine.begin() as conn:
        request, revision = lock_visible(deps, conn, reviewer, request_id)
        role = reviewer.role.value
        policy = deps.policy_in(conn)
        if reason_for_all is not None and not reasons:
            rejected, events = request.reject_all(
                reviewer.subject, role, now, reason_for_all, policy=policy
            )
        else:
            rejected, events = request.reject(
                reviewer.subject, role, now, dict(reasons), policy=policy
            )
        _store(deps, conn, ctx, request, rejected, revision, events, now)
        follow(deps, conn, events)
    return rejected
