"""Rate limits per client address, atomic under bursts, shared by every instance with Redis.

Counting is done by the `limits` library (moving window): in memory for one process, in Redis
when ``PORTAL_SESSION_REDIS_URL`` is set, where each hit is one atomic Lua script, so a burst
of sixty concurrent logins against 20/min lets exactly twenty through, on one instance or
many. (The hand-written counter this replaces read, added and wrote back in three steps: a
concurrent burst went through unlimited.)

Use :func:`rate_limited` as a route guard: ``guards=[rate_limited("upload")]``. The limiters are
built by the auth area (``login``, ``invitation``, ``upload``); a guard naming a limiter that was
not built stops the app factory (:func:`missing_limiters`), never lets requests through.
Too many requests get 429 with ``Retry-After``. When Redis cannot be reached, a limiter built
without a fallback (login, invitations: security-relevant) refuses the request with
:class:`~portal.web.auth.degraded.LoginUnavailableError` (503) rather than counting it nowhere;
one built with a fallback (uploads) counts in this process's memory until Redis answers again.
Either way the outage is logged once (:class:`~portal.web.auth.degraded.Outage`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler

from portal.web.auth.degraded import REDIS_TIMEOUT_SECONDS, LoginUnavailableError, Outage
from portal.web.auth.settings import RateLimit
from portal.web.context import client_ip

STATE_KEY = "auth.rate_limiters"
AsyncGuard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


async def _nothing() -> None:
    return None


def limit_storage(redis_url: str | None) -> tuple[Storage, Callable[[], Awaitable[None]]]:
    """Redis when configured (shared by all instances), else this process's memory; and the
    coroutine function that closes its connections at shutdown."""
    if redis_url:
        from redis.asyncio import ConnectionPool

        pool = ConnectionPool.from_url(
            redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        uri = redis_url.replace("redis://", "async+redis://", 1).replace(
            "rediss://", "async+rediss://", 1
        )
        storage = RedisStorage(
            uri,
            implementation="redispy",
            key_prefix="portal-ratelimit",
            wrap_exceptions=True,
            connection_pool=pool,  # type: ignore[arg-type]
        )
        return storage, pool.aclose
    return MemoryStorage(), _nothing


class RateLimiter:
    """At most ``rate.limit`` hits per key in any window of ``rate.seconds`` (moving window).

    ``fallback``: where to count while ``storage`` (Redis) cannot be reached; None fails
    closed (:class:`LoginUnavailableError`).
    """

    def __init__(
        self,
        storage: Storage,
        name: str,
        rate: RateLimit,
        clock: Callable[[], float] = time.time,
        *,
        fallback: Storage | None = None,
    ) -> None:
        self.name = name
        self.rate = rate
        self.clock = clock
        self.item = RateLimitItemPerSecond(rate.limit, rate.seconds, namespace=name)
        self.strategy = MovingWindowRateLimiter(storage)
        self.fallback = MovingWindowRateLimiter(fallback) if fallback is not None else None
        self.outage = Outage(f"rate limit '{name}'")

    async def _hit(self, strategy: MovingWindowRateLimiter, key: str) -> int | None:
        if await strategy.hit(self.item, key):
            return None
        reset, _ = await strategy.get_window_stats(self.item, key)
        return max(1, math.ceil(reset - self.clock()))

    async def hit(self, key: str) -> int | None:
        """Count one hit; None when allowed, else the seconds until one is allowed again."""
        try:
            answer = await self._hit(self.strategy, key)
        except StorageError as exc:
            self.outage.failed(exc)
            if self.fallback is None:
                raise LoginUnavailableError() from exc
            return await self._hit(self.fallback, key)
        self.outage.recovered()
        return answer

    async def check(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        """Count the request of this client; 429 when it is over the limit."""
        retry_after = await self.hit(client_ip(connection) or "unknown")
        if retry_after is not None:
            raise TooManyRequestsException(
                f"请求过于频繁，请 {retry_after} 秒后再试 / "
                f"too many requests; try again in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )


class RateLimitGuard:
    """The route guard of one named limiter (a class, so the factory can find its name)."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def __call__(
        self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        limiters: Mapping[str, RateLimiter] = connection.app.state[STATE_KEY]
        await limiters[self.name].check(connection)


def rate_limited(name: str) -> AsyncGuard:
    """A guard counting requests against the named limiter (which must be registered)."""
    return RateLimitGuard(name)


def missing_limiters(app: Litestar) -> list[str]:
    """Names of limiters that some route's guards use but the app does not have."""
    have: Mapping[str, RateLimiter] = app.state.get(STATE_KEY) or {}
    wanted = {
        guard.name
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        for guard in handler.resolve_guards()
        if isinstance(guard, RateLimitGuard)
    }
    return sorted(wanted - set(have))


def require_limiters(app: Litestar) -> None:
    """Start-up check: every ``rate_limited`` guard names a limiter that exists."""
    missing = missing_limiters(app)
    if missing:
        raise RuntimeError(f"rate limiters not configured for guarded routes: {', '.join(missing)}")
