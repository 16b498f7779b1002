"""One contract for BlobStorage, run against the filesystem and S3 adapters and the fake.

The S3 adapter talks HTTP to a real S3 API (moto's server, started once per session).
"""

from __future__ import annotations

import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto import BlobStorage, BlobStoreUnavailableError, DocumentNotFoundError
from crypto.adapters.filesystem import FilesystemBlobStorage
from crypto.adapters.s3 import S3BlobStorage
from crypto.fakes import InMemoryBlobStorage
from portal.document_store import DocumentStoreSettings, blob_storage_from_settings
from tests.moto_s3 import S3Server, running_s3_server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


def s3_storage(server: S3Server) -> S3BlobStorage:
    """An S3 adapter on a new bucket, built the way the portal builds it."""
    bucket = f"docs-{uuid.uuid4().hex[:12]}"
    env = {**server.env(bucket), "PORTAL_S3_CREATE_BUCKET": "1"}
    storage = blob_storage_from_settings(DocumentStoreSettings.from_env(env), documents_dir=Path())
    assert isinstance(storage, S3BlobStorage)
    return storage


@pytest.fixture(params=["filesystem", "s3", "fake"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    if request.param == "filesystem":
        return FilesystemBlobStorage(tmp_path)
    if request.param == "s3":
        return s3_storage(request.getfixturevalue("s3_server"))
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


def test_large_blob_is_uploaded_in_parts_and_reads_back_whole(s3_server: S3Server) -> None:
    storage = s3_storage(s3_server)
    chunk = bytes(range(256)) * 4096  # 1 MiB
    storage.put("doc-big", [chunk] * 12)
    with storage.open("doc-big") as blob:
        assert blob.read() == chunk * 12


def test_failed_large_put_keeps_the_previous_blob(s3_server: S3Server) -> None:
    storage = s3_storage(s3_server)
    storage.put("doc-1", [b"good"])

    def broken() -> Iterator[bytes]:
        yield b"x" * (9 * 1024 * 1024)
        raise OSError("upload interrupted")

    with pytest.raises(OSError, match="upload interrupted"):
        storage.put("doc-1", broken())
    with storage.open("doc-1") as blob:
        assert blob.read() == b"good"


def test_s3_objects_are_named_by_a_hash_of_the_id(s3_server: S3Server) -> None:
    storage = s3_storage(s3_server)
    assert storage.key_for("../supplier 42/licence.pdf").startswith("documents/")
    assert "supplier" not in storage.key_for("../supplier 42/licence.pdf")


def test_unreachable_store_is_a_retryable_error() -> None:
    env = {
        "PORTAL_DOCUMENTS_STORE": "s3",
        "PORTAL_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "PORTAL_S3_BUCKET": "nowhere",
        "PORTAL_S3_ACCESS_KEY_ID": "k",
        "PORTAL_S3_SECRET_ACCESS_KEY": "s",
    }
    storage = blob_storage_from_settings(DocumentStoreSettings.from_env(env), documents_dir=Path())
    with pytest.raises(BlobStoreUnavailableError) as caught:
        storage.open("doc-1")
    assert caught.value.permanent is False
