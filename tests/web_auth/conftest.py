"""Fixtures: the app with the auth area (demo provider included) on the test databases."""

from __future__ import annotations

import hashlib
import hmac
import re
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from crypto import Keyring
from crypto.adapters.filesystem import FilesystemBlobStorage
from portal.bootstrap import Services, build_collaborators
from portal.config import load_settings
from portal.db.supplier_store import SupplierStore
from portal.web.app import create_app
from portal.web.auth import AuthRuntime, build_auth
from portal.web.auth.settings import DEMO_CLIENT_ID, AuthSettings, RateLimit

BASE_URL = "http://testserver.local"
SECRET = b"test-secret-that-is-long-enough-for-the-portal-0123456789"


def make_services(engine: Any, keyring: Keyring, store: SupplierStore, folder: Path, *,
                  demo: bool) -> Services:  # fmt: skip
    settings = load_settings(
        {
            "PORTAL_DATA_DIR": str(folder / "data"),
            "PORTAL_SECURE_COOKIES": "0",
            "PORTAL_DEMO": "1" if demo else "0",
            "PORTAL_PUBLIC_URL": BASE_URL,
        }
    )
    settings.documents_dir.mkdir(parents=True, exist_ok=True)
    return Services(
        settings=settings,
        engine=engine,
        keyring=keyring,
        sealer=store.sealer,
        suppliers=store,
        documents=keyring.document_vault(FilesystemBlobStorage(settings.documents_dir)),
    )


def demo_auth_settings(**changes: Any) -> AuthSettings:
    """Settings of the demo: the portal's own provider at /dev-oidc."""
    settings = AuthSettings(
        public_url=BASE_URL,
        secret=SECRET,
        issuer=f"{BASE_URL}/dev-oidc",
        client_id=DEMO_CLIENT_ID,
        client_secret=hmac.new(SECRET, b"devoidc-client", hashlib.sha256).hexdigest(),
        demo=True,
        secure_cookies=False,
        login_rate=RateLimit(1000, 60),
        accept_rate=RateLimit(1000, 60),
    )
    return replace(settings, **changes)


def build_app(services: Services, settings: AuthSettings, **kwargs: Any) -> Litestar:
    part = build_auth(services, settings, **kwargs)
    return create_app(
        build_collaborators(services),
        route_handlers=part.route_handlers,
        resolvers=part.resolvers,
        middleware=part.middleware,
        state=part.state,
        on_shutdown=part.on_shutdown,
    )


def runtime_of(app: Litestar) -> AuthRuntime:
    runtime: AuthRuntime = app.state["auth"]
    return runtime


def loop_back(app: Litestar) -> None:
    """Let the app's OIDC client reach the app's own demo provider in-process."""
    oidc = runtime_of(app).oidc
    assert oidc is not None
    oidc.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))


@pytest.fixture
def demo_services(engine: Any, keyring: Keyring, store: SupplierStore, tmp_path: Path) -> Services:
    return make_services(engine, keyring, store, tmp_path, demo=True)


@pytest.fixture
def demo_app(demo_services: Services) -> Litestar:
    app = build_app(demo_services, demo_auth_settings())
    loop_back(app)
    return app


@pytest.fixture
async def client(demo_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(demo_app, base_url=BASE_URL) as test_client:
        test_client.follow_redirects = False  # each hop of the login is checked
        yield test_client


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def demo_login(
    client: AsyncTestClient[Litestar], user: str, *, next_path: str | None = None
) -> httpx.Response:
    """Log in through the demo provider, picking ``user``; returns the callback's answer."""
    start = await client.get("/auth/login", params={"next": next_path} if next_path else None)
    assert start.status_code == 302, start.text
    picker = await client.get(start.headers["location"])
    assert picker.status_code == 200, picker.text
    request_id = re.search(r'name="request_id" value="([^"]+)"', picker.text)
    assert request_id
    picked = await client.post(
        "/dev-oidc/authorize",
        data={"request_id": request_id.group(1), "user": user, "_csrf_token": csrf_of(picker.text)},
    )
    assert picked.status_code == 302, picked.text
    return await client.get(picked.headers["location"])


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
