"""``portal serve`` as a process: its stderr is JSON lines, uvicorn's own lines included."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from crypto import Algorithm, Keyring
from crypto.adapters.local import generate_key_file
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_served_process_writes_one_json_object_per_line_with_request_ids(
    tmp_path: Path,
) -> None:
    kek = tmp_path / "kek.key"
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    engine = make_engine(url)
    upgrade(engine)
    Keyring.initialise(SqlDataKeyStore(engine), generate_key_file(kek), Algorithm.AES_256_GCM)
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
        "PORTAL_OCR_WORKER": "0",
        "PORTAL_LOG_FORMAT": "json",
        "PORTAL_LOG_LEVEL": "info",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "serve"], env=env, stdout=sink, stderr=sink
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    ready = httpx.get(f"{base}/readyz", timeout=2)
                    break
                except httpx.TransportError:
                    assert process.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            assert ready.status_code == 200, ready.text
            page = httpx.get(f"{base}/lang/en", headers={"X-Request-ID": "edge-77"}, timeout=10)
            assert page.headers["x-request-id"] == "edge-77"
        finally:
            process.terminate()
            process.wait(timeout=30)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    loggers = {line["logger"] for line in lines}
    assert {"portal.serve", "uvicorn.error", "portal.access"} <= loggers, loggers
    assert all(line["role"] == "web" and line["time"] and line["level"] for line in lines)
    (access,) = [line for line in lines if line.get("request_id") == "edge-77"]
    assert access["logger"] == "portal.access" and access["route"] == "/lang/{code}"
    # the readiness probe is logged at DEBUG, so not at INFO
    assert not any(line.get("route") == "/readyz" for line in lines)
