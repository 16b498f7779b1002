"""Document vault: streaming, bounded memory, and detection of every kind of tampering."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import pytest

from crypto import (
    DocumentIntegrityError,
    DocumentNotFoundError,
    Keyring,
    KeyUnavailableError,
    Purpose,
    StoredDocument,
)
from crypto.adapters.filesystem import FilesystemBlobStorage
from crypto.documents import SEGMENT_SIZE, DocumentVault
from crypto.fakes import InMemoryBlobStorage, InMemoryDataKeyStore, InMemoryKeyProvider

SEALED = 12 + SEGMENT_SIZE + 16
HEADER = 11


def _read_all(chunks: Iterator[bytes]) -> bytes:
    return b"".join(chunks)


class _PseudoRandomStream(io.RawIOBase):
    """``size`` bytes generated on the fly, so the source never sits in memory."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._block = hashlib.sha256(b"seed").digest() * 2048  # 64 KiB pattern
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left, len(self._block))
        buffer[:n] = self._block[:n]
        self.sha256.update(self._block[:n])
        self._left -= n
        return n


@pytest.fixture
def blobs() -> InMemoryBlobStorage:
    return InMemoryBlobStorage()


@pytest.fixture
def vault(keyring: Keyring, blobs: InMemoryBlobStorage) -> DocumentVault:
    return keyring.document_vault(blobs)


@pytest.mark.parametrize(
    "size", [0, 1, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * SEGMENT_SIZE + 17]
)
def test_round_trips_documents_of_awkward_sizes(vault: DocumentVault, size: int) -> None:
    content = os.urandom(size)
    stored = vault.store("doc-1", io.BytesIO(content))
    assert stored.size == size
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert _read_all(vault.open("doc-1", stored)) == content


def test_blob_contains_no_plaintext(vault: DocumentVault, blobs: InMemoryBlobStorage) -> None:
    content = b"Business licence 91310115MA1H7GXX4A " * 100
    vault.store("doc-1", io.BytesIO(content))
    assert b"91310115MA1H7GXX4A" not in blobs.blobs["doc-1"]


@pytest.mark.slow
def test_50_mb_document_streams_with_bounded_memory(keyring: Keyring, tmp_path: Path) -> None:
    size = 50 * 1024 * 1024
    vault = keyring.document_vault(FilesystemBlobStorage(tmp_path))
    source = _PseudoRandomStream(size)
    reader: BinaryIO = io.BufferedReader(source, buffer_size=SEGMENT_SIZE)  # type: ignore[assignment]

    tracemalloc.start()
    try:
        stored = vault.store("big", reader)
        _, store_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        total = 0
        for chunk in vault.open("big", stored):
            digest.update(chunk)
            total += len(chunk)
        _, open_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert total == size == stored.size
    assert digest.hexdigest() == stored.sha256 == source.sha256.hexdigest()
    assert store_peak < 2 * 1024 * 1024, f"store peaked at {store_peak} bytes"
    assert open_peak < 2 * 1024 * 1024, f"open peaked at {open_peak} bytes"


def _stored_with_segments(vault: DocumentVault, count: int = 4) -> tuple[bytes, StoredDocument]:
    content = os.urandom(count * SEGMENT_SIZE - 100)
    return content, vault.store("doc-1", io.BytesIO(content))


def _segments(blob: bytes) -> list[bytes]:
    body = blob[HEADER:]
    return [body[i : i + SEALED] for i in range(0, len(body), SEALED)]


def test_truncated_document_is_detected(vault: DocumentVault, blobs: InMemoryBlobStorage) -> None:
    _, stored = _stored_with_segments(vault)
    segments = _segments(blobs.blobs["doc-1"])
    blobs.blobs["doc-1"] = blobs.blobs["doc-1"][:HEADER] + b"".join(segments[:-1])
    with pytest.raises(DocumentIntegrityError, match="segment 2"):
        _read_all(vault.open("doc-1", stored))


