"""Change requests: the only way anything reaches a supplier's master record.

A request moves through the statuses in :data:`TRANSITIONS`; each act is a method named
for the business act that returns ``(new_request, events)`` and leaves ``self`` untouched::

    draft ──submit──▶ pending ──approve──▶ partially_approved ──approve──▶ approved
                        │  └──────────────approve (enough)──────────────────▶ │
                        ├──reject (every field)──▶ rejected                   ├─▶ applied
                        └──withdraw (requester)──▶ withdrawn                  └─▶ conflict

Field-level decisions: every :class:`FieldChange` has a :class:`FieldDecision`. A reviewer
may reject some fields (each with a reason) and approve the rest; once the policy's
approvals are met the remaining pending fields become approved and only those are applied.
Rejecting every field closes the request as ``rejected``.

>>> from datetime import datetime, timezone
>>> t = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
>>> request = ChangeRequest(
...     id="r1", supplier_id="s1", kind=ChangeKind.CONTACT_CHANGE, channel=Channel.PORTAL,
...     requested_by="u-supplier", requester_role="supplier_user", requested_at=t,
...     base_version=7,
...     changes=(FieldChange("contact", "c1", "role", "财务", "采购", sensitive=False),),
... )
>>> request, events = request.submit(t)
>>> request.status, events[0].name
(<Status.PENDING: 'pending'>, 'change.submitted')
>>> request, events = request.approve("u-boss", "purchasing_supervisor", t)
>>> request.status, [c.field_name for c in request.approved_changes]
(<Status.APPROVED: 'approved'>, ['role'])
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol, TypedDict

from approvals.errors import (
    InvalidInputError,
    InvalidTransitionError,
    NaiveDatetimeError,
    NotInConflictError,
    NotRequesterError,
    UnknownFieldError,
    VersionConflictError,
)
from approvals.events import (
    ChangeApplied,
    ChangeApproved,
    ChangeConflicted,
    ChangeEvent,
    ChangeRebased,
    ChangeRejected,
    ChangeSubmitted,
    ChangeWithdrawn,
    FieldsRejected,
)

__all__ = [
    "BANK_FIELDS",
    "BANK_KINDS",
    "TRANSITIONS",
    "Approval",
    "CallBack",
    "CallBackOutcome",
    "ChangeKind",
    "ChangeRequest",
    "Channel",
    "Entity",
    "FieldChange",
    "FieldDecision",
    "Finding",
    "RiskFlag",
    "Status",
    "Verdict",
    "require_utc",
]


class ChangeKind(StrEnum):
    SUPPLIER_PROFILE = "supplier_profile"
    BANK_ACCOUNT_ADD = "bank_account_add"
    BANK_ACCOUNT_CHANGE = "bank_account_change"
    BANK_ACCOUNT_RETIRE = "bank_account_retire"
    INVOICING_PROFILE = "invoicing_profile"
    CONTACT_ADD = "contact_add"
    CONTACT_CHANGE = "contact_change"
    CONTACT_REMOVE = "contact_remove"
    MERGE_SUPPLIERS = "merge_suppliers"


class Channel(StrEnum):
    PORTAL = "portal"
    STAFF = "staff"
    IMPORT = "import"
    API = "api"


class Entity(StrEnum):
    """What a :class:`FieldChange` touches (``FieldChange.entity``)."""

    SUPPLIER = "supplier"
    BANK_ACCOUNT = "bank_account"
    INVOICING_PROFILE = "invoicing_profile"
    CONTACT = "contact"


class Status(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    PARTIALLY_APPROVED = "partially_approved"
    APPROVED = "approved"
    APPLIED = "applied"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CONFLICT = "conflict"


#: Legal status moves. Self-loops record a review act that does not finish the review:
#: a field rejected while others remain, or an approval short of the policy's count.
TRANSITIONS: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        # a draft opened for the supplier (registry facts to confirm) is withdrawn when
        # the facts agree again before anyone submitted it
        Status.DRAFT: frozenset({Status.PENDING, Status.WITHDRAWN}),
        # An open request conflicts when another one changed one of its fields (rebase).
        Status.PENDING: frozenset(
            {
                Status.PENDING,
                Status.PARTIALLY_APPROVED,
                Status.APPROVED,
                Status.REJECTED,
                Status.WITHDRAWN,
                Status.CONFLICT,
            }
        ),
        Status.PARTIALLY_APPROVED: frozenset(
            {
                Status.PARTIALLY_APPROVED,
                Status.APPROVED,
                Status.REJECTED,
                Status.WITHDRAWN,
                Status.CONFLICT,
            }
        ),
        Status.APPROVED: frozenset({Status.APPLIED, Status.CONFLICT}),
        Status.APPLIED: frozenset(),
        Status.REJECTED: frozenset(),
        Status.WITHDRAWN: frozenset(),
        Status.CONFLICT: frozenset(),
    }
)

#: Why a field of an open request can no longer apply (shown to the supplier, both languages).
CHANGED_MEANWHILE = (
    "此字段已被另一项已生效的变更申请修改，请基于最新资料重新提交 / This field was changed by "
    "another request that took effect meanwhile; please propose it again from the current data"
)

#: Kinds that always count as a bank change (two approvals and a call-back by default).
BANK_KINDS: frozenset[ChangeKind] = frozenset(
    {
        ChangeKind.BANK_ACCOUNT_ADD,
        ChangeKind.BANK_ACCOUNT_CHANGE,
        ChangeKind.BANK_ACCOUNT_RETIRE,
        ChangeKind.MERGE_SUPPLIERS,
    }
)
#: ``entity.field_name`` of fields outside bank-account entities that carry bank data
#: (开票信息 的 开户行 / 账号).
BANK_FIELDS: frozenset[str] = frozenset(
    {"invoicing_profile.bank_name", "invoicing_profile.bank_account"}
)


class Verdict(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CallBackOutcome(StrEnum):
    CONFIRMED = "confirmed"
    DENIED = "denied"
    UNREACHABLE = "unreachable"


class Finding(Protocol):
    """A validation finding from elsewhere (stdnum, registry, tax bureau): only ``code``."""

    @property
    def code(self) -> str: ...


def require_utc(value: datetime, name: str) -> datetime:
    """Return ``value`` if it is timezone-aware UTC, else raise :class:`NaiveDatetimeError`."""
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise NaiveDatetimeError(name)
    return value


@dataclass(frozen=True)
class FieldChange:
    """One field of one entity, before and after. Sensitive values are encrypted tokens."""

    entity: str
    entity_id: str
    field_name: str
    before: str | None
    after: str | None
    sensitive: bool = False

    @property
    def key(self) -> str:
        """Stable key used for decisions and reasons: ``entity[entity_id].field_name``."""
        return f"{self.entity}[{self.entity_id}].{self.field_name}"

    @property
    def touches_bank_details(self) -> bool:
        return (
            self.entity == Entity.BANK_ACCOUNT or f"{self.entity}.{self.field_name}" in BANK_FIELDS
        )


@dataclass(frozen=True)
class FieldDecision:
    field_key: str
    verdict: Verdict = Verdict.PENDING
    reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


_UNMASKED_NUMBER = re.compile(r"\d{7,}")


@dataclass(frozen=True)
class CallBack:
    """A supervisor's telephone call to a contact on file confirming the change."""

    contact_id: str
    phone_masked: str
    called_at: datetime
    outcome: CallBackOutcome
    note: str = ""

    def __post_init__(self) -> None:
        require_utc(self.called_at, "called_at")
        if _UNMASKED_NUMBER.search(self.phone_masked.replace("-", "").replace(" ", "")):
            raise InvalidInputError(
                "phone_masked must be masked, e.g. 138****5678.",
                message_zh="phone_masked 须为脱敏号码，例如 138****5678。",
            )


