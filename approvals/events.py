"""Past-tense events recorded by :class:`approvals.model.ChangeRequest` acts.

Each business method returns ``(new_request, [events])``; the caller stores the request
and writes each event to the outbox and the audit log in the same transaction.
:func:`event_detail` is what the audit entry of an event says (its ``after``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from approvals.model import CallBack, FieldChange

__all__ = [
    "ChangeApplied",
    "ChangeApproved",
    "ChangeConflicted",
    "ChangeEvent",
    "ChangeRebased",
    "ChangeRejected",
    "ChangeSubmitted",
    "ChangeWithdrawn",
    "FieldsRejected",
    "event_detail",
]


@dataclass(frozen=True, kw_only=True)
class ChangeEvent:
    request_id: str
    supplier_id: str
    at: datetime

    @property
    def name(self) -> str:
        """Dotted audit action, e.g. ``change.approved``."""
        return _NAMES[type(self)]


@dataclass(frozen=True, kw_only=True)
class ChangeSubmitted(ChangeEvent):
    kind: str
    channel: str
    requested_by: str
    field_keys: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ChangeApproved(ChangeEvent):
    """One approval was recorded; ``fully_approved`` says whether the policy is now met."""

    approver_id: str
    role: str
    call_back: CallBack | None
    approvals_given: int
    approvals_required: int
    fully_approved: bool


@dataclass(frozen=True, kw_only=True)
class FieldsRejected(ChangeEvent):
    """Some fields were rejected; the rest of the request is still under review."""

    reviewer_id: str
    role: str
    reasons: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class ChangeRejected(ChangeEvent):
    """Every field is now rejected, so the whole request is closed."""

    reviewer_id: str
    role: str
    reasons: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class ChangeWithdrawn(ChangeEvent):
    withdrawn_by: str


@dataclass(frozen=True, kw_only=True)
class ChangeApplied(ChangeEvent):
    """The approved fields reached the master record; rejected fields were left out."""

    applied: tuple[FieldChange, ...]
    skipped_field_keys: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ChangeConflicted(ChangeEvent):
    """The record moved on under the request. ``field_keys`` are the fields another request
    changed meanwhile (empty: the whole record, e.g. after a merge or an unknown write)."""

    base_version: int
    current_version: int
    field_keys: tuple[str, ...] = ()
    changed_by_request: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChangeRebased(ChangeEvent):
    """Another request changed other fields; this one now starts from the new version."""

    base_version: int
    current_version: int
    changed_by_request: str


_NAMES: dict[type[ChangeEvent], str] = {
    ChangeEvent: "change.event",
    ChangeSubmitted: "change.submitted",
    ChangeApproved: "change.approved",
    FieldsRejected: "change.fields_rejected",
    ChangeRejected: "change.rejected",
    ChangeWithdrawn: "change.withdrawn",
    ChangeApplied: "change.applied",
    ChangeConflicted: "change.conflicted",
    ChangeRebased: "change.rebased",
}


def event_detail(event: ChangeEvent) -> dict[str, Any]:
    """The facts of an event its audit entry records (JSON-ready, no sensitive value)."""
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
        detail: dict[str, Any] = {
            "base_version": event.base_version,
            "current_version": event.current_version,
        }
        if event.field_keys:
            detail["field_keys"] = list(event.field_keys)
            detail["changed_by_request"] = event.changed_by_request
        return detail
    if isinstance(event, ChangeRebased):
        return {
            "base_version": event.base_version,
            "current_version": event.current_version,
            "changed_by_request": event.changed_by_request,
        }
    return {}
