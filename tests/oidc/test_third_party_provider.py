"""The complete authorization-code flow against a real third-party provider (oidc-provider).

The "browser" is two httpx clients: one for the provider (its own cookies,
its devInteractions login and consent forms) and the test client of our app.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from crypto import Keyring
from portal.audit.log import AuditLog
from portal.db.supplier_store import SupplierStore
from portal.web.auth.settings import AuthSettings
from tests.oidc.conftest import APP_URL, ThirdPartyProvider
from tests.web_auth.conftest import SECRET, build_app, make_services


class _Forms(HTMLParser):
    """The forms of a page: action and input fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((values.get("action", ""), {}))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1][1][values["name"]] = values.get("value", "")


async def through_provider(browser: httpx.AsyncClient, url: str, login: str) -> str:
    """Follow the provider's redirects and fill its login and consent forms; returns the
    URL it finally sends the browser to on our app (the callback)."""
    for _ in range(20):
        if url.startswith(APP_URL):
            return url
        answer = await browser.get(url)
        if answer.is_redirect:
            url = urljoin(url, answer.headers["location"])
            continue
        parser = _Forms()
        parser.feed(answer.text)
        assert parser.forms, f"no form on {url}: {answer.text[:500]}"
        action, fields = parser.forms[0]
        if "login" in fields:
            fields |= {"login": login, "password": "any password"}
        posted = await browser.post(urljoin(url, action), data=fields)
        assert posted.is_redirect, posted.text[:500]
        url = urljoin(url, posted.headers["location"])
    raise AssertionError("the provider kept redirecting")


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture
async def app(
    third_party_provider: ThirdPartyProvider,
    engine: Any,
    keyring: Keyring,
    store: SupplierStore,
    tmp_path: Path,
) -> AsyncIterator[Litestar]:
    services = make_services(engine, keyring, store, tmp_path, demo=False)
    settings = AuthSettings(
        public_url=APP_URL,
        secret=SECRET,
        issuer=third_party_provider.issuer,
        client_id=third_party_provider.client_id,
        client_secret=third_party_provider.client_secret,
        scopes="openid profile email roles",
        secure_cookies=False,
    )
    # the app makes (and on shutdown closes) its own HTTP client, in its own event loop
    yield build_app(services, settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app, base_url=APP_URL) as test_client:
        test_client.follow_redirects = False
        yield test_client


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10, follow_redirects=False) as provider_browser:
        yield provider_browser


def last_audit(app: Litestar) -> tuple[str, str | None, str | None]:
    services = app.state["auth"].services
    with services.engine.connect() as conn:
        entry = list(AuditLog(services.sealer).entries(conn))[-1]
    return entry.action, entry.actor_role, entry.after


async def test_supervisor_logs_in_through_the_third_party_provider(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    browser: httpx.AsyncClient,
    third_party_provider: ThirdPartyProvider,
) -> None:
    start = await client.get("/auth/login")
    authorize = start.headers["location"]
    assert authorize.startswith(third_party_provider.issuer)
    assert "code_challenge_method=S256" in authorize and "nonce=" in authorize

    callback = await through_provider(browser, authorize, "supervisor-x")
    answer = await client.get(callback.removeprefix(APP_URL))

    assert answer.status_code == 302
    page = await client.get("/staff/invitations")
    assert page.status_code == 200 and "Supervisor X" in page.text
    assert last_audit(app)[:2] == ("login.succeeded", "purchasing_supervisor")


async def test_a_role_claim_given_as_a_string_is_understood(
    app: Litestar, client: AsyncTestClient[Litestar], browser: httpx.AsyncClient
) -> None:
    start = await client.get("/auth/login")
    callback = await through_provider(browser, start.headers["location"], "finance-y")

    assert (await client.get(callback.removeprefix(APP_URL))).status_code == 302
    assert last_audit(app)[:2] == ("login.succeeded", "finance")


async def test_a_person_without_role_gets_no_access(
    app: Litestar, client: AsyncTestClient[Litestar], browser: httpx.AsyncClient
) -> None:
    start = await client.get("/auth/login")
    callback = await through_provider(browser, start.headers["location"], "nobody-z")

    answer = await client.get(callback.removeprefix(APP_URL))

    assert answer.status_code == 403 and "无访问权限" in answer.text
    assert last_audit(app) == ("login.failed", None, "no_access")


async def test_a_tampered_state_is_refused(
    app: Litestar, client: AsyncTestClient[Litestar], browser: httpx.AsyncClient
) -> None:
    start = await client.get("/auth/login")
    callback = await through_provider(browser, start.headers["location"], "supervisor-x")

    answer = await client.get(with_query(callback, state="tampered").removeprefix(APP_URL))

    assert answer.status_code == 400
    assert (await client.get("/staff/invitations")).status_code == 401
    assert (last_audit(app)[2] or "").startswith("state_mismatch")


async def test_a_nonce_mismatch_is_refused(
    app: Litestar, client: AsyncTestClient[Litestar], browser: httpx.AsyncClient
) -> None:
    start = await client.get("/auth/login")
    forged = with_query(start.headers["location"], nonce="not-the-session-nonce")
    callback = await through_provider(browser, forged, "supervisor-x")

    answer = await client.get(callback.removeprefix(APP_URL))

    assert answer.status_code == 400
    assert (await client.get("/staff/invitations")).status_code == 401
    assert re.match(r"invalid_id_token.*nonce", last_audit(app)[2] or "")


async def test_logout_goes_on_to_the_providers_end_session_endpoint(
    client: AsyncTestClient[Litestar],
    browser: httpx.AsyncClient,
    third_party_provider: ThirdPartyProvider,
) -> None:
    start = await client.get("/auth/login")
    callback = await through_provider(browser, start.headers["location"], "supervisor-x")
    await client.get(callback.removeprefix(APP_URL))

    answer = await client.post("/auth/logout", data={"_csrf_token": client.cookies["portal_csrf"]})

    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{third_party_provider.issuer}/session/end?")
    assert (await client.get("/staff/invitations")).status_code == 401
