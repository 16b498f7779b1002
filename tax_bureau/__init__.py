"""Tax facts about suppliers: invoicing details, taxpayer qualification and status, EU VAT."""

from tax_bureau.errors import (
    InvalidTaxNumberError,
    TaxBureauError,
    TaxBureauUnavailableError,
    TaxCredentialsError,
    TaxpayerNotFoundError,
    TaxQuotaExhaustedError,
)
from tax_bureau.model import (
    InvoicingDetails,
    TaxpayerQualification,
    TaxpayerStatus,
    TaxStatus,
    VatCheck,
    VatState,
)
from tax_bureau.ports import TaxBureau, VatNumberChecker

__all__ = [
    "InvalidTaxNumberError",
    "InvoicingDetails",
    "TaxBureau",
    "TaxBureauError",
    "TaxBureauUnavailableError",
    "TaxCredentialsError",
    "TaxQuotaExhaustedError",
    "TaxStatus",
    "TaxpayerNotFoundError",
    "TaxpayerQualification",
    "TaxpayerStatus",
    "VatCheck",
    "VatNumberChecker",
    "VatState",
]
