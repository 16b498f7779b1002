"""Verification of a supplier against the registry, the tax bureau and the licence OCR.

Pure rules over the answers of :mod:`registry` and :mod:`tax_bureau` (which never
import each other; this package sits above both):

- :mod:`verification.model`: claims, answers, field states, results;
- :mod:`verification.rules`: :func:`verify_supplier`, registry and OCR comparison;
- :mod:`verification.tax`: taxpayer status and invoicing details;
- :mod:`verification.supplier`: a stored supplier's claims, and when it is validated;
- :mod:`verification.service`: :class:`VerificationService` asks the ports, then compares;
- :mod:`verification.licence`: typed vs licence vs registry, field by field, for the approver.

A source that could not answer is *unknown* (待核验), never invalid.
"""

from verification.licence import ComparisonRow, compare_fields, licence_findings, plain
from verification.model import (
    Answers,
    AutofilledValue,
    FieldState,
    InvoicingProfile,
    OcrClaims,
    RegistryUnavailable,
    SourceUnavailable,
    State,
    SupplierClaims,
    TaxFacts,
    VerificationResult,
)
from verification.rules import EXPIRY_THRESHOLDS, verify_supplier
from verification.service import VerificationService
from verification.supplier import KEY_FIELDS, claims_of, is_validated

__all__ = [
    "EXPIRY_THRESHOLDS",
    "KEY_FIELDS",
    "Answers",
    "AutofilledValue",
    "ComparisonRow",
    "FieldState",
    "InvoicingProfile",
    "OcrClaims",
    "RegistryUnavailable",
    "SourceUnavailable",
    "State",
    "SupplierClaims",
    "TaxFacts",
    "VerificationResult",
    "VerificationService",
    "claims_of",
    "compare_fields",
    "is_validated",
    "licence_findings",
    "plain",
    "verify_supplier",
]
