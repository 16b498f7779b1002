"""The supplier master record and what hangs off it, as plain values.

These are what services and the web layer read and write: sensitive values
(account numbers, ID numbers, phones) are plaintext here; the storage layer
encrypts them on the way to the database and decrypts them on the way back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

# Re-exported: the supplier's values use the one vocabulary of licence values and statuses.
from portal.domain.amounts import Money as Money
from portal.domain.foreign_tax import ForeignTaxId as ForeignTaxId
from portal.domain.status import RegistryStatus as RegistryStatus
from portal.domain.status import TaxpayerQualification as TaxpayerQualification
from portal.domain.status import TaxStatus as TaxStatus


class LifecycleState(StrEnum):
    """Where the supplier stands with us."""

    PROSPECTIVE = "prospective"
    ACTIVE = "active"
    BLOCKED = "blocked"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class BankAccount:
    """A bank account the supplier is paid into."""

    bank_name: str
    account_number: str
    holder_name: str
    cnaps_code: str | None = None
    currency: str = "CNY"
    purpose: str | None = None
    department: str | None = None
    is_default: bool = False
    id: str | None = None
    retired: bool = False


@dataclass(frozen=True)
class InvoicingProfile:
    """开票信息: what goes on a VAT invoice issued to or by the supplier."""

    title: str
    tax_number: str
    address: str | None = None
    phone: str | None = None
    bank_name: str | None = None
    account_number: str | None = None


@dataclass(frozen=True)
class Contact:
    """A person at the supplier."""

    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Supplier:
    """The master record: a Chinese supplier has its credit code (``uscc``), a foreign one
    its own country's tax number (``foreign_tax_id``) instead; never neither."""

    uscc: str | None
    name: str
    entity_type: str | None = None
    legal_representative: str | None = None
    legal_rep_id_number: str | None = None
    registered_capital: Money | None = None
    established_on: date | None = None
    term_from: date | None = None
    term_to: date | None = None  # None with term_from set means 长期 (open-ended)
    address: str | None = None
    business_scope: str | None = None
    registration_authority: str | None = None
    registry_status: RegistryStatus = RegistryStatus.UNKNOWN
    taxpayer_qualification: TaxpayerQualification = TaxpayerQualification.UNKNOWN
    tax_status: TaxStatus = TaxStatus.UNKNOWN
    lifecycle_state: LifecycleState = LifecycleState.PROSPECTIVE
    aliases: tuple[str, ...] = ()
    legacy_tax_number: str | None = None
    foreign_tax_id: ForeignTaxId | None = None
    bank_accounts: tuple[BankAccount, ...] = ()
    invoicing_profile: InvoicingProfile | None = None
    contacts: tuple[Contact, ...] = ()
    id: str | None = None
    version: int = 0
    validated: bool = False
    #: Fields whose stored ciphertext could not be opened: path -> reason.
    unreadable: dict[str, str] = field(default_factory=dict)

    @property
    def is_foreign(self) -> bool:
        return self.uscc is None and self.foreign_tax_id is not None

    @property
    def identifier(self) -> str:
        """The number a person knows the supplier by: its credit code or foreign tax number."""
        if self.uscc is not None:
            return self.uscc
        return self.foreign_tax_id.number if self.foreign_tax_id else ""
