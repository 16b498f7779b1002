"""The whole site (every area of ``AREAS``) on the test databases, with two suppliers.

Areas are composed as ``build_site`` does, except that the auth area gets test settings
and the portal area a test clock; a header resolver (``x-test-user``) logs a test in as
one of the principals below without going through OIDC (the login itself is tested in
tests/web_auth). CSRF, sessions and every guard are the real ones.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from crypto import Keyring
from crypto.adapters.filesystem import FilesystemBlobStorage
from portal.audit.log import AuditLog
from portal.bootstrap import Services, build_collaborators
from portal.changes import ChangeDeps
from portal.config import load_settings
from portal.db.supplier_store import RowBatch, SupplierStore
from portal.domain.principal import MAY_REVEAL, Principal
from portal.domain.supplier import Supplier
from portal.domain.uscc_factory import make_uscc
from portal.notifications.messages import RecordingNotifier
from portal.web.app import create_app
from portal.web.auth import build_auth
from portal.web.auth.settings import DEMO_CLIENT_ID, AuthSettings, RateLimit
from portal.web.portal_area import build_portal
from portal.web.site import AREAS, Contribution
from tests.support import Clock
from tests.support.builders import licensed_supplier
from tests.support.personas import STAFF, supplier_user

BASE_URL = "http://testserver.local"
SECRET = b"test-secret-that-is-long-enough-for-the-portal-0123456789"
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@dataclass
class Site:
    app: Litestar
    services: Services
    deps: ChangeDeps
    a: Supplier
    b: Supplier
    people: dict[str, Principal]


def _supplier(seed: int, name: str, account: str, phone: str) -> Supplier:
    return licensed_supplier(
        make_uscc(seed),
        name,
        account,
        phone,
        f"c{seed}@x.cn",
        address="上海市示例路1号",
        cnaps_code=None,
    )


def _auth_settings() -> AuthSettings:
    return AuthSettings(
        public_url=BASE_URL,
        secret=SECRET,
        issuer=f"{BASE_URL}/dev-oidc",
        client_id=DEMO_CLIENT_ID,
        client_secret=hmac.new(SECRET, b"devoidc-client", hashlib.sha256).hexdigest(),
        demo=True,
        secure_cookies=False,
        login_rate=RateLimit(1000, 60),
        accept_rate=RateLimit(1000, 60),
        upload_rate=RateLimit(1000, 60),
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def site(engine: Any, keyring: Keyring, store: SupplierStore, tmp_path: Path, clock: Clock) -> Site:
    settings = load_settings(
        {
            "PORTAL_DATA_DIR": str(tmp_path / "data"),
            "PORTAL_SECURE_COOKIES": "0",
            "PORTAL_DEMO": "1",
            "PORTAL_PUBLIC_URL": BASE_URL,
            "PORTAL_MAX_UPLOAD_BYTES": "4096",
        }
    )
    settings.documents_dir.mkdir(parents=True, exist_ok=True)
    services = Services(
        settings=settings,
        engine=engine,
        keyring=keyring,
        sealer=store.sealer,
        suppliers=store,
        documents=keyring.document_vault(FilesystemBlobStorage(settings.documents_dir)),
    )
    batch = RowBatch()
    ids = [
        store.add_to_batch(
            batch, _supplier(11, "上海甲贸易有限公司", "6222021234567891234", "13812345678"), T0
        ),
        store.add_to_batch(
            batch, _supplier(12, "北京乙科技有限公司", "6222029876543210987", "13987654321"), T0
        ),
    ]
    with engine.begin() as conn:
        store.insert_batch(conn, batch)
        a, b = (store.get(conn, sid) for sid in ids)
    assert a is not None and b is not None
    deps = ChangeDeps(
        engine=engine,
        suppliers=store,
        audit=AuditLog(store.sealer),
        notifier=RecordingNotifier(),
        clock=clock,
    )
    collaborators = build_collaborators(services, changes=deps)
    merged = Contribution()
    for spec in AREAS:
        if spec.endswith(":auth_area"):
            part = build_auth(services, _auth_settings())
        elif spec.endswith(":portal_area"):
            part = build_portal(services, deps)
        else:
            module, _, name = spec.partition(":")
            part = getattr(__import__(module, fromlist=[name]), name)(collaborators)
        merged.route_handlers += part.route_handlers
        merged.resolvers += part.resolvers
        merged.middleware += part.middleware
        merged.state.update(part.state)
    people = {
        "a": supplier_user("u-supplier-a", a.id, "甲的用户"),
        "b": supplier_user("u-supplier-b", b.id, "乙的用户"),
        **STAFF,
    }
    assert all(p.can_reveal == (p.role in MAY_REVEAL) for p in people.values() if p.is_staff)

    def test_user(connection: Any) -> Principal | None:
        return people.get(connection.headers.get("x-test-user", ""))

    app = create_app(
        collaborators,
        route_handlers=merged.route_handlers,
        resolvers=[test_user, *merged.resolvers],
        middleware=merged.middleware,
        state=merged.state,
    )
    return Site(app, services, deps, a, b, people)


@pytest.fixture
async def client(site: Site) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(site.app, base_url=BASE_URL) as test_client:
        test_client.follow_redirects = False
        yield test_client


def csrf_of(page: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


@pytest.fixture
def as_user(client: AsyncTestClient[Litestar]) -> Any:
    """``await as_user(who).get(url)`` / ``.post(url, data, page=url_of_the_form)``."""

    class Acting:
        def __init__(self, who: str) -> None:
            self.headers = {"x-test-user": who}

        async def get(self, url: str, **kwargs: Any) -> Any:
            return await client.get(url, headers=self.headers, **kwargs)

        async def request(self, method: str, url: str, **kwargs: Any) -> Any:
            return await client.request(method, url, headers=self.headers, **kwargs)

        async def post(
            self, url: str, data: dict[str, str] | None = None, *, form_page: str, **kwargs: Any
        ) -> Any:
            page = await client.get(form_page, headers=self.headers)
            assert page.status_code == 200, page.text
            fields = {"_csrf_token": csrf_of(page.text), **(data or {})}
            return await client.post(url, data=fields, headers=self.headers, **kwargs)

    return Acting
