"""In-memory ownership verification and small-amount transfers for tests: answers set
per account, outages on demand."""

from __future__ import annotations

from decimal import Decimal

from payments.ports import (
    OwnershipAnswer,
    OwnershipOutcome,
    OwnershipQuery,
    SmallAmountAnswer,
    SmallAmountOutcome,
    SmallAmountQuery,
)

__all__ = ["InMemoryOwnershipVerifier", "InMemorySmallAmountTransfer"]


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


class InMemorySmallAmountTransfer:
    """Sends ``amount`` (0.01 CNY, as e签宝's sandbox does) unless ``refused[account]``
    says otherwise (``NO_MATCH`` or ``UNKNOWN``); a flow takes three wrong amounts, then
    is ``EXPIRED``, like e签宝's. ``down = True`` answers ``UNKNOWN``. Records what it
    sent (flow -> account)."""

    name = "fake"
    max_wrong = 3

    def __init__(
        self,
        refused: dict[str, SmallAmountOutcome] | None = None,
        amount: Decimal = Decimal("0.01"),
    ) -> None:
        self.refused = dict(refused or {})
        self.amount = amount
        self.down = False
        self.sent: dict[str, str] = {}
        self._wrong: dict[str, int] = {}

    async def send(self, query: SmallAmountQuery) -> SmallAmountAnswer:
        if self.down:
            return SmallAmountAnswer(SmallAmountOutcome.UNKNOWN, self.name, detail="provider down")
        outcome = self.refused.get(query.account_number, SmallAmountOutcome.SENT)
        if outcome is not SmallAmountOutcome.SENT:
            return SmallAmountAnswer(outcome, self.name)
        flow = f"fake-flow-{len(self.sent) + 1}"
        self.sent[flow] = query.account_number
        return SmallAmountAnswer(SmallAmountOutcome.SENT, self.name, flow)

    async def confirm(self, reference: str, amount: Decimal) -> SmallAmountAnswer:
        if self.down:
            return SmallAmountAnswer(SmallAmountOutcome.UNKNOWN, self.name, reference)
        wrong = self._wrong.get(reference, 0)
        if reference not in self.sent or wrong >= self.max_wrong:
            return SmallAmountAnswer(SmallAmountOutcome.EXPIRED, self.name, reference)
        if amount == self.amount:
            del self.sent[reference]
            return SmallAmountAnswer(SmallAmountOutcome.MATCH, self.name, reference)
        self._wrong[reference] = wrong + 1
        return SmallAmountAnswer(SmallAmountOutcome.NO_MATCH, self.name, reference)
