"""What the portal needs from a business registry (the lookup cache is :mod:`providers.cache`)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from providers.cache import LookupCache
from registry.model import EnterpriseRecord, ThreeElementResult


@runtime_checkable
class BusinessRegistry(Protocol):
    """A source of registered company data (企查查, 天眼查, 启信宝, the demo data set ...).

    Implementations raise only :class:`registry.errors.RegistryError`:
    ``CompanyNotFoundError`` when the registry has no such company, and the
    retryable or quota errors when it could not answer.
    """

    async def lookup(self, uscc_or_name: str) -> EnterpriseRecord:
        """Return the registered record for a credit code or an exact company name."""
        ...

    async def verify_three_elements(
        self, uscc: str, name: str, legal_rep: str
    ) -> ThreeElementResult:
        """Check that credit code, name and legal representative belong together."""
        ...


__all__ = ["BusinessRegistry", "LookupCache"]
