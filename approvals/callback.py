"""Which contacts a supervisor may call back to confirm a change: decided here, once.

A call-back only proves something if the number called was on file before the person who
asks for the change could touch it. Otherwise a fraudster who holds the supplier's portal
login first changes a contact's phone, then the bank account, and answers the call himself.
A contact is *eligible* when:

- it has a phone number, and this request does not add, change or remove it;
- no other open request (pending, partly or fully approved) touches it;
- its phone number was not set or changed by a request applied within the cooling-off
  period (``payment_cooling_off_hours``);
- its phone number was never set or changed by a request of this request's requester.

The approval page offers exactly :func:`call_back_candidates`' eligible contacts and shows
why the others are not offered; the approve use case checks the contact it is given with
:func:`check_call_back_target`, so a forged form value naming another contact is refused.
When no contact is eligible the call-back cannot be recorded: a bank change then waits (or
is rejected); a contact change can still be approved by two supervisors. A number "from an
independent source" is not accepted, because nothing could show that it was independent.

>>> from datetime import timedelta
>>> from tests.support.approvals import CONTACT_ON_FILE, at, bank_change
>>> [c.eligible for c in call_back_candidates(
...     bank_change(), [ContactOnFile(CONTACT_ON_FILE, has_phone=True)], [],
...     now=at(60), cooling_off=timedelta(hours=48))]
[True]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from approvals.errors import CallBackContactNotEligibleError, CallBackContactNotOnFileError
from approvals.model import ChangeRequest, Entity, Status, require_utc

__all__ = [
    "CallBackCandidate",
    "ContactOnFile",
    "Ineligible",
    "call_back_candidates",
    "check_call_back_target",
    "eligible_contact_ids",
]

_OPEN = frozenset({Status.PENDING, Status.PARTIALLY_APPROVED, Status.APPROVED})
_NUMBER_FIELDS = frozenset({"phone"})


class Ineligible(StrEnum):
    """Why a contact on file is not offered for the call-back."""

    NO_PHONE = "no_phone"
    TOUCHED_BY_THIS_REQUEST = "touched_by_this_request"
    PENDING_CHANGE = "pending_change"
    CHANGED_RECENTLY = "changed_recently"
    SET_BY_REQUESTER = "set_by_requester"

    @property
    def message_en(self) -> str:
        return _MESSAGES[self][0]

    @property
    def message_zh(self) -> str:
        return _MESSAGES[self][1]


_MESSAGES: dict[Ineligible, tuple[str, str]] = {
    Ineligible.NO_PHONE: ("it has no phone number on file.", "档案中没有其电话号码。"),
    Ineligible.TOUCHED_BY_THIS_REQUEST: (
        "this request adds, changes or removes this contact.",
        "本申请新增、修改或删除了该联系人。",
    ),
    Ineligible.PENDING_CHANGE: (
        "another request that changes this contact is still open.",
        "另有修改该联系人的申请尚未办结。",
    ),
    Ineligible.CHANGED_RECENTLY: (
        "its phone number was set or changed within the cooling-off period.",
        "其电话号码在冷静期内被设置或修改过。",
    ),
    Ineligible.SET_BY_REQUESTER: (
        "its phone number was set or changed by the person who requested this change.",
        "其电话号码是由本次变更的申请人设置或修改的。",
    ),
}


@dataclass(frozen=True)
class ContactOnFile:
    """A contact of the supplier as stored now (the number itself is not needed here)."""

    contact_id: str
    has_phone: bool


@dataclass(frozen=True)
class CallBackCandidate:
    """A contact on file and the reasons it may not be called back (none: eligible)."""

    contact_id: str
    reasons: tuple[Ineligible, ...] = ()

    @property
    def eligible(self) -> bool:
        return not self.reasons


def call_back_candidates(
    request: ChangeRequest,
    contacts: Iterable[ContactOnFile],
    history: Iterable[ChangeRequest],
    *,
    now: datetime,
    cooling_off: timedelta,
) -> tuple[CallBackCandidate, ...]:
    """Every contact on file, in the given order, with why it is not eligible (if so).

    ``history``: the supplier's other requests that touch contacts, open or applied (others
    are ignored, and so is ``request`` itself).
    """
    require_utc(now, "now")
    blocked: dict[str, set[Ineligible]] = {}
    for other in history:
        if other.id == request.id:
            continue
        if other.status in _OPEN:
            for contact_id in other.touched_contact_ids:
                blocked.setdefault(contact_id, set()).add(Ineligible.PENDING_CHANGE)
        elif other.status is Status.APPLIED:
            for contact_id in _numbers_set_by(other):
                reasons = blocked.setdefault(contact_id, set())
                if other.closed_at is None or other.closed_at > now - cooling_off:
                    reasons.add(Ineligible.CHANGED_RECENTLY)
                if other.requested_by == request.requested_by:
                    reasons.add(Ineligible.SET_BY_REQUESTER)
    candidates = []
    for contact in contacts:
        reasons = set(blocked.get(contact.contact_id, ()))
        if not contact.has_phone:
            reasons.add(Ineligible.NO_PHONE)
        if contact.contact_id in request.touched_contact_ids:
            reasons.add(Ineligible.TOUCHED_BY_THIS_REQUEST)
        ordered = tuple(r for r in Ineligible if r in reasons)
        candidates.append(CallBackCandidate(contact.contact_id, ordered))
    return tuple(candidates)


def _numbers_set_by(request: ChangeRequest) -> frozenset[str]:
    """Contacts whose phone number ``request`` set or changed when it was applied."""
    return frozenset(
        c.entity_id
        for c in request.approved_changes
        if c.entity == Entity.CONTACT and c.field_name in _NUMBER_FIELDS
    )


def eligible_contact_ids(candidates: Iterable[CallBackCandidate]) -> frozenset[str]:
    return frozenset(c.contact_id for c in candidates if c.eligible)


def check_call_back_target(candidates: Iterable[CallBackCandidate], contact_id: str) -> None:
    """Raise unless ``contact_id`` is one of the eligible ``candidates``."""
    for candidate in candidates:
        if candidate.contact_id == contact_id:
            if candidate.eligible:
                return
            if Ineligible.TOUCHED_BY_THIS_REQUEST in candidate.reasons:
                raise CallBackContactNotOnFileError(contact_id, added_by_request=True)
            why = candidate.reasons[0]
            raise CallBackContactNotEligibleError(contact_id, why.message_en, why.message_zh)
    raise CallBackContactNotOnFileError(contact_id, added_by_request=False)
