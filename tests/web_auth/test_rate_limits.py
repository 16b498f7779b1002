"""Rate limits hold under a concurrent burst, across instances, and fail closed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from portal.web.auth.ratelimit import rate_limited, require_limiters
from portal.web.auth.settings import RateLimit
from tests.web_auth.conftest import BASE_URL, build_app, demo_auth_settings, loop_back


async def burst(app: Litestar, n: int) -> list[int]:
    async with AsyncTestClient(app, base_url=BASE_URL) as client:
        answers = await asyncio.gather(
            *(client.get("/auth/login", follow_redirects=False) for _ in range(n))
        )
    return [a.status_code for a in answers]


async def test_sixty_concurrent_logins_against_twenty_a_minute_get_forty_429(
    demo_services: Any,
) -> None:
    app = build_app(demo_services, demo_auth_settings(login_rate=RateLimit(20, 60)))
    loop_back(app)
    codes = await burst(app, 60)
    assert codes.count(429) == 40 and codes.count(302) == 20


async def test_two_instances_on_one_redis_share_the_limit(
    demo_services: Any, redis_url: str
) -> None:
    import redis

    with redis.Redis.from_url(redis_url) as server:
        server.flushdb()  # the same module's other database run counted in this minute too
    settings = demo_auth_settings(login_rate=RateLimit(20, 60), session_redis_url=redis_url)
    one, two = build_app(demo_services, settings), build_app(demo_services, settings)
    loop_back(one)
    loop_back(two)
    codes = [c for batch in await asyncio.gather(burst(one, 30), burst(two, 30)) for c in batch]
    assert codes.count(429) == 40 and codes.count(302) == 20


async def test_an_unreachable_redis_refuses_with_503_instead_of_counting_nowhere(
    demo_services: Any,
) -> None:
    settings = demo_auth_settings(session_redis_url="redis://127.0.0.1:1/0")
    app = build_app(demo_services, settings)
    async with AsyncTestClient(app, base_url=BASE_URL) as client:
        answer = await client.get("/auth/login", follow_redirects=False)
    assert answer.status_code == 503


def test_a_route_guarded_by_a_limiter_nobody_built_stops_the_start() -> None:
    @get("/x", guards=[rate_limited("nonexistent")], sync_to_thread=False)
    def x() -> str:
        return "x"

    with pytest.raises(RuntimeError, match="nonexistent"):
        require_limiters(Litestar(route_handlers=[x]))
