"""Business-registry verification: port, adapters, resilience and the verification service.

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
