"""Signed checkpoints outside the database catch what the database alone cannot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update

from approvals.audit import TamperKind
from portal.audit import Anchoring, ChainTamperedError, take_checkpoint, verify_live
from portal.audit.log import ENTRY, AuditLog


def test_an_untouched_anchored_log_verifies(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None]
) -> None:
    write(5)
    take_checkpoint(engine, anchoring)
    write(3)
    check = verify_live(engine, anchoring.log())
    assert check.ok and check.entries_checked == 8 and check.checkpoints_checked == 1


def test_a_full_rehash_rewrite_passes_the_database_check_but_not_the_checkpoint(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None], log: AuditLog, attacker: Any
) -> None:
    write(6)
    take_checkpoint(engine, anchoring)
    attacker.rehash_from(2, actor="u-mallory")
    assert log.verify(engine).ok  # the head row moved with the rewrite
    check = verify_live(engine, anchoring.log())
    assert check.kinds() == [TamperKind.ANCHOR_MISMATCH]
    assert "seq 6" in str(check.problems[0]) and "checkpoint #1" in str(check.problems[0])


def test_a_deleted_tail_with_the_head_moved_back_is_caught_by_the_checkpoint(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None], log: AuditLog, attacker: Any
) -> None:
    write(6)
    take_checkpoint(engine, anchoring)
    attacker.move_head_back(4)
    assert log.verify(engine).ok
    check = verify_live(engine, anchoring.log())
    assert check.kinds() == [TamperKind.TRUNCATED]
    assert "seq 5" in str(check.problems[0])
    assert "checkpoint #1" in str(check.problems[0]) and "sealed entry 6" in str(check.problems[0])


def test_a_modified_entry_names_the_checkpoint_that_had_sealed_it(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None]
) -> None:
    write(4)
    take_checkpoint(engine, anchoring)
    write(2)
    take_checkpoint(engine, anchoring)
    with engine.begin() as conn:
        conn.execute(update(ENTRY).where(ENTRY.c.seq == 2).values(after="tampered"))
    check = verify_live(engine, anchoring.log())
    assert check.kinds() == [TamperKind.MODIFIED]
    assert "seq 2" in str(check.problems[0]) and "checkpoint #1" in str(check.problems[0])


def test_a_rewrite_after_the_newest_checkpoint_is_not_anchored_yet(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None], attacker: Any
) -> None:
    write(3)
    take_checkpoint(engine, anchoring)
    write(3)
    attacker.rehash_from(5, actor="u-mallory")
    assert verify_live(engine, anchoring.log()).ok  # the limit: checkpoint often


def test_taking_a_checkpoint_twice_writes_one_line(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None]
) -> None:
    write(3)
    first = take_checkpoint(engine, anchoring)
    again = take_checkpoint(engine, anchoring)
    assert first.written and not again.written
    assert again.checkpoint == first.checkpoint
    assert len(anchoring.store.lines()) == 1


def test_two_checkpoints_taken_at_once_write_one_line(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None]
) -> None:
    write(3)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            take_checkpoint(engine, anchoring)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(anchoring.store.lines()) == 1


def test_a_tampered_head_is_never_signed(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None]
) -> None:
    write(3)
    take_checkpoint(engine, anchoring)
    write(2)
    with engine.begin() as conn:
        conn.execute(update(ENTRY).where(ENTRY.c.seq == 5).values(actor="u-mallory"))
    with pytest.raises(ChainTamperedError, match="seq 5"):
        take_checkpoint(engine, anchoring)
    assert len(anchoring.store.lines()) == 1


def test_an_empty_log_needs_no_checkpoint(engine: Engine, anchoring: Anchoring) -> None:
    taken = take_checkpoint(engine, anchoring)
    assert not taken.written and anchoring.store.lines() == []
    assert verify_live(engine, anchoring.log()).ok


def test_an_edited_checkpoint_line_is_reported_and_ignored(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None], tmp_path: Path
) -> None:
    write(3)
    take_checkpoint(engine, anchoring)
    path = tmp_path / "anchors" / "checkpoints.log"
    path.write_text(path.read_text().replace('"seq":3', '"seq":2'))
    check = verify_live(engine, anchoring.log())
    assert check.kinds() == [TamperKind.CHECKPOINT]
    assert "checkpoint #1" in str(check.problems[0]) and "bad signature" in str(check.problems[0])


def test_a_removed_checkpoint_line_breaks_the_checkpoints_own_chain(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None], tmp_path: Path
) -> None:
    for _ in range(3):
        write(1)
        take_checkpoint(engine, anchoring)
    path = tmp_path / "anchors" / "checkpoints.log"
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + "\n" + lines[2] + "\n")
    check = verify_live(engine, anchoring.log())
    assert check.kinds() == [TamperKind.CHECKPOINT]
    assert "was removed or changed" in str(check.problems[0])


def test_incremental_verify_checks_only_entries_after_the_newest_checkpoint(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None]
) -> None:
    write(5)
    take_checkpoint(engine, anchoring)
    write(2)
    check = verify_live(engine, anchoring.log(), incremental=True)
    assert check.ok and check.entries_checked == 2 and check.start.seq == 5


def test_incremental_verify_still_catches_a_removed_tail(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None], attacker: Any
) -> None:
    write(5)
    take_checkpoint(engine, anchoring)
    attacker.move_head_back(3)
    assert verify_live(engine, anchoring.log(), incremental=True).kinds() == [TamperKind.TRUNCATED]


def test_cli_checkpoint_then_verify_fails_on_a_rewrite_and_names_seq_and_checkpoint(
    engine: Engine,
    write: Callable[..., None],
    attacker: Any,
    db_url: str,
    key_provider: object,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from portal.cli import main

    key = tmp_path / "anchors" / "signing.pem"
    monkeypatch.setenv("PORTAL_AUDIT_CHECKPOINT_FILE", str(tmp_path / "anchors" / "cp.log"))
    monkeypatch.setenv("PORTAL_AUDIT_SIGNING_KEY_FILE", str(key))
    monkeypatch.setattr("portal.bootstrap.key_provider", lambda _crypto: key_provider)
    db = ["--database", db_url, "--data-dir", str(tmp_path)]
    assert main(["audit", "keygen", str(key)]) == 0
    write(5)
    assert main(["audit", "checkpoint", *db]) == 0
    assert main(["audit", "checkpoint", *db]) == 0
    assert "already anchored by checkpoint #1" in capsys.readouterr().out
    attacker.rehash_from(3, actor="u-mallory")
    assert main(["audit", "verify", *db]) == 1
    err = capsys.readouterr().err
    assert "seq 5" in err and "checkpoint #1" in err
