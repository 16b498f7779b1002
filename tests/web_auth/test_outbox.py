"""The outbox: messages enqueued with the change they announce, sent once, retried with backoff."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.notifications.outbox import (
    OUTBOX,
    Channel,
    OutboxMessage,
    OutboxWorker,
    SendError,
    SmtpEmailSender,
    SmtpSettings,
    enqueue,
    recent,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class RecordingSender:
    """Records what it was asked to send; fails as told."""

    def __init__(self, failures: list[SendError] | None = None) -> None:
        self.sent: list[OutboxMessage] = []
        self.failures = list(failures or [])

    def send(self, message: OutboxMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)


def row(engine: Any, message_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(OUTBOX).where(OUTBOX.c.id == message_id)).one()


def test_a_message_exists_only_if_its_transaction_commits(engine: Any) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        enqueue(conn, Channel.EMAIL, "a@b.example", "subject", "body", now=NOW)
        raise RuntimeError("the change failed")

    with engine.connect() as conn:
        assert recent(conn) == []


def test_worker_sends_due_messages_exactly_once(engine: Any) -> None:
    with engine.begin() as conn:
        first = enqueue(conn, "email", "a@b.example", "你好", "正文", now=NOW)
    sender = RecordingSender()
    worker = OutboxWorker(engine, {"email": sender})

    reports = [worker.run_once(now=NOW), worker.run_once(now=NOW + timedelta(hours=1))]

    assert [m.id for m in sender.sent] == [first]
    assert [r.sent for r in reports] == [1, 0]
    assert row(engine, first).sent_at is not None and row(engine, first).attempts == 1


def test_a_temporary_failure_is_retried_with_growing_delays(engine: Any) -> None:
    with engine.begin() as conn:
        message_id = enqueue(conn, "email", "a@b.example", "s", "b", now=NOW)
    sender = RecordingSender([SendError("SMTP unavailable"), SendError("SMTP unavailable")])
    worker = OutboxWorker(engine, {"email": sender}, backoff=timedelta(minutes=1))

    worker.run_once(now=NOW)
    after_first = row(engine, message_id)
    worker.run_once(now=NOW + timedelta(seconds=30))  # not due yet
    worker.run_once(now=NOW + timedelta(minutes=1))
    after_second = row(engine, message_id)
    report = worker.run_once(now=NOW + timedelta(minutes=4))

    assert (after_first.attempts, after_first.last_error) == (1, "SMTP unavailable")
    assert after_second.attempts == 2
    assert report.sent == 1 and len(sender.sent) == 1
    assert row(engine, message_id).last_error is None


def test_a_permanent_failure_is_not_retried(engine: Any) -> None:
    with engine.begin() as conn:
        message_id = enqueue(conn, "email", "nobody@b.example", "s", "b", now=NOW)
    sender = RecordingSender([SendError("recipient refused", permanent=True)])
    worker = OutboxWorker(engine, {"email": sender})

    first = worker.run_once(now=NOW)
    later = worker.run_once(now=NOW + timedelta(days=2))

    assert first.gave_up == 1 and later.sent == 0 and sender.sent == []
    assert row(engine, message_id).last_error == "permanent: recipient refused"


def test_a_row_claimed_by_another_worker_is_not_sent_again(engine: Any) -> None:
    with engine.begin() as conn:
        message_id = enqueue(conn, "email", "a@b.example", "s", "b", now=NOW)
    worker = OutboxWorker(engine, {"email": RecordingSender()})

    mine = worker._claim(message_id, 0, NOW)
    theirs = worker._claim(message_id, 0, NOW)  # saw the same row before my claim

    assert mine is not None and theirs is None


def test_channels_without_a_sender_wait(engine: Any) -> None:
    with engine.begin() as conn:
        message_id = enqueue(conn, Channel.WEBHOOK, "https://hook.example", "s", "{}", now=NOW)

    report = OutboxWorker(engine, {"email": RecordingSender()}).run_once(now=NOW)

    assert report.sent == 0 and row(engine, message_id).attempts == 0


def test_unreachable_smtp_server_is_a_temporary_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    sender = SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=port, timeout=2))

    with pytest.raises(SendError) as caught:
        sender.send(OutboxMessage("1", "email", "a@b.example", "s", "b"))

    assert caught.value.permanent is False


def test_a_sealed_body_is_opened_to_send_and_never_sent_as_ciphertext(
    engine: Any, store: Any
) -> None:
    link = "https://portal.example/invite/i-1.SECRET-TOKEN.mac"
    with engine.begin() as conn:
        message_id = enqueue(
            conn, "email", "a@b.example", "邀请", link, now=NOW, sealer=store.sealer
        )
    assert "SECRET-TOKEN" not in row(engine, message_id).body
    keyless = RecordingSender()
    OutboxWorker(engine, {"email": keyless}).run_once(now=NOW)
    assert keyless.sent == [] and "cannot open" in row(engine, message_id).last_error
    sender = RecordingSender()
    later = NOW + timedelta(hours=1)
    OutboxWorker(engine, {"email": sender}, sealer=store.sealer).run_once(now=later)
    assert [m.body for m in sender.sent] == [link]
