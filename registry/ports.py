"""What the portal needs from a business registry, and from a lookup cache."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class LookupCache(Protocol):
    """Where paid answers are kept so the same question is not paid for twice a day."""

    async def get(self, key: str) -> object | None:
        """Return the value stored under ``key`` if it has not expired."""
        ...

    async def put(self, key: str, value: object, ttl: timedelta) -> None:
        """Store ``value`` under ``key`` for ``ttl``."""
        ...


__all__ = ["BusinessRegistry", "LookupCache"]
