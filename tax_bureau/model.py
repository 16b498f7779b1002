"""Invoicing details (开票信息), taxpayer status and EU VAT checks, normalised.

>>> TaxpayerQualification.from_text('增值税一般纳税人'), TaxStatus.from_text('非正常户')
(<TaxpayerQualification.GENERAL: '一般纳税人'>, <TaxStatus.ABNORMAL: '非正常户'>)
>>> parse_tax_number(' 91310115mafe1km15m ')
'91310115MAFE1KM15M'
>>> mask_tail('6222****1234'), mask_tail('6222021234')
('1234', None)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from portal.domain import tax_number, uscc
from portal.domain.status import TaxpayerQualification, TaxStatus
from tax_bureau.errors import InvalidTaxNumberError


@dataclass(frozen=True)
class InvoicingDetails:
    """What goes on a VAT invoice for the company as buyer (开票信息)."""

    title: str
    tax_number: str
    address: str = ""
    phone: str = ""
    bank_name: str = ""
    bank_account: str = ""  # may be masked by the provider (``****1234``)
    provider: str = ""
    request_id: str | None = None
    fetched_at: datetime | None = None

    def elements(self) -> dict[str, str]:
        """The comparable elements, by field name."""
        return {
            "title": self.title,
            "tax_number": self.tax_number,
            "address": self.address,
            "phone": self.phone,
            "bank_name": self.bank_name,
            "bank_account": self.bank_account,
        }


@dataclass(frozen=True)
class TaxpayerStatus:
    """Qualification (一般/小规模) and status (正常/非正常户) of a taxpayer."""

    tax_number: str
    qualification: TaxpayerQualification
    status: TaxStatus
    qualification_valid_until: date | None = None
    abnormal_since: date | None = None
    abnormal_office: str | None = None
    provider: str = ""
    request_id: str | None = None
    fetched_at: datetime | None = None


class VatState(StrEnum):
    """VIES answer: only INVALID is a negative; UNKNOWN is no answer."""

    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class VatCheck:
    """The result of checking an EU VAT number."""

    vat_number: str
    state: VatState
    country_code: str = ""
    name: str | None = None
    address: str | None = None
    source: str = "vies"  # "format" when the offline check already failed
    error: str | None = None  # VIES userError / errorWrappers code, or the transport failure
    request_identifier: str | None = None
    checked_at: datetime | None = None

    @property
    def retry_later(self) -> bool:
        return self.state is VatState.UNKNOWN


def parse_tax_number(text: str) -> str:
    """A credit code or a legacy 15-character tax number, canonical; raise if neither."""
    code = uscc.compact(text or "")
    if not code:
        raise InvalidTaxNumberError("the tax number is empty")
    for module in (uscc, tax_number):
        try:
            return str(module.validate(code))
        except ValueError:
            continue
    raise InvalidTaxNumberError(f"{code} is neither a credit code nor a legacy tax number")


_MASK = re.compile(r"[*xX×]+")


def mask_tail(account: str) -> str | None:
    """The visible tail of a masked account number, or None if it is not masked."""
    value = unicodedata.normalize("NFKC", account).replace(" ", "")
    if not _MASK.search(value):
        return None
    return _MASK.split(value)[-1]


__all__ = [
    "InvoicingDetails",
    "TaxStatus",
    "TaxpayerQualification",
    "TaxpayerStatus",
    "VatCheck",
    "VatState",
    "mask_tail",
    "parse_tax_number",
]
