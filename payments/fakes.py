"""In-memory ownership verification for tests: answers set per account, outages on demand."""

from __future__ import annotations

from payments.ports import OwnershipAnswer, OwnershipOutcome, OwnershipQuery

__all__ = ["InMemoryOwnershipVerifier"]


class InMemoryOwnershipVerifier:
    """Answers ``outcomes[account]`` (``NOT_FOUND`` for an account it does not know);
    ``down = True`` answers ``UNKNOWN`` like a real adapter during an outage. Records
    every query it was asked."""

    name = "fake"

    def __init__(self, outcomes: dict[str, OwnershipOutcome] | None = None) -> None:
        self.outcomes = dict(outcomes or {})
        self.down = False
        self.asked: list[OwnershipQuery] = []

    async def verify(self, query: OwnershipQuery) -> OwnershipAnswer:
        self.asked.append(query)
        if self.down:
            return OwnershipAnswer(OwnershipOutcome.UNKNOWN, self.name, detail="provider down")
        outcome = self.outcomes.get(query.account_number, OwnershipOutcome.NOT_FOUND)
        return OwnershipAnswer(outcome, self.name, f"fake-{len(self.asked)}")
