"""The ownership-verification port: does this account belong to this company?

Enterprise account verification services (对公账户三/四要素核验) answer *match*,
*no match*, *not found* or *unknown*. Unknown (the provider is down, slow, out of quota,
or cannot tell) is never a pass and never a fail: the version stays unverified and the
question is asked again later. Adapters translate every transport error into
``UNKNOWN``; nothing of ``httpx`` escapes the port.

Small-amount providers (对公打款, e.g. e签宝) prove ownership the other way: they send a
random amount to the account and check the amount the company types back
(:class:`SmallAmountTransfer`), with the same rule for unknown answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

__all__ = [
    "OwnershipAnswer",
    "OwnershipOutcome",
    "OwnershipQuery",
    "OwnershipVerifier",
    "SmallAmountAnswer",
    "SmallAmountOutcome",
    "SmallAmountQuery",
    "SmallAmountTransfer",
]


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


class SmallAmountOutcome(StrEnum):
    """What a small-amount (打款) provider says.

    ``send`` answers ``SENT`` (a random amount is on its way; ``reference`` names the
    provider's flow), ``NO_MATCH`` (the company's details do not match the registry:
    nothing was sent) or ``UNKNOWN``. ``confirm`` answers ``MATCH`` (the amount typed is
    the amount sent: ownership proven), ``NO_MATCH`` (a wrong amount: may be typed
    again), ``EXPIRED`` (too many wrong amounts, or the flow ended or lapsed: send a new
    one) or ``UNKNOWN``. Unknown is never a pass and never a fail."""

    SENT = "sent"
    MATCH = "match"
    NO_MATCH = "no_match"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SmallAmountQuery:
    credit_code: str
    enterprise_name: str
    legal_person: str
    bank_name: str
    cnaps_code: str  # 联行号 of the branch; empty when not on file
    account_number: str

    def __repr__(self) -> str:  # never print the account number
        return f"SmallAmountQuery({self.credit_code}, {self.enterprise_name}, account ****)"


@dataclass(frozen=True)
class SmallAmountAnswer:
    outcome: SmallAmountOutcome
    provider: str
    reference: str = ""  # the provider's flow: what ``confirm`` is asked about
    detail: str = ""  # the provider's words, or why the answer is unknown


@runtime_checkable
class SmallAmountTransfer(Protocol):
    """A provider that sends a random small amount to the account and checks the amount
    the company says it received (the second method of proof)."""

    name: str

    async def send(self, query: SmallAmountQuery) -> SmallAmountAnswer:
        """Never raises for the provider's failures: those answer ``UNKNOWN``."""
        ...

    async def confirm(self, reference: str, amount: Decimal) -> SmallAmountAnswer:
        """Never raises for the provider's failures: those answer ``UNKNOWN``."""
        ...
