"""Sessions end when they should: absolute and idle timeouts, role changes, disabled accounts,
revocation by an admin and logout; requests without a cookie store nothing."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.stores.memory import MemoryStore
from litestar.testing import AsyncTestClient

from portal.audit.log import AuditLog
from portal.domain.principal import Principal, Role
from portal.identity.sessions import NotAllowedError, list_sessions, revoke_session
from portal.identity.users import record_login
from tests.web_auth.conftest import (
    BASE_URL,
    build_app,
    csrf_of,
    demo_auth_settings,
    demo_login,
    loop_back,
    runtime_of,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(demo_services: Any, clock: Clock) -> Litestar:
    settings = demo_auth_settings(session_max_age=8 * 3600, session_idle=30 * 60)
    built = build_app(demo_services, settings, clock=clock)
    loop_back(built)
    return built


@pytest.fixture
async def first(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app, base_url=BASE_URL) as client:
        client.follow_redirects = False
        yield client


class Browsers:
    """Two people's browsers over one test client: each keeps its own cookies."""

    def __init__(self, client: AsyncTestClient[Litestar]) -> None:
        self.client = client
        self.jars: dict[str, httpx.Cookies] = {}
        self.current: str | None = None

    def use(self, who: str) -> AsyncTestClient[Litestar]:
        if self.current is not None:
            self.jars[self.current] = httpx.Cookies(self.client.cookies)
        self.client.cookies = self.jars.get(who, httpx.Cookies())
        self.current = who
        return self.client


@pytest.fixture
def browsers(first: AsyncTestClient[Litestar]) -> Browsers:
    return Browsers(first)


async def is_logged_in(client: AsyncTestClient[Litestar]) -> bool:
    return (await client.get("/staff/invitations")).status_code == 200


async def test_a_session_ends_at_its_maximum_age_however_often_it_is_used(
    first: Any, clock: Clock
) -> None:
    await demo_login(first, "supervisor-a")
    for _ in range(47):  # every ten minutes for 7 h 50 min
        clock.advance(minutes=10)
        assert await is_logged_in(first)
    clock.advance(minutes=10)
    assert not await is_logged_in(first)


async def test_a_session_left_idle_ends(first: Any, clock: Clock) -> None:
    await demo_login(first, "supervisor-a")
    clock.advance(minutes=29)
    assert await is_logged_in(first)
    clock.advance(minutes=30)
    assert not await is_logged_in(first)


async def test_a_role_change_ends_the_sessions_opened_with_the_old_role(
    first: Any, app: Litestar, clock: Clock
) -> None:
    await demo_login(first, "supervisor-a")
    runtime = runtime_of(app)
    with runtime.services.engine.begin() as conn:
        me = record_login(
            conn,
            issuer=runtime.settings.issuer or "",
            subject="demo-supervisor-a",
            email=None,
            display_name="",
            staff_role=Role.FINANCE,
            now=clock(),
        )
    assert me.role is Role.FINANCE
    assert not await is_logged_in(first)


async def admin_form(client: Any) -> str:
    page = await client.get("/admin/sessions")
    assert page.status_code == 200, page.text
    return page.text


async def test_an_admin_sees_sessions_by_name_and_ends_one(
    browsers: Browsers, app: Litestar
) -> None:
    await demo_login(browsers.use("a"), "supervisor-a")
    await demo_login(browsers.use("admin"), "admin")
    text = await admin_form(browsers.use("admin"))
    assert "采购主管甲 李强" in text and "管理员" in text
    ids = re.findall(r'action="/admin/sessions/([0-9a-f]{64})/revoke"', text)
    runtime = runtime_of(app)
    admin = next(
        s
        for s in list_sessions(runtime.services.engine, _admin(runtime), runtime.now())
        if s.role == "admin"
    )
    target = next(i for i in ids if i != admin.id)
    answer = await browsers.use("admin").post(
        f"/admin/sessions/{target}/revoke", data={"_csrf_token": csrf_of(text)}
    )
    assert answer.status_code == 303
    assert not await is_logged_in(browsers.use("a"))
    assert (await browsers.use("admin").get("/admin/sessions")).status_code == 200
    actions = [e.action for e in _entries(app)]
    assert "session.revoked" in actions


async def test_a_disabled_account_is_logged_out_and_cannot_log_in_again(
    browsers: Browsers, app: Litestar
) -> None:
    await demo_login(browsers.use("a"), "supervisor-a")
    await demo_login(browsers.use("admin"), "admin")
    text = await admin_form(browsers.use("admin"))
    row = re.search(
        r'data-account="([^"]+)"><td[^>]*>采购主管甲 李强.*?action="/admin/accounts/\1/disable"',
        text,
        re.S,
    )
    assert row
    answer = await browsers.use("admin").post(
        f"/admin/accounts/{row.group(1)}/disable", data={"_csrf_token": csrf_of(text)}
    )
    assert answer.status_code == 303
    first = browsers.use("a")
    assert not await is_logged_in(first)
    again = await demo_login(first, "supervisor-a")
    assert again.status_code == 403
    assert not await is_logged_in(first)
    failures = [e.after for e in _entries(app) if e.action == "login.failed"]
    assert failures[-1] == "account_disabled"


