"""Paid calls: spread over time (a token bucket), and paused for the day when used up.

Providers sell a quota of calls per day and limit bursts; a monitoring pass that
re-verifies hundreds of suppliers waits for the bucket (:class:`CallPacer`) before each
one, and a provider that answers "quota used up" is paused until the next midnight in
China (:class:`QuotaBook`). Both are ports: the in-process implementations here serve one
process; :mod:`providers.redis_state` shares them between every instance through Redis.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class CallPacer(Protocol):
    """Waits until a paid call may be made (calls per minute, bursts bounded)."""

    async def acquire(self, tokens: float = 1.0) -> None:
        """Wait until ``tokens`` are available and take them."""
        ...


@runtime_checkable
class QuotaBook(Protocol):
    """Which providers have used up today's paid quota, and until when."""

    async def paused_until(self, provider: str, now: datetime) -> datetime | None:
        """When ``provider`` may be called again, if it is paused at ``now``."""
        ...

    async def pause(self, provider: str, until: datetime) -> None:
        """Record that ``provider`` said its quota is used up, until ``until``."""
        ...


class InMemoryQuotaBook:
    """A :class:`QuotaBook` of this process."""

    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}

    async def paused_until(self, provider: str, now: datetime) -> datetime | None:
        until = self._until.get(provider)
        return until if until is not None and until > now else None

    async def pause(self, provider: str, until: datetime) -> None:
        self._until[provider] = max(until, self._until.get(provider, until))


class TokenBucket:
    """At most ``rate_per_minute`` tokens a minute, bursts up to ``capacity``.

    >>> t = [0.0]
    >>> async def sleep(s: float) -> None: t[0] += s
    >>> from datetime import UTC
    >>> bucket = TokenBucket(60, capacity=1, clock=lambda: datetime.fromtimestamp(t[0], UTC),
    ...                      sleep=sleep)
    >>> async def three() -> list[float]:
    ...     return [(await bucket.acquire(), t[0])[1] for _ in range(3)]
    >>> asyncio.run(three())
    [0.0, 1.0, 2.0]
    """

    def __init__(
        self,
        rate_per_minute: int,
        *,
        capacity: float | None = None,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate_per_minute / 60.0
        self.capacity = float(capacity if capacity is not None else max(1, rate_per_minute // 10))
        self.tokens = self.capacity
        self._clock, self._sleep = clock, sleep
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max((now - self._at).total_seconds(), 0.0)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self._at = now

    async def acquire(self, tokens: float = 1.0) -> None:
        """Wait until ``tokens`` are available and take them."""
        tokens = min(tokens, self.capacity)
        self._refill()
        while self.tokens < tokens:
            await self._sleep((tokens - self.tokens) / self.rate)
            self._refill()
        self.tokens -= tokens


__all__ = ["CallPacer", "InMemoryQuotaBook", "QuotaBook", "TokenBucket"]
