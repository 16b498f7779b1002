"""Helpers for tests that run the portal as separate processes.

``fresh_database_url`` gives each test a database of its own: a new SQLite file,
or a new PostgreSQL *database* (not a schema) created beside the one named by
``PORTAL_TEST_PG_URL`` and dropped afterwards, as an operator's empty database
would be.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

PG_URL = os.environ.get("PORTAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = os.environ.get("PORTAL_TEST_DATABASES", "sqlite,postgresql").split(",")
REPO = Path(__file__).resolve().parents[2]
SESSION_SECRET = "deploy-test-session-secret-0123456789abcdef"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(
    url: str, process: subprocess.Popen[bytes] | None = None, *, seconds: float = 60
) -> None:
    """Poll ``url`` until it answers (any status), or fail with the process's output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process exited with {process.returncode}:\n{stop(process)}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds:g} s")


_OUTPUT: dict[int, IO[bytes]] = {}


def start(command: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """Start a child whose output goes to a file :func:`stop` reads back.

    Never a pipe: a server logs a line per request, and a pipe nobody reads fills up after
    about 64 KB and stalls the server in the middle of a test.
    """
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop)
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **kwargs)
    _OUTPUT[process.pid] = output
    return process


def stop(process: subprocess.Popen[bytes]) -> str:
    """Terminate a child we started and return what it printed."""
    if process.poll() is None:
        process.terminate()
    try:
        out, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    output = _OUTPUT.pop(process.pid, None)
    if output is not None:
        with output:
            output.seek(0)
            out = output.read()
    return out.decode(errors="replace") if out else ""


def portal_command(python: Path | str = sys.executable) -> list[str]:
    """How to run ``portal`` with a given interpreter."""
    return [str(python), "-m", "portal.cli"]


def source_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment for a child running this checkout's code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PYTHONPATH"] = str(REPO)
    env["OMP_THREAD_LIMIT"] = "1"
    env.update(extra)
    return env


def run_portal(
    args: Sequence[str], env: Mapping[str, str], *, python: Path | str = sys.executable
) -> subprocess.CompletedProcess[str]:
    """Run one ``portal`` command to completion."""
    return subprocess.run(
        [*portal_command(python), *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _pg_admin_url() -> str:
    return make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)


def create_pg_database() -> str:
    """A new, empty PostgreSQL database; its URL."""
    base = make_url(PG_URL)
    name = f"{base.database}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """Drop a database made by :func:`create_pg_database`."""
    name = make_url(url).database
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=DATABASES)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)