async def test_only_a_logged_in_admin_manages_sessions(first: Any, app: Litestar) -> None:
    await demo_login(first, "supervisor-a")
    assert (await first.get("/admin/sessions")).status_code == 403
    runtime = runtime_of(app)
    token = Principal("t", Role.ADMIN, "token", kind="api")
    with pytest.raises(NotAllowedError):
        list_sessions(runtime.services.engine, token, runtime.now())
    with pytest.raises(NotAllowedError):
        revoke_session(
            runtime.services.engine,
            AuditLog(runtime.services.sealer),
            _ctx(),
            Principal("u", Role.PURCHASING_SUPERVISOR, "sup"),
            "x" * 64,
            runtime.now(),
        )


async def test_logout_ends_the_session_row(first: Any, app: Litestar) -> None:
    await demo_login(first, "supervisor-a")
    runtime = runtime_of(app)
    assert len(list_sessions(runtime.services.engine, _admin(runtime), runtime.now())) == 1
    page = await first.get("/staff/invitations")
    await first.post("/auth/logout", data={"_csrf_token": csrf_of(page.text)})
    assert list_sessions(runtime.services.engine, _admin(runtime), runtime.now()) == []


async def test_requests_without_a_cookie_store_no_session(app: Litestar, first: Any) -> None:
    store = next(
        m.kwargs["backend"].config.session_store
        for m in app.middleware
        if "backend" in getattr(m, "kwargs", {})
    )
    assert isinstance(store, MemoryStore)
    before = len(store._store)
    for path in ["/", "/staff/", "/portal/", "/healthz", "/lang/en", "/no-such-page"] * 5:
        first.cookies.clear()
        await first.get(path)
    assert len(store._store) == before


def _admin(runtime: Any) -> Principal:
    return Principal("admin-check", Role.ADMIN, "admin")


def _ctx() -> Any:
    from portal.audit.log import AuditContext

    return AuditContext(actor="test")


def _entries(app: Litestar) -> list[Any]:
    services = runtime_of(app).services
    with services.engine.connect() as conn:
        return list(AuditLog(services.sealer).entries(conn))


def demo_provider(app: Litestar) -> Any:
    route = next(r for r in app.routes if r.path == "/dev-oidc/jwks")
    handler = route.route_handlers[0]  # type: ignore[attr-defined]
    return handler.resolve_dependencies()["provider"].dependency()


async def test_a_logout_at_the_provider_ends_every_session_of_that_person(
    browsers: Browsers, app: Litestar, clock: Clock
) -> None:
    await demo_login(browsers.use("desk"), "supervisor-a")
    await demo_login(browsers.use("phone"), "supervisor-a")
    await demo_login(browsers.use("other"), "clerk")
    provider = demo_provider(app)
    server = browsers.use("provider")
    answer = await server.post(
        "/auth/backchannel-logout", data={"logout_token": provider.logout_token("supervisor-a")}
    )
    assert answer.status_code == 200, answer.text
    assert not await is_logged_in(browsers.use("desk"))
    assert not await is_logged_in(browsers.use("phone"))
    assert (await browsers.use("other").get("/staff/")).status_code != 401
    entry = next(e for e in _entries(app) if e.action == "logout.provider")
    assert entry.after == "2"


async def test_a_forged_or_stale_logout_token_ends_nothing(
    browsers: Browsers, app: Litestar, clock: Clock
) -> None:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    await demo_login(browsers.use("desk"), "supervisor-a")
    provider = demo_provider(app)
    provider.clock = lambda: time.time() - 600
    stale = provider.logout_token("supervisor-a")
    claims = jwt.decode(stale, provider.key).claims | {"iat": int(time.time())}
    stranger = RSAKey.generate_key(2048, auto_kid=True)
    forged = jwt.encode({"alg": "RS256", "kid": provider.key.kid}, claims, stranger)
    server = browsers.use("provider")
    for token in (stale, forged, "not-a-token"):
        answer = await server.post("/auth/backchannel-logout", data={"logout_token": token})
        assert answer.status_code == 400
    assert await is_logged_in(browsers.use("desk"))


async def test_logging_in_again_in_the_same_browser_ends_the_old_session(
    first: Any, app: Litestar
) -> None:
    await demo_login(first, "supervisor-a")
    await demo_login(first, "admin")
    runtime = runtime_of(app)
    open_now = list_sessions(runtime.services.engine, _admin(runtime), runtime.now())
    assert [s.role for s in open_now] == ["admin"]