def test_reordered_segments_are_detected(vault: DocumentVault, blobs: InMemoryBlobStorage) -> None:
    _, stored = _stored_with_segments(vault)
    s = _segments(blobs.blobs["doc-1"])
    blobs.blobs["doc-1"] = blobs.blobs["doc-1"][:HEADER] + s[1] + s[0] + s[2] + s[3]
    with pytest.raises(DocumentIntegrityError, match="segment 0"):
        _read_all(vault.open("doc-1", stored))


def test_modified_segment_is_detected(vault: DocumentVault, blobs: InMemoryBlobStorage) -> None:
    _, stored = _stored_with_segments(vault)
    blob = bytearray(blobs.blobs["doc-1"])
    blob[HEADER + SEALED + 500] ^= 0x01
    blobs.blobs["doc-1"] = bytes(blob)
    with pytest.raises(DocumentIntegrityError, match="segment 1"):
        _read_all(vault.open("doc-1", stored))


def test_blob_of_another_document_is_refused(
    vault: DocumentVault, blobs: InMemoryBlobStorage
) -> None:
    stored = vault.store("doc-1", io.BytesIO(b"licence"))
    vault.store("doc-2", io.BytesIO(b"bank letter"))
    blobs.blobs["doc-1"] = blobs.blobs["doc-2"]
    with pytest.raises(DocumentIntegrityError, match="doc-1"):
        _read_all(vault.open("doc-1", stored))


def test_database_record_of_another_document_is_refused(vault: DocumentVault) -> None:
    vault.store("doc-1", io.BytesIO(b"licence"))
    other = vault.store("doc-2", io.BytesIO(b"bank letter"))
    with pytest.raises(DocumentIntegrityError, match="does not unwrap"):
        vault.open("doc-1", other)


def test_checksum_mismatch_with_the_database_record_is_reported(vault: DocumentVault) -> None:
    stored = vault.store("doc-1", io.BytesIO(b"licence"))
    with pytest.raises(DocumentIntegrityError, match="SHA-256"):
        _read_all(vault.open("doc-1", replace(stored, sha256="0" * 64)))


def test_missing_blob_is_not_found(vault: DocumentVault) -> None:
    stored = vault.store("doc-1", io.BytesIO(b"licence"))
    vault._storage.delete("doc-1")
    with pytest.raises(DocumentNotFoundError):
        _read_all(vault.open("doc-1", stored))


def test_document_key_rotation_rewraps_without_touching_the_blob(
    keyring: Keyring, vault: DocumentVault, blobs: InMemoryBlobStorage, store: InMemoryDataKeyStore
) -> None:
    stored = vault.store("doc-1", io.BytesIO(b"licence"))
    blob_before = blobs.blobs["doc-1"]
    keyring.add_version(store, Purpose.DOCUMENT)
    assert vault.needs_rewrap(stored)
    rewrapped = vault.rewrap("doc-1", stored)
    assert rewrapped.key_version == 2 and not vault.needs_rewrap(rewrapped)
    assert blobs.blobs["doc-1"] == blob_before
    assert _read_all(vault.open("doc-1", rewrapped)) == b"licence"
    assert _read_all(vault.open("doc-1", stored)) == b"licence"  # retired key still decrypts


def test_document_under_an_unknown_key_version_names_it(vault: DocumentVault) -> None:
    stored = vault.store("doc-1", io.BytesIO(b"licence"))
    with pytest.raises(KeyUnavailableError, match="document data key v9"):
        vault.open("doc-1", replace(stored, key_version=9))


def test_stolen_blob_store_and_database_without_the_kek_reveal_nothing(
    keyring: Keyring, blobs: InMemoryBlobStorage
) -> None:
    vault = keyring.document_vault(blobs)
    stored = vault.store("doc-1", io.BytesIO(b"licence"))
    attacker = Keyring.initialise(InMemoryDataKeyStore(), InMemoryKeyProvider(), stored.algorithm)
    with pytest.raises(DocumentIntegrityError):
        attacker.document_vault(blobs).open("doc-1", stored)
