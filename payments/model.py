"""Bank-account versions: a payment may go only to an *active* version. Pure rules.

Every account a supplier has ever had is a version. Its state follows from the facts
recorded on it (who approved it and when, when its ownership was proven, when it was
retired) and from the clock::

    proposed ──verify──▶ ownership_verified ──approve──▶ cooling_off until T ──(T)──▶ active
        └──approve──▶ approved (awaiting proof) ──verify──┘                  retire ──▶ retired

Both facts are needed; cooling-off starts when the later of the two is recorded, so a
fraudulent account that slipped through has ``cooling_off`` to be noticed by the real
supplier before money leaves. Retiring is final.

>>> from datetime import datetime, timedelta, timezone
>>> t = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
>>> v = AccountVersion.propose("v-1", "s-1", "a-1", 1, "bidx", "工行", "甲公司", t)
>>> v = v.approve(("alice", "bob"), t, cooling_off=timedelta(hours=48))
>>> v.state_at(t).value
'approved'
>>> v = v.verify("demo", t + timedelta(hours=1), cooling_off=timedelta(hours=48))
>>> v.state_at(t + timedelta(hours=2)).value, v.state_at(t + timedelta(hours=49)).value
('cooling_off', 'active')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from payments.errors import VersionTransitionError

__all__ = ["AccountVersion", "VersionState", "require_utc"]


class VersionState(StrEnum):
    PROPOSED = "proposed"
    OWNERSHIP_VERIFIED = "ownership_verified"
    APPROVED = "approved"  # approved, ownership not proven yet
    COOLING_OFF = "cooling_off"
    ACTIVE = "active"
    RETIRED = "retired"


def require_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"{name} must be an aware UTC datetime")
    return value


@dataclass(frozen=True)
class AccountVersion:
    """One version of one bank account of one supplier.

    ``account_bidx`` is the blind index of the account number (the number itself stays
    sealed in ``bank_account``); ``number`` counts the versions of that bank account.
    """

    id: str
    supplier_id: str
    bank_account_id: str
    number: int
    account_bidx: str
    bank_name: str
    holder_name: str
    proposed_at: datetime
    verified_at: datetime | None = None
    verification_method: str | None = None
    approvers: tuple[str, ...] = ()
    approved_at: datetime | None = None
    cooling_until: datetime | None = None
    retired_at: datetime | None = None
    change_request_id: str | None = None

    @classmethod
    def propose(
        cls,
        version_id: str,
        supplier_id: str,
        bank_account_id: str,
        number: int,
        account_bidx: str,
        bank_name: str,
        holder_name: str,
        now: datetime,
        *,
        change_request_id: str | None = None,
    ) -> AccountVersion:
        return cls(
            id=version_id,
            supplier_id=supplier_id,
            bank_account_id=bank_account_id,
            number=number,
            account_bidx=account_bidx,
            bank_name=bank_name,
            holder_name=holder_name,
            proposed_at=require_utc(now, "now"),
            change_request_id=change_request_id,
        )

    def state_at(self, now: datetime) -> VersionState:
        if self.retired_at is not None and self.retired_at <= now:
            return VersionState.RETIRED
        if self.approved_at is None:
            verified = self.verified_at is not None
            return VersionState.OWNERSHIP_VERIFIED if verified else VersionState.PROPOSED
        if self.verified_at is None:
            return VersionState.APPROVED
        assert self.cooling_until is not None
        return VersionState.COOLING_OFF if now < self.cooling_until else VersionState.ACTIVE

    @property
    def valid_from(self) -> datetime | None:
        """When payments may start (the end of cooling-off), once both facts are in."""
        return self.cooling_until

    def verify(self, method: str, now: datetime, *, cooling_off: timedelta) -> AccountVersion:
        """Ownership proven (by a verification service or a small-amount check)."""
        self._ensure_open("verified", now)
        if self.verified_at is not None:
            raise VersionTransitionError("verified", "ownership_verified")
        verified = replace(self, verified_at=require_utc(now, "now"), verification_method=method)
        return verified._start_cooling(now, cooling_off)

    def approve(
        self, approvers: tuple[str, ...], now: datetime, *, cooling_off: timedelta
    ) -> AccountVersion:
        """Approved by ``approvers`` (the people who approved the bank change)."""
        self._ensure_open("approved", now)
        if self.approved_at is not None:
            raise VersionTransitionError("approved", "approved")
        if not approvers:
            raise ValueError("an approval names its approvers")
        approved = replace(self, approvers=approvers, approved_at=require_utc(now, "now"))
        return approved._start_cooling(now, cooling_off)

    def add_approval(
        self, approver: str, now: datetime, *, required: int, cooling_off: timedelta
    ) -> AccountVersion:
        """One more person approves a version filed outside the change flow (an import);
        approved once ``required`` distinct people did. Until then ``approvers`` lists
        those who approved and ``approved_at`` stays empty.

        >>> from datetime import datetime, timedelta, timezone
        >>> t = datetime(2026, 12, 1, tzinfo=timezone.utc)
        >>> v = AccountVersion.propose("v-1", "s-1", "a-1", 1, "bidx", "工行", "甲公司", t)
        >>> v = v.add_approval("alice", t, required=2, cooling_off=timedelta(0))
        >>> v.state_at(t).value, v.approvers
        ('proposed', ('alice',))
        >>> v.add_approval("bob", t, required=2, cooling_off=timedelta(0)).state_at(t).value
        'approved'
        """
        self._ensure_open("approved", now)
        if self.approved_at is not None:
            raise VersionTransitionError("approved", "approved")
        if approver in self.approvers:
            raise VersionTransitionError("approved twice by one person", "approved")
        approvers = (*self.approvers, approver)
        if len(approvers) < required:
            return replace(self, approvers=approvers)
        approved = replace(self, approvers=approvers, approved_at=require_utc(now, "now"))
        return approved._start_cooling(now, cooling_off)

    def retire(self, now: datetime) -> AccountVersion:
        """Retired: the account was replaced or closed; final."""
        self._ensure_open("retired", now)
        return replace(self, retired_at=require_utc(now, "now"))

    def _start_cooling(self, now: datetime, cooling_off: timedelta) -> AccountVersion:
        if self.verified_at is None or self.approved_at is None:
            return self
        return replace(self, cooling_until=now + cooling_off)

    def _ensure_open(self, act: str, now: datetime) -> None:
        if self.retired_at is not None:
            raise VersionTransitionError(act, VersionState.RETIRED.value)
