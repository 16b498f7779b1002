"""Dependencies handlers ask for by name (Litestar wants them marked explicitly)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from litestar.di import NamedDependency

from portal.core import Services
from portal.finance.ports import ExportAudit, PaymentHoldView, RevealAudit
from portal.payments.attestation import AttestationKeys

#: ``services: ServicesDep`` in a handler signature gets the app's Services.
ServicesDep: TypeAlias = NamedDependency[Services]
#: ``reveal_audit: RevealAuditDep``: records each clear value before it is shown (required).
RevealAuditDep: TypeAlias = NamedDependency[RevealAudit]
#: ``payment_holds: PaymentHoldsDep``: the payment-hold rule of the finance API (required).
PaymentHoldsDep: TypeAlias = NamedDependency[PaymentHoldView]
#: ``export_audit: ExportAuditDep``: records each bulk export before it leaves (required).
ExportAuditDep: TypeAlias = NamedDependency[ExportAudit]
#: ``attestation_keys: AttestationKeysDep``: signs each active account version the finance
#: API reveals (the payment check's attestation key).
AttestationKeysDep: TypeAlias = NamedDependency[AttestationKeys]


@dataclass(frozen=True)
class FinanceApiParts:
    """What the finance API's handlers use, as one dependency: ``finance: FinanceDep``.

    One rather than four or five by name: Litestar resolves two or more dependencies of a
    handler in an anyio task group, a task each, on every request (with a runtime check of
    each protocol; about 0.2 ms of CPU a request, measured, as much as the lookup's own
    reads on SQLite), and a single one inline.
    """

    services: Services
    reveal_audit: RevealAudit
    export_audit: ExportAudit
    payment_holds: PaymentHoldView
    attestation_keys: AttestationKeys


#: ``finance: FinanceDep``: the finance API's collaborators (:class:`FinanceApiParts`).
FinanceDep: TypeAlias = NamedDependency[FinanceApiParts]
