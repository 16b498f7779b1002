"""One contract for BlobStorage, run against the filesystem adapter and the fake."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto import BlobStorage, DocumentNotFoundError
from crypto.adapters.filesystem import FilesystemBlobStorage
from crypto.fakes import InMemoryBlobStorage


@pytest.fixture(params=["filesystem", "fake"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    if request.param == "filesystem":
        return FilesystemBlobStorage(tmp_path)
    return InMemoryBlobStorage()


def test_is_a_blob_storage(storage: BlobStorage) -> None:
    assert isinstance(storage, BlobStorage)


def test_put_then_open_returns_the_chunks_joined(storage: BlobStorage) -> None:
    storage.put("doc/1", [b"ab", b"", b"cd"])
    with storage.open("doc/1") as blob:
        assert blob.read() == b"abcd"


def test_put_replaces_an_existing_blob(storage: BlobStorage) -> None:
    storage.put("doc-1", [b"old"])
    storage.put("doc-1", [b"new"])
    with storage.open("doc-1") as blob:
        assert blob.read() == b"new"


def test_unknown_id_is_not_found(storage: BlobStorage) -> None:
    with pytest.raises(DocumentNotFoundError, match="doc-404"):
        storage.open("doc-404")


def test_delete_removes_and_is_idempotent(storage: BlobStorage) -> None:
    storage.put("doc-1", [b"x"])
    storage.delete("doc-1")
    storage.delete("doc-1")
    with pytest.raises(DocumentNotFoundError):
        storage.open("doc-1")


def test_failed_put_keeps_the_previous_blob(storage: BlobStorage) -> None:
    storage.put("doc-1", [b"good"])

    def broken() -> Iterator[bytes]:
        yield b"partial"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        storage.put("doc-1", broken())
    with storage.open("doc-1") as blob:
        assert blob.read() == b"good"


def test_filesystem_ids_cannot_escape_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    storage = FilesystemBlobStorage(root)
    storage.put("../../etc/passwd", [b"x"])
    assert storage.path_for("../../etc/passwd").is_relative_to(root)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [storage.path_for("../../etc/passwd")]
    assert not any(p.name.startswith(".tmp-") for p in root.rglob("*"))


def test_filesystem_blobs_are_owner_only(tmp_path: Path) -> None:
    storage = FilesystemBlobStorage(tmp_path)
    storage.put("doc-1", [b"x"])
    assert stat.S_IMODE(storage.path_for("doc-1").stat().st_mode) & 0o077 == 0
