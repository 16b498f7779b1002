"""What the portal needs from tax sources."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tax_bureau.model import InvoicingDetails, TaxpayerStatus, VatCheck


@runtime_checkable
class TaxBureau(Protocol):
    """A source of Chinese tax facts (企查查, 天眼查, the demo data set ...).

    Implementations raise only :class:`tax_bureau.errors.TaxBureauError`.
    """

    async def invoicing_details(self, tax_number: str) -> InvoicingDetails:
        """Return the invoicing details (开票信息) for a tax number."""
        ...

    async def taxpayer_status(self, tax_number: str) -> TaxpayerStatus:
        """Return qualification (一般/小规模纳税人) and status (正常/非正常户)."""
        ...


@runtime_checkable
class VatNumberChecker(Protocol):
    """Checks an EU VAT number (VIES). Never raises for a provider failure: UNKNOWN."""

    async def check(self, vat_number: str) -> VatCheck:
        """Return VALID, INVALID (format or VIES says so) or UNKNOWN (no answer)."""
        ...


__all__ = ["TaxBureau", "VatNumberChecker"]
