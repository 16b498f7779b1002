"""Applying an approved change to the supplier's master record: :func:`apply_change`.

The write happens only if the supplier is still at the request's ``base_version``
(else the request closes as a conflict) and is not archived (else
:class:`~portal.changes.errors.SupplierArchivedError`, and nothing of the act is kept).
Every field written gets a ``field.changed`` audit entry; what follows a change (payment
hold, screening, re-verification, telling the requester) follows from ``ChangeApplied``
(:mod:`portal.changes.effects`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection

from approvals import ChangeEvent, ChangeKind, ChangeRequest, Status
from portal.audit.log import AuditContext
from portal.changes.deps import ChangeDeps, audit_events
from portal.changes.effects import follow
from portal.changes.errors import ChangeNotFoundError, ConcurrentReviewError, SupplierArchivedError
from portal.changes.identity import refuse_taken_foreign_number
from portal.changes.merge import apply_merge, merge_events
from portal.feed import PendingEvent, record_events, type_of_change

__all__ = ["apply_approved", "apply_change", "rebase_others"]

#: Requests still under review: the ones another applied request can move or close.
REVIEWABLE = (Status.PENDING, Status.PARTIALLY_APPROVED)


def apply_change(deps: ChangeDeps, ctx: AuditContext, request_id: str) -> ChangeRequest:
    """Apply an approved request (normally done by the approval that completes it)."""
    now = deps.clock()
    with deps.engine.begin() as conn:
        if not deps.records.lock(conn, request_id):
            raise ChangeNotFoundError(request_id)
        request = deps.records.get(conn, request_id)
        if request is None:
            raise ChangeNotFoundError(request_id)
        applied, events = apply_approved(deps, conn, ctx, request, now)
        follow(deps, conn, events)
    return applied


def apply_approved(
    deps: ChangeDeps, conn: Connection, ctx: AuditContext, request: ChangeRequest, now: datetime
) -> tuple[ChangeRequest, list[ChangeEvent]]:
    """Write the approved fields if the supplier is still at ``base_version``, else conflict.

    Runs in the caller's transaction; returns the closed request and its events (audited
    here; the caller runs what follows from them).
    """
    if deps.master.is_archived(conn, request.supplier_id):
        raise SupplierArchivedError(request.supplier_id)
    feed: list[PendingEvent] = []
    if not deps.master.bump(conn, request.supplier_id, request.base_version, now):
        current = deps.master.version(conn, request.supplier_id)
        closed, events = request.mark_conflict(current, now)
    elif request.kind is ChangeKind.MERGE_SUPPLIERS:
        apply_merge(deps, conn, ctx, request, now)
        closed, events = request.mark_applied(now)
        feed = merge_events(closed)
    else:
        refuse_taken_foreign_number(
            deps.suppliers, conn, request.supplier_id, request.approved_changes
        )
        written = deps.writer.write(conn, request.supplier_id, request.approved_changes, now)
        rebase_others(deps, conn, ctx, request, {c.key for c in written}, now)
        for change in written:
            deps.audit.record(
                conn,
                ctx,
                "field.changed",
                subject_type="supplier",
                subject_id=request.supplier_id,
                field_name=change.key,
                before=change.before,
                after=change.after,
                sensitive=change.sensitive,
                now=now,
            )
        closed, events = request.mark_applied(now)
        if written:
            feed = [PendingEvent(type_of_change(written), request.supplier_id, closed.id,
                                 written, closed.approvals)]  # fmt: skip
    if not deps.records.close(conn, closed, from_status=Status.APPROVED):
        raise ConcurrentReviewError(request.id)
    audit_events(deps, conn, ctx, events, now)
    # last in the act: the feed head stays locked from here to the commit
    record_events(conn, deps.suppliers, feed, now=now)
    return closed, list(events)


def rebase_others(
    deps: ChangeDeps,
    conn: Connection,
    ctx: AuditContext,
    applied: ChangeRequest,
    written: Collection[str],
    now: datetime,
) -> None:
    """The supplier's other open requests drafted on the same version as ``applied``: those
    touching none of the ``written`` fields move onto the new version; the others conflict
    on the fields written under them (the rule is :meth:`approvals.ChangeRequest.rebase`).

    Each gets its own audit entries and side effects (the requester is told which field
    and why; an open bank change that closes no longer holds payments).
    """
    new_version = applied.base_version + 1
    ids = deps.records.ids(conn, supplier_id=applied.supplier_id, statuses=REVIEWABLE, limit=1000)
    for other in deps.records.load(conn, ids):
        if other.id == applied.id or other.base_version != applied.base_version:
            continue
        revision = deps.records.revision(conn, other.id)
        moved, events = other.rebase(written, new_version, now, by_request=applied.id)
        if revision is None or not deps.records.save_transition(conn, other, moved, revision):
            raise ConcurrentReviewError(other.id)
        audit_events(deps, conn, ctx, events, now)
        follow(deps, conn, events)
