"""Change-request use cases: the only way anything reaches a supplier's master record.

Every channel (supplier pages, staff pages, import, API) calls :func:`submit_change`;
reviewers call :func:`approve_change` / :func:`reject_change`; the requester may
:func:`withdraw_change`. When the last required approval is recorded the request is
applied in the same transaction (:func:`apply_change` does the same for an approved
request on its own). Each use case is one transaction holding the request's state, the
master-data writes, the audit entries and the outbox rows.

Concurrency: a review act first takes the write lock on the request row (see
:meth:`ChangeRecords.lock`), then stores its transition only ``WHERE revision = <read>``;
applying bumps the supplier with ``WHERE version = base_version`` and closes the request
``WHERE status = 'approved'``. Two supervisors approving at the same moment therefore
apply the request exactly once; the later one gets :class:`InvalidTransitionError`
(409) or, if the guard ever misses, :class:`ConcurrentReviewError` (409).

Errors: the :mod:`approvals` errors for review rules, plus
:class:`ChangeNotFoundError` (404: also what a supplier user gets for another supplier's
request), :class:`SupplierNotFoundError` (404), :class:`ConcurrentReviewError` (409),
:class:`~portal.changes.diff.InvalidProposalError` (422) and
:class:`NotAllowedError` (403).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from approvals import (
    DEFAULT_POLICY,
    ApprovalPolicy,
    CallBack,
    CallBackOutcome,
    ChangeApplied,
    ChangeApproved,
    ChangeConflicted,
    ChangeEvent,
    ChangeKind,
    ChangeRejected,
    ChangeRequest,
    ChangeSubmitted,
    Channel,
    Entity,
    FieldChange,
    FieldsRejected,
    PaymentHold,
    RiskFlag,
    RiskSettings,
    Status,
    StepUpRule,
    assess_risk,
    check_call_back_target,
    check_person,
    eligible_contact_ids,
    evaluate_payment_hold,
)
from approvals.payment_hold import DEFAULT_COOLING_OFF
from approvals.risk import holder_mismatch, shared_account
from crypto import mask_phone
from portal.audit.log import AuditContext, AuditLog
from portal.changes.apply import ChangeWriter
from portal.changes.call_back import candidates_for
from portal.changes.diff import InvalidProposalError, Proposal, diff, kind_for
from portal.changes.records import OPEN, ChangeRecords
from portal.changes.step_up import authentication_of
from portal.db.approval_tables import PaymentHoldRow
from portal.db.sealing import Sealer
from portal.db.supplier_store import SUPPLIER, SupplierStore
from portal.db.tables import table_of
from portal.dedup.screening import index_suppliers, merge_suppliers
from portal.domain.principal import Principal, Role
from portal.domain.supplier import Supplier
from portal.notifications.messages import Notifier, RecordingNotifier
from portal.verification.monitoring import request_verification

__all__ = [
    "CallBackInput",
    "ChangeDeps",
    "ChangeNotFoundError",
    "ConcurrentReviewError",
    "InvalidProposalError",
    "NotAllowedError",
    "Proposal",
    "SupplierNotFoundError",
    "apply_change",
    "approve_change",
    "get_change",
    "list_changes",
    "payment_hold",
    "reject_change",
    "submit_change",
    "visible_supplier",
    "withdraw_change",
]

HOLD = table_of(PaymentHoldRow)
#: Who may propose changes at all (suppliers only for their own record).
PROPOSERS = frozenset(
    {Role.SUPPLIER, Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN}
)


class ChangeNotFoundError(LookupError):
    """No such change request, or none this caller may see (same answer on purpose)."""

    def __init__(self, request_id: str) -> None:
        super().__init__(f"no change request {request_id}")
        self.request_id = request_id


class SupplierNotFoundError(LookupError):
    """No such supplier, or not one this caller may see."""

    def __init__(self, supplier_id: str) -> None:
        super().__init__(f"no supplier {supplier_id}")


class NotAllowedError(PermissionError):
    """The caller's role may not do this at all (not a rule of the approval policy)."""


class ConcurrentReviewError(RuntimeError):
    """Someone else acted on the request at the same moment; reload and look again."""

    def __init__(self, request_id: str) -> None:
        super().__init__(
            f"change request {request_id} was changed by someone else at the same moment; "
            "reload it and decide again"
        )


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ChangeDeps:
    """The collaborators of the use cases (built in the area factory or in tests)."""

    engine: Engine
    suppliers: SupplierStore
    audit: AuditLog
    notifier: Notifier = field(default_factory=RecordingNotifier)
    policy: ApprovalPolicy = DEFAULT_POLICY
    risk: RiskSettings = field(default_factory=RiskSettings)
    cooling_off: timedelta = DEFAULT_COOLING_OFF
    clock: Callable[[], datetime] = utc_now
    step_up: StepUpRule | None = None  # None: no fresh two-factor login asked of approvers
    records: ChangeRecords = field(init=False)
    writer: ChangeWriter = field(init=False)

    def __post_init__(self) -> None:
        self.records = ChangeRecords(self.sealer)
        self.writer = ChangeWriter(self.sealer)

    @property
    def sealer(self) -> Sealer:
        return self.suppliers.sealer


