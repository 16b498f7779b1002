"""The compose stack as processes, for the tests that need it, and a browser's steps over HTTP.

:func:`running_stack` starts what ``compose.yaml`` would: a one-shot migrate (``portal db
upgrade``, ``portal keys init``, then the caller's ``prepare``), two ``portal serve``
instances on one fresh PostgreSQL database, a Redis server for the sessions, ``portal
worker``, and moto's S3 server as the document store. Each process has a data folder of its
own, as each container would, so nothing can pass through a local disk.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.deploy.conftest import (
    DATABASES,
    SESSION_SECRET,
    create_pg_database,
    drop_pg_database,
    free_port,
    portal_command,
    run_portal,
    source_env,
    start,
    stop,
    wait_for_http,
)
from tests.moto_s3 import running_s3_server


@dataclass
class Stack:
    a: str
    b: str
    worker: subprocess.Popen[bytes]
    #: what the migrate step's ``prepare`` returned (tokens, names)
    prepared: dict[str, str] = field(default_factory=dict)
    #: the worker's ``--metrics-port`` (as compose.yaml runs it)
    worker_metrics: str = ""


def _redis_server(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


Prepare = Callable[[dict[str, str]], dict[str, str]]


@contextmanager
def running_stack(
    tmp_path: Path,
    *,
    extra_env: Mapping[str, str] | None = None,
    prepare: Prepare | None = None,
    worker_args: Sequence[str] = ("--outbox-seconds", "0"),
) -> Iterator[Stack]:
    """The stack on a new PostgreSQL database; ``prepare`` runs with the migrate step's
    environment after the schema and keys exist (seed data, API tokens)."""
    if "postgresql" not in DATABASES:
        pytest.skip("the stack runs on PostgreSQL (PORTAL_TEST_DATABASES has no postgresql)")
    t0 = time.monotonic()
    database = create_pg_database()
    redis_port, port_a, port_b = free_port(), free_port(), free_port()
    metrics_port = free_port()
    started: list[subprocess.Popen[bytes]] = [_redis_server(redis_port)]
    try:
        with running_s3_server() as s3:
            common = {
                "PORTAL_DATABASE_URL": database,
                "PORTAL_KEK_FILE": str(tmp_path / "keys" / "kek.key"),
                "PORTAL_SESSION_SECRET": SESSION_SECRET,
                "PORTAL_SESSION_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                "PORTAL_DEMO": "1",  # the built-in OpenID provider stands in for the company's
                "PORTAL_SECURE_COOKIES": "0",
                "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port_a}",
                "PORTAL_OCR_WORKER": "0",
                "PORTAL_OUTBOX_INTERVAL_SECONDS": "0",
                "PORTAL_VERIFY_IN_PROCESS_MINUTES": "0",
                "PORTAL_S3_CREATE_BUCKET": "1",  # as compose.yaml: every process makes sure
                **s3.env(f"stack-{uuid.uuid4().hex[:8]}"),
                **(extra_env or {}),
            }

            def env(name: str, **extra: str) -> dict[str, str]:
                return source_env({**common, "PORTAL_DATA_DIR": str(tmp_path / name), **extra})

            migrate = env("migrate")
            for args in (["db", "upgrade"], ["keys", "init"]):
                done = run_portal(args, migrate)
                assert done.returncode == 0, done.stdout + done.stderr
            prepared = prepare(migrate) if prepare is not None else {}

            def spawn(name: str, args: list[str]) -> subprocess.Popen[bytes]:
                process = start([*portal_command(sys.executable), *args], env=env(name))
                started.append(process)
                return process

            web_a = spawn("web-a", ["serve", "--port", str(port_a)])
            web_b = spawn("web-b", ["serve", "--port", str(port_b)])
            worker = spawn("worker", ["worker", "--metrics-port", str(metrics_port), *worker_args])
            a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
            # a shared, busy machine can take minutes to start three Python processes
            wait_for_http(f"{a}/healthz", web_a, seconds=240)
            wait_for_http(f"{b}/healthz", web_b, seconds=240)
            print(f"stack serving {time.monotonic() - t0:.1f} s after the start", flush=True)
            yield Stack(a, b, worker, prepared, f"http://127.0.0.1:{metrics_port}/metrics")
    finally:
        outputs = [stop(process) for process in reversed(started)]
        drop_pg_database(database)
        print("\n---\n".join(outputs))


def csrf(page: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def log_in(client: httpx.Client, base: str, user: str, next_path: str | None = None) -> None:
    """Starting at instance ``base``, through the demo OpenID provider (which lives at the
    public URL, as the company's would: its pending requests are in that process), picking
    ``user``."""
    start = client.get(f"{base}/auth/login", params={"next": next_path} if next_path else None)
    picker = client.get(start.headers["location"])
    request_id = re.search(r'name="request_id" value="([^"]+)"', picker.text)
    assert request_id, picker.text
    picked = client.post(
        str(picker.url.copy_with(query=None)),
        data={"request_id": request_id.group(1), "user": user, "_csrf_token": csrf(picker.text)},
    )
    callback = client.get(picked.headers["location"])
    assert callback.status_code in (302, 303), callback.text


def invitation_link(base: str, code: str, name: str, email: str) -> str:
    """A clerk invites a supplier through ``base``; the link, from the demo outbox."""
    with httpx.Client(timeout=30) as clerk:
        log_in(clerk, base, "clerk")
        form = clerk.get(f"{base}/staff/invitations")
        sent = clerk.post(
            f"{base}/staff/invitations",
            data={
                "uscc": code,
                "name": name,
                "email": email,  # the invited address must be the login's verified one
                "_csrf_token": csrf(form.text),
            },
        )
        assert sent.status_code == 200, sent.text
        outbox = clerk.get(f"{base}/outbox")
    link = re.search(r"/invite/([A-Za-z0-9_.\-]+)", outbox.text)
    assert link, outbox.text
    return f"/invite/{link.group(1)}"


@contextmanager
def supplier_session(base: str, user: str, code: str, name: str) -> Iterator[httpx.Client]:
    """A supplier's browser, after accepting an invitation sent through ``base``."""
    link = invitation_link(base, code, name, f"{user.replace('-', '')}@demo.example")
    with httpx.Client(timeout=30) as client:
        log_in(client, base, user, next_path=link)
        invitation = client.get(f"{base}{link}")
        accepted = client.post(f"{base}{link}", data={"_csrf_token": csrf(invitation.text)})
        assert accepted.status_code == 303, accepted.text
        yield client
