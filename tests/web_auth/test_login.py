"""Logging in through the demo OpenID provider, with the production OIDC client code path."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from crypto import Keyring
from portal.audit.log import AuditLog
from portal.db.supplier_store import SupplierStore
from portal.web.auth.settings import RateLimit
from tests.web_auth.conftest import (
    BASE_URL,
    build_app,
    csrf_of,
    demo_auth_settings,
    demo_login,
    loop_back,
    make_services,
)


def audit_actions(app: Litestar) -> list[tuple[str, str | None, str | None]]:
    services = app.state["auth"].services
    with services.engine.connect() as conn:
        return [(e.action, e.actor_role, e.after) for e in AuditLog(services.sealer).entries(conn)]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


async def test_supervisor_logs_in_with_the_role_from_the_roles_claim(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    answer = await demo_login(client, "supervisor-a")

    assert answer.status_code == 302
    page = await client.get("/staff/invitations")
    assert page.status_code == 200
    assert "采购主管甲 李强" in page.text and "采购主管" in page.text
    action, role, _ = audit_actions(demo_app)[-1]
    assert (action, role) == ("login.succeeded", "purchasing_supervisor")


async def test_session_cookie_is_http_only_lax_and_changes_at_login(
    client: AsyncTestClient[Litestar],
) -> None:
    await client.get("/auth/login")
    before = client.cookies.get("portal_session")

    answer = await demo_login(client, "clerk")

    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.cookies.get("portal_session") not in (None, before)


async def test_session_cookie_is_secure_unless_turned_off(demo_services: Any) -> None:
    app = build_app(demo_services, demo_auth_settings(secure_cookies=True))
    async with AsyncTestClient(app, base_url=BASE_URL) as test_client:
        answer = await test_client.get("/auth/login", follow_redirects=False)
    assert all("Secure" in c for c in answer.headers.get_list("set-cookie"))


async def test_finance_user_may_not_open_purchasing_pages(
    client: AsyncTestClient[Litestar],
) -> None:
    await demo_login(client, "finance")

    assert (await client.get("/staff/invitations")).status_code == 403


async def test_tampered_state_is_refused_and_audited(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    start = await client.get("/auth/login")
    picker = await client.get(start.headers["location"])
    request_id = picker.text.split('name="request_id" value="')[1].split('"')[0]
    picked = await client.post(
        "/dev-oidc/authorize",
        data={"request_id": request_id, "user": "admin", "_csrf_token": csrf_of(picker.text)},
    )

    answer = await client.get(with_query(picked.headers["location"], state="forged-state"))

    assert answer.status_code == 400
    assert "登录失败" in answer.text
    assert (await client.get("/staff/invitations")).status_code == 401
    action, role, reason = audit_actions(demo_app)[-1]
    assert (action, role) == ("login.failed", None)
    assert (reason or "").startswith("state_mismatch")


async def test_nonce_mismatch_is_refused(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    start = await client.get("/auth/login")
    # the provider is asked with another nonce than the one this browser's session expects
    picker = await client.get(with_query(start.headers["location"], nonce="someone-elses-nonce"))
    request_id = picker.text.split('name="request_id" value="')[1].split('"')[0]
    picked = await client.post(
        "/dev-oidc/authorize",
        data={"request_id": request_id, "user": "admin", "_csrf_token": csrf_of(picker.text)},
    )

    answer = await client.get(picked.headers["location"])

    assert answer.status_code == 400
    action, _, reason = audit_actions(demo_app)[-1]
    assert action == "login.failed" and reason is not None
    assert reason.startswith("invalid_id_token") and "nonce" in reason


async def test_a_callback_cannot_be_replayed(client: AsyncTestClient[Litestar]) -> None:
    start = await client.get("/auth/login")
    picker = await client.get(start.headers["location"])
    request_id = picker.text.split('name="request_id" value="')[1].split('"')[0]
    picked = await client.post(
        "/dev-oidc/authorize",
        data={"request_id": request_id, "user": "clerk", "_csrf_token": csrf_of(picker.text)},
    )
    assert (await client.get(picked.headers["location"])).status_code == 302
    await client.post("/auth/logout", data={"_csrf_token": client.cookies["portal_csrf"]})

    again = await client.get(picked.headers["location"])

    assert again.status_code == 400


async def test_person_without_staff_role_or_invitation_gets_no_access_page(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    answer = await demo_login(client, "supplier-1")

    assert answer.status_code == 403
    assert "无访问权限" in answer.text
    assert "<strong>供应商主数据门户</strong>" in answer.text
    assert audit_actions(demo_app)[-1] == ("login.failed", None, "no_access")
    client.cookies.set("lang", "en")
    english = (await demo_login(client, "supplier-1")).text
    assert "No access" in english
    # the site's own name is English too, not only the page's words
    assert "<strong>Supplier Portal</strong>" in english
    assert "供应商主数据门户" not in english


async def test_logout_clears_the_session_and_offers_provider_logout(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "auditor")
    page = await client.get("/auth/logged-out")

    answer = await client.post("/auth/logout", data={"_csrf_token": csrf_of(page.text)})

    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith(f"{BASE_URL}/dev-oidc/logout?")
    assert "id_token_hint=" in location
    back = await client.get(location)
    assert back.headers["location"] == f"{BASE_URL}/auth/logged-out"
    assert (await client.get("/staff/invitations")).status_code == 401
    assert audit_actions(demo_app)[-1][:2] == ("logout", "auditor")


async def test_a_form_post_without_csrf_token_is_refused(
    client: AsyncTestClient[Litestar],
) -> None:
    await demo_login(client, "clerk")

    answer = await client.post(
        "/staff/invitations", data={"uscc": "91110000600037341L", "email": "a@b.example"}
    )
    logout = await client.post("/auth/logout")

    assert answer.status_code == 403 and "CSRF" in answer.text
    assert logout.status_code == 403
    assert (await client.get("/staff/invitations")).status_code == 200  # still logged in


async def test_an_upload_refused_for_its_missing_csrf_token_leaves_no_file_open(
    client: AsyncTestClient[Litestar],
) -> None:
    await demo_login(client, "clerk")

    answer = await client.post("/staff/invitations", files={"licence": ("licence.png", b"\x89PNG")})
    gc.collect()  # an unclosed spooled upload warns here, and warnings are errors

    assert answer.status_code == 403 and "CSRF" in answer.text


async def test_a_forged_csrf_token_is_refused(client: AsyncTestClient[Litestar]) -> None:
    await demo_login(client, "clerk")

    answer = await client.post("/auth/logout", data={"_csrf_token": "0" * 128})

    assert answer.status_code == 403


async def test_bearer_requests_ignore_the_session_and_need_no_csrf_token(
    client: AsyncTestClient[Litestar],
) -> None:
    await demo_login(client, "clerk")
    bearer = {"Authorization": "Bearer not-a-valid-token"}

    page = await client.get("/staff/invitations", headers=bearer)
    post = await client.post("/staff/invitations", data={"uscc": "x"}, headers=bearer)

    assert page.status_code == 401  # the session cookie does not count
    assert post.status_code == 401  # judged by its token, not refused for lacking CSRF


async def test_too_many_logins_from_one_address_get_429(demo_services: Any) -> None:
    app = build_app(demo_services, demo_auth_settings(login_rate=RateLimit(3, 60)))
    loop_back(app)
    async with AsyncTestClient(app, base_url=BASE_URL) as test_client:
        answers = [
            (await test_client.get("/auth/login", follow_redirects=False)).status_code
            for _ in range(4)
        ]
        last = await test_client.get("/auth/login", follow_redirects=False)
    assert answers == [302, 302, 302, 429]
    assert int(last.headers["retry-after"]) > 0


async def test_demo_provider_exists_only_in_demo_mode(
    engine: Any, keyring: Keyring, store: SupplierStore, tmp_path: Path
) -> None:
    production = make_services(engine, keyring, store, tmp_path, demo=False)
    for settings in (
        demo_auth_settings(demo=False, issuer="https://login.example.com"),
        demo_auth_settings(demo=True),  # auth settings say demo, the web settings do not
    ):
        app = build_app(production, settings)
        async with AsyncTestClient(app, base_url=BASE_URL) as test_client:
            discovery = await test_client.get("/dev-oidc/.well-known/openid-configuration")
            outbox = await test_client.get("/outbox")
        assert discovery.status_code == 404
        assert outbox.status_code == 404


async def test_login_without_configured_provider_says_so(demo_services: Any) -> None:
    app = build_app(demo_services, demo_auth_settings(issuer=None, client_id=""))
    async with AsyncTestClient(app, base_url=BASE_URL) as test_client:
        answer = await test_client.get("/auth/login")
    assert answer.status_code == 503
    assert "PORTAL_OIDC_ISSUER" in answer.text


async def test_unreachable_provider_gets_a_clear_page_and_an_audit_entry(
    demo_services: Any,
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(down))
    app = build_app(demo_services, demo_auth_settings(issuer="https://idp.example"), http=http)
    async with AsyncTestClient(app, base_url=BASE_URL) as test_client:
        answer = await test_client.get("/auth/login", follow_redirects=False)
    assert answer.status_code == 503
    assert "身份认证服务暂时无法访问" in answer.text
    assert audit_actions(app)[-1][0] == "login.failed"
    assert (audit_actions(app)[-1][2] or "").startswith("provider_unavailable")


@pytest.mark.parametrize("claim", [["finance", "auditor"], "auditor finance", "finance,auditor"])
def test_role_claim_may_be_a_list_or_a_string(claim: object) -> None:
    from portal.domain.principal import Role
    from portal.identity.users import staff_role_from_claim

    assert staff_role_from_claim(claim) is Role.FINANCE


def test_accounts_are_unique_per_issuer_and_subject(engine: Any) -> None:
    from datetime import UTC, datetime

    from portal.db.auth_tables import UserAccountRow
    from portal.db.tables import table_of
    from portal.identity.users import record_login

    now = datetime.now(UTC)
    with engine.begin() as conn:
        first = record_login(conn, issuer="https://a", subject="42", email=None,
                             display_name="甲", staff_role=None, now=now)  # fmt: skip
        again = record_login(conn, issuer="https://a", subject="42", email="x@y.example",
                             display_name="甲", staff_role=None, now=now)  # fmt: skip
        other = record_login(conn, issuer="https://b", subject="42", email=None,
                             display_name="乙", staff_role=None, now=now)  # fmt: skip
        rows = conn.execute(select(table_of(UserAccountRow))).all()
    assert first.id == again.id != other.id
    assert len(rows) == 2 and again.email == "x@y.example"
