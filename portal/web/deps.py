"""Dependencies handlers ask for by name (Litestar wants them marked explicitly)."""

from __future__ import annotations

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
