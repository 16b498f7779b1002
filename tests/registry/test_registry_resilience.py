"""Retries, circuit breakers, fallback, the daily cache and quota awareness."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from providers.cache import InMemoryLookupCache
from providers.dates import CST
from providers.resilience import ResiliencePolicy
from registry import (
    CompanyNotFoundError,
    InvalidCredentialsError,
    ProviderUnavailableError,
    QuotaExhaustedError,
    UnavailableReason,
)
from registry.adapters.demo import load_demo_companies
from registry.fakes import InMemoryBusinessRegistry
from registry.model import EnterpriseRecord
from registry.resilience import ResilientBusinessRegistry
from registry.testing import KNOWN, SMALL_SCALE, TestClock, company, unknown_uscc

RECORDS = [c.record for c in load_demo_companies()]
USCC = company(KNOWN).record.uscc
OTHER = company(SMALL_SCALE).record.uscc


def down(reason: UnavailableReason = UnavailableReason.SERVER_ERROR) -> ProviderUnavailableError:
    return ProviderUnavailableError("provider answered HTTP 502", provider="x", reason=reason)


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def resilient(
    *providers: InMemoryBusinessRegistry,
    clock: TestClock,
    cache: InMemoryLookupCache | None = None,
    sleep: Sleeps | None = None,
    **policy: object,
) -> ResilientBusinessRegistry:
    return ResilientBusinessRegistry(
        [(p.provider, p) for p in providers],
        policy=ResiliencePolicy(**policy),  # type: ignore[arg-type]
        cache=cache,
        clock=clock,
        sleep=sleep or Sleeps(),
        random=lambda: 0.5,
    )


def provider(name: str, clock: TestClock) -> InMemoryBusinessRegistry:
    return InMemoryBusinessRegistry(RECORDS, provider=name, clock=clock)


async def test_a_failed_call_is_retried_with_exponential_backoff_and_jitter_then_succeeds() -> None:
    clock, sleeps = TestClock(), Sleeps()
    qcc = provider("qichacha", clock)
    qcc.fail_next(down(), down(UnavailableReason.TIMEOUT))
    registry = resilient(qcc, clock=clock, sleep=sleeps, backoff_base_seconds=1.0)
    record = await registry.lookup(USCC)
    assert record.provider == "qichacha"
    assert len(qcc.calls) == 3
    assert sleeps.waits == [0.5, 1.0]  # random 0.5 x (1 s, 2 s)


async def test_the_breaker_opens_after_consecutive_failures_and_calls_fall_back() -> None:
    clock = TestClock()
    qcc, tyc = provider("qichacha", clock), provider("tianyancha", clock)
    qcc.fail_next(*[down() for _ in range(10)])
    registry = resilient(
        qcc, tyc, clock=clock, max_attempts=1, failure_threshold=2, cool_down=timedelta(minutes=5)
    )
    for code in (USCC, OTHER):
        assert (await registry.lookup(code)).provider == "tianyancha"
    assert registry.failover.breaker("qichacha").state(clock()) == "open"
    calls_before = len(qcc.calls)
    third = company("北京启衡数据服务有限公司").record.uscc
    assert (await registry.lookup(third)).provider == "tianyancha"
    assert len(qcc.calls) == calls_before  # open breaker: not asked at all

    clock.advance(minutes=5)  # half-open: one trial call goes through
    qcc.failures.clear()
    fourth = company("西安秦川仪表有限公司").record.uscc
    assert (await registry.lookup(fourth)).provider == "qichacha"
    assert registry.failover.breaker("qichacha").state(clock()) == "closed"


async def test_a_failed_half_open_trial_reopens_the_breaker() -> None:
    clock = TestClock()
    qcc, tyc = provider("qichacha", clock), provider("tianyancha", clock)
    qcc.fail_next(*[down() for _ in range(10)])
    registry = resilient(qcc, tyc, clock=clock, max_attempts=1, failure_threshold=1)
    await registry.lookup(USCC)
    clock.advance(minutes=6)
    await registry.lookup(OTHER)
    assert registry.failover.breaker("qichacha").state(clock()) == "open"


async def test_the_cache_avoids_a_second_paid_call_within_a_day_and_misses_after_24_hours() -> None:
    clock = TestClock()
    qcc = provider("qichacha", clock)
    registry = resilient(qcc, clock=clock, cache=InMemoryLookupCache(clock))
    first = await registry.lookup(USCC)
    clock.advance(hours=23, minutes=59)
    second = await registry.lookup(f" {USCC.lower()} ")  # same company, typed differently
    assert second == first and len(qcc.calls) == 1
    clock.advance(minutes=1)
    await registry.lookup(USCC)
    assert len(qcc.calls) == 2


async def test_a_not_found_answer_is_cached_too() -> None:
    clock = TestClock()
    qcc = provider("qichacha", clock)
    registry = resilient(qcc, clock=clock, cache=InMemoryLookupCache(clock))
    for _ in range(2):
        with pytest.raises(CompanyNotFoundError):
            await registry.lookup(unknown_uscc())
    assert len(qcc.calls) == 1


async def test_a_provider_out_of_quota_is_skipped_until_the_next_day_in_china() -> None:
    clock = TestClock(datetime(2026, 11, 26, 10, 0, tzinfo=CST))
    qcc, tyc = provider("qichacha", clock), provider("tianyancha", clock)
    qcc.fail_next(QuotaExhaustedError("qichacha Status 112", provider="qichacha"))
    registry = resilient(qcc, tyc, clock=clock)
    assert (await registry.lookup(USCC)).provider == "tianyancha"
    clock.advance(hours=13)  # 23:00 the same day
    assert (await registry.lookup(OTHER)).provider == "tianyancha"
    assert len(qcc.calls) == 1
    clock.advance(hours=1)  # midnight: the quota is back
    third = company("北京启衡数据服务有限公司").record.uscc
    assert (await registry.lookup(third)).provider == "qichacha"


async def test_invalid_credentials_are_not_retried_and_fall_back() -> None:
    clock, sleeps = TestClock(), Sleeps()
    qcc, tyc = provider("qichacha", clock), provider("tianyancha", clock)
    qcc.fail_next(InvalidCredentialsError("qichacha Status 101", provider="qichacha"))
    registry = resilient(qcc, tyc, clock=clock, sleep=sleeps)
    assert (await registry.lookup(USCC)).provider == "tianyancha"
    assert len(qcc.calls) == 1 and sleeps.waits == []


async def test_when_every_provider_is_down_the_answer_is_unknown_retry_later() -> None:
    clock = TestClock()
    qcc, tyc = provider("qichacha", clock), provider("tianyancha", clock)
    qcc.fail_next(*[down() for _ in range(3)])
    tyc.fail_next(QuotaExhaustedError("tianyancha 300007", provider="tianyancha"))
    registry = resilient(qcc, tyc, clock=clock, cache=InMemoryLookupCache(clock))
    with pytest.raises(ProviderUnavailableError) as caught:
        await registry.lookup(USCC)
    assert caught.value.reason is UnavailableReason.ALL_PROVIDERS_FAILED
    assert caught.value.retry_after is not None
    assert "retry" in str(caught.value)
    # nothing was cached: once a provider is back, the lookup is answered
    qcc.failures.clear()
    assert (await registry.lookup(USCC)).provider == "qichacha"


async def test_a_slow_provider_is_cut_off_by_the_per_call_timeout() -> None:
    class Slow(InMemoryBusinessRegistry):
        async def lookup(self, uscc_or_name: str) -> EnterpriseRecord:
            await asyncio.sleep(5)
            return await super().lookup(uscc_or_name)

    clock = TestClock()
    slow = Slow(RECORDS, provider="qichacha", clock=clock)
    registry = resilient(
        slow, provider("tianyancha", clock), clock=clock, timeout_seconds=0.01, max_attempts=1
    )
    assert (await registry.lookup(USCC)).provider == "tianyancha"
    assert registry.failover.attempts[0].outcome == "unavailable"


async def test_three_element_checks_go_through_the_same_failover() -> None:
    clock = TestClock()
    qcc, tyc = provider("qichacha", clock), provider("tianyancha", clock)
    qcc.fail_next(down())
    registry = resilient(qcc, tyc, clock=clock, max_attempts=1)
    known = company(KNOWN).record
    result = await registry.verify_three_elements(
        known.uscc, known.name, known.legal_representative
    )
    assert result.matches and result.provider == "tianyancha"
