"""The supplier confirms the registry's new facts: :func:`confirm_registry_facts`.

Monitoring opens a *draft* change request prefilled with what the registry or the tax
bureau now says (:mod:`portal.verification.registry_events`). Only the supplier itself
(or purchasing on its behalf) submits it; it then goes through the normal review like any
other request, and nothing reaches the master record before it is approved.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import update

from approvals import ChangeRequest, Channel, Status
from portal.audit.log import AuditContext
from portal.changes.deps import PROPOSERS, ChangeDeps, audit_events, lock_visible
from portal.changes.effects import follow
from portal.changes.errors import ChangeNotFoundError, ConcurrentReviewError, NotAllowedError
from portal.changes.records import REQUEST
from portal.domain.principal import Principal, Role

__all__ = ["confirm_registry_facts"]

#: Who opens the drafts this confirms (the monitoring job).
REQUESTER = "system:verification"


def confirm_registry_facts(
    deps: ChangeDeps, ctx: AuditContext, by: Principal, request_id: str
) -> ChangeRequest:
    """Submit the draft for review as ``by``'s own request; audited."""
    if by.role not in PROPOSERS:
        raise NotAllowedError(f"role {by.role.value} may not propose changes")
    now = deps.clock()
    with deps.engine.begin() as conn:
        draft, revision = lock_visible(deps, conn, by, request_id)
        if draft.status is not Status.DRAFT or draft.requested_by != REQUESTER:
            raise ChangeNotFoundError(request_id)
        channel = Channel.PORTAL if by.role is Role.SUPPLIER else Channel.STAFF
        mine = replace(
            draft, requested_by=by.subject, requester_role=by.role.value, channel=channel
        )
        request, events = mine.submit(now)
        done = conn.execute(
            update(REQUEST)
            .where(
                REQUEST.c.id == draft.id,
                REQUEST.c.status == Status.DRAFT.value,
                REQUEST.c.revision == revision,
            )
            .values(
                status=request.status.value,
                requested_by=by.subject,
                requester_role=by.role.value,
                channel=channel.value,
                submitted_at=now,
                approvals_required=deps.policy_in(conn).approvals_required(request),
                revision=revision + 1,
            )
        )
        if done.rowcount != 1:
            raise ConcurrentReviewError(draft.id)
        deps.audit.record(
            conn, ctx, "registry_facts.confirmed", subject_type="change_request",
            subject_id=draft.id, field_name=draft.changes[0].field_name,
            after=draft.changes[0].after, now=now,
        )  # fmt: skip
        audit_events(deps, conn, ctx, events, now)
        follow(deps, conn, events)
    return request
