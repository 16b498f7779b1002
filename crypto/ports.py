"""Ports: what the crypto core needs from the outside world.

Adapters live in :mod:`crypto.adapters`; in-memory fakes in :mod:`crypto.fakes`.
Every adapter translates its library's exceptions into :mod:`crypto.errors`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, Protocol, runtime_checkable

from crypto.model import WrappedDataKey

__all__ = ["BlobStorage", "DataKeyStore", "KeyProvider"]


@runtime_checkable
class KeyProvider(Protocol):
    """Holds a key-encryption key (KEK) that the customer controls.

    ``wrap`` encrypts a short secret under the KEK with an authenticated cipher;
    ``unwrap`` reverses it and raises :class:`~crypto.errors.KeyUnavailableError`
    when ``kek_id`` is not this provider's KEK, when authentication fails (wrong
    KEK or altered bytes) or when the key service is unreachable
    (``permanent=False``). The KEK itself never leaves the provider.
    """

    @property
    def kek_id(self) -> str:
        """Stable, non-secret identifier of the KEK (e.g. a fingerprint or HSM label)."""
        ...

    def wrap(self, key: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, kek_id: str) -> bytes: ...


@runtime_checkable
class DataKeyStore(Protocol):
    """Persists wrapped data keys (the SQL adapter lives in ``portal``).

    ``add_key`` raises :class:`~crypto.errors.KeyConflictError` when the
    ``(purpose, version)`` pair already exists; ``update_key`` replaces the row
    matched on ``(purpose, version)`` and raises
    :class:`~crypto.errors.KeyStoreError` when there is none. Each call must be
    durable on return (its own transaction) so that rotations are crash-safe.
    """

    def list_keys(self) -> list[WrappedDataKey]: ...

    def add_key(self, key: WrappedDataKey) -> None: ...

    def update_key(self, key: WrappedDataKey) -> None: ...


@runtime_checkable
class BlobStorage(Protocol):
    """Stores opaque encrypted document blobs by document id.

    ``put`` consumes ``chunks`` one at a time and must not expose a partial
    blob (write, then publish atomically). ``open`` returns a readable binary
    stream and raises :class:`~crypto.errors.DocumentNotFoundError` for an
    unknown id. ``delete`` of an unknown id is a no-op.
    """

    def put(self, doc_id: str, chunks: Iterable[bytes]) -> None: ...

    def open(self, doc_id: str) -> BinaryIO: ...

    def delete(self, doc_id: str) -> None: ...
