"""The built wheel installs into a fresh virtualenv and runs without the source tree.

The wheel is built from this checkout, the dependencies come from the lock file
(``requirements.lock``, hashes required) and the commands run from a folder that
is not the checkout, with no ``PYTHONPATH``: templates and migrations must come
from inside the installed package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.deploy.conftest import REPO, SESSION_SECRET, free_port, start, stop, wait_for_http

pytestmark = pytest.mark.slow

UV = [sys.executable, "-m", "uv"]


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The ``bin`` folder of a new virtualenv holding the wheel and the locked dependencies."""
    root = tmp_path_factory.mktemp("wheel")
    started = time.monotonic()
    _run([*UV, "build", "--wheel", "--out-dir", str(root / "dist"), str(REPO)])
    wheel = next((root / "dist").glob("supplier_portal-*.whl"))
    _run([*UV, "venv", "--quiet", "--python", sys.executable, str(root / "venv")])
    python = str(root / "venv" / "bin" / "python")
    lock = str(REPO / "requirements.lock")
    _run([*UV, "pip", "install", "--python", python, "--require-hashes", "-r", lock])
    _run([*UV, "pip", "install", "--python", python, "--no-deps", str(wheel)])
    print(
        f"wheel built and installed with its locked dependencies in {time.monotonic() - started:.1f} s"
    )
    yield root / "venv" / "bin"


def _env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "PYTHON"))}
    env.update(
        PORTAL_DATA_DIR=str(tmp_path / "data"),
        PORTAL_DATABASE_URL=database_url,
        PORTAL_KEK_FILE=str(tmp_path / "keys" / "kek.key"),
        PORTAL_SESSION_SECRET=SESSION_SECRET,
        OMP_THREAD_LIMIT="1",
        **extra,
    )
    return env


def _portal(bin_dir: Path, args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [str(bin_dir / "portal"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_installed_wheel_migrates_a_fresh_database_and_serves_the_login_page(
    installed: Path, fresh_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = _env(
        tmp_path,
        fresh_database_url,
        PORTAL_PORT=str(port),
        PORTAL_PUBLIC_URL=f"http://127.0.0.1:{port}",
        PORTAL_DEMO="1",
        PORTAL_SECURE_COOKIES="0",
    )
    upgraded = _portal(installed, ["db", "upgrade"], env, tmp_path)
    assert upgraded.startswith("database upgraded from empty to "), upgraded
    _portal(installed, ["keys", "init"], env, tmp_path)
    server = start([str(installed / "portal"), "serve"], env=env, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", server)
        health = httpx.get(f"{base}/healthz")
        login = httpx.get(f"{base}/auth/login", follow_redirects=True)
    finally:
        stop(server)
    assert health.json() == {"status": "ok", "database": "ok"}
    assert login.status_code == 200
    assert "<form" in login.text and "演示" in login.text
