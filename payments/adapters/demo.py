"""The demo's ownership verification: answers from the account number alone, offline.

Account numbers ending in ``0000`` do not match, ``4444`` are not found, ``9999`` are
unknown (the provider "down"); every other account matches. Documented for the demo
and the browser tests; never wired outside demo mode.
"""

from __future__ import annotations

from payments.ports import OwnershipAnswer, OwnershipOutcome, OwnershipQuery

__all__ = ["DemoOwnershipVerifier"]

_BY_ENDING = {
    "0000": OwnershipOutcome.NO_MATCH,
    "4444": OwnershipOutcome.NOT_FOUND,
    "9999": OwnershipOutcome.UNKNOWN,
}


class DemoOwnershipVerifier:
    name = "demo"

    async def verify(self, query: OwnershipQuery) -> OwnershipAnswer:
        outcome = _BY_ENDING.get(query.account_number[-4:], OwnershipOutcome.MATCH)
        return OwnershipAnswer(outcome, self.name, f"demo-{query.account_number[-4:]}")
