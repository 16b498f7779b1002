"""Webhook subscriptions, signatures, dead letters and order, as the admin and an ERP see them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.audit.log import ENTRY, AuditLog
from portal.cli import main
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.domain.supplier import Supplier
from portal.domain.uscc_factory import make_uscc
from portal.feed import EventType, PendingEvent, record_events
from portal.onboarding.registration import register_suppliers
from portal.webhooks import (
    WebhookInputError,
    WebhookNotAllowedError,
    WebhookWorker,
    add_subscription,
    delivery_log,
    list_subscriptions,
    remove_subscription,
    replay_dead,
    sign,
    signature_algorithm,
    verify,
)
from portal.webhooks.subscriptions import SUBSCRIPTION
from tests.support.personas import STAFF
from tests.webhooks.test_kill_and_restart import ADMIN, CTX, Receiver, _free_port, _wait


def _add(engine: Engine, store: SupplierStore, url: str, types: list[str] | None = None) -> str:
    _, secret = add_subscription(
        engine, store.sealer, AuditLog(store.sealer), CTX, ADMIN, name="erp-u8", url=url,
        event_types=types or ["*"], now=datetime.now(UTC),
    )  # fmt: skip
    return secret


def test_the_secret_is_shown_once_and_stored_sealed_and_only_admins_subscribe(
    engine: Engine, store: SupplierStore
) -> None:
    secret = _add(engine, store, "https://erp.example.com/hook")
    with engine.connect() as conn:
        stored = conn.execute(select(SUBSCRIPTION.c.secret)).scalar_one()
        audited = conn.execute(select(ENTRY.c.action, ENTRY.c.after)).one()
    assert secret.startswith("whsec_") and secret not in stored
    assert audited.action == "webhook.subscribed" and secret not in (audited.after or "")
    with pytest.raises(WebhookNotAllowedError):
        add_subscription(engine, store.sealer, AuditLog(store.sealer), CTX, STAFF["clerk"],
                         name="x", url="https://x.example.com", event_types=["*"],
                         now=datetime.now(UTC))  # fmt: skip
    with pytest.raises(WebhookNotAllowedError):
        list_subscriptions(engine, STAFF["finance"])


@pytest.mark.parametrize(
    ("url", "types", "message"),
    [
        ("http://erp.example.com/hook", ["*"], "must use https"),
        ("ftp://erp.example.com/hook", ["*"], "full https:// address"),
        ("https://erp.example.com/hook", ["supplier.renamed"], "unknown event type"),
    ],
)
def test_a_bad_url_or_event_type_is_refused_in_both_languages(
    engine: Engine, store: SupplierStore, url: str, types: list[str], message: str
) -> None:
    with pytest.raises(WebhookInputError, match=message) as refused:
        _add(engine, store, url, types)
    assert refused.value.message_zh != str(refused.value)


def test_signatures_use_hmac_sm3_under_the_sm4_profile_and_refuse_old_timestamps(
    engine: Engine,
) -> None:
    keyring = Keyring.initialise(SqlDataKeyStore(engine), InMemoryKeyProvider(), Algorithm.SM4_GCM)
    sm4 = Sealer(keyring.field_cipher(), keyring.blind_indexer())
    assert signature_algorithm(sm4) == "hmac-sm3"
    body, now = b'{"seq":1}', 1_800_000_000
    sm3 = sign(b"whsec_k", now, body, "hmac-sm3")
    assert sm3 != sign(b"whsec_k", now, body, "hmac-sha256")
    assert verify(b"whsec_k", now, body, sm3, "hmac-sm3", now=now + 10)
    assert not verify(b"whsec_k", now, body, sm3, "hmac-sm3", now=now + 301)  # a replay
    assert not verify(b"whsec_k", now, body + b" ", sm3, "hmac-sm3", now=now)  # tampered


def _two_suppliers(engine: Engine, store: SupplierStore) -> list[str]:
    candidates = [(i, Supplier(uscc=make_uscc(800 + i), name=f"温州示例{i}号有限公司"), [])
                  for i in range(2)]  # fmt: skip
    outcomes = register_suppliers(engine, store, candidates, now=datetime.now(UTC))
    return [o.supplier_id or "" for o in outcomes]


def test_a_dead_letter_holds_back_that_suppliers_later_events_until_the_admin_replays_it(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    port = _free_port()
    secret = _add(engine, store, f"http://127.0.0.1:{port}/hook")
    a, b = _two_suppliers(engine, store)  # events 1 (a created) and 2 (b created)
    with engine.begin() as conn:
        record_events(
            conn, store, [PendingEvent(EventType.CHANGED, a)], now=datetime.now(UTC), audited=False
        )  # fmt: skip  (event 3, a changed)
    with httpx.Client(timeout=2.0) as http:
        worker = WebhookWorker(engine, store.sealer, http, max_attempts=2, backoff=timedelta(0))
        first, second = worker.run_once(), worker.run_once()  # nobody listens yet
        assert (first.retrying, second.dead) == (2, 2)
        log = delivery_log(engine, ADMIN, "erp-u8")
        waiting = [line for line in log if line.event_seq == 3]
        assert [(w.status, w.attempt) for w in waiting] == [("pending", None)]  # never tried
        assert {(line.event_seq, line.attempt, line.outcome) for line in log if line.event_seq < 3} == {
            (1, 2, "dead"), (1, 1, "retry"), (2, 2, "dead"), (2, 1, "retry")
        }  # fmt: skip
        receiver = Receiver(port, tmp_path / "got.jsonl", secret)
        receiver.start()
        try:
            assert worker.run_once().delivered == 0  # dead letters stay dead until replayed
            assert replay_dead(engine, AuditLog(store.sealer), CTX, ADMIN, "erp-u8",
                               now=datetime.now(UTC)) == 2  # fmt: skip
            delivered = worker.run_once().delivered + worker.run_once().delivered
        finally:
            receiver.kill()
    got = receiver.lines()
    assert delivered == 3 and all(line["valid"] for line in got)
    assert [line["seq"] for line in got if line["supplier"] == a] == [1, 3]
    assert [line["seq"] for line in got if line["supplier"] == b] == [2]
    [sub] = list_subscriptions(engine, ADMIN)
    assert (sub.delivered, sub.pending, sub.dead) == (3, 0, 0)


def test_a_removed_subscription_gets_nothing_more_and_types_filter_what_it_gets(
    engine: Engine, store: SupplierStore
) -> None:
    _add(engine, store, "https://erp.example.com/hook", ["supplier.archived"])
    _two_suppliers(engine, store)
    assert list_subscriptions(engine, ADMIN)[0].pending == 0  # created events not wanted
    remove_subscription(engine, AuditLog(store.sealer), CTX, ADMIN, "erp-u8",
                        now=datetime.now(UTC))  # fmt: skip
    assert list_subscriptions(engine, ADMIN) == []


def test_the_cli_adds_lists_and_removes_a_subscription(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("PORTAL_DATA_DIR", "PORTAL_DATABASE_URL", "PORTAL_KEK_FILE", "PORTAL_DEMO"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "demo"
    assert main(["demo", "--dir", str(folder), "--no-serve"]) == 0
    monkeypatch.setenv("PORTAL_KEK_FILE", str(folder / "keys" / "kek.key"))
    where = ["--data-dir", str(folder)]
    capsys.readouterr()
    assert main(["webhooks", "add", "kingdee", "https://erp.example.com/hook",
                 "--events", "supplier.changed,supplier.created", *where]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "signing secret (shown once" in out and "whsec_" in out
    assert main(["webhooks", "snapshot", *where]) == 0
    assert "0 suppliers got a snapshot event" in capsys.readouterr().out  # demo suppliers: created
    assert main(["webhooks", "list", *where]) == 0
    listed = capsys.readouterr().out
    assert "kingdee" in listed and "supplier.changed" in listed and "pending 0" in listed
    assert main(["webhooks", "profile", "kingdee", "kingdee-k3cloud", *where]) == 0
    assert main(["webhooks", "list", *where]) == 0
    assert "profile kingdee-k3cloud" in capsys.readouterr().out
    assert main(["webhooks", "profile", "kingdee", "odoo", *where]) == 3
    assert "no ERP profile named 'odoo' (known: kingdee-k3cloud" in capsys.readouterr().err
    assert main(["webhooks", "profiles", *where]) == 0
    assert "yonyou-u8" in capsys.readouterr().out
    assert main(["webhooks", "remove", "nobody", *where]) == 3  # not found
    assert "no webhook subscription named 'nobody'" in capsys.readouterr().err
    assert main(["webhooks", "remove", "kingdee", *where]) == 0
    assert main(["webhooks", "replay", "kingdee", *where]) == 3
    assert json.dumps("kingdee") in capsys.readouterr().err.replace("'", '"')


def test_the_web_process_delivers_on_its_own_while_it_runs(services: Any, tmp_path: Path) -> None:
    from dataclasses import replace

    from litestar.testing import TestClient

    from portal.bootstrap import build_collaborators
    from portal.config import load_settings
    from portal.web.site import build_site
    from portal.webhooks.subscriptions import DELIVERY

    engine, store = services.engine, services.suppliers
    port = _free_port()
    secret = _add(engine, store, f"http://127.0.0.1:{port}/hook")
    env = {"PORTAL_DATA_DIR": str(services.settings.data_dir), "PORTAL_SECURE_COOKIES": "0",
           "PORTAL_OUTBOX_INTERVAL_SECONDS": "0.05"}  # fmt: skip
    quick = replace(services, settings=load_settings(env))
    app = build_site(build_collaborators(quick), areas=("portal.web.webhook_admin:area",))
    receiver = Receiver(port, tmp_path / "got.jsonl", secret)
    receiver.start()
    try:
        with TestClient(app=app):
            _two_suppliers(engine, store)

            def delivered() -> bool:
                with engine.connect() as conn:
                    statuses = conn.execute(select(DELIVERY.c.status)).scalars().all()
                return statuses == ["delivered", "delivered"]

            _wait(delivered, "the app's own worker to deliver")
    finally:
        receiver.kill()
    assert [line["seq"] for line in receiver.lines()] == [1, 2]
