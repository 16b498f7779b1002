"""Payment hold: do not pay a supplier while its bank details are in flux. Pure rule.

Payments are held while any bank change request is open (pending, partially approved,
or approved but not yet applied), and for a cooling-off period (48 hours by default)
after the last bank change was applied, so that a fraudulent change can still be caught
by the real supplier before money leaves.

>>> from datetime import datetime, timedelta, timezone
>>> applied = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
>>> evaluate_payment_hold([], applied, now=applied + timedelta(hours=1))
PaymentHold(on_hold=True, reason_code='bank_change.cooling_off', \
until=datetime.datetime(2024, 5, 3, 8, 0, tzinfo=datetime.timezone.utc))
>>> evaluate_payment_hold([], applied, now=applied + timedelta(hours=48))
PaymentHold(on_hold=False, reason_code=None, until=None)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from approvals.model import ChangeRequest, Status, require_utc

__all__ = [
    "COOLING_OFF",
    "DEFAULT_COOLING_OFF",
    "PENDING_BANK_CHANGE",
    "PaymentHold",
    "evaluate_payment_hold",
]

PENDING_BANK_CHANGE = "bank_change.pending"
COOLING_OFF = "bank_change.cooling_off"
DEFAULT_COOLING_OFF = timedelta(hours=48)

_OPEN = frozenset({Status.PENDING, Status.PARTIALLY_APPROVED, Status.APPROVED})


@dataclass(frozen=True)
class PaymentHold:
    """``until`` is None while a request is open: the hold lasts until it is decided."""

    on_hold: bool
    reason_code: str | None = None
    until: datetime | None = None


RELEASED = PaymentHold(on_hold=False)


def evaluate_payment_hold(
    bank_change_requests: Iterable[ChangeRequest],
    last_bank_change_applied_at: datetime | None,
    *,
    now: datetime,
    cooling_off: timedelta = DEFAULT_COOLING_OFF,
) -> PaymentHold:
    """Whether to hold payments to the supplier at ``now``.

    ``bank_change_requests`` may include closed or non-bank requests; only open requests
    that touch bank details count. An open request wins over cooling-off.
    """
    require_utc(now, "now")
    if any(r.status in _OPEN and r.touches_bank_details for r in bank_change_requests):
        return PaymentHold(on_hold=True, reason_code=PENDING_BANK_CHANGE, until=None)
    if last_bank_change_applied_at is not None:
        until = require_utc(last_bank_change_applied_at, "last_bank_change_applied_at")
        until += cooling_off
        if now < until:
            return PaymentHold(on_hold=True, reason_code=COOLING_OFF, until=until)
    return RELEASED
