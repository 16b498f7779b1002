"""Merging a likely duplicate into the record that survives: :func:`propose_merge`, and
the part of applying such a request that moves everything (:func:`apply_merge`).

A merge goes through the approval flow like a bank change (two supervisors and a
call-back); applying it moves every relationship to the survivor, keeps the absorbed
names as aliases and archives the absorbed record.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import Connection

from approvals import ChangeKind, ChangeRequest, Channel, Entity, FieldChange
from approvals.proposals import InvalidProposalError
from portal.audit.log import AuditContext
from portal.changes.deps import PROPOSERS, ChangeDeps, audit_events
from portal.changes.effects import MERGED_FROM, follow
from portal.changes.errors import NotAllowedError, SupplierArchivedError, SupplierNotFoundError
from portal.dedup import merge_suppliers
from portal.domain.principal import Principal, Role
from portal.domain.supplier import LifecycleState
from portal.feed import EventType, PendingEvent
from portal.payments.merging import repoint_versions

__all__ = ["MERGED_FROM", "apply_merge", "merge_events", "propose_merge"]


def propose_merge(
    deps: ChangeDeps,
    ctx: AuditContext,
    requester: Principal,
    survivor_id: str,
    absorbed_id: str,
    *,
    channel: Channel = Channel.STAFF,
) -> ChangeRequest:
    """Propose merging ``absorbed_id`` into ``survivor_id`` (a likely duplicate)."""
    if requester.role is Role.SUPPLIER or requester.role not in PROPOSERS:
        raise NotAllowedError("only purchasing may propose a merge of suppliers")
    if survivor_id == absorbed_id:
        raise InvalidProposalError("a supplier cannot be merged into itself")
    now = deps.clock()
    with deps.engine.begin() as conn:
        survivor = deps.suppliers.get(conn, survivor_id)
        absorbed = deps.suppliers.get(conn, absorbed_id)
        if survivor is None:
            raise SupplierNotFoundError(survivor_id)
        if absorbed is None:
            raise SupplierNotFoundError(absorbed_id)
        for record in (survivor, absorbed):
            if record.lifecycle_state is LifecycleState.ARCHIVED:
                raise SupplierArchivedError(record.id or "")
        draft = ChangeRequest(
            id=str(uuid.uuid4()),
            supplier_id=survivor_id,
            kind=ChangeKind.MERGE_SUPPLIERS,
            channel=channel,
            requested_by=requester.subject,
            requester_role=requester.role.value,
            requested_at=now,
            base_version=survivor.version,
            changes=(
                FieldChange(Entity.SUPPLIER, survivor_id, MERGED_FROM, None, absorbed_id),
                FieldChange(
                    Entity.SUPPLIER,
                    absorbed_id,
                    "lifecycle_state",
                    absorbed.lifecycle_state.value,
                    "archived",
                ),
            ),
        )
        request, events = draft.submit(now)
        deps.records.insert(conn, request, deps.policy_in(conn).approvals_required(request))
        audit_events(deps, conn, ctx, events, now)
        follow(deps, conn, events)
    return request


def apply_merge(
    deps: ChangeDeps, conn: Connection, ctx: AuditContext, request: ChangeRequest, now: datetime
) -> None:
    """Move everything of the absorbed supplier to the survivor and audit what moved."""
    absorbed_id = next(c.after for c in request.changes if c.field_name == MERGED_FROM)
    if absorbed_id is None:
        raise InvalidProposalError("the merge request names no supplier to absorb")
    result = merge_suppliers(
        conn, request.supplier_id, absorbed_id, now=now, decided_by=request.requested_by
    )
    versions = repoint_versions(conn, request.supplier_id, absorbed_id, now)
    moved = json.dumps({**result.moved, **versions.as_dict()}, sort_keys=True)
    deps.audit.record(
        conn, ctx, "supplier.merged", subject_type="supplier", subject_id=request.supplier_id,
        field_name=MERGED_FROM, before=None, after=f"{absorbed_id} moved {moved}", now=now,
    )  # fmt: skip
    deps.audit.record(
        conn, ctx, "field.changed", subject_type="supplier", subject_id=request.supplier_id,
        field_name="aliases", before=json.dumps(result.aliases_before, ensure_ascii=False),
        after=json.dumps(result.aliases_after, ensure_ascii=False), now=now,
    )  # fmt: skip
    for change in request.changes:
        deps.audit.record(
            conn, ctx, "field.changed", subject_type="supplier", subject_id=change.entity_id,
            field_name=change.field_name, before=change.before, after=change.after, now=now,
        )  # fmt: skip


def merge_events(applied: ChangeRequest) -> list[PendingEvent]:
    """The feed events of an applied merge: the survivor absorbed, the absorbed archived."""
    absorbed_id = next(c.after for c in applied.changes if c.field_name == MERGED_FROM) or ""
    survivor = [c for c in applied.changes if c.entity_id == applied.supplier_id]
    archived = [c for c in applied.changes if c.entity_id == absorbed_id]
    aliases = FieldChange(Entity.SUPPLIER, applied.supplier_id, "aliases", None, None)
    return [
        PendingEvent(EventType.MERGED, applied.supplier_id, applied.id, [*survivor, aliases],
                     applied.approvals, extra={"merged_from": absorbed_id}),
        PendingEvent(EventType.ARCHIVED, absorbed_id, applied.id, archived, applied.approvals,
                     extra={"merged_into": applied.supplier_id}),
    ]  # fmt: skip
