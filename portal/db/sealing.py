"""Sealing sensitive values on their way to the database and back.

Application code hands plaintext to the stores; only ciphertext tokens bound
to (table, column, row id) and blind indexes reach SQL. A token that does not
open (corrupted, or under a key that is gone) is reported for that one field
while the rest of the record stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass

from crypto import BlindIndexer, FieldCipher, FieldDecryptionError


@dataclass(frozen=True)
class Opened:
    """A decrypted value, or the reason it could not be decrypted."""

    value: str | None
    error: str | None = None


class Sealer:
    """Encrypts, decrypts and blind-indexes field values."""

    def __init__(self, cipher: FieldCipher, indexer: BlindIndexer) -> None:
        self.cipher = cipher
        self.indexer = indexer

    def seal(self, table: str, column: str, row_id: str, value: str | None) -> str | None:
        """Encrypt ``value`` for this exact table, column and row."""
        if value is None:
            return None
        return self.cipher.encrypt(value, table=table, column=column, row_id=row_id)

    def seal_cell(self, table: str, column: str, row_id: str, value: str | None) -> bytes | None:
        """Encrypt ``value`` for a binary (``BLOB``/``bytea``) column of this exact row."""
        if value is None:
            return None
        return self.cipher.encrypt_bytes(value, table=table, column=column, row_id=row_id)

    def open(self, table: str, column: str, row_id: str, token: str | bytes | None) -> Opened:
        """Decrypt a token of either form; a failure is returned, not raised."""
        if token is None:
            return Opened(None)
        try:
            if isinstance(token, bytes):
                clear = self.cipher.decrypt_bytes(token, table=table, column=column, row_id=row_id)
            else:
                clear = self.cipher.decrypt(token, table=table, column=column, row_id=row_id)
            return Opened(clear)
        except FieldDecryptionError as exc:
            return Opened(None, str(exc))

    def index(self, kind: str, value: str | None) -> str | None:
        """Blind index of a normalised value (None stays None)."""
        return None if value is None else self.indexer.index(kind, value)

    def candidates(self, kind: str, value: str) -> list[str]:
        """Index values of every live key version, for lookups during rotation."""
        return self.indexer.candidates(kind, value)

    def remembering(self) -> Sealer:
        """A sealer for one batch that computes each blind index once: the indexes a
        screen probed with are the ones its rows are stored with. Drop it with the batch
        (it holds the values it indexed)."""
        return _RememberingSealer(self.cipher, self.indexer)


class _RememberingSealer(Sealer):
    """:meth:`Sealer.remembering`: indexes kept by (kind, value), current key first."""

    def __init__(self, cipher: FieldCipher, indexer: BlindIndexer) -> None:
        super().__init__(cipher, indexer)
        self._seen: dict[tuple[str, str], list[str]] = {}

    def index(self, kind: str, value: str | None) -> str | None:
        if value is None:
            return None
        return self.candidates(kind, value)[0]

    def candidates(self, kind: str, value: str) -> list[str]:
        found = self._seen.get((kind, value))
        if found is None:
            found = self._seen[(kind, value)] = self.indexer.candidates(kind, value)
        return list(found)
