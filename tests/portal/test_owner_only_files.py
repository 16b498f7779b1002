"""The database file (with its -wal and -shm), the documents folder and every document are
readable by the service's own user only, whatever umask the process started with."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from crypto.adapters.filesystem import FilesystemBlobStorage
from portal.db.engine import make_engine


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o002)  # a group-writable default, as on many shared hosts
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_wal_and_shm_are_owner_only(
    tmp_path: Path, open_umask: None
) -> None:
    database = tmp_path / "portal.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
        conn.execute(text("INSERT INTO t VALUES ('银行账号')"))
    with engine.connect() as conn:  # the WAL and shared-memory files exist while open
        conn.execute(text("SELECT * FROM t")).all()
        files = [database, tmp_path / "portal.db-wal", tmp_path / "portal.db-shm"]
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    engine.dispose()


def test_an_existing_world_readable_database_is_made_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "portal.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    make_engine(f"sqlite:///{database}").dispose()
    assert _mode(database) == 0o600


def test_the_documents_folder_and_every_document_are_owner_only(
    tmp_path: Path, open_umask: None
) -> None:
    root = tmp_path / "documents"
    storage = FilesystemBlobStorage(root)
    storage.put("d-1", iter([b"sealed bytes"]))
    blob = storage.path_for("d-1")
    assert (_mode(root), _mode(blob.parent), _mode(blob)) == (0o700, 0o700, 0o600)
    with storage.open("d-1") as handle:
        assert handle.read() == b"sealed bytes"
