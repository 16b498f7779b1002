"""The provider cache, the daily quota and the call pacing, shared by every instance in Redis.

Behind the same ports as the in-process ones (:class:`~providers.cache.LookupCache`,
:class:`~providers.quota.QuotaBook`, :class:`~providers.quota.CallPacer`), so two web
instances and the worker pay once for the same question, stop calling a provider together
when it says its quota is used up, and spread their calls over one shared rate.

The caller gives the ``redis.asyncio.Redis`` client (it belongs to one event loop, like the
adapters' httpx client) and the :class:`~providers.codec.ValueCodec` of the answers' types.

Redis down never fails a lookup: the cache reads as a miss and forgets what it was given,
the quota book as "nobody paused" (a provider out of quota says so again, and is skipped
again), and the pacer falls back to an in-process bucket until Redis answers. Provider
down or Redis down: "unknown, retry later", never "invalid".
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from providers.cache import CachedNotFound
from providers.codec import UnknownValueError, ValueCodec
from providers.dates import utc_now
from providers.quota import TokenBucket

log = logging.getLogger("providers.redis_state")
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)


def _unreachable(what: str, exc: BaseException) -> None:
    log.warning("redis unreachable for the provider %s (%s)", what, type(exc).__name__)


class RedisLookupCache:
    """A :class:`~providers.cache.LookupCache` in Redis (keys expire with their ttl)."""

    def __init__(
        self, client: Redis, codec: ValueCodec, *, prefix: str = "portal-provider-cache"
    ) -> None:
        self.client, self.prefix = client, prefix
        self.codec = codec.with_types([CachedNotFound])

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    async def get(self, key: str) -> object | None:
        try:
            raw = await self.client.get(self._key(key))
        except REDIS_ERRORS as exc:
            _unreachable("cache", exc)
            return None
        if raw is None:
            return None
        try:
            return self.codec.loads(raw)
        except UnknownValueError:
            return None  # stored by another version, or not by us: ask again

    async def put(self, key: str, value: object, ttl: timedelta) -> None:
        milliseconds = max(1, math.ceil(ttl.total_seconds() * 1000))
        try:
            await self.client.set(self._key(key), self.codec.dumps(value), px=milliseconds)
        except REDIS_ERRORS as exc:
            _unreachable("cache", exc)


class RedisQuotaBook:
    """A :class:`~providers.quota.QuotaBook` in Redis: one key per paused provider."""

    def __init__(self, client: Redis, *, prefix: str = "portal-provider-quota") -> None:
        self.client, self.prefix = client, prefix

    async def paused_until(self, provider: str, now: datetime) -> datetime | None:
        try:
            raw = await self.client.get(f"{self.prefix}:{provider}")
        except REDIS_ERRORS as exc:
            _unreachable("quota", exc)
            return None
        if raw is None:
            return None
        until = datetime.fromtimestamp(float(raw), UTC)
        return until if until > now else None

    async def pause(self, provider: str, until: datetime) -> None:
        key = f"{self.prefix}:{provider}"
        try:
            # the later of two pauses wins; a pause ends at midnight, its key is gone in 2 days
            await self.client.eval(_PAUSE, 1, key, str(until.timestamp()))
        except REDIS_ERRORS as exc:
            _unreachable("quota", exc)


# KEYS[1] the provider's key; ARGV[1] the pause's end (epoch seconds)
_PAUSE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
if wanted > current then
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[1], 172800)
end
return 1
"""

# KEYS[1] the bucket; ARGV rate per second, capacity, now (s), tokens wanted.
# Returns 0 when taken, else the seconds to wait (as a string: Lua numbers lose decimals).
_TAKE = """
local rate, capacity = tonumber(ARGV[1]), tonumber(ARGV[2])
local now, want = tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil then tokens, at = capacity, now end
if now > at then tokens = math.min(capacity, tokens + (now - at) * rate); at = now end
local wait = 0
if tokens >= want then tokens = tokens - want else wait = (want - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return tostring(wait)
"""


class RedisTokenBucket:
    """A :class:`~providers.quota.CallPacer` shared in Redis: one atomic script per take.

    The same arithmetic as :class:`~providers.quota.TokenBucket`: at most
    ``rate_per_minute`` a minute, bursts up to ``capacity``, for all instances together.
    """

    def __init__(
        self,
        client: Redis,
        rate_per_minute: int,
        *,
        capacity: float | None = None,
        name: str = "monitoring",
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        prefix: str = "portal-provider-pace",
    ) -> None:
        self.client = client
        self.rate = rate_per_minute / 60.0
        self.capacity = float(capacity if capacity is not None else max(1, rate_per_minute // 10))
        self.key = f"{prefix}:{name}"
        self._clock, self._sleep = clock, sleep
        self._local: TokenBucket | None = None

    async def _take(self, tokens: float) -> float:
        now = self._clock().timestamp()
        args: list[Any] = [self.rate, self.capacity, repr(now), tokens]
        wait = await self.client.eval(_TAKE, 1, self.key, *args)
        return float(wait.decode() if isinstance(wait, bytes) else wait)

    async def acquire(self, tokens: float = 1.0) -> None:
        """Wait until ``tokens`` are available to all instances together, and take them."""
        tokens = min(tokens, self.capacity)
        while True:
            try:
                wait = await self._take(tokens)
            except REDIS_ERRORS as exc:
                _unreachable("call pacing", exc)
                if self._local is None:
                    self._local = TokenBucket(
                        round(self.rate * 60), capacity=self.capacity, clock=self._clock,
                        sleep=self._sleep,
                    )  # fmt: skip
                await self._local.acquire(tokens)
                return
            if wait <= 0:
                return
            await self._sleep(wait)


__all__ = ["RedisLookupCache", "RedisQuotaBook", "RedisTokenBucket"]
