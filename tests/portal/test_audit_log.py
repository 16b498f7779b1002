"""The audit log as stored: appends chain, and direct database edits are caught."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from approvals.audit import TamperKind
from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore

CTX = AuditContext(
    actor="u-1",
    actor_role="purchasing_supervisor",
    ip="127.0.0.1",
    user_agent="pytest",
    request_id="r-1",
)


@pytest.fixture
def log(store: SupplierStore) -> AuditLog:
    return AuditLog(store.sealer)


def _write(engine: Engine, log: AuditLog, n: int = 5) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(n):
        with engine.begin() as conn:
            log.record(
                conn,
                CTX,
                "field.changed",
                subject_type="supplier",
                subject_id="s-1",
                field_name="bank_accounts[0].account_number",
                before=f"62220000000{i}",
                after=f"62220000001{i}",
                sensitive=True,
                now=start + timedelta(minutes=i),
            )


def test_untouched_log_verifies(engine: Engine, log: AuditLog) -> None:
    _write(engine, log)
    report = log.verify(engine)
    assert report.ok and report.entries_checked == 5


def test_sensitive_values_are_stored_encrypted_and_readable(
    engine: Engine, log: AuditLog, store: SupplierStore
) -> None:
    _write(engine, log, 1)
    with engine.connect() as conn:
        row = conn.execute(select(ENTRY)).one()
    assert "622200000000" not in row.before
    sealer: Sealer = store.sealer
    assert sealer.open("audit_entry", "before", row.id, row.before).value == "622200000000"


def test_modified_entry_is_named(engine: Engine, log: AuditLog) -> None:
    _write(engine, log)
    with engine.begin() as conn:
        conn.execute(update(ENTRY).where(ENTRY.c.seq == 3).values(actor="someone-else"))
    report = log.verify(engine)
    assert TamperKind.MODIFIED in report.kinds()
    assert any(p.seq == 3 for p in report.problems)


def test_deleted_entry_is_named(engine: Engine, log: AuditLog) -> None:
    _write(engine, log)
    with engine.begin() as conn:
        conn.execute(delete(ENTRY).where(ENTRY.c.seq == 2))
    report = log.verify(engine)
    assert TamperKind.DELETED in report.kinds()


def test_deleted_newest_entry_is_caught_by_the_head_anchor(engine: Engine, log: AuditLog) -> None:
    _write(engine, log)
    with engine.begin() as conn:
        conn.execute(delete(ENTRY).where(ENTRY.c.seq == 5))
    assert not log.verify(engine).ok


def test_inserted_entry_is_named(engine: Engine, log: AuditLog) -> None:
    _write(engine, log)
    with engine.begin() as conn:
        row = conn.execute(select(ENTRY).where(ENTRY.c.seq == 2)).one()._asdict()
        row.pop("pos")
        row.update(id="forged", seq=6, actor="intruder")
        conn.execute(insert(ENTRY).values(**row))
    report = log.verify(engine)
    assert not report.ok
    assert {TamperKind.MODIFIED, TamperKind.INSERTED, TamperKind.BROKEN_LINK} & set(report.kinds())


def test_reordered_entries_are_named(engine: Engine, log: AuditLog) -> None:
    _write(engine, log)
    with engine.begin() as conn:
        conn.execute(update(ENTRY).where(ENTRY.c.seq == 2).values(seq=-2))
        conn.execute(update(ENTRY).where(ENTRY.c.seq == 3).values(seq=2))
        conn.execute(update(ENTRY).where(ENTRY.c.seq == -2).values(seq=3))
    report = log.verify(engine)
    assert not report.ok
    assert {TamperKind.REORDERED, TamperKind.MODIFIED} & set(report.kinds())


def test_cli_verify_exits_non_zero_and_names_the_entry(
    engine: Engine,
    log: AuditLog,
    db_url: str,
    key_provider: object,
    tmp_path: object,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from portal.cli import main

    _write(engine, log)
    with engine.begin() as conn:
        conn.execute(update(ENTRY).where(ENTRY.c.seq == 4).values(field_name="name"))
    monkeypatch.setattr("portal.bootstrap.key_provider", lambda _crypto: key_provider)
    status = main(["audit", "verify", "--database", db_url, "--data-dir", str(tmp_path)])
    assert status == 1
    assert "seq 4" in capsys.readouterr().err


def test_concurrent_first_appends_on_an_empty_log_both_land(engine: Engine, log: AuditLog) -> None:
    import threading

    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def append() -> None:
        try:
            barrier.wait()
            with engine.begin() as conn:
                log.record(conn, CTX, "login.succeeded")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = log.verify(engine)
    assert report.ok and report.entries_checked == 2


def test_the_sm4_profile_hashes_the_chain_with_sm3(engine: Engine) -> None:
    from crypto import Algorithm, Keyring
    from crypto.fakes import InMemoryKeyProvider
    from portal.db.keystore import SqlDataKeyStore

    keyring = Keyring.initialise(SqlDataKeyStore(engine), InMemoryKeyProvider(), Algorithm.SM4_GCM)
    sm4_log = AuditLog(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
    with engine.begin() as conn:
        entry = sm4_log.record(conn, CTX, "login.succeeded")
    assert entry.hash.startswith("sm3:")
    assert sm4_log.verify(engine).ok
