"""Rate limits per client address: a fixed window counted in a Litestar store.

Use :func:`rate_limited` as a route guard: ``guards=[rate_limited("upload")]``.
The limiters are built by the auth area from the settings (``login``,
``invitation``, ``upload``) and found through the app state, so areas do not
import each other. Too many requests get 429 with ``Retry-After``.

A route guarded by a limiter that is not registered is never served unlimited: the app
factory refuses to build such an app (:func:`missing_limiters`), naming the limiter.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler
from litestar.stores.base import Store

from portal.web.auth.settings import RateLimit
from portal.web.context import client_ip

STATE_KEY = "auth.rate_limiters"
AsyncGuard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


class RateLimiter:
    """At most ``rate.limit`` hits per key in each window of ``rate.seconds``."""

    def __init__(
        self, store: Store, name: str, rate: RateLimit, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.name = name
        self.rate = rate
        self.clock = clock

    async def hit(self, key: str) -> int | None:
        """Count one hit; None when allowed, else the seconds until the window ends."""
        now = self.clock()
        window = int(now // self.rate.seconds)
        slot = f"{self.name}:{key}:{window}"
        raw = await self.store.get(slot)
        count = int(raw or b"0") + 1
        await self.store.set(slot, str(count).encode(), expires_in=self.rate.seconds + 1)
        if count > self.rate.limit:
            return max(1, int((window + 1) * self.rate.seconds - now))
        return None

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
