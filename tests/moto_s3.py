"""A real S3 API on the loopback interface: moto's server mode, in its own process.

Not a mock of our adapter: boto3 speaks HTTP to moto's S3 implementation just
as it would to MinIO or AWS. One server per test session; each test takes a
bucket of its own.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ACCESS_KEY = "deploytest"
SECRET_KEY = "deploytest-secret"  # moto accepts any credentials
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    """Where the server listens and the credentials to use."""

    endpoint_url: str
    access_key_id: str = ACCESS_KEY
    secret_access_key: str = SECRET_KEY
    region: str = REGION

    def env(self, bucket: str) -> dict[str, str]:
        """The portal's settings for a bucket on this server."""
        return {
            "PORTAL_DOCUMENTS_STORE": "s3",
            "PORTAL_S3_ENDPOINT_URL": self.endpoint_url,
            "PORTAL_S3_BUCKET": bucket,
            "PORTAL_S3_REGION": self.region,
            "PORTAL_S3_ACCESS_KEY_ID": self.access_key_id,
            "PORTAL_S3_SECRET_ACCESS_KEY": self.secret_access_key,
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_s3_server() -> Iterator[S3Server]:
    """Start ``moto_server`` on a free loopback port; stop it afterwards."""
    port = _free_port()
    script = Path(sys.executable).with_name("moto_server")
    command = [str(script)] if script.exists() else [shutil.which("moto_server") or "moto_server"]
    process = subprocess.Popen(
        [*command, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield S3Server(endpoint_url=url)
    finally:
        process.terminate()
        process.wait(timeout=10)
