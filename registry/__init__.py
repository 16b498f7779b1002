"""The business registry: its port, adapters, fakes and resilience (over :mod:`providers`).

The cross-source rules that use it are in :mod:`verification`.

Importing the package registers its finding codes (idempotent).
"""

from registry.codes import register_codes
from registry.errors import (
    CompanyNotFoundError,
    InvalidCredentialsError,
    InvalidQueryError,
    ProviderError,
    ProviderUnavailableError,
    QuotaExhaustedError,
    RegistryError,
    UnavailableReason,
)
from registry.model import (
    EnterpriseRecord,
    Money,
    RegistryStatus,
    ThreeElementOutcome,
    ThreeElementResult,
)
from registry.ports import BusinessRegistry, LookupCache

register_codes()

__all__ = [
    "BusinessRegistry",
    "CompanyNotFoundError",
    "EnterpriseRecord",
    "InvalidCredentialsError",
    "InvalidQueryError",
    "LookupCache",
    "Money",
    "ProviderError",
    "ProviderUnavailableError",
    "QuotaExhaustedError",
    "RegistryError",
    "RegistryStatus",
    "ThreeElementOutcome",
    "ThreeElementResult",
    "UnavailableReason",
    "register_codes",
]
