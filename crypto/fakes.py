"""In-memory implementations of the ports, for tests and local development.

They behave like the real adapters (real AEAD wrapping, conflict errors,
not-found errors) and record what they were asked.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import (
    DocumentNotFoundError,
    KeyConflictError,
    KeyStoreError,
    KeyUnavailableError,
)
from crypto.model import WrappedDataKey

__all__ = ["InMemoryBlobStorage", "InMemoryDataKeyStore", "InMemoryKeyProvider"]


class InMemoryKeyProvider:
    """A KEK held in memory; ``revoked = True`` simulates a KEK the customer disabled."""

    def __init__(self, kek: bytes | None = None) -> None:
        self._kek = kek if kek is not None else os.urandom(32)
        self._aead = AESGCM(self._kek)
        self._kek_id = "memory:" + hashlib.sha256(b"sp-kek-id\x00" + self._kek).hexdigest()[:16]
        self.revoked = False
        self.wrap_calls = 0
        self.unwrap_calls = 0

    @property
    def kek_id(self) -> str:
        return self._kek_id

    def wrap(self, key: bytes) -> bytes:
        self.wrap_calls += 1
        self._check_revoked()
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, key, self._kek_id.encode())

    def unwrap(self, wrapped: bytes, kek_id: str) -> bytes:
        self.unwrap_calls += 1
        self._check_revoked()
        if kek_id != self._kek_id:
            raise KeyUnavailableError(f"KEK {kek_id} is not this provider's KEK ({self._kek_id})")
        try:
            return self._aead.decrypt(wrapped[:12], wrapped[12:], self._kek_id.encode())
        except InvalidTag as exc:
            raise KeyUnavailableError(
                f"KEK {self._kek_id} does not unwrap it: wrong KEK or altered bytes"
            ) from exc

    def _check_revoked(self) -> None:
        if self.revoked:
            raise KeyUnavailableError(f"KEK {self._kek_id} has been revoked")


@dataclass
class InMemoryDataKeyStore:
    """Wrapped keys in a dict; ``fail_after_updates=N`` raises on update N+1 (a crash)."""

    keys: dict[tuple[str, int], WrappedDataKey] = field(default_factory=dict)
    fail_after_updates: int | None = None
    updates: list[WrappedDataKey] = field(default_factory=list)

    def list_keys(self) -> list[WrappedDataKey]:
        return sorted(self.keys.values(), key=lambda k: (k.purpose.value, k.version))

    def add_key(self, key: WrappedDataKey) -> None:
        slot = (key.purpose.value, key.version)
        if slot in self.keys:
            raise KeyConflictError(f"{key.purpose.value} v{key.version} is already stored")
        self.keys[slot] = key

    def update_key(self, key: WrappedDataKey) -> None:
        slot = (key.purpose.value, key.version)
        if slot not in self.keys:
            raise KeyStoreError(f"no stored key {key.purpose.value} v{key.version} to update")
        if self.fail_after_updates is not None and len(self.updates) >= self.fail_after_updates:
            raise KeyStoreError("simulated crash: the key store went away")
        self.keys[slot] = key
        self.updates.append(key)


class InMemoryBlobStorage:
    """Blobs in a dict; ``put`` publishes only after every chunk was consumed."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, doc_id: str, chunks: Iterable[bytes]) -> None:
        self.blobs[doc_id] = b"".join(chunks)

    def open(self, doc_id: str) -> BinaryIO:
        try:
            return io.BytesIO(self.blobs[doc_id])
        except KeyError:
            raise DocumentNotFoundError(f"no document blob stored for {doc_id!r}") from None

    def delete(self, doc_id: str) -> None:
        self.blobs.pop(doc_id, None)