@dataclass(frozen=True)
class CallBackInput:
    """What the first approver of a bank change records: whom they called, the outcome.

    The masked phone number is taken from the contact on file, not typed in.
    """

    contact_id: str
    outcome: CallBackOutcome
    note: str = ""
    called_at: datetime | None = None


# -- scope ----------------------------------------------------------------------


def visible_supplier(viewer: Principal, supplier_id: str) -> None:
    """Raise :class:`SupplierNotFoundError` unless ``viewer`` may see this supplier."""
    if viewer.role is Role.SUPPLIER and viewer.supplier_id != supplier_id:
        raise SupplierNotFoundError(supplier_id)


def _visible(viewer: Principal, request: ChangeRequest | None, request_id: str) -> ChangeRequest:
    if request is None or (
        viewer.role is Role.SUPPLIER and viewer.supplier_id != request.supplier_id
    ):
        raise ChangeNotFoundError(request_id)
    return request


# -- submitting -----------------------------------------------------------------


def _kind(proposals: Sequence[Proposal]) -> ChangeKind:
    kinds = [kind_for(p) for p in proposals]
    bank = [k for k in kinds if k.value.startswith("bank_account")]
    return bank[0] if bank else kinds[0]


def _bank_entities(changes: Sequence[FieldChange]) -> dict[str, dict[str, str | None]]:
    entities: dict[str, dict[str, str | None]] = {}
    for c in changes:
        if c.entity == Entity.BANK_ACCOUNT and c.field_name != "retired":
            entities.setdefault(c.entity_id, {})[c.field_name] = c.after
    return entities


def _risk_flags(
    deps: ChangeDeps, conn: Connection, draft: ChangeRequest, supplier: Supplier, now: datetime
) -> tuple[RiskFlag, ...]:
    """Every risk flag: one pass of assess_risk, plus holder/shared checks of further accounts."""
    current = {a.id: a for a in supplier.bank_accounts}
    checks: list[tuple[str | None, str | None]] = []  # (holder, blind index) per account
    for account_id, new in _bank_entities(draft.changes).items():
        old = current.get(account_id)
        holder = (
            new.get("holder_name") if "holder_name" in new else (old.holder_name if old else None)
        )
        number = new.get("account_number")
        checks.append((holder, deps.sealer.index("bank_account", number) if number else None))
    indexes = [i for _, i in checks if i]
    owners = deps.suppliers.bank_account_owners(conn, indexes) if indexes else {}
    times = deps.records.request_times(conn, supplier.id or "", now - deps.risk.frequent_window)
    first_holder, first_index = checks[0] if checks else (None, None)
    flags = list(
        assess_risk(
            draft,
            now=now,
            registered_name=supplier.name,
            holder_name=first_holder,
            account_blind_index=first_index,
            suppliers_using=lambda index: owners.get(index, set()),
            recent_request_times=[*times, now],
            settings=deps.risk,
        )
    )
    for holder, index in checks[1:]:
        extra = [
            holder_mismatch(holder, supplier.name) if holder else None,
            shared_account(draft.supplier_id, index, owners.get(index, set())) if index else None,
        ]
        flags += [f for f in extra if f is not None and f not in flags]
    return tuple(flags)


def submit_change(
    deps: ChangeDeps,
    ctx: AuditContext,
    requester: Principal,
    supplier_id: str,
    proposals: Sequence[Proposal],
    *,
    channel: Channel = Channel.PORTAL,
    kind: ChangeKind | None = None,
) -> ChangeRequest:
    """Turn proposals into a pending change request, diffed against the current record."""
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
        changes, findings = diff(supplier, proposals)
        draft = ChangeRequest(
            id=str(uuid.uuid4()),
            supplier_id=supplier_id,
            kind=kind or _kind(proposals),
            channel=channel,
            requested_by=requester.subject,
            requester_role=requester.role.value,
            requested_at=now,
            base_version=supplier.version,
            changes=changes,
            findings=tuple(findings),
        )
        draft = replace(draft, risk_flags=_risk_flags(deps, conn, draft, supplier, now))
        request, events = draft.submit(now)
        deps.records.insert(conn, request, deps.policy.approvals_required(request))
        _audit_events(deps, conn, ctx, events, now)
        deps.notifier.change_submitted(conn, request, supplier.name)
    return request


MERGED_FROM = "merged_from"


