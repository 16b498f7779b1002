"""Timeouts, retries, circuit breakers, fallback, caching and quota awareness.

:class:`Failover` is provider-agnostic: :class:`registry.resilience.ResilientBusinessRegistry`
and :class:`tax_bureau.resilience.ResilientTaxBureau` bind it to their port and error
family. For each call:

1. the cache is asked first (key: the provider-independent normalised query),
   so the same lookup is not paid for twice within ``cache_ttl``;
2. providers are tried in order, skipping one whose breaker is open or whose
   quota ran out today (until the next midnight in China);
3. each attempt runs under a timeout; a retryable failure is retried with
   exponential backoff and full jitter, and counts towards the breaker,
   which opens after ``failure_threshold`` consecutive failures and lets one
   trial call through after ``cool_down``;
4. "not found" is an answer: it is cached (``not_found_ttl``) and returned;
5. when no provider answers, the package's *unavailable* error is raised:
   unknown, retry later, never "invalid".

Every attempt leaves a trace in :attr:`Failover.attempts`, and every call that reached a
provider is reported to :attr:`Failover.observer` (:mod:`providers.observer`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random as _random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar, cast

from providers.cache import CachedNotFound, LookupCache
from providers.dates import next_midnight, utc_now
from providers.errors import (
    ErrorFamily,
    ProviderError,
    ProviderUnavailableBase,
    UnavailableReason,
)
from providers.observer import NO_OBSERVER, ProviderCallObserver, outcome_of
from providers.quota import InMemoryQuotaBook, QuotaBook

P = TypeVar("P")
T = TypeVar("T")
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class ResiliencePolicy:
    """Knobs of :class:`Failover`; the defaults suit paid registry APIs."""

    timeout_seconds: float = 10.0
    max_attempts: int = 3
    backoff_base_seconds: float = 0.5
    backoff_cap_seconds: float = 8.0
    failure_threshold: int = 5
    cool_down: timedelta = timedelta(minutes=5)
    cache_ttl: timedelta = timedelta(hours=24)
    not_found_ttl: timedelta = timedelta(hours=24)


@dataclass
class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; half-open after ``cool_down``.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 11, 26, tzinfo=UTC)
    >>> b = CircuitBreaker(threshold=2, cool_down=timedelta(minutes=5))
    >>> b.record_failure(t0); b.record_failure(t0); b.state(t0)
    'open'
    >>> b.state(t0 + timedelta(minutes=5))
    'half_open'
    >>> b.record_success(); b.state(t0)
    'closed'
    """

    threshold: int
    cool_down: timedelta
    failures: int = 0
    opened_at: datetime | None = None

    def state(self, now: datetime) -> str:
        if self.opened_at is None:
            return "closed"
        return "half_open" if now - self.opened_at >= self.cool_down else "open"

    def allows(self, now: datetime) -> bool:
        return self.state(now) != "open"

    def record_success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def record_failure(self, now: datetime) -> None:
        self.failures += 1
        # A failed half-open trial re-opens at once; a closed breaker opens at the threshold.
        if self.opened_at is not None or self.failures >= self.threshold:
            self.opened_at = now

    def trip(self, now: datetime) -> None:
        self.failures = max(self.failures, self.threshold)
        self.opened_at = now


@dataclass(frozen=True)
class Attempt:
    """The trace of one call to one provider."""

    provider: str
    key: str
    outcome: str  # "ok", "not_found", an error kind, "skipped:breaker", "skipped:quota"
    at: datetime
    detail: str = ""


@dataclass
class _ProviderState:
    breaker: CircuitBreaker


