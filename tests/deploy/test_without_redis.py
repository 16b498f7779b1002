"""Redis down, then back: what degrades, what fails closed, and that nothing answers 500.

A real redis-server holds the sessions and the shared rate limits; the tests kill it with
SIGKILL in the middle and start it again on the same port (docs/operations.md, "When Redis
is down"). Only the Redis is killed: the database stays up throughout.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from crypto import Keyring
from portal.bootstrap import Services, build_collaborators
from portal.db.supplier_store import SupplierStore
from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from portal.web.app import create_app
from portal.web.auth import build_auth
from portal.web.auth.settings import RateLimit
from portal.web.ocr_area import build_ocr
from tests.support.redis_server import RedisServer, running_redis
from tests.web_auth.conftest import (
    BASE_URL,
    demo_auth_settings,
    demo_login,
    loop_back,
    make_services,
)

Client = AsyncTestClient[Litestar]
PAGE = {"accept": "text/html"}


@pytest.fixture
def demo_services(engine: Any, keyring: Keyring, store: SupplierStore, tmp_path: Path) -> Services:
    return make_services(engine, keyring, store, tmp_path, demo=True)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path / "redis") as server:
        yield server


def _never_read(*_: Any, **__: Any) -> Any:
    raise AssertionError("nothing in these tests is a readable licence")


def site(services: Services, redis_url: str, *, upload_rate: RateLimit) -> Litestar:
    """The auth area and the OCR area (its staff API takes uploads) over one Redis."""
    auth = build_auth(
        services, demo_auth_settings(session_redis_url=redis_url, upload_rate=upload_rate)
    )
    ocr = build_ocr(services, reader=_never_read)
    app = create_app(
        build_collaborators(services),
        route_handlers=[*auth.route_handlers, *ocr.route_handlers],
        resolvers=auth.resolvers,
        middleware=auth.middleware,
        state={**auth.state, **ocr.state},
        on_shutdown=auth.on_shutdown,
    )
    loop_back(app)
    return app


@pytest.fixture
async def client(demo_services: Services, redis_server: RedisServer) -> AsyncIterator[Client]:
    app = site(demo_services, redis_server.url, upload_rate=RateLimit(3, 60))
    async with AsyncTestClient(app, base_url=BASE_URL) as test_client:
        test_client.follow_redirects = False
        yield test_client


def error_message(page: str) -> str:
    start = page.index('id="error-message">') + len('id="error-message">')
    return page[start : page.index("</p>", start)]


async def test_a_logged_in_clerk_meets_clear_pages_while_redis_is_down_and_is_back_after(
    client: Client, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await demo_login(client, "clerk")).status_code in (302, 303)
    assert (await client.get("/staff/invitations", headers=PAGE)).status_code == 200

    redis_server.kill()
    with caplog.at_level(logging.WARNING, logger="portal.redis"):
        health = await client.get("/healthz")
        home = await client.get("/", headers=PAGE)
        staff = await client.get("/staff/invitations", headers=PAGE)
        login = await client.get("/auth/login", headers=PAGE)

    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert home.status_code == 200  # the start page, as to someone not logged in
    assert staff.status_code in (302, 303, 401), staff.text  # sent to log in, never a 500
    assert login.status_code == 503
    assert (
        error_message(login.text)
        == "登录暂时不可用。无需登录的页面和 API 仍可使用，请几分钟后再试。"
    )
    assert "portal_session=null" not in home.headers.get("set-cookie", "")  # session kept
    outages = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(outages) == 2, outages  # sessions once, the login limit once: not per request
    assert all("redis://" not in message for message in outages)

    redis_server.start()
    with caplog.at_level(logging.WARNING, logger="portal.redis"):
        again = await client.get("/staff/invitations", headers=PAGE)
    assert again.status_code == 200, again.text  # the same cookie: the session came back
    assert any("answers again" in r.getMessage() for r in caplog.records)


async def test_login_fails_closed_with_a_page_in_each_language_and_works_when_redis_returns(
    client: Client, redis_server: RedisServer
) -> None:
    redis_server.kill()
    zh = await client.get("/auth/login", headers=PAGE)
    client.cookies.set("lang", "en")
    en = await client.get("/auth/login", headers=PAGE)
    callback = await client.get("/auth/callback?code=x&state=y", headers=PAGE)

    assert (zh.status_code, en.status_code, callback.status_code) == (503, 503, 503)
    assert "登录暂时不可用" in error_message(zh.text)
    assert error_message(en.text).startswith("Login is temporarily unavailable.")

    redis_server.start()
    assert (await demo_login(client, "supervisor-a")).status_code in (302, 303)


async def test_api_tokens_keep_working_and_upload_limits_count_in_each_process_meanwhile(
    client: Client,
    demo_services: Services,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = create_client(
        demo_services.engine, "scanner", Role.PURCHASING_CLERK, can_reveal=False,
        now=datetime.now(UTC),
    )  # fmt: skip
    bearer = {"Authorization": f"Bearer {token}"}
    redis_server.kill()

    with caplog.at_level(logging.WARNING, logger="portal.redis"):
        suppliers = await client.get("/api/v1/suppliers", headers=bearer)
        uploads = [
            await client.post(
                "/api/v1/ocr/licence",
                files={"file": ("notes.txt", b"not a licence", "text/plain")},
                headers=bearer,
            )
            for _ in range(4)
        ]

    assert suppliers.status_code == 200, suppliers.text
    # three reach the handler, which refuses the file itself; the fourth is over 3 a minute
    assert [u.status_code for u in uploads] == [422, 422, 422, 429], uploads[-1].text
    assert uploads[-1].json()["error"]["retryable"] is True
    falls_back = [r for r in caplog.records if "rate limit 'upload'" in r.getMessage()]
    assert len(falls_back) == 1

    redis_server.start()
    back = await client.post(
        "/api/v1/ocr/licence",
        files={"file": ("notes.txt", b"not a licence", "text/plain")},
        headers=bearer,
    )
    assert back.status_code == 422  # counted in Redis again, which has not seen these four