@dataclass(frozen=True)
class Approval:
    approver_id: str
    role: str
    at: datetime
    call_back: CallBack | None = None


@dataclass(frozen=True)
class RiskFlag:
    """A reason for a reviewer to look harder; computed by :mod:`approvals.risk`."""

    code: str
    message_en: str
    message_zh: str
    evidence: Mapping[str, object] = field(default_factory=dict)


class ApprovalRules(Protocol):
    """What :meth:`ChangeRequest.approve` needs from a policy (see :mod:`approvals.policy`)."""

    def check_reviewer(self, request: ChangeRequest, reviewer: str, role: str) -> None: ...

    def check_approval(
        self,
        request: ChangeRequest,
        reviewer: str,
        role: str,
        call_back: CallBack | None,
        contacts_on_file: Collection[str],
        now: datetime,
    ) -> None: ...

    def approvals_required(self, request: ChangeRequest) -> int: ...


def _default_rules() -> ApprovalRules:
    # policy imports model, so the default is resolved when first needed.
    from approvals.policy import DEFAULT_POLICY

    return DEFAULT_POLICY


Result = tuple["ChangeRequest", list[ChangeEvent]]


class _EventIds(TypedDict):
    request_id: str
    supplier_id: str
    at: datetime


@dataclass(frozen=True)
class ChangeRequest:
    id: str
    supplier_id: str
    kind: ChangeKind
    channel: Channel
    requested_by: str
    requester_role: str
    requested_at: datetime
    base_version: int
    changes: tuple[FieldChange, ...]
    findings: tuple[Finding, ...] = ()
    risk_flags: tuple[RiskFlag, ...] = ()
    approvals: tuple[Approval, ...] = ()
    decisions: tuple[FieldDecision, ...] = ()
    status: Status = Status.DRAFT
    submitted_at: datetime | None = None
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        require_utc(self.requested_at, "requested_at")
        keys = [change.key for change in self.changes]
        if len(set(keys)) != len(keys):
            raise InvalidInputError(
                "A change request cannot change the same field twice.",
                message_zh="同一变更申请不能重复修改同一字段。",
            )
        if not self.decisions:
            pending = tuple(FieldDecision(key) for key in keys)
            object.__setattr__(self, "decisions", pending)
        elif [d.field_key for d in self.decisions] != keys:
            raise InvalidInputError(
                "decisions must list one decision per change, in the same order.",
                message_zh="字段审批结论须与变更字段一一对应。",
            )

    # ---- questions -------------------------------------------------------------------

    @property
    def field_keys(self) -> tuple[str, ...]:
        return tuple(change.key for change in self.changes)

    @property
    def touches_bank_details(self) -> bool:
        return self.kind in BANK_KINDS or any(c.touches_bank_details for c in self.changes)

    @property
    def touched_contact_ids(self) -> frozenset[str]:
        """Contacts this request adds, changes or removes: not valid call-back targets."""
        return frozenset(c.entity_id for c in self.changes if c.entity == Entity.CONTACT)

    @property
    def approved_changes(self) -> tuple[FieldChange, ...]:
        """The changes that will be applied: only fields whose decision is approved."""
        return self._changes_with(Verdict.APPROVED)

    @property
    def rejected_changes(self) -> tuple[FieldChange, ...]:
        return self._changes_with(Verdict.REJECTED)

    @property
    def pending_changes(self) -> tuple[FieldChange, ...]:
        return self._changes_with(Verdict.PENDING)

    def decision_for(self, field_key: str) -> FieldDecision:
        for decision in self.decisions:
            if decision.field_key == field_key:
                return decision
        raise UnknownFieldError(field_key, self.field_keys)

    def is_stale(self, current_version: int) -> bool:
        """True when the supplier record moved on since the request was drafted."""
        return current_version != self.base_version

    def can_become(self, status: Status) -> bool:
        return status in TRANSITIONS[self.status]

    # ---- acts ------------------------------------------------------------------------

    def submit(self, now: datetime) -> Result:
        require_utc(now, "now")
        self._ensure("submit", Status.PENDING)
        if not self.changes:
            raise InvalidInputError(
                "A change request must change at least one field.",
                message_zh="变更申请至少须修改一个字段。",
            )
        submitted = replace(self, status=Status.PENDING, submitted_at=now)
        event = ChangeSubmitted(
            **self._event_ids(now),
            kind=self.kind,
            channel=self.channel,
            requested_by=self.requested_by,
            field_keys=self.field_keys,
        )
        return submitted, [event]

    def approve(
        self,
        reviewer: str,
        role: str,
        now: datetime,
        call_back: CallBack | None = None,
        *,
        rejected_fields: Mapping[str, str] | None = None,
        contacts_on_file: Collection[str] = frozenset(),
        policy: ApprovalRules | None = None,
    ) -> Result:
        """Record one approval; reject ``rejected_fields`` (key -> reason) in the same act.

        The request becomes ``approved`` once the policy's count of distinct approvals is
        met; the fields still pending then become approved. ``contacts_on_file`` are the
        supplier's contact ids before this request, for checking the call-back.
        """
        require_utc(now, "now")
        self._ensure("approve", Status.APPROVED)
        rules = policy if policy is not None else _default_rules()
        rules.check_approval(self, reviewer, role, call_back, contacts_on_file, now)
        request, events = self, list[ChangeEvent]()
        if rejected_fields:
            if set(rejected_fields) >= {c.key for c in self.pending_changes}:
                raise InvalidInputError(
                    "Every field would be rejected; reject the request instead of approving.",
                    message_zh="所有字段均被驳回，请直接驳回申请而不是审批通过。",
                )
            request, events = request._reject_fields(reviewer, role, now, rejected_fields)
        approvals = (*request.approvals, Approval(reviewer, role, now, call_back))
        # Counted with this approval: its call-back may stand in for an approver.
        required = rules.approvals_required(replace(request, approvals=approvals))
        done = len(approvals) >= required
        decisions = request.decisions
        if done:
            decisions = tuple(
                replace(d, verdict=Verdict.APPROVED, decided_by=reviewer, decided_at=now)
                if d.verdict is Verdict.PENDING
                else d
                for d in decisions
            )
        status = Status.APPROVED if done else Status.PARTIALLY_APPROVED
        request._ensure("approve", status)
        approved = replace(request, approvals=approvals, decisions=decisions, status=status)
        events.append(
            ChangeApproved(
                **self._event_ids(now),
                approver_id=reviewer,
                role=role,
                call_back=call_back,
                approvals_given=len(approvals),
                approvals_required=required,
                fully_approved=done,
            )
        )
        return approved, events

    def reject(
        self,
        reviewer: str,
        role: str,
        now: datetime,
        reasons: Mapping[str, str],
        *,
        policy: ApprovalRules | None = None,
    ) -> Result:
        """Reject the fields named in ``reasons`` (field key -> reason shown to the supplier).

        Rejecting some fields leaves the rest under review (event :class:`FieldsRejected`);
        once no field is pending the request is ``rejected`` (event :class:`ChangeRejected`).
        """
        require_utc(now, "now")
        self._ensure("reject", Status.REJECTED)
        rules = policy if policy is not None else _default_rules()
        rules.check_reviewer(self, reviewer, role)
        return self._reject_fields(reviewer, role, now, reasons)

    def reject_all(
        self,
        reviewer: str,
        role: str,
        now: datetime,
        reason: str,
        *,
        policy: ApprovalRules | None = None,
    ) -> Result:
        """Reject every pending field with the same reason."""
        reasons = {change.key: reason for change in self.pending_changes}
        return self.reject(reviewer, role, now, reasons, policy=policy)

    def withdraw(self, by: str, now: datetime) -> Result:
        require_utc(now, "now")
        self._ensure("withdraw", Status.WITHDRAWN)
        if by != self.requested_by:
            raise NotRequesterError(by)
        withdrawn = replace(self, status=Status.WITHDRAWN, closed_at=now)
        return withdrawn, [ChangeWithdrawn(**self._event_ids(now), withdrawn_by=by)]

    def mark_applied(self, now: datetime, *, current_version: int | None = None) -> Result:
        """Record that the approved fields reached the master record.

        Pass ``current_version`` to have a stale request refused with
        :class:`VersionConflictError`; then call :meth:`mark_conflict` instead.
        """
        require_utc(now, "now")
        self._ensure("apply", Status.APPLIED)
        if current_version is not None and self.is_stale(current_version):
            raise VersionConflictError(self.base_version, current_version)
        applied = replace(self, status=Status.APPLIED, closed_at=now)
        event = ChangeApplied(
            **self._event_ids(now),
            applied=self.approved_changes,
            skipped_field_keys=tuple(c.key for c in self.rejected_changes),
        )
        return applied, [event]

    def mark_conflict(self, current_version: int, now: datetime) -> Result:
        require_utc(now, "now")
        if self.status is not Status.APPROVED:  # open requests conflict through rebase()
            raise InvalidTransitionError("mark as conflicting", self.status.value, "conflict")
        if not self.is_stale(current_version):
            raise NotInConflictError(current_version)
        conflicted = replace(self, status=Status.CONFLICT, closed_at=now)
        event = ChangeConflicted(
            **self._event_ids(now),
            base_version=self.base_version,
            current_version=current_version,
        )
        return conflicted, [event]

    def rebase(
        self, changed: Collection[str], current_version: int, now: datetime, *, by_request: str
    ) -> Result:
        """Another request (``by_request``) wrote the fields ``changed`` and moved the record
        to ``current_version`` while this one was open.

        If this request touches none of those fields it simply starts from the new version
        (:class:`ChangeRebased`): its own fields still hold the values it was drafted on.
        If it touches some, it conflicts on those alone: each gets a rejected decision whose
        reason says which request changed it, and the request closes as ``conflict``
        (:class:`ChangeConflicted` with ``field_keys``); it can no longer apply.
        """
        require_utc(now, "now")
        touched = tuple(key for key in self.field_keys if key in changed)
        if not touched:
            self._ensure("rebase", self.status)
            rebased = replace(self, base_version=current_version)
            moved = ChangeRebased(
                **self._event_ids(now),
                base_version=self.base_version,
                current_version=current_version,
                changed_by_request=by_request,
            )
            return rebased, [moved]
        self._ensure("mark as conflicting", Status.CONFLICT)
        decisions = tuple(
            replace(d, verdict=Verdict.REJECTED, reason=CHANGED_MEANWHILE, decided_at=now)
            if d.field_key in touched
            else d
            for d in self.decisions
        )
        conflicted = replace(self, status=Status.CONFLICT, closed_at=now, decisions=decisions)
        event = ChangeConflicted(
            **self._event_ids(now),
            base_version=self.base_version,
            current_version=current_version,
            field_keys=touched,
            changed_by_request=by_request,
        )
        return conflicted, [event]

    # ---- internals -------------------------------------------------------------------

    def _ensure(self, act: str, to: Status) -> None:
        if not self.can_become(to):
            raise InvalidTransitionError(act, self.status.value, to.value)

    def _event_ids(self, now: datetime) -> _EventIds:
        return {"request_id": self.id, "supplier_id": self.supplier_id, "at": now}

    def _changes_with(self, verdict: Verdict) -> tuple[FieldChange, ...]:
        return tuple(
            change
            for change, decision in zip(self.changes, self.decisions, strict=True)
            if decision.verdict is verdict
        )

    def _reject_fields(
        self, reviewer: str, role: str, now: datetime, reasons: Mapping[str, str]
    ) -> Result:
        if not reasons:
            raise InvalidInputError(
                "Give at least one field to reject, each with a reason.",
                message_zh="请至少指定一个驳回字段，并逐一说明理由。",
            )
        cleaned: dict[str, str] = {}
        for key, reason in reasons.items():
            if self.decision_for(key).verdict is not Verdict.PENDING:
                raise InvalidInputError(
                    f"{key} has already been decided.", message_zh=f"{key} 已有审批结论。"
                )
            if not reason.strip():
                raise InvalidInputError(
                    f"Give a reason for rejecting {key}.", message_zh=f"请说明驳回 {key} 的理由。"
                )
            cleaned[key] = reason.strip()
        decisions = tuple(
            replace(
                d,
                verdict=Verdict.REJECTED,
                reason=cleaned[d.field_key],
                decided_by=reviewer,
                decided_at=now,
            )
            if d.field_key in cleaned
            else d
            for d in self.decisions
        )
        everything = all(d.verdict is Verdict.REJECTED for d in decisions)
        status = Status.REJECTED if everything else self.status
        self._ensure("reject", status)
        rejected = replace(
            self, decisions=decisions, status=status, closed_at=now if everything else None
        )
        ids = self._event_ids(now)
        frozen = MappingProxyType(cleaned)
        event: ChangeEvent
        if everything:
            event = ChangeRejected(**ids, reviewer_id=reviewer, role=role, reasons=frozen)
        else:
            event = FieldsRejected(**ids, reviewer_id=reviewer, role=role, reasons=frozen)
        return rejected, [event]