def propose_merge(
    deps: ChangeDeps,
    ctx: AuditContext,
    requester: Principal,
    survivor_id: str,
    absorbed_id: str,
    *,
    channel: Channel = Channel.STAFF,
) -> ChangeRequest:
    """Propose merging ``absorbed_id`` into ``survivor_id`` (a likely duplicate).

    It goes through the approval flow like a bank change (two supervisors and a
    call-back); applying it moves every relationship to the survivor, keeps the
    absorbed names as aliases and archives the absorbed record.
    """
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
        deps.records.insert(conn, request, deps.policy.approvals_required(request))
        _audit_events(deps, conn, ctx, events, now)
        deps.notifier.change_submitted(conn, request, survivor.name)
    return request


# -- reviewing ------------------------------------------------------------------


def _locked(
    deps: ChangeDeps, conn: Connection, viewer: Principal, request_id: str
) -> tuple[ChangeRequest, int]:
    if not deps.records.lock(conn, request_id):
        raise ChangeNotFoundError(request_id)
    revision = deps.records.revision(conn, request_id)
    request = _visible(viewer, deps.records.get(conn, request_id), request_id)
    assert revision is not None
    return request, revision


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
    _audit_events(deps, conn, ctx, events, now)


def _supplier_name(deps: ChangeDeps, conn: Connection, supplier_id: str) -> str:
    name = conn.execute(select(SUPPLIER.c.name).where(SUPPLIER.c.id == supplier_id)).scalar()
    return str(name or supplier_id)


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
        request, revision = _locked(deps, conn, reviewer, request_id)
        check_person(deps.policy, request, reviewer.subject, is_person=reviewer.is_person)
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
            policy=deps.policy,
        )
        _store(deps, conn, ctx, request, approved, revision, events, now)
        if approved.status is Status.APPROVED:
            approved = _apply(deps, conn, ctx, approved, now)
        name = supplier.name if supplier else request.supplier_id
        if approved.status is not Status.PARTIALLY_APPROVED or rejected_fields:
            deps.notifier.change_decided(conn, approved, name)
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
        request, revision = _locked(deps, conn, reviewer, request_id)
        role = reviewer.role.value
        if reason_for_all is not None and not reasons:
            rejected, events = request.reject_all(
                reviewer.subject, role, now, reason_for_all, policy=deps.policy
            )
        else:
            rejected, events = request.reject(
                reviewer.subject, role, now, dict(reasons), policy=deps.policy
            )
        _store(deps, conn, ctx, request, rejected, revision, events, now)
        deps.notifier.change_decided(
            conn, rejected, _supplier_name(deps, conn, request.supplier_id)
        )
    return rejected


def withdraw_change(
    deps: ChangeDeps, ctx: AuditContext, by: Principal, request_id: str
) -> ChangeRequest:
    """The requester takes back a request still under review."""
    now = deps.clock()
    with deps.engine.begin() as conn:
        request, revision = _locked(deps, conn, by, request_id)
        withdrawn, events = request.withdraw(by.subject, now)
        _store(deps, conn, ctx, request, withdrawn, revision, events, now)
    return withdrawn


def apply_change(deps: ChangeDeps, ctx: AuditContext, request_id: str) -> ChangeRequest:
    """Apply an approved request (normally done by the approval that completes it)."""
    now = deps.clock()
    with deps.engine.begin() as conn:
        if not deps.records.lock(conn, request_id):
            raise ChangeNotFoundError(request_id)
        request = deps.records.get(conn, request_id)
        if request is None:
            raise ChangeNotFoundError(request_id)
        applied = _apply(deps, conn, ctx, request, now)
        deps.notifier.change_decided(conn, applied, _supplier_name(deps, conn, request.supplier_id))
    return applied


def _apply(
    deps: ChangeDeps, conn: Connection, ctx: AuditContext, request: ChangeRequest, now: datetime
) -> ChangeRequest:
    """Write the approved fields if the supplier is still at ``base_version``, else conflict."""
    bumped = conn.execute(
        update(SUPPLIER)
        .where(SUPPLIER.c.id == request.supplier_id, SUPPLIER.c.version == request.base_version)
        .values(version=SUPPLIER.c.version + 1, updated_at=now)
    )
    if bumped.rowcount != 1:
        current = conn.execute(
            select(SUPPLIER.c.version).where(SUPPLIER.c.id == request.supplier_id)
        ).scalar_one()
        closed, events = request.mark_conflict(int(current), now)
    elif request.kind is ChangeKind.MERGE_SUPPLIERS:
        _apply_merge(deps, conn, ctx, request, now)
        closed, events = request.mark_applied(now)
    else:
        written = deps.writer.write(conn, request.supplier_id, request.approved_changes, now)
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
        if any(c.touches_bank_details for c in written):
            _record_bank_change(conn, request, now)
        # The changed record is screened again (blocking keys) and re-verified against
        # the registry and tax bureau by the monitoring job, which picks it up as due.
        index_suppliers(conn, [request.supplier_id])
        request_verification(conn, [request.supplier_id], now=now, reason="change")
    if not deps.records.close(conn, closed, from_status=Status.APPROVED):
        raise ConcurrentReviewError(request.id)
    _audit_events(deps, conn, ctx, events, now)
    return closed


