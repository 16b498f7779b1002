"""Blind indexes: keyed hashes that let the database find equal values.

``index(kind, value)`` is ``"<key version>:" + base64url(first 16 bytes of
HMAC(K_kind, value))`` where ``K_kind = HMAC(K_blind_index, "sp-blind-index|" + kind)``.
The MAC is HMAC-SHA256, or HMAC-SM3 when the BLIND_INDEX key is an SM4 deployment key.
See docs/crypto.md for the leakage trade-off of keeping 128 bits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from typing import TYPE_CHECKING, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from crypto.errors import InvalidCryptoInputError
from crypto.model import Algorithm, Purpose

if TYPE_CHECKING:
    from crypto.keyring import DataKey, Keyring

__all__ = ["INDEX_BYTES", "BlindIndexer"]

INDEX_BYTES = 16
_KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")


class _Mac(Protocol):
    def __call__(self, message: bytes) -> bytes: ...


def _mac_factory(algorithm: Algorithm, key: bytes) -> _Mac:
    if algorithm is Algorithm.SM4_GCM:

        def sm3(message: bytes) -> bytes:
            mac = crypto_hmac.HMAC(key, hashes.SM3())
            mac.update(message)
            return mac.finalize()

        return sm3
    template = hmac.new(key, digestmod=hashlib.sha256)

    def sha256(message: bytes) -> bytes:
        mac = template.copy()
        mac.update(message)
        return mac.digest()

    return sha256


class BlindIndexer:
    """Computes blind indexes; obtained from :meth:`Keyring.blind_indexer`."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._macs: dict[tuple[int, str], _Mac] = {}
        self._lock = threading.Lock()

    def index(self, kind: str, normalised_value: str) -> str:
        """Index ``normalised_value`` (already compacted, e.g. by python-stdnum) of ``kind``."""
        return self._index(self._keyring.current(Purpose.BLIND_INDEX), kind, normalised_value)

    def candidates(self, kind: str, normalised_value: str) -> list[str]:
        """Indexes under every loaded key version, current first: use in ``WHERE idx IN``
        while rows are being re-indexed after a BLIND_INDEX key rotation."""
        return [
            self._index(key, kind, normalised_value)
            for key in self._keyring.versions(Purpose.BLIND_INDEX)
        ]

    def needs_reindexing(self, index: str) -> bool:
        """True when ``index`` was computed under an older BLIND_INDEX key."""
        version, _, _ = index.partition(":")
        return version != str(self._keyring.current(Purpose.BLIND_INDEX).meta.version)

    def _index(self, key: DataKey, kind: str, value: str) -> str:
        if not value:
            raise InvalidCryptoInputError(f"cannot blind-index an empty {kind[:70]}")
        mac = self._macs.get((key.meta.version, kind))
        if mac is None:  # a kind is checked once, when its key is derived
            if not _KIND.fullmatch(kind):
                raise InvalidCryptoInputError(
                    f"blind-index kind {kind[:70]!r} is not a lower_snake name"
                )
            mac = self._derive(key, kind)
        digest = mac(value.encode())[:INDEX_BYTES]
        return f"{key.meta.version}:{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"

    def _derive(self, key: DataKey, kind: str) -> _Mac:
        root = _mac_factory(key.meta.algorithm, key.secret)
        mac = _mac_factory(key.meta.algorithm, root(f"sp-blind-index|{kind}".encode()))
        with self._lock:
            self._macs[(key.meta.version, kind)] = mac
        return mac