@dataclass
class Failover(Generic[P]):
    """Call an operation on the first provider that answers (see the module docstring)."""

    providers: Sequence[tuple[str, P]]
    errors: ErrorFamily
    policy: ResiliencePolicy = field(default_factory=ResiliencePolicy)
    cache: LookupCache | None = None
    clock: Clock = utc_now
    sleep: Sleep = asyncio.sleep
    random: Callable[[], float] = _random.random
    attempts: deque[Attempt] = field(default_factory=lambda: deque(maxlen=200))
    #: who is out of quota today (in this process by default; Redis shares it)
    quota: QuotaBook = field(default_factory=InMemoryQuotaBook)
    #: told of every call that reached a provider (not cache hits, not skips)
    observer: ProviderCallObserver = NO_OBSERVER
    #: the service these providers are called for, in the observer's reports
    service: str = "provider"

    def __post_init__(self) -> None:
        self._states = {
            name: _ProviderState(
                CircuitBreaker(self.policy.failure_threshold, self.policy.cool_down)
            )
            for name, _ in self.providers
        }

    def breaker(self, provider: str) -> CircuitBreaker:
        return self._states[provider].breaker

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to base * 2**attempt, capped."""
        ceiling = min(
            self.policy.backoff_cap_seconds, self.policy.backoff_base_seconds * 2**attempt
        )
        return float(self.random() * ceiling)

    def _observe(self, provider: str, error: BaseException | None, started: float) -> None:
        seconds = time.monotonic() - started
        with contextlib.suppress(Exception):  # a broken metric never breaks a lookup
            self.observer.observe(self.service, provider, outcome_of(error), seconds)

    def _trace(self, provider: str, key: str, outcome: str, detail: str = "") -> None:
        self.attempts.append(Attempt(provider, key, outcome, self.clock(), detail))

    async def call(self, key: str, operation: Callable[[P], Awaitable[T]]) -> T:
        """Return the first answer for ``key``; raise not-found, input or unavailable errors."""
        if self.cache is not None:
            cached = await self.cache.get(key)
            if isinstance(cached, CachedNotFound):
                raise self.errors.not_found(
                    cached.message, provider=cached.provider, request_id=cached.request_id
                )
            if cached is not None:
                self._trace("cache", key, "ok")
                return cast(T, cached)
        problems: list[ProviderError] = []
        for name, provider in self.providers:
            try:
                result = await self._call_provider(name, key, provider, operation)
            except ProviderError as exc:
                if exc.kind == "not_found" and self.cache is not None:
                    marker = CachedNotFound(str(exc), exc.provider, exc.request_id)
                    await self.cache.put(key, marker, self.policy.not_found_ttl)
                if exc.kind in ("not_found", "input"):
                    raise
                problems.append(exc)
                continue
            if result is _SKIPPED:
                continue
            if self.cache is not None:
                await self.cache.put(key, result, self.policy.cache_ttl)
            return cast(T, result)
        raise await self._all_failed(key, problems)

    async def _all_failed(self, key: str, problems: list[ProviderError]) -> ProviderError:
        summary = (
            "; ".join(str(p) for p in problems) or "every provider is paused (breaker or quota)"
        )
        error = self.errors.unavailable(
            f"no provider could answer for {key}: {summary}",
            reason=UnavailableReason.ALL_PROVIDERS_FAILED,
            retry_after=await self._earliest_retry(),
        )
        if problems:
            error.__cause__ = problems[-1]
        return error

    async def _earliest_retry(self) -> timedelta:
        now = self.clock()
        waits = [self.policy.cool_down]
        for name in self._states:
            until = await self.quota.paused_until(name, now)
            if until is not None:
                waits.append(until - now)
        return min(waits)

    async def _call_provider(
        self, name: str, key: str, provider: P, operation: Callable[[P], Awaitable[T]]
    ) -> object:
        state = self._states[name]
        if await self.quota.paused_until(name, self.clock()) is not None:
            self._trace(name, key, "skipped:quota")
            return _SKIPPED
        last: ProviderError | None = None
        for attempt in range(self.policy.max_attempts):
            if not state.breaker.allows(self.clock()):
                self._trace(name, key, "skipped:breaker")
                if last is not None:
                    raise last
                return _SKIPPED
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.policy.timeout_seconds):
                    result = await operation(provider)
            except TimeoutError as exc:
                self._observe(name, exc, started)
                last = self.errors.unavailable(
                    f"{name} did not answer within {self.policy.timeout_seconds} s",
                    provider=name,
                    reason=UnavailableReason.TIMEOUT,
                )
                last.__cause__ = exc
            except ProviderError as exc:
                self._observe(name, exc, started)
                last = exc
            except Exception as exc:
                self._observe(name, exc, started)
                raise
            else:
                self._observe(name, None, started)
                state.breaker.record_success()
                self._trace(name, key, "ok")
                return result
            self._trace(name, key, last.kind, str(last))
            if last.kind in ("not_found", "input"):
                state.breaker.record_success()  # the provider answered
                raise last
            if last.kind == "quota":
                await self.quota.pause(name, next_midnight(self.clock()))
                raise last
            if last.kind == "credentials":
                state.breaker.trip(self.clock())
                raise last
            if (
                isinstance(last, ProviderUnavailableBase)
                and last.reason is UnavailableReason.UNSUPPORTED
            ):
                raise last
            state.breaker.record_failure(self.clock())
            wait = self.backoff(attempt)
            too_long = last.retry_after is not None and (
                last.retry_after.total_seconds() > self.policy.backoff_cap_seconds
            )
            if attempt + 1 >= self.policy.max_attempts or too_long:
                break
            if last.retry_after is not None:
                wait = max(wait, last.retry_after.total_seconds())
            await self.sleep(wait)
        assert last is not None
        raise last


_SKIPPED = object()


__all__ = [
    "Attempt",
    "CircuitBreaker",
    "Clock",
    "Failover",
    "ResiliencePolicy",
    "Sleep",
]
