"""Archives move old entries out of the live table and the chain still verifies end to end."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from approvals.audit import TamperKind
from portal.audit import Anchoring, ChainTamperedError, take_checkpoint, verify_live
from portal.audit.archive import archive_before, verify_with_archives
from portal.audit.log import ENTRY

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
RETENTION = 10


def _live(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ENTRY)).scalar_one())


@pytest.fixture
def archives(tmp_path: Path) -> Path:
    return tmp_path / "archives"


@pytest.fixture
def archived(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None], archives: Path
) -> Engine:
    """Ten entries, checkpointed, the first six (older than 08:06) archived, two added."""
    write(10, T0)
    take_checkpoint(engine, anchoring)
    result = archive_before(engine, anchoring, archives, T0 + timedelta(minutes=6))
    assert result.moved == 6
    write(2, T0 + timedelta(hours=1))
    return engine


def test_archived_entries_leave_the_live_table_and_the_whole_chain_verifies(
    archived: Engine, anchoring: Anchoring, archives: Path
) -> None:
    assert _live(archived) == 6
    check = verify_with_archives(archived, anchoring.log(), archives, retention_years=RETENTION)
    assert check.ok and check.entries_checked == 12 and check.archives_checked == 1


def test_the_live_chain_after_an_archive_still_verifies_on_its_own(
    archived: Engine, anchoring: Anchoring
) -> None:
    check = verify_live(archived, anchoring.log())
    assert check.ok and check.entries_checked == 6 and check.start.seq == 6
    assert take_checkpoint(archived, anchoring).written


def test_a_changed_byte_in_an_archive_is_caught(
    archived: Engine, anchoring: Anchoring, archives: Path
) -> None:
    [path] = archives.glob("audit-*.jsonl.gz")
    os.chmod(path, 0o600)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    check = verify_with_archives(archived, anchoring.log(), archives, retention_years=RETENTION)
    assert check.kinds() == [TamperKind.ARCHIVE]
    assert "entries 1-6" in str(check.problems[0]) and "changed" in str(check.problems[0])


def test_a_deleted_archive_is_caught_while_its_retention_runs(
    archived: Engine, anchoring: Anchoring, archives: Path
) -> None:
    for path in archives.glob("audit-*"):
        path.unlink()
    check = verify_with_archives(archived, anchoring.log(), archives, retention_years=RETENTION)
    assert check.kinds() == [TamperKind.ARCHIVE]
    assert "must be kept until 2036-11-01" in str(check.problems[0])
    later = datetime(2036, 11, 2, tzinfo=UTC)
    assert verify_with_archives(
        archived, anchoring.log(), archives, retention_years=RETENTION, now=later
    ).ok


def test_archiving_twice_moves_nothing_more(
    archived: Engine, anchoring: Anchoring, archives: Path
) -> None:
    again = archive_before(archived, anchoring, archives, T0 + timedelta(minutes=6))
    assert again.seal is None and again.moved == 0
    assert len(list(archives.glob("audit-*"))) == 1 and _live(archived) == 6


def test_entries_after_the_newest_checkpoint_and_the_head_stay_live(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None], archives: Path
) -> None:
    write(4, T0)
    take_checkpoint(engine, anchoring)
    write(3, T0 + timedelta(minutes=10))
    result = archive_before(engine, anchoring, archives, T0 + timedelta(days=1))
    assert result.moved == 4 and _live(engine) == 3  # 5-7 are not sealed yet
    take_checkpoint(engine, anchoring)
    result = archive_before(engine, anchoring, archives, T0 + timedelta(days=1))
    assert result.moved == 2 and _live(engine) == 1  # never the head
    assert verify_with_archives(engine, anchoring.log(), archives, retention_years=RETENTION).ok


def test_a_tampered_live_chain_is_not_archived(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None], archives: Path
) -> None:
    write(5, T0)
    take_checkpoint(engine, anchoring)
    with engine.begin() as conn:
        conn.execute(update(ENTRY).where(ENTRY.c.seq == 2).values(actor="u-mallory"))
    with pytest.raises(ChainTamperedError, match="seq 2"):
        archive_before(engine, anchoring, archives, T0 + timedelta(days=1))
    assert _live(engine) == 5 and not archives.exists()


def test_a_rewrite_of_the_first_live_entry_after_an_archive_is_caught(
    archived: Engine, anchoring: Anchoring, archives: Path, attacker: object
) -> None:
    attacker.rehash_from(7, actor="u-mallory")  # type: ignore[attr-defined]
    assert not verify_live(archived, anchoring.log()).ok
    assert not verify_with_archives(
        archived, anchoring.log(), archives, retention_years=RETENTION
    ).ok


def test_cli_archive_then_verify_archive(
    engine: Engine,
    write: Callable[..., None],
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
    monkeypatch.setenv("PORTAL_AUDIT_ARCHIVE_DIR", str(tmp_path / "archives"))
    monkeypatch.setattr("portal.bootstrap.key_provider", lambda _crypto: key_provider)
    db = ["--database", db_url, "--data-dir", str(tmp_path)]
    assert main(["audit", "keygen", str(key)]) == 0
    write(5, T0)
    assert main(["audit", "checkpoint", *db]) == 0
    assert main(["audit", "archive", "--before", "2026-11-02", *db]) == 0
    assert "archived entries 1-4 (4 rows)" in capsys.readouterr().out
    assert main(["audit", "verify", "--archive", *db]) == 0
    assert "5 entries in 1 archive(s) and live" in capsys.readouterr().out
