"""One id per request, command and job: in the response, the audit entries and the outbox."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.notifications import outbox
from portal.notifications.messages import OutboxNotifier
from portal.notifications.outbox import OUTBOX, OutboxWorker
from portal.observability.context import bind_request_id

HEX_ID = re.compile(r"[0-9a-f]{32}")


async def test_every_answer_names_its_request_and_a_proxys_sane_id_is_kept(client: Any) -> None:
    plain = await client.get("/healthz")
    assert HEX_ID.fullmatch(plain.headers["x-request-id"])
    other = await client.get("/healthz")
    assert other.headers["x-request-id"] != plain.headers["x-request-id"]

    kept = await client.get("/healthz", headers={"X-Request-ID": "edge-7f3a.42"})
    assert kept.headers["x-request-id"] == "edge-7f3a.42"

    for hostile in ("a b", "x" * 65, "<script>", 'id"quoted', "a;b=c"):
        answer = await client.get("/healthz", headers={"X-Request-ID": hostile})
        assert HEX_ID.fullmatch(answer.headers["x-request-id"]), hostile

    unknown = await client.get("/no-such-page", headers={"X-Request-ID": "edge-404"})
    assert unknown.status_code == 404 and unknown.headers["x-request-id"] == "edge-404"


async def test_a_bank_change_leaves_its_request_id_in_the_audit_entry_and_the_outbox(
    site: Any, as_user: Any
) -> None:
    site.deps.notifier = OutboxNotifier(outbox.enqueue, public_url="http://x", webhook=True)
    account = site.a.bank_accounts[0].id
    form = f"/portal/bank-accounts/{account}/edit"
    page = await as_user("a").get(form)
    submit = await as_user("a").post(
        f"/portal/bank-accounts/{account}",
        {"account_number": "6217000011112222333"},
        form_page=form,
    )
    assert page.status_code == 200 and submit.status_code == 303, submit.text
    request_id = submit.headers["x-request-id"]

    with site.services.engine.connect() as conn:
        entries = conn.execute(select(ENTRY.c.action, ENTRY.c.request_id)).all()
        messages = conn.execute(select(OUTBOX.c.subject, OUTBOX.c.request_id)).all()
    assert entries and {rid for _, rid in entries} == {request_id}
    assert messages and {rid for _, rid in messages} == {request_id}

    # the worker sends it under the same id, so its log lines name the request
    seen: list[str | None] = []

    class Recording:
        def send(self, message: outbox.OutboxMessage) -> None:
            from portal.observability import current_request_id

            seen.append(current_request_id())

    OutboxWorker(site.services.engine, {"webhook": Recording()}).run_once()
    assert seen == [request_id]


def test_entries_and_messages_written_outside_a_request_take_the_bound_id(
    engine: Engine, store: Any
) -> None:
    log = AuditLog(store.sealer)
    with bind_request_id("job-1234"), engine.begin() as conn:
        log.record(conn, AuditContext(actor="system:test"), "login.succeeded")
        outbox.enqueue(conn, "email", "a@x.cn", "s", "b")
    with engine.begin() as conn:
        log.record(conn, AuditContext(actor="system:test", request_id="given"), "login.failed")
    with engine.connect() as conn:
        assert conn.execute(select(ENTRY.c.request_id).order_by(ENTRY.c.seq)).scalars().all() == [
            "job-1234",
            "given",
        ]
        assert conn.execute(select(OUTBOX.c.request_id)).scalar_one() == "job-1234"


def test_each_command_run_has_its_own_id_in_the_audit_entries_it_writes(
    engine: Engine,
    keyring: object,
    db_url: str,
    key_provider: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from portal.cli import main

    monkeypatch.setattr("portal.bootstrap.key_provider", lambda _crypto: key_provider)
    db = ["--database", db_url, "--data-dir", str(tmp_path)]
    for run in ("a", "b"):
        out = tmp_path / f"audit-{run}.jsonl"
        assert main(["audit", "export", "--format", "json", "--out", str(out), *db]) == 0
    with engine.connect() as conn:
        ids = conn.execute(select(ENTRY.c.request_id).order_by(ENTRY.c.seq)).scalars().all()
    assert len(ids) == 2 and ids[0] != ids[1]
    assert all(re.fullmatch(r"audit-[0-9a-f]{32}", i or "") for i in ids), ids
