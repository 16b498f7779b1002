"""The ownership-verification port: does this account belong to this company?

Enterprise account verification services (对公账户三/四要素核验) answer *match*,
*no match*, *not found* or *unknown*. Unknown (the provider is down, slow, out of quota,
or cannot tell) is never a pass and never a fail: the version stays unverified and the
question is asked again later. Adapters translate every transport error into
``UNKNOWN``; nothing of ``httpx`` escapes the port.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

__all__ = ["OwnershipAnswer", "OwnershipOutcome", "OwnershipQuery", "OwnershipVerifier"]


class OwnershipOutcome(StrEnum):
    MATCH = "match"
    NO_MATCH = "no_match"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class OwnershipQuery:
    credit_code: str
    enterprise_name: str
    legal_person: str
    bank_name: str
    account_number: str

    def __repr__(self) -> str:  # never print the account number
        return f"OwnershipQuery({self.credit_code}, {self.enterprise_name}, account ****)"


@dataclass(frozen=True)
class OwnershipAnswer:
    outcome: OwnershipOutcome
    provider: str
    reference: str = ""  # the provider's order or task number
    detail: str = ""  # the provider's words, or why the answer is unknown


@runtime_checkable
class OwnershipVerifier(Protocol):
    """One enterprise-account verification service."""

    name: str

    async def verify(self, query: OwnershipQuery) -> OwnershipAnswer:
        """Never raises for the provider's failures: those answer ``UNKNOWN``."""
        ...
