"""The verdict on one payment line: pass, hold (with reasons), or unknown payee. Pure rule.

A line passes only when it names an *active* version of the payee's own account and
nothing about the payee holds payments (blocked with us, not trading at the registry,
abnormal at the tax bureau, a bank change under review). Every other line is held with
each reason that applies, so clearing one reason does not hide the next.

>>> from datetime import datetime, timedelta, timezone
>>> t = datetime(2026, 12, 1, tzinfo=timezone.utc)
>>> payee = Payee("s-1", "甲公司", "91310000MA1FL8LQ3T")
>>> v = AccountVersion.propose("v-1", "s-1", "a-1", 1, "bidx", "工行", "甲公司", t)
>>> v = v.approve(("alice", "bob"), t, cooling_off=timedelta(0)).verify(
...     "demo", t, cooling_off=timedelta(0))
>>> judge(payee, [v], t).verdict.value
'pass'
>>> judge(payee, [], t).reasons[0].code.value
'not_on_file'
>>> judge(None, [v], t).verdict.value
'unknown_payee'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from payments.model import AccountVersion, VersionState

__all__ = ["HoldReason", "LineReason", "LineVerdict", "Payee", "Verdict", "judge", "payee_reasons"]


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    HOLD = "hold"
    UNKNOWN_PAYEE = "unknown_payee"


class HoldReason(StrEnum):
    """Why a line is held; the words for each are in :mod:`payments.reasons`."""

    PENDING = "pending"  # a bank change under review, or a version not yet approved
    PROPOSED = "proposed"  # on file from an import or registration: not proven nor approved
    COOLING_OFF = "cooling_off"
    UNVERIFIED = "unverified"  # approved, ownership not proven
    RETIRED = "retired"
    OTHER_SUPPLIER = "other_supplier"
    NOT_ON_FILE = "not_on_file"
    UNVERSIONED = "unversioned"  # on file, but never approved and proven as a version
    SUPPLIER_BLOCKED = "supplier_blocked"
    REGISTRY_INACTIVE = "registry_inactive"
    TAX_ABNORMAL = "tax_abnormal"
    LEGAL_REP_CHANGED = "legal_rep_changed"  # the registry names another legal representative
    INVOICE_MISMATCH = "invoice_mismatch"  # an invoice's seller code differs from the record


@dataclass(frozen=True)
class Payee:
    """What holds payments to a supplier, whatever the account."""

    supplier_id: str
    name: str
    uscc: str
    blocked: bool = False
    registry_inactive: bool = False
    registry_status: str = ""
    tax_abnormal: bool = False
    registry_inactive_since: datetime | None = None  # the monitoring run that saw it
    tax_abnormal_since: datetime | None = None
    invoices_since: datetime | None = None  # the first mismatched invoice's finding
    bank_change_since: datetime | None = None  # an open bank change, submitted then
    legal_rep_changed: bool = False  # the latest verification: another legal representative
    legal_rep_changed_since: datetime | None = None  # the verification that saw it
    mismatched_invoices: tuple[str, ...] = ()  # invoice numbers whose seller code differs


@dataclass(frozen=True)
class LineReason:
    code: HoldReason
    since: datetime | None = None
    until: datetime | None = None
    detail: str = ""  # e.g. the other supplier's name, the registry status


@dataclass(frozen=True)
class LineVerdict:
    verdict: Verdict
    reasons: tuple[LineReason, ...] = ()
    version: AccountVersion | None = None  # the version the line names, if any
    payee: Payee | None = None
    notes: tuple[str, ...] = field(default=())


#: Which own version a line is judged on when the payee has several with this number.
_PREFERENCE = (
    VersionState.ACTIVE,
    VersionState.COOLING_OFF,
    VersionState.APPROVED,
    VersionState.OWNERSHIP_VERIFIED,
    VersionState.PROPOSED,
    VersionState.RETIRED,
)


def judge(
    payee: Payee | None,
    versions: Sequence[AccountVersion],
    now: datetime,
    *,
    names: Mapping[str, str] | None = None,
) -> LineVerdict:
    """The verdict on a line paying ``payee`` into the account whose versions (of every
    supplier) are ``versions``. ``names`` gives other suppliers' names for the reason."""
    if payee is None:
        return LineVerdict(Verdict.UNKNOWN_PAYEE)
    reasons = list(payee_reasons(payee))
    own = [v for v in versions if v.supplier_id == payee.supplier_id]
    chosen: AccountVersion | None = None
    if own:
        chosen = min(own, key=lambda v: (_PREFERENCE.index(v.state_at(now)), -v.number))
        reason = _version_reason(chosen, now)
        if reason is not None:
            reasons.append(reason)
    else:
        others = [v for v in versions if v.state_at(now) is not VersionState.RETIRED]
        if others:
            other = (names or {}).get(others[0].supplier_id, "")
            reasons.append(LineReason(HoldReason.OTHER_SUPPLIER, detail=other))
        else:
            reasons.append(LineReason(HoldReason.NOT_ON_FILE))
    verdict = Verdict.HOLD if reasons else Verdict.PASS
    return LineVerdict(verdict, tuple(reasons), chosen, payee)


def payee_reasons(payee: Payee) -> list[LineReason]:
    """Why every payment to ``payee`` is held, whatever the account (the supplier's own
    reasons: blocked, registry, tax, invoices, an open bank change)."""
    reasons = []
    if payee.blocked:
        reasons.append(LineReason(HoldReason.SUPPLIER_BLOCKED))
    if payee.registry_inactive:
        reasons.append(
            LineReason(
                HoldReason.REGISTRY_INACTIVE,
                since=payee.registry_inactive_since,
                detail=payee.registry_status,
            )
        )
    if payee.tax_abnormal:
        reasons.append(LineReason(HoldReason.TAX_ABNORMAL, since=payee.tax_abnormal_since))
    if payee.legal_rep_changed or payee.legal_rep_changed_since is not None:
        reasons.append(
            LineReason(HoldReason.LEGAL_REP_CHANGED, since=payee.legal_rep_changed_since)
        )
    if payee.mismatched_invoices:
        detail = "、".join(payee.mismatched_invoices[:3])
        reasons.append(
            LineReason(HoldReason.INVOICE_MISMATCH, since=payee.invoices_since, detail=detail)
        )
    if payee.bank_change_since is not None:
        reasons.append(LineReason(HoldReason.PENDING, since=payee.bank_change_since))
    return reasons


def _version_reason(version: AccountVersion, now: datetime) -> LineReason | None:
    state = version.state_at(now)
    if state is VersionState.ACTIVE:
        return None
    if state is VersionState.COOLING_OFF:
        since = max(d for d in (version.approved_at, version.verified_at) if d is not None)
        return LineReason(HoldReason.COOLING_OFF, since=since, until=version.cooling_until)
    if state is VersionState.APPROVED:
        return LineReason(HoldReason.UNVERIFIED, since=version.approved_at)
    if version.number == 0 and state is VersionState.PROPOSED:
        return LineReason(HoldReason.UNVERSIONED, since=version.proposed_at)
    if state is VersionState.RETIRED:
        return LineReason(HoldReason.RETIRED, since=version.retired_at)
    if version.change_request_id is None:  # filed by an import or a registration
        return LineReason(HoldReason.PROPOSED, since=version.proposed_at)
    return LineReason(HoldReason.PENDING, since=version.proposed_at)
