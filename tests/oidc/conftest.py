"""A real third-party OpenID provider (node ``oidc-provider``) on loopback, for the login tests.

The fixture installs the npm packages when ``node_modules`` is missing (CI runs
on a clean clone), starts ``provider.mjs`` on a free port and waits for its
discovery document. Without node: a failure under CI (``CI`` set), a skip on a
developer machine.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).resolve().parent
CLIENT_ID = "supplier-portal-ci"
CLIENT_SECRET = "ci-client-secret-0123456789abcdef0123456789"
APP_URL = "http://testserver.local"


@dataclass(frozen=True)
class ThirdPartyProvider:
    """Where the running provider is and how our client is registered there."""

    issuer: str
    client_id: str
    client_secret: str


def _tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, npm
    message = (
        "the OIDC tests need Node.js 20+ and npm to run the third-party provider "
        "(Debian: apt-get install nodejs npm)"
    )
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{message}; they are never skipped in CI", pytrace=False)
    pytest.skip(f"{message}; skipped because CI is not set")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _install(npm: str) -> None:
    if (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    command = [npm, "ci"] if (HERE / "package-lock.json").exists() else [npm, "install"]
    done = subprocess.run(
        [*command, "--no-audit", "--no-fund"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm could not install tests/oidc: {done.stderr[-2000:]}", pytrace=False)


@pytest.fixture(scope="session")
def third_party_provider() -> Iterator[ThirdPartyProvider]:
    """``oidc-provider`` running on a free loopback port for the whole session."""
    node, npm = _tools()
    _install(npm)
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": f"{APP_URL}/auth/callback",
        "POST_LOGOUT_URI": f"{APP_URL}/auth/logged-out",
    }
    log = (HERE / "provider.log").open("w")
    process = subprocess.Popen(
        [node, str(HERE / "provider.mjs")], cwd=HERE, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log.flush()
                pytest.fail(
                    "oidc-provider exited: " + (HERE / "provider.log").read_text()[-2000:],
                    pytrace=False,
                )
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("oidc-provider did not answer within 30 s", pytrace=False)
            time.sleep(0.2)
        yield ThirdPartyProvider(issuer, CLIENT_ID, CLIENT_SECRET)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
