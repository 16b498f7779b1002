"""Auth settings from the environment, and sessions kept in Redis when configured."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from portal.config import ConfigError, load_settings
from portal.web.auth.settings import load_auth_settings
from tests.web_auth.conftest import BASE_URL, build_app, demo_auth_settings, demo_login, loop_back


def test_production_refuses_to_start_without_a_session_secret(tmp_path: Path) -> None:
    settings = load_settings({"PORTAL_DATA_DIR": str(tmp_path)})

    with pytest.raises(ConfigError, match="PORTAL_SESSION_SECRET"):
        load_auth_settings(settings)
    with pytest.raises(ConfigError, match="PORTAL_SESSION_SECRET must be at least 32"):
        load_settings({"PORTAL_DATA_DIR": str(tmp_path), "PORTAL_SESSION_SECRET": "short"})


def test_the_demo_keeps_its_secret_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings({"PORTAL_DATA_DIR": str(tmp_path), "PORTAL_DEMO": "1"})

    first, second = load_auth_settings(settings), load_auth_settings(settings)

    assert first.secret == second.secret
    assert first.issuer == "http://127.0.0.1:8000/dev-oidc"
    assert (tmp_path / "demo-session-secret").stat().st_mode & 0o777 == 0o600


def test_oidc_and_limits_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_SESSION_SECRET": "x" * 40,
        "PORTAL_OIDC_ISSUER": "https://login.example.com/realms/acme",
        "PORTAL_OIDC_CLIENT_ID": "portal",
        "PORTAL_OIDC_CLIENT_SECRET": "s",
        "PORTAL_OIDC_ROLE_CLAIM": "groups",
        "PORTAL_OIDC_SCOPES": "openid groups",
        "PORTAL_INVITATION_TTL_DAYS": "3",
        "PORTAL_RATE_LOGIN": "5/30",
    }

    auth = load_auth_settings(load_settings(env))

    assert (auth.issuer, auth.client_id, auth.role_claim) == (
        "https://login.example.com/realms/acme",
        "portal",
        "groups",
    )
    assert auth.invitation_ttl.days == 3 and (auth.login_rate.limit, auth.login_rate.seconds) == (
        5,
        30,
    )
    with pytest.raises(ConfigError, match="PORTAL_RATE_LOGIN"):
        load_settings(env | {"PORTAL_RATE_LOGIN": "lots"})


async def test_sessions_live_in_redis_and_survive_a_restart_of_the_app(
    demo_services: Any, redis_url: str
) -> None:
    settings = demo_auth_settings(session_redis_url=redis_url)
    first, second = build_app(demo_services, settings), build_app(demo_services, settings)
    loop_back(first)

    async with AsyncTestClient(first, base_url=BASE_URL) as browser:
        browser.follow_redirects = False
        await demo_login(browser, "supervisor-b")
        cookies = dict(browser.cookies)
    async with AsyncTestClient(second, base_url=BASE_URL, cookies=cookies) as same_browser:
        page = await same_browser.get("/staff/invitations")

    assert page.status_code == 200 and "采购主管乙" in page.text


def test_redis_setting_changes_only_the_store(redis_url: str) -> None:
    from litestar.stores.redis import RedisStore

    from portal.web.auth.sessions import session_store

    assert isinstance(
        session_store(replace(demo_auth_settings(), session_redis_url=redis_url)), RedisStore
    )