def _apply_merge(
    deps: ChangeDeps, conn: Connection, ctx: AuditContext, request: ChangeRequest, now: datetime
) -> None:
    """Move everything of the absorbed supplier to the survivor and audit what moved."""
    absorbed_id = next(c.after for c in request.changes if c.field_name == MERGED_FROM)
    if absorbed_id is None:
        raise InvalidProposalError("the merge request names no supplier to absorb")
    result = merge_suppliers(
        conn, request.supplier_id, absorbed_id, now=now, decided_by=request.requested_by
    )
    moved = json.dumps(result.moved, sort_keys=True)
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
    request_verification(conn, [request.supplier_id], now=now, reason="merge")


def _record_bank_change(conn: Connection, request: ChangeRequest, now: datetime) -> None:
    values = {"last_bank_change_applied_at": now, "last_request_id": request.id}
    updated = conn.execute(
        update(HOLD).where(HOLD.c.supplier_id == request.supplier_id).values(**values)
    )
    if updated.rowcount == 0:
        conn.execute(insert(HOLD).values(supplier_id=request.supplier_id, **values))


# -- audit ----------------------------------------------------------------------


def _event_detail(event: ChangeEvent) -> dict[str, Any]:
    if isinstance(event, ChangeSubmitted):
        return {"kind": event.kind, "channel": event.channel, "fields": list(event.field_keys)}
    if isinstance(event, ChangeApproved):
        cb = event.call_back
        return {
            "approvals_given": event.approvals_given,
            "approvals_required": event.approvals_required,
            "call_back": None
            if cb is None
            else {
                "contact_id": cb.contact_id,
                "phone_masked": cb.phone_masked,
                "called_at": cb.called_at.isoformat(),
                "outcome": cb.outcome.value,
                "note": cb.note,
            },
        }
    if isinstance(event, FieldsRejected | ChangeRejected):
        return {"reasons": dict(event.reasons)}
    if isinstance(event, ChangeApplied):
        return {
            "applied": [c.key for c in event.applied],
            "skipped": list(event.skipped_field_keys),
        }
    if isinstance(event, ChangeConflicted):
        return {"base_version": event.base_version, "current_version": event.current_version}
    return {}


def _audit_events(
    deps: ChangeDeps,
    conn: Connection,
    ctx: AuditContext,
    events: Sequence[ChangeEvent],
    now: datetime,
) -> None:
    for event in events:
        deps.audit.record(
            conn,
            ctx,
            event.name,
            subject_type="change_request",
            subject_id=event.request_id,
            after=json.dumps(_event_detail(event), ensure_ascii=False, sort_keys=True),
            now=now,
        )


# -- reading --------------------------------------------------------------------


def get_change(deps: ChangeDeps, viewer: Principal, request_id: str) -> ChangeRequest:
    """One request, if ``viewer`` may see it."""
    with deps.engine.connect() as conn:
        return _visible(viewer, deps.records.get(conn, request_id), request_id)


def list_changes(
    deps: ChangeDeps,
    viewer: Principal,
    *,
    supplier_id: str | None = None,
    statuses: Collection[Status] | None = None,
    limit: int = 200,
) -> list[ChangeRequest]:
    """Requests, newest first; a supplier user only ever gets their own supplier's."""
    if viewer.role is Role.SUPPLIER:
        if viewer.supplier_id is None:
            return []
        supplier_id = viewer.supplier_id
    with deps.engine.connect() as conn:
        ids = deps.records.ids(conn, supplier_id=supplier_id, statuses=statuses, limit=limit)
        return deps.records.load(conn, ids)


def payment_hold(
    deps: ChangeDeps, conn: Connection, supplier_id: str, now: datetime | None = None
) -> PaymentHold:
    """Whether payments to the supplier are on hold (open bank change, or cooling off)."""
    ids = deps.records.ids(conn, supplier_id=supplier_id, statuses=OPEN, bank_only=True)
    last = conn.execute(
        select(HOLD.c.last_bank_change_applied_at).where(HOLD.c.supplier_id == supplier_id)
    ).scalar_one_or_none()
    return evaluate_payment_hold(
        deps.records.load(conn, ids),
        last,
        now=now or deps.clock(),
        cooling_off=deps.cooling_off,
    )
