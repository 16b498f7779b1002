"""The provider cache, quota book and call pacer: one contract, in process and in Redis.

The same tests run over the in-process implementations and over the Redis ones (a real
redis-server on a spare port); then two resilient registries on one Redis show what sharing
buys: the second instance does not pay for the first one's question, and stops calling a
provider the first one found out of quota. Redis killed: lookups still answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from redis.asyncio import Redis

from portal.domain.amounts import Money
from portal.domain.status import RegistryStatus, TaxpayerQualification, TaxStatus
from providers.cache import CachedNotFound, InMemoryLookupCache, LookupCache
from providers.codec import ValueCodec
from providers.quota import CallPacer, InMemoryQuotaBook, QuotaBook, TokenBucket
from providers.redis_state import RedisLookupCache, RedisQuotaBook, RedisTokenBucket
from providers.resilience import ResiliencePolicy
from registry import QuotaExhaustedError
from registry.adapters.demo import load_demo_companies
from registry.fakes import InMemoryBusinessRegistry
from registry.model import EnterpriseRecord, ThreeElementOutcome, ThreeElementResult
from registry.resilience import ResilientBusinessRegistry
from registry.testing import KNOWN, TestClock, company
from tax_bureau.model import InvoicingDetails, TaxpayerStatus
from tests.support.redis_server import RedisServer, running_redis

CODEC = ValueCodec(
    [EnterpriseRecord, ThreeElementResult, ThreeElementOutcome, Money, RegistryStatus,
     InvoicingDetails, TaxpayerStatus, TaxStatus, TaxpayerQualification]
)  # fmt: skip
RECORD = EnterpriseRecord(
    name="上海示例科技有限公司",
    uscc="91310115MA1H7GXX4X",
    legal_representative="张三",
    status=RegistryStatus.ACTIVE,
    registered_capital=Money(Decimal("5000000"), "CNY"),
    established_on=date(2019, 3, 4),
    former_names=("上海旧名有限公司",),
    provider="qichacha",
    fetched_at=datetime(2026, 11, 26, 2, 0, tzinfo=TestClock().now.tzinfo),
)


class Sleeps:
    """Sleeping moves the test clock (and remembers how long)."""

    def __init__(self, clock: TestClock) -> None:
        self.clock, self.waits = clock, list[float]()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))
        self.clock.advance(seconds=seconds)


@dataclass
class Kit:
    """One implementation of the three ports, and how to let time pass for its cache."""

    name: str
    cache: LookupCache
    quota: QuotaBook
    pacer: CallPacer
    clock: TestClock
    sleeps: Sleeps
    redis: Redis | None = None

    async def let_expire(self, ttl: timedelta) -> None:
        self.clock.advance(seconds=ttl.total_seconds() + 1)
        if self.redis is not None:  # Redis expires keys by its own clock
            for key in await self.redis.keys("portal-provider-cache:*"):
                await self.redis.pexpire(key, 1)
            while await self.redis.keys("portal-provider-cache:*"):
                pass


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    if redis_server.process is None:
        redis_server.start()
    client = Redis.from_url(redis_server.url, socket_connect_timeout=1, socket_timeout=1)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture(params=["in-process", "redis"])
async def kit(request: pytest.FixtureRequest, redis: Redis) -> Kit:
    clock = TestClock()
    sleeps = Sleeps(clock)
    if request.param == "in-process":
        pacer = TokenBucket(60, capacity=2, clock=clock, sleep=sleeps)
        return Kit("memory", InMemoryLookupCache(clock), InMemoryQuotaBook(), pacer, clock, sleeps)
    return Kit(
        "redis",
        RedisLookupCache(redis, CODEC),
        RedisQuotaBook(redis),
        RedisTokenBucket(redis, 60, capacity=2, clock=clock, sleep=sleeps),
        clock,
        sleeps,
        redis,
    )


async def test_the_cache_gives_back_what_it_kept_until_its_time_is_up(kit: Kit) -> None:
    three = ThreeElementResult(ThreeElementOutcome.MATCH, provider="tianyancha")
    missing = CachedNotFound("no such company", "qichacha", "req-1")
    for key, value in (("lookup", RECORD), ("three", three), ("missing", missing)):
        await kit.cache.put(key, value, timedelta(hours=24))

    assert await kit.cache.get("lookup") == RECORD
    assert await kit.cache.get("three") == three
    assert await kit.cache.get("missing") == missing
    assert await kit.cache.get("never asked") is None
    await kit.let_expire(timedelta(hours=24))
    assert await kit.cache.get("lookup") is None


async def test_a_provider_out_of_quota_is_paused_until_the_later_of_its_pauses(kit: Kit) -> None:
    now = kit.clock()
    midnight, later = now + timedelta(hours=6), now + timedelta(hours=30)
    await kit.quota.pause("qichacha", midnight)
    await kit.quota.pause("qichacha", later)
    await kit.quota.pause("qichacha", midnight)  # an earlier pause does not shorten it

    assert await kit.quota.paused_until("qichacha", now) == later
    assert await kit.quota.paused_until("tianyancha", now) is None
    assert await kit.quota.paused_until("qichacha", later + timedelta(seconds=1)) is None


async def test_paced_calls_come_in_bursts_of_the_capacity_then_at_the_rate(kit: Kit) -> None:
    for _ in range(4):
        await kit.pacer.acquire()
    assert kit.sleeps.waits == [1.0, 1.0]  # 60 a minute, bursts of 2: then one a second


def test_a_value_of_a_type_the_cache_does_not_know_reads_as_a_miss() -> None:
    planted = '{"$d":"Popen","v":{"args":"rm -rf /"}}'
    with pytest.raises(ValueError, match="Popen"):
        CODEC.loads(planted)


# --- two instances on one Redis ---------------------------------------------------------


def instance(redis: Redis, clock: TestClock, *providers: InMemoryBusinessRegistry) -> Any:
    return ResilientBusinessRegistry(
        [(p.provider, p) for p in providers],
        policy=ResiliencePolicy(max_attempts=1),
        cache=RedisLookupCache(redis, CODEC),
        quota=RedisQuotaBook(redis),
        clock=clock,
        sleep=Sleeps(clock),
        random=lambda: 0.5,
    )


def provider(name: str, clock: TestClock) -> InMemoryBusinessRegistry:
    return InMemoryBusinessRegistry(
        [c.record for c in load_demo_companies()], provider=name, clock=clock
    )


async def test_the_second_instance_does_not_pay_for_a_question_the_first_one_asked(
    redis: Redis,
) -> None:
    clock = TestClock()
    qcc_a, qcc_b = provider("qichacha", clock), provider("qichacha", clock)
    uscc = company(KNOWN).record.uscc

    first = await instance(redis, clock, qcc_a).lookup(uscc)
    second = await instance(redis, clock, qcc_b).lookup(uscc)

    assert second == first
    assert (len(qcc_a.calls), len(qcc_b.calls)) == (1, 0)


async def test_a_provider_out_of_quota_on_one_instance_is_skipped_by_the_other(
    redis: Redis,
) -> None:
    clock = TestClock()
    qcc_a, tyc_a = provider("qichacha", clock), provider("tianyancha", clock)
    qcc_b, tyc_b = provider("qichacha", clock), provider("tianyancha", clock)
    qcc_a.fail_next(QuotaExhaustedError("daily quota used up", provider="qichacha"))
    known = [c.record.uscc for c in load_demo_companies()][:3]

    first = await instance(redis, clock, qcc_a, tyc_a).lookup(known[0])  # falls back
    second = await instance(redis, clock, qcc_b, tyc_b).lookup(known[1])

    assert (first.provider, second.provider) == ("tianyancha", "tianyancha")
    assert (len(qcc_b.calls), len(tyc_b.calls)) == (0, 1)  # b never asked the paused one
    clock.advance(days=1)  # past midnight in China: the quota is back
    third = await instance(redis, clock, qcc_b, tyc_b).lookup(known[2])
    assert third.provider == "qichacha"


async def test_with_redis_killed_lookups_still_answer_from_the_provider(
    redis: Redis, redis_server: RedisServer
) -> None:
    clock = TestClock()
    qcc = provider("qichacha", clock)
    registry = instance(redis, clock, qcc)
    pacer = RedisTokenBucket(redis, 60, capacity=1, clock=clock, sleep=Sleeps(clock))
    redis_server.kill()
    try:
        record = await registry.lookup(company(KNOWN).record.uscc)
        await pacer.acquire()
    finally:
        redis_server.start()
    assert record.uscc == company(KNOWN).record.uscc
    assert len(qcc.calls) == 1


async def test_two_instances_wired_from_the_same_settings_share_the_answers_in_redis(
    redis: Redis, redis_server: RedisServer
) -> None:
    import httpx

    from portal.config import load_settings
    from portal.verification.wiring import build_verification, verification_settings
    from registry import CompanyNotFoundError

    calls: list[str] = []

    def qichacha(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, json={"Status": "201", "Message": "查询无结果"})

    settings = verification_settings(
        load_settings(
            {
                "PORTAL_QICHACHA_KEY": "key",
                "PORTAL_QICHACHA_SECRET": "secret",
                "PORTAL_SESSION_REDIS_URL": redis_server.url,
            }
        )
    )
    unknown = company(KNOWN).record.uscc
    for _ in range(2):  # two processes: each its own wiring, its own HTTP and Redis clients
        wiring = build_verification(settings, transport=httpx.MockTransport(qichacha))
        async with wiring.ports() as ports:
            assert isinstance(ports.pacer, RedisTokenBucket)
            with pytest.raises(CompanyNotFoundError):
                await ports.registry.lookup(unknown)
    assert len(calls) == 1  # "no such company" was paid for once, by the first
