"""What a verification compares and what it finds: claims, answers, field states.

A source that could not answer is a :class:`SourceUnavailable`: its fields are
*unknown* (待核验), never a mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from portal.domain.findings import Finding
from registry.model import EnterpriseRecord
from tax_bureau.model import InvoicingDetails, TaxpayerStatus, VatCheck


@dataclass(frozen=True)
class InvoicingProfile:
    """Invoicing details as the supplier typed them (empty string: not given)."""

    title: str = ""
    tax_number: str = ""
    address: str = ""
    phone: str = ""
    bank_name: str = ""
    bank_account: str = ""


@dataclass(frozen=True)
class SupplierClaims:
    """What the supplier typed."""

    name: str
    uscc: str
    legal_representative: str | None = None
    business_term_end: date | None = None
    business_term_open_ended: bool = False
    invoicing: InvoicingProfile | None = None
    bank_account_holders: tuple[str, ...] = ()


@dataclass(frozen=True)
class OcrClaims:
    """What the licence OCR read (None: not read)."""

    name: str | None = None
    uscc: str | None = None
    legal_representative: str | None = None


@dataclass(frozen=True)
class SourceUnavailable:
    """A source could not answer (down, timed out, out of quota): unknown, retry later."""

    source: str  # "registry" or "tax_bureau"
    reason: str
    observed_at: datetime | None = None
    retry_after: timedelta | None = None


RegistryUnavailable = SourceUnavailable


@dataclass(frozen=True)
class TaxFacts:
    """What the tax source said; each part may be missing (None) or unavailable."""

    status: TaxpayerStatus | SourceUnavailable | None = None
    invoicing: InvoicingDetails | SourceUnavailable | None = None


class State(StrEnum):
    """The state of one field after a verification (unknown: 待核验)."""

    VERIFIED = "verified"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


#: The info findings of a source that gave no answer (unknown, retry later).
UNAVAILABLE_CODES = ("registry.unavailable", "tax.unavailable", "vat.unavailable")


@dataclass(frozen=True)
class FieldState:
    """The state of one field: verified / mismatch / unknown, when, against what."""

    state: State
    checked_at: datetime | None = None
    against: str | None = None  # "registry:qichacha", "tax_bureau:demo", ...
    request_id: str | None = None


@dataclass(frozen=True)
class VerificationResult:
    """Findings and per-field states of one verification."""

    findings: tuple[Finding, ...]
    fields: Mapping[str, FieldState]
    verified_on: date
    retry_after: timedelta | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    @property
    def needs_retry(self) -> bool:
        """Whether a source did not answer and the check should run again later."""
        return any(f.code in UNAVAILABLE_CODES for f in self.findings)

    def as_dict(self) -> dict[str, object]:
        return {
            "findings": [f.as_dict() for f in self.findings],
            "fields": {
                name: {
                    "state": s.state.value,
                    "checked_at": s.checked_at.isoformat() if s.checked_at else None,
                    "against": s.against,
                    "request_id": s.request_id,
                }
                for name, s in self.fields.items()
            },
            "verified_on": self.verified_on.isoformat(),
            "needs_retry": self.needs_retry,
        }


@dataclass(frozen=True)
class Answers:
    """What the sources answered for one supplier, before anything is compared.

    ``registry`` None: the registry has no such company; a tax part None: the tax
    source has no such taxpayer.
    """

    registry: EnterpriseRecord | SourceUnavailable | None
    tax: TaxFacts
    vat: VatCheck | None = None  # a foreign supplier's EU VAT number, as VIES answered

    @property
    def record(self) -> EnterpriseRecord | None:
        """The registry's record, if it answered with one."""
        return self.registry if isinstance(self.registry, EnterpriseRecord) else None

    @property
    def tax_status(self) -> TaxpayerStatus | None:
        """The tax bureau's taxpayer status, if it answered with one."""
        status = self.tax.status
        return status if isinstance(status, TaxpayerStatus) else None


@dataclass(frozen=True)
class AutofilledValue:
    """A form value filled from an authority, marked with where and when it came from."""

    value: str
    source: str  # "registry" or "tax_bureau"
    provider: str
    request_id: str | None
    fetched_at: datetime | None


@dataclass
class Collector:
    """Findings and field states gathered while one verification runs."""

    today: date
    findings: list[Finding] = field(default_factory=list)
    fields: dict[str, FieldState] = field(default_factory=dict)

    def state(
        self, name: str, state: State, at: datetime | None, against: str | None, rid: str | None
    ) -> None:
        self.fields[name] = FieldState(state, at, against, rid)


__all__ = [
    "UNAVAILABLE_CODES",
    "Answers",
    "AutofilledValue",
    "Collector",
    "FieldState",
    "InvoicingProfile",
    "OcrClaims",
    "RegistryUnavailable",
    "SourceUnavailable",
    "State",
    "SupplierClaims",
    "TaxFacts",
    "VerificationResult",
]
