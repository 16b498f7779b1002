"""A client cannot choose the address it is rate-limited and audited under: X-Forwarded-For
is believed only from the proxies named in PORTAL_TRUSTED_PROXIES (none by default)."""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from crypto import Algorithm, Keyring
from crypto.adapters.local import generate_key_file
from portal.audit.log import ENTRY
from portal.commands.serve import proxy_options
from portal.config import ConfigError, load_settings
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import upgrade
from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from tests.deploy.conftest import start, stop, wait_for_http

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """``portal serve`` as a process on SQLite: its URL, an API token, the database URL."""
    kek = tmp_path / "kek.key"
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    engine = make_engine(url)
    upgrade(engine)
    Keyring.initialise(SqlDataKeyStore(engine), generate_key_file(kek), Algorithm.AES_256_GCM)
    token = create_client(engine, "erp", Role.FINANCE, can_reveal=False, now=datetime.now(UTC))
    engine.dispose()
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_DATABASE_URL": url,
        "PORTAL_KEK_FILE": str(kek),
        "PORTAL_SESSION_SECRET": "s" * 40,
        "PORTAL_SECURE_COOKIES": "0",
        "PORTAL_PORT": str(port),
        "PORTAL_RATE_LOGIN": "2/60",
        "FORWARDED_ALLOW_IPS": "*",  # uvicorn's own variable must not open the door either
    }
    process = start([sys.executable, "-m", "portal.cli", "serve"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", process, seconds=180)
        yield base, token, url
    finally:
        stop(process)


@pytest.mark.slow
def test_a_spoofed_forwarded_address_is_limited_and_audited_under_the_real_one(
    served: tuple[str, str, str],
) -> None:
    base, token, url = served
    codes = [
        httpx.get(
            f"{base}/auth/login", headers={"X-Forwarded-For": f"203.0.113.{i}"}, timeout=10
        ).status_code
        for i in range(3)
    ]
    assert codes[-1] == 429  # three "different" clients, one real one: over 2 a minute
    exported = httpx.get(
        f"{base}/api/v1/suppliers/export.csv",
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "198.51.100.7"},
        timeout=10,
    )
    assert exported.status_code == 200
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(ENTRY.c.ip, ENTRY.c.after).where(ENTRY.c.action == "data.exported")
        )
        [(ip, after)] = rows.all()
    engine.dispose()
    assert ip == "127.0.0.1" and json.loads(after)["format"] == "csv"


def test_forwarded_headers_are_believed_only_from_the_proxies_named() -> None:
    assert proxy_options(load_settings({})) == {"proxy_headers": False}
    named = load_settings({"PORTAL_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"})
    assert proxy_options(named) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.5", "10.1.0.0/16"],
    }


def test_a_trusted_proxy_that_is_not_an_address_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="PORTAL_TRUSTED_PROXIES"):
        load_settings({"PORTAL_TRUSTED_PROXIES": "proxy.internal"})
