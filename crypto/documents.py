"""Streaming encryption of documents (scans of licences, bank letters...).

Each document gets its own random key, wrapped under the current DOCUMENT data
key and returned in :class:`~crypto.model.StoredDocument` for the database row;
the blob store only ever sees ciphertext. Blob layout::

    header  = b"SPDOC1" || algorithm code (1 byte) || segment size (4 bytes, big-endian)
    segment = nonce (12) || ciphertext (<= segment size) || tag (16)

Segment *i* is authenticated with AAD = doc id || header || i (8 bytes) || final
flag (1 byte), so a truncated, reordered, duplicated or altered segment fails.
Memory use is one segment, whatever the document size.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from crypto._aead import NONCE_SIZE, TAG_SIZE, Aead, AuthenticationFailed, new_aead
from crypto.errors import DocumentIntegrityError, KeyUnavailableError
from crypto.model import Algorithm, Purpose, StoredDocument
from crypto.ports import BlobStorage

if TYPE_CHECKING:
    from crypto.keyring import DataKey, Keyring

__all__ = ["SEGMENT_SIZE", "DocumentVault"]

SEGMENT_SIZE = 64 * 1024
_MAGIC = b"SPDOC1"
_CODES = {Algorithm.AES_256_GCM: 1, Algorithm.SM4_GCM: 2}
_HEADER_SIZE = len(_MAGIC) + 1 + 4


@dataclass
class _Totals:
    size: int = 0
    sha256: str = ""


def _key_aad(doc_id: str, version: int, algorithm: Algorithm) -> bytes:
    return f"sp-doc-key|{len(doc_id)}:{doc_id}|{version}|{algorithm.value}".encode()


def _segment_aad(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining:
        part = stream.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


class DocumentVault:
    """Encrypts documents into a :class:`~crypto.ports.BlobStorage`."""

    def __init__(
        self, keyring: Keyring, storage: BlobStorage, segment_size: int = SEGMENT_SIZE
    ) -> None:
        self._keyring = keyring
        self._storage = storage
        self._segment_size = segment_size

    def store(self, doc_id: str, stream: BinaryIO) -> StoredDocument:
        """Encrypt ``stream`` into the blob ``doc_id``; keep the result in the database."""
        document_key = self._keyring.current(Purpose.DOCUMENT)
        algorithm = document_key.meta.algorithm
        secret = os.urandom(algorithm.key_size)
        assert document_key.aead is not None
        wrapped = document_key.aead.seal(
            secret, _key_aad(doc_id, document_key.meta.version, algorithm)
        )
        totals = _Totals()
        chunks = self._encrypt(doc_id, new_aead(algorithm, secret), algorithm, stream, totals)
        self._storage.put(doc_id, chunks)
        return StoredDocument(
            size=totals.size,
            sha256=totals.sha256,
            wrapped_key=wrapped,
            key_version=document_key.meta.version,
            algorithm=algorithm,
        )

    def open(self, doc_id: str, stored: StoredDocument) -> Iterator[bytes]:
        """Decrypted chunks of ``doc_id``; raises :class:`DocumentIntegrityError` as soon
        as a segment fails, and at the end if size or SHA-256 differ from ``stored``.

        Treat the output as untrusted until the iterator is exhausted without error.
        """
        aead = self._document_cipher(doc_id, stored)
        return self._decrypt(doc_id, aead, stored)

    def needs_rewrap(self, stored: StoredDocument) -> bool:
        """True when the document key is wrapped under an older DOCUMENT key version."""
        return stored.key_version != self._keyring.current(Purpose.DOCUMENT).meta.version

    def rewrap(self, doc_id: str, stored: StoredDocument) -> StoredDocument:
        """Re-wrap the per-document key under the current DOCUMENT key; the blob is untouched."""
        secret = self._unwrap_secret(doc_id, stored)
        current = self._keyring.current(Purpose.DOCUMENT)
        assert current.aead is not None
        wrapped = current.aead.seal(
            secret, _key_aad(doc_id, current.meta.version, stored.algorithm)
        )
        return StoredDocument(
            size=stored.size,
            sha256=stored.sha256,
            wrapped_key=wrapped,
            key_version=current.meta.version,
            algorithm=stored.algorithm,
        )

    # -- internals --------------------------------------------------------------------

    def _document_key(self, stored: StoredDocument) -> DataKey:
        key = self._keyring.find(Purpose.DOCUMENT, stored.key_version)
        if key is None or key.aead is None:
            raise KeyUnavailableError(
                f"document data key v{stored.key_version} is not in the keyring"
            )
        return key

    def _unwrap_secret(self, doc_id: str, stored: StoredDocument) -> bytes:
        key = self._document_key(stored)
        assert key.aead is not None
        try:
            return key.aead.open(
                stored.wrapped_key, _key_aad(doc_id, stored.key_version, key.meta.algorithm)
            )
        except AuthenticationFailed as exc:
            raise DocumentIntegrityError(
                f"the key of document {doc_id!r} does not unwrap: the database row was "
                "altered or belongs to another document"
            ) from exc

    def _document_cipher(self, doc_id: str, stored: StoredDocument) -> Aead:
        return new_aead(stored.algorithm, self._unwrap_secret(doc_id, stored))

    def _header(self, algorithm: Algorithm) -> bytes:
        return _MAGIC + bytes([_CODES[algorithm]]) + self._segment_size.to_bytes(4, "big")

    def _encrypt(
        self, doc_id: str, aead: Aead, algorithm: Algorithm, stream: BinaryIO, totals: _Totals
    ) -> Iterator[bytes]:
        header = self._header(algorithm)
        prefix = f"sp-doc|{len(doc_id)}:{doc_id}|".encode() + header
        digest = hashlib.sha256()
        yield header
        index = 0
        current = _read_exact(stream, self._segment_size)
        while True:
            following = _read_exact(stream, self._segment_size) if current else b""
            final = not following
            digest.update(current)
            totals.size += len(current)
            yield aead.seal(current, _segment_aad(prefix, index, final))
            if final:
                break
            current = following
            index += 1
        totals.sha256 = digest.hexdigest()

    def _decrypt(self, doc_id: str, aead: Aead, stored: StoredDocument) -> Iterator[bytes]:
        with self._storage.open(doc_id) as blob:
            header = _read_exact(blob, _HEADER_SIZE)
            if header[: len(_MAGIC)] != _MAGIC or len(header) != _HEADER_SIZE:
                raise DocumentIntegrityError(f"document {doc_id!r} is not an encrypted blob")
            if header[len(_MAGIC)] != _CODES[stored.algorithm]:
                raise DocumentIntegrityError(f"document {doc_id!r} has the wrong algorithm")
            segment_size = int.from_bytes(header[-4:], "big")
            sealed_size = NONCE_SIZE + segment_size + TAG_SIZE
            prefix = f"sp-doc|{len(doc_id)}:{doc_id}|".encode() + header
            digest = hashlib.sha256()
            size = 0
            index = 0
            current = _read_exact(blob, sealed_size)
            if not current:
                raise DocumentIntegrityError(f"document {doc_id!r} is truncated (no segments)")
            while current:
                following = _read_exact(blob, sealed_size)
                try:
                    clear = aead.open(current, _segment_aad(prefix, index, not following))
                except AuthenticationFailed as exc:
                    raise DocumentIntegrityError(
                        f"document {doc_id!r}: segment {index} failed authentication "
                        "(truncated, reordered or altered)"
                    ) from exc
                digest.update(clear)
                size += len(clear)
                yield clear
                current = following
                index += 1
        if size != stored.size or digest.hexdigest() != stored.sha256:
            raise DocumentIntegrityError(
                f"document {doc_id!r}: size or SHA-256 differs from the database record"
            )
