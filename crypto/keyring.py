"""The keyring: unwrapped data keys of every purpose and version, in memory only.

Envelope: each data key (DEK) is stored wrapped under the customer's KEK
(:class:`~crypto.ports.KeyProvider`). Before wrapping, the keyring prefixes the
key with its ``purpose``, ``version`` and ``algorithm`` so a wrapped key copied
onto another row of the key table does not unwrap there.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from crypto._aead import Aead, new_aead
from crypto.errors import (
    InvalidCryptoInputError,
    KeyConflictError,
    KeyUnavailableError,
)
from crypto.model import Algorithm, KeyState, KeyStatus, Purpose, WrappedDataKey
from crypto.ports import BlobStorage, DataKeyStore, KeyProvider
from crypto.selftest import ensure_self_test

if TYPE_CHECKING:
    from crypto.blind_index import BlindIndexer
    from crypto.documents import DocumentVault
    from crypto.field import FieldCipher

__all__ = ["Keyring"]

_PAYLOAD_MAGIC = b"sp-dek-1"
_REFRESH_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class DataKey:
    """An unwrapped data key; lives only in process memory."""

    meta: WrappedDataKey
    secret: bytes
    aead: Aead | None  # set for FIELD and DOCUMENT keys

    def __repr__(self) -> str:  # never print the secret
        return f"DataKey({self.meta!r})"


@dataclass(frozen=True)
class _KeySet:
    keys: Mapping[tuple[Purpose, int], DataKey]
    current: Mapping[Purpose, DataKey]


def _payload(meta: WrappedDataKey, secret: bytes) -> bytes:
    header = f"{meta.purpose.value}\x00{meta.version}\x00{meta.algorithm.value}\x00".encode()
    return _PAYLOAD_MAGIC + b"\x00" + header + secret


def _describe(meta: WrappedDataKey) -> str:
    return f"data key {meta.purpose.value} v{meta.version} (kek_id {meta.kek_id})"


def _unwrap(meta: WrappedDataKey, providers: Sequence[KeyProvider]) -> DataKey:
    provider = next((p for p in providers if p.kek_id == meta.kek_id), None)
    if provider is None:
        offered = ", ".join(p.kek_id for p in providers) or "none"
        raise KeyUnavailableError(
            f"{_describe(meta)} is wrapped under a KEK that was not offered "
            f"(offered: {offered}); configure that KEK or finish the KEK rotation"
        )
    try:
        payload = provider.unwrap(meta.wrapped, meta.kek_id)
    except KeyUnavailableError as exc:
        raise KeyUnavailableError(
            f"{_describe(meta)} could not be unwrapped: {exc}", permanent=exc.permanent
        ) from exc
    expected = _payload(meta, b"")
    if payload[: len(expected)] != expected:
        raise KeyUnavailableError(
            f"{_describe(meta)} unwrapped to a key labelled for another purpose, version or "
            "algorithm: the key table was altered"
        )
    secret = payload[len(expected) :]
    if len(secret) != meta.purpose.key_size(meta.algorithm):
        raise KeyUnavailableError(f"{_describe(meta)} has the wrong length")
    aead = None
    if meta.purpose in (Purpose.FIELD, Purpose.DOCUMENT):
        aead = new_aead(meta.algorithm, secret)
    return DataKey(meta=meta, secret=secret, aead=aead)


def _as_providers(
    provider: KeyProvider | Sequence[KeyProvider], extra: Sequence[KeyProvider]
) -> list[KeyProvider]:
    found = [provider] if isinstance(provider, KeyProvider) else list(provider)
    found.extend(extra)
    if not found:
        raise InvalidCryptoInputError("at least one KeyProvider is needed to load the keyring")
    return found


class Keyring:
    """Unwrapped data keys plus the ciphers built on them.

    Build one with :meth:`initialise` (first run) or :meth:`load`; hand out
    :meth:`field_cipher`, :meth:`blind_indexer` and :meth:`document_vault`.
    """

    def __init__(
        self, store: DataKeyStore, providers: Sequence[KeyProvider], keyset: _KeySet
    ) -> None:
        self._store = store
        self._providers = list(providers)
        self._keyset = keyset
        self._versions: dict[Purpose, tuple[_KeySet, list[DataKey]]] = {}
        #: Bumped whenever the loaded keys change, so ciphers can cache the current key.
        self.generation = 0
        self._lock = threading.Lock()
        self._last_refresh = time.monotonic()

    # -- construction -------------------------------------------------------------

    @classmethod
    def initialise(
        cls, store: DataKeyStore, provider: KeyProvider, algorithm: Algorithm
    ) -> Keyring:
        """Create version 1 of every purpose that has no key yet, then load.

        Idempotent, and safe when two processes race (the loser's add is refused
        by the store and it loads the winner's key).
        """
        ensure_self_test(algorithm)
        existing = {k.purpose for k in store.list_keys()}
        for purpose in Purpose:
            if purpose in existing:
                continue
            secret = os.urandom(purpose.key_size(algorithm))
            try:
                store.add_key(_new_wrapped(purpose, 1, algorithm, secret, provider))
            except KeyConflictError:
                continue
        return cls.load(store, provider)

    @classmethod
    def load(
        cls,
        store: DataKeyStore,
        provider: KeyProvider | Sequence[KeyProvider],
        *,
        providers: Sequence[KeyProvider] = (),
    ) -> Keyring:
        """Unwrap every stored key; fail closed if any one cannot be used.

        Offer several providers during a KEK rotation; the first one offered
        wraps keys created later (:meth:`add_version`).
        """
        offered = _as_providers(provider, providers)
        keyset = _build_keyset(store.list_keys(), offered, previous=None)
        return cls(store, offered, keyset)

    def refresh(self) -> None:
        """Pick up key versions added by another process (e.g. ``portal keys rotate``)."""
        with self._lock:
            self.generation += 1
            self._keyset = _build_keyset(
                self._store.list_keys(), self._providers, previous=self._keyset
            )
            self._last_refresh = time.monotonic()

    @property
    def wrapping_provider(self) -> KeyProvider:
        """The KEK that wraps keys made from now on: other secrets the customer's KEK
        guards (the payment attestation key) are wrapped by it too."""
        return self._providers[0]

    # -- lookups used by the ciphers ------------------------------------------------

    def current(self, purpose: Purpose) -> DataKey:
        """The key new data of ``purpose`` is written under."""
        return self._keyset.current[purpose]

    def find(self, purpose: Purpose, version: int) -> DataKey | None:
        """The key ``version`` of ``purpose``, refreshing at most once a second if unknown."""
        found = self._keyset.keys.get((purpose, version))
        if found is not None:
            return found
        if time.monotonic() - self._last_refresh < _REFRESH_INTERVAL_SECONDS:
            return None
        self.refresh()
        return self._keyset.keys.get((purpose, version))

    def versions(self, purpose: Purpose) -> list[DataKey]:
        """Every loaded key of ``purpose``, current first, then newest first (a new list;
        worked out once per loaded key set: blind indexes ask on every lookup)."""
        keyset = self._keyset
        cached = self._versions.get(purpose)
        if cached is None or cached[0] is not keyset:
            current = keyset.current[purpose]
            others = [
                key
                for (p, v), key in sorted(keyset.keys.items(), key=lambda kv: -kv[0][1])
                if p is purpose and key is not current
            ]
            cached = self._versions[purpose] = (keyset, [current, *others])
        return list(cached[1])

    # -- services --------------------------------------------------------------------

    def field_cipher(self) -> FieldCipher:
        from crypto.field import FieldCipher

        return FieldCipher(self)

    def blind_indexer(self) -> BlindIndexer:
        from crypto.blind_index import BlindIndexer

        return BlindIndexer(self)

    def document_vault(self, storage: BlobStorage) -> DocumentVault:
        from crypto.documents import DocumentVault

        return DocumentVault(self, storage)

    # -- lifecycle -------------------------------------------------------------------

    def rotate_kek(self, store: DataKeyStore, new_provider: KeyProvider) -> int:
        """Re-wrap every data key under ``new_provider``; no data is re-encrypted.

        Each key is written on its own, so an interrupted rotation leaves a mix of
        old and new ``kek_id``: load with both providers and run it again. Returns
        how many keys this call re-wrapped (0 when already done).
        """
        probe = os.urandom(32)
        if new_provider.unwrap(new_provider.wrap(probe), new_provider.kek_id) != probe:
            raise KeyUnavailableError(
                f"new KEK {new_provider.kek_id} does not round-trip a test key; nothing changed"
            )
        rewrapped = 0
        providers = [new_provider, *(p for p in self._providers if p.kek_id != new_provider.kek_id)]
        for meta in store.list_keys():
            if meta.kek_id == new_provider.kek_id:
                continue
            known = self._keyset.keys.get((meta.purpose, meta.version))
            secret = known.secret if known is not None else _unwrap(meta, providers).secret
            updated = replace(meta, kek_id=new_provider.kek_id, wrapped=b"")
            wrapped = new_provider.wrap(_payload(updated, secret))
            store.update_key(replace(updated, wrapped=wrapped))
            rewrapped += 1
        self._providers = providers
        self.refresh()
        return rewrapped

    def add_version(
        self, store: DataKeyStore, purpose: Purpose, algorithm: Algorithm | None = None
    ) -> int:
        """Create a new active version of ``purpose``; the previous ones become retired.

        ``algorithm`` defaults to the current one; pass another to migrate (e.g.
        AES-256-GCM to SM4-GCM). The new key is stored before the old one is
        retired, so a crash in between leaves two active keys and the newest wins.
        """
        algorithm = algorithm or self.current(purpose).meta.algorithm
        ensure_self_test(algorithm)
        keys = store.list_keys()
        version = max((k.version for k in keys if k.purpose is purpose), default=0) + 1
        secret = os.urandom(purpose.key_size(algorithm))
        store.add_key(_new_wrapped(purpose, version, algorithm, secret, self._providers[0]))
        for meta in keys:
            if meta.purpose is purpose and meta.state is KeyState.ACTIVE:
                store.update_key(replace(meta, state=KeyState.RETIRED))
        self.refresh()
        return version

    def status(self) -> list[KeyStatus]:
        """Every loaded key, ordered by purpose then version."""
        keyset = self._keyset
        return [
            KeyStatus(
                purpose=k.meta.purpose,
                version=k.meta.version,
                algorithm=k.meta.algorithm,
                state=k.meta.state,
                kek_id=k.meta.kek_id,
                created_at=k.meta.created_at,
                current=keyset.current[k.meta.purpose] is k,
            )
            for k in sorted(
                keyset.keys.values(),
                key=lambda k: (list(Purpose).index(k.meta.purpose), k.meta.version),
            )
        ]

    def __repr__(self) -> str:
        return f"Keyring({len(self._keyset.keys)} keys, KEKs {[p.kek_id for p in self._providers]})"


def _new_wrapped(
    purpose: Purpose, version: int, algorithm: Algorithm, secret: bytes, provider: KeyProvider
) -> WrappedDataKey:
    meta = WrappedDataKey(
        purpose=purpose,
        version=version,
        algorithm=algorithm,
        wrapped=b"",
        kek_id=provider.kek_id,
        state=KeyState.ACTIVE,
        created_at=datetime.now(UTC),
    )
    return replace(meta, wrapped=provider.wrap(_payload(meta, secret)))


def _build_keyset(
    stored: list[WrappedDataKey], providers: Sequence[KeyProvider], previous: _KeySet | None
) -> _KeySet:
    keys: dict[tuple[Purpose, int], DataKey] = {}
    for meta in stored:
        old = previous.keys.get((meta.purpose, meta.version)) if previous else None
        if old is not None and old.meta.algorithm is meta.algorithm:
            # A version's key material never changes; only its state or its KEK wrapping
            # does, so a running instance keeps working across a KEK rotation.
            keys[(meta.purpose, meta.version)] = replace(old, meta=meta)
            continue
        ensure_self_test(meta.algorithm)
        keys[(meta.purpose, meta.version)] = _unwrap(meta, providers)
    current: dict[Purpose, DataKey] = {}
    for purpose in Purpose:
        active = [
            k
            for k in keys.values()
            if k.meta.purpose is purpose and k.meta.state is KeyState.ACTIVE
        ]
        if not active:
            raise KeyUnavailableError(
                f"no active {purpose.value} data key is stored; run `portal keys init` "
                "(or re-activate a retired version)"
            )
        current[purpose] = max(active, key=lambda k: k.meta.version)
    return _KeySet(keys=keys, current=current)
