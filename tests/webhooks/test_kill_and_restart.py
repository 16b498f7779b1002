"""A real receiver on loopback is killed mid-stream and brought back: every event arrives,
in order per supplier, and the receiver acts on each exactly once.

Sending is at least once: a receiver killed after logging a delivery but before its 200
left gets that one again (same event id). The test measures those HTTP-level repeats and
prints them; what the receiver acts on (de-duplicated by event id) has no duplicate, no
gap and nothing out of order.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import SupplierStore
from portal.domain.principal import Principal, Role
from portal.domain.supplier import Supplier
from portal.domain.uscc_factory import make_uscc
from portal.feed import EventType, PendingEvent, record_events
from portal.onboarding.registration import register_suppliers
from portal.webhooks import WebhookWorker, add_subscription
from portal.webhooks.subscriptions import DELIVERY

ROOT = Path(__file__).resolve().parents[2]
RECEIVER = Path(__file__).with_name("receiver.py")
ADMIN = Principal("u-admin", Role.ADMIN)
CTX = AuditContext(actor="u-admin", actor_role="admin")
SUPPLIERS = 4
CHANGES_EACH = 15  # 4 created + 60 changed events


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """The receiving process; ``start`` again after ``kill`` listens on the same port."""

    def __init__(self, port: int, log: Path, secret: str) -> None:
        self.port, self.log, self.secret = port, log, secret
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, str(RECEIVER), str(self.port), str(self.log)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(self.secret + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "ready"

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    def lines(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        text = self.log.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.endswith("}")]


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    made = Receiver(_free_port(), tmp_path / "received.jsonl", "")
    yield made
    if made.process is not None and made.process.poll() is None:
        made.kill()


def _events(engine: Engine, store: SupplierStore) -> int:
    now = datetime.now(UTC)
    candidates = [
        (i, Supplier(uscc=make_uscc(700 + i), name=f"宁波示例{i}号有限公司"), [])
        for i in range(SUPPLIERS)
    ]
    outcomes = register_suppliers(engine, store, candidates, now=now)
    ids = [o.supplier_id for o in outcomes if o.supplier_id]
    for _ in range(CHANGES_EACH):
        for sid in ids:  # interleaved suppliers, one act per transaction
            with engine.begin() as conn:
                record_events(conn, store, [PendingEvent(EventType.CHANGED, sid)], now=now,
                              audited=False)  # fmt: skip
    return SUPPLIERS * (CHANGES_EACH + 1)


def _pending(engine: Engine) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(DELIVERY).where(DELIVERY.c.status != "delivered")
        return int(conn.execute(query).scalar_one())


def _failed_attempts(engine: Engine) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(DELIVERY).where(DELIVERY.c.last_error.is_not(None))
        return int(conn.execute(query).scalar_one())


def _wait(condition: Any, what: str) -> None:
    """Poll ``condition`` (no sleeps in assertions: a bound only against hanging forever)."""
    deadline = datetime.now(UTC) + timedelta(minutes=3)
    event = threading.Event()
    while not condition():
        assert datetime.now(UTC) < deadline, f"gave up waiting for {what}"
        event.wait(0.02)


def test_a_receiver_killed_mid_stream_gets_every_event_once_in_order_after_it_restarts(
    engine: Engine, store: SupplierStore, receiver: Receiver
) -> None:
    sub, secret = add_subscription(
        engine, store.sealer, AuditLog(store.sealer), CTX, ADMIN, name="erp-kingdee",
        url=f"http://127.0.0.1:{receiver.port}/hook", event_types=["*"], now=datetime.now(UTC),
    )  # fmt: skip
    receiver.secret = secret
    total = _events(engine, store)
    receiver.start()
    stop = threading.Event()
    reports: list[Any] = []

    def work() -> None:
        with httpx.Client(timeout=5.0) as http:
            worker = WebhookWorker(engine, store.sealer, http, max_attempts=10_000,
                                   backoff=timedelta(milliseconds=20),
                                   max_backoff=timedelta(milliseconds=200))  # fmt: skip
            while not stop.is_set():
                report = worker.run_once(limit=20)
                reports.append(report)
                if not report.delivered:
                    stop.wait(0.01)

    thread = threading.Thread(target=work)
    thread.start()
    try:
        _wait(lambda: len(receiver.lines()) >= total // 3, "a third of the events")
        receiver.kill()
        received_before = len(receiver.lines())
        _wait(lambda: _failed_attempts(engine) > 0, "the worker to meet the dead receiver")
        receiver.start()
        _wait(lambda: _pending(engine) == 0, "every delivery to be delivered")
    finally:
        stop.set()
        thread.join()

    lines = receiver.lines()
    ids = [line["id"] for line in lines]
    acted: dict[str, list[int]] = {}
    seen: set[str] = set()
    for line in lines:
        if line["id"] not in seen:
            seen.add(line["id"])
            acted.setdefault(line["supplier"], []).append(line["seq"])
    out_of_order = sum(1 for seqs in acted.values() for a, b in itertools.pairwise(seqs) if b <= a)
    repeats = len(ids) - len(set(ids))
    failed = sum(r.retrying for r in reports)
    print(
        f"\nkill-and-restart: events {total}, received before the kill {received_before}, "
        f"HTTP deliveries {len(ids)}, acted on {len(seen)}, repeats (same event id) {repeats}, "
        f"out of order {out_of_order}, failed attempts while down {failed}"
    )
    assert len(seen) == total  # nothing missing
    assert out_of_order == 0
    assert all(line["valid"] and line["header_id"] == line["id"] for line in lines)
    assert repeats <= 1  # at most the one in flight when the receiver was killed
    assert sub.name == "erp-kingdee"
