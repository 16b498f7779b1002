"""The compose stack, started as processes: the same commands as ``compose.yaml`` runs.

Docker's engine cannot run on the development machine, so this test starts what
the containers would: a one-shot migrate (``portal db upgrade``, ``portal keys
init``), two ``portal serve`` instances on one fresh PostgreSQL database, a Redis
server for the sessions, ``portal worker`` for OCR jobs, and moto's S3 server as
the document store. Each process has a data folder of its own, as each container
would, so nothing can pass through a local disk: a supplier uploads through one
instance and reads the document back through the other, and the worker reads the
licence the web instance stored.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from portal.domain.uscc_factory import make_uscc
from tests.deploy.conftest import (
    DATABASES,
    SESSION_SECRET,
    create_pg_database,
    drop_pg_database,
    free_port,
    portal_command,
    run_portal,
    source_env,
    stop,
    wait_for_http,
)
from tests.moto_s3 import running_s3_server
from tests.support.documents import pdf_bytes
from tests.support.licences import draw_licence

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CONTRACT_SUPPLIER, LICENCE_SUPPLIER = make_uscc(4711), make_uscc(4712)
NAMES = {CONTRACT_SUPPLIER: "上海栈测试科技有限公司", LICENCE_SUPPLIER: "杭州栈测试贸易有限公司"}


@dataclass
class Stack:
    a: str
    b: str
    worker: subprocess.Popen[bytes]


def _redis_server(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if "postgresql" not in DATABASES:
        pytest.skip("the stack runs on PostgreSQL (PORTAL_TEST_DATABASES has no postgresql)")
    tmp_path = tmp_path_factory.mktemp("stack")
    t0 = time.monotonic()
    database = create_pg_database()
    redis_port, port_a, port_b = free_port(), free_port(), free_port()
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
            }

            def env(name: str, **extra: str) -> dict[str, str]:
                return source_env({**common, "PORTAL_DATA_DIR": str(tmp_path / name), **extra})

            migrate = env("migrate")
            for args in (["db", "upgrade"], ["keys", "init"]):
                done = run_portal(args, migrate)
                assert done.returncode == 0, done.stdout + done.stderr

            def spawn(name: str, args: list[str]) -> subprocess.Popen[bytes]:
                process = subprocess.Popen(
                    [*portal_command(sys.executable), *args],
                    env=env(name),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
                started.append(process)
                return process

            web_a = spawn("web-a", ["serve", "--port", str(port_a)])
            web_b = spawn("web-b", ["serve", "--port", str(port_b)])
            worker = spawn("worker", ["worker", "--outbox-seconds", "0"])
            a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
            wait_for_http(f"{a}/healthz", web_a)
            wait_for_http(f"{b}/healthz", web_b)
            print(f"stack serving {time.monotonic() - t0:.1f} s after the start", flush=True)
            yield Stack(a, b, worker)
    finally:
        outputs = [stop(process) for process in reversed(started)]
        drop_pg_database(database)
        print("\n---\n".join(outputs))


def _csrf(page: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def _log_in(client: httpx.Client, base: str, user: str, next_path: str | None = None) -> None:
    """Through the demo OpenID provider of instance ``base``, picking ``user``."""
    start = client.get(f"{base}/auth/login", params={"next": next_path} if next_path else None)
    picker = client.get(start.headers["location"])
    request_id = re.search(r'name="request_id" value="([^"]+)"', picker.text)
    assert request_id, picker.text
    picked = client.post(
        f"{base}/dev-oidc/authorize",
        data={"request_id": request_id.group(1), "user": user, "_csrf_token": _csrf(picker.text)},
    )
    callback = client.get(picked.headers["location"])
    assert callback.status_code in (302, 303), callback.text


def _invitation_link(base: str, code: str, email: str) -> str:
    """A clerk invites a new supplier through ``base``; the link, from the demo outbox."""
    with httpx.Client(timeout=30) as clerk:
        _log_in(clerk, base, "clerk")
        form = clerk.get(f"{base}/staff/invitations")
        sent = clerk.post(
            f"{base}/staff/invitations",
            data={
                "uscc": code,
                "name": NAMES[code],
                "email": email,  # the invited address must be the login's verified one
                "_csrf_token": _csrf(form.text),
            },
        )
        assert sent.status_code == 200, sent.text
        outbox = clerk.get(f"{base}/outbox")
    link = re.search(r"/invite/([A-Za-z0-9_.\-]+)", outbox.text)
    assert link, outbox.text
    return f"/invite/{link.group(1)}"


@contextmanager
def _supplier_session(base: str, user: str, code: str) -> Iterator[httpx.Client]:
    """A supplier's browser, after accepting an invitation sent through ``base``."""
    link = _invitation_link(base, code, f"{user.replace('-', '')}@demo.example")
    with httpx.Client(timeout=30) as client:
        _log_in(client, base, user, next_path=link)
        invitation = client.get(f"{base}{link}")
        accepted = client.post(f"{base}{link}", data={"_csrf_token": _csrf(invitation.text)})
        assert accepted.status_code == 303, accepted.text
        yield client


def test_a_document_uploaded_through_one_instance_opens_through_the_other(stack: Stack) -> None:
    with _supplier_session(stack.a, "supplier-1", CONTRACT_SUPPLIER) as supplier:
        form = supplier.get(f"{stack.a}/portal/documents")
        content = pdf_bytes(2)  # a real PDF: uploads are checked over their whole structure
        uploaded = supplier.post(
            f"{stack.a}/portal/documents",
            data={"kind": "other", "_csrf_token": _csrf(form.text)},
            files={"file": ("contract.pdf", content, "application/pdf")},
        )
        assert uploaded.status_code == 303, uploaded.text
        listing = supplier.get(f"{stack.b}/portal/documents")
        document = re.search(r"/portal/documents/([0-9a-f-]{36})", listing.text)
        assert document, listing.text
        opened = supplier.get(f"{stack.b}/portal/documents/{document.group(1)}")
    assert opened.status_code == 200
    assert opened.content == content


def test_the_worker_reads_a_licence_that_a_web_instance_stored(
    stack: Stack, tmp_path: Path
) -> None:
    picture = tmp_path / "licence.png"
    draw_licence(picture, NAMES[LICENCE_SUPPLIER], LICENCE_SUPPLIER)
    with _supplier_session(stack.a, "supplier-2", LICENCE_SUPPLIER) as supplier:
        form = supplier.get(f"{stack.a}/portal/licence/")
        queued = supplier.post(
            f"{stack.a}/portal/licence/",
            data={"_csrf_token": _csrf(form.text)},
            files={"file": ("licence.png", picture.read_bytes(), "image/png")},
        )
        assert queued.status_code == 303, queued.text
        job_url = f"{stack.b}{queued.headers['location']}.json"
        job = supplier.get(job_url).json()
        deadline = time.monotonic() + 45
        while job["state"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            job = supplier.get(job_url).json()
    assert job["state"] == "done", job
    assert job["result"]["fields"]["uscc"]["value"] == LICENCE_SUPPLIER


def test_both_instances_answer_their_health_check(stack: Stack) -> None:
    for base in (stack.a, stack.b):
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "database": "ok"}
    assert stack.worker.poll() is None
