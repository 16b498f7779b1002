"""Proposing a change, and taking it back: :func:`submit_change`, :func:`withdraw_change`.

Every channel (supplier pages, staff pages, import, API) calls :func:`submit_change`, and
the same rules hold whatever the channel: the caller's role may propose, the supplier is
one the caller may see and is not archived, every proposal speaks of this supplier's own
record only (:func:`approvals.proposals.diff`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from approvals import ChangeKind, ChangeRequest, Channel, RiskFlag, assess_risk
from approvals.proposals import InvalidProposalError, Proposal, change_kind, diff
from approvals.risk import AccountInRequest, accounts_in
from portal.audit.log import AuditContext
from portal.changes.deps import (
    PROPOSERS,
    ChangeDeps,
    audit_events,
    lock_visible,
    visible_supplier,
)
from portal.changes.effects import follow
from portal.changes.errors import (
    ConcurrentReviewError,
    NotAllowedError,
    SupplierArchivedError,
    SupplierNotFoundError,
)
from portal.changes.identity import refuse_taken_foreign_number
from portal.domain.findings import Finding
from portal.domain.principal import Principal
from portal.domain.supplier import LifecycleState, Supplier

__all__ = ["submit_change", "withdraw_change"]


def _risk_flags(
    deps: ChangeDeps, conn: Connection, draft: ChangeRequest, supplier: Supplier, now: datetime
) -> tuple[RiskFlag, ...]:
    """The rules are :func:`approvals.assess_risk`; this looks up what they need."""
    holders = {a.id: a.holder_name for a in supplier.bank_accounts if a.id}
    accounts = [
        AccountInRequest(
            new.get("holder_name"),
            deps.sealer.index("bank_account", number)
            if (number := new.get("account_number"))
            else None,
        )
        for new in accounts_in(draft.changes, holders).values()
    ]
    indexes = [a.blind_index for a in accounts if a.blind_index]
    owners = deps.suppliers.bank_account_owners(conn, indexes) if indexes else {}
    times = deps.records.request_times(conn, supplier.id or "", now - deps.risk.frequent_window)
    return assess_risk(
        draft,
        now=now,
        registered_name=supplier.name,
        accounts=accounts,
        suppliers_using=lambda index: owners.get(index, set()),
        recent_request_times=[*times, now],
        settings=deps.risk,
    )


def submit_change(
    deps: ChangeDeps,
    ctx: AuditContext,
    requester: Principal,
    supplier_id: str,
    proposals: Sequence[Proposal],
    *,
    channel: Channel = Channel.PORTAL,
    kind: ChangeKind | None = None,
    evidence: Sequence[Finding] = (),
) -> ChangeRequest:
    """Turn proposals into a pending change request, diffed against the current record.

    ``evidence``: findings that say what the request rests on (the licence it was read
    from), kept with the request's own findings for the approver."""
    if requester.role not in PROPOSERS:
        raise NotAllowedError(f"role {requester.role.value} may not propose changes")
    visible_supplier(requester, supplier_id)
    if not proposals:
        raise InvalidProposalError("propose at least one change")
    now = deps.clock()
    with deps.engine.begin() as conn:
        supplier = deps.suppliers.get(conn, supplier_id)
        if supplier is None:
            raise SupplierNotFoundError(supplier_id)
        if supplier.lifecycle_state is LifecycleState.ARCHIVED:
            raise SupplierArchivedError(supplier_id)
        changes, findings = diff(supplier, proposals)
        refuse_taken_foreign_number(deps.suppliers, conn, supplier_id, changes)
        draft = ChangeRequest(
            id=str(uuid.uuid4()),
            supplier_id=supplier_id,
            kind=kind or change_kind(proposals),
            channel=channel,
            requested_by=requester.subject,
            requester_role=requester.role.value,
            requested_at=now,
            base_version=supplier.version,
            changes=changes,
            findings=(*findings, *evidence),
        )
        draft = replace(draft, risk_flags=_risk_flags(deps, conn, draft, supplier, now))
        request, events = draft.submit(now)
        deps.records.insert(conn, request, deps.policy_in(conn).approvals_required(request))
        audit_events(deps, conn, ctx, events, now)
        follow(deps, conn, events)
    return request


def withdraw_change(
    deps: ChangeDeps, ctx: AuditContext, by: Principal, request_id: str
) -> ChangeRequest:
    """The requester takes back a request still under review."""
    now = deps.clock()
    with deps.engine.begin() as conn:
        request, revision = lock_visible(deps, conn, by, request_id)
        withdrawn, events = request.withdraw(by.subject, now)
        if not deps.records.save_transition(conn, request, withdrawn, revision):
            raise ConcurrentReviewError(request.id)
        audit_events(deps, conn, ctx, events, now)
        follow(deps, conn, events)
    return withdrawn
