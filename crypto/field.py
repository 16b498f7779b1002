"""Field-level encryption of short strings (bank accounts, ID numbers, phones).

Token (ASCII, fits a VARCHAR)::

    v1:<algorithm>:<key version>:<base64url(nonce || ciphertext || tag)>

The additional authenticated data binds the token header and the cell the
value belongs to (table, column, row id), so a ciphertext copied to another
row or column, or given another key version, fails to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import TYPE_CHECKING

from crypto._aead import NONCE_SIZE, TAG_SIZE, AuthenticationFailed
from crypto.errors import CryptoError, DecryptionFailure, FieldDecryptionError
from crypto.model import Algorithm, Purpose

if TYPE_CHECKING:
    from crypto.keyring import Keyring

__all__ = ["FieldCipher"]

_FORMAT = "v1"
_FROM_URLSAFE = str.maketrans("-_", "+/")
_ALGORITHMS = {a.value: a for a in Algorithm}


def _aad(header: str, table: str, column: str, row_id: str) -> bytes:
    # Netstring-style lengths make the encoding unambiguous for any cell coordinates.
    return (
        f"sp-field|{header}|{len(table)}:{table}{len(column)}:{column}{len(row_id)}:{row_id}"
    ).encode()


class FieldCipher:
    """Encrypts and decrypts single values; obtained from :meth:`Keyring.field_cipher`."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    def encrypt(self, plaintext: str, *, table: str, column: str, row_id: str) -> str:
        """Encrypt under the current FIELD key; a fresh nonce every call."""
        key = self._keyring.current(Purpose.FIELD)
        meta = key.meta
        header = f"{_FORMAT}:{meta.algorithm.value}:{meta.version}"
        nonce = os.urandom(NONCE_SIZE)
        assert key.aead is not None
        sealed = key.aead.encrypt(nonce, plaintext.encode(), _aad(header, table, column, row_id))
        body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()
        return f"{header}:{body}"

    def decrypt(self, token: str, *, table: str, column: str, row_id: str) -> str:
        """Decrypt ``token`` stored in ``table.column`` of ``row_id``.

        Raises :class:`FieldDecryptionError` saying whether the token is not ours,
        its key is missing, or it was altered / moved; never returns garbage.
        """
        where = {"table": table, "column": column, "row_id": row_id}
        algorithm, version, raw = _parse(token, where)
        try:
            key = self._keyring.find(Purpose.FIELD, version)
        except CryptoError as exc:
            raise FieldDecryptionError(
                DecryptionFailure.KEY_MISSING,
                f"field key v{version} is not loaded and the key store could not be read: {exc}",
                **where,
            ) from exc
        if key is None:
            raise FieldDecryptionError(
                DecryptionFailure.KEY_MISSING,
                f"field key v{version} is not in the keyring (deleted, or from another deployment)",
                **where,
            )
        if key.meta.algorithm is not algorithm or key.aead is None:
            raise FieldDecryptionError(
                DecryptionFailure.CORRUPT,
                f"token says {algorithm.value} but field key v{version} is "
                f"{key.meta.algorithm.value}",
                **where,
            )
        header = token[: token.rindex(":")]
        try:
            clear = key.aead.decrypt(
                raw[:NONCE_SIZE], raw[NONCE_SIZE:], _aad(header, table, column, row_id)
            )
        except AuthenticationFailed as exc:
            raise FieldDecryptionError(
                DecryptionFailure.CORRUPT,
                "authentication failed: the value was altered, or it belongs to another "
                "row or column",
                **where,
            ) from exc
        return clear.decode()

    def key_version(self, token: str) -> int:
        """The FIELD key version a token was written under.

        >>> FieldCipher.__new__(FieldCipher).key_version("v1:A256GCM:3:" + "A" * 40)
        3
        """
        return _parse(token, {})[1]

    def needs_reencryption(self, token: str) -> bool:
        """True when ``token`` is not under the current FIELD key (version or algorithm)."""
        algorithm, version, _ = _parse(token, {})
        current = self._keyring.current(Purpose.FIELD).meta
        return version != current.version or algorithm is not current.algorithm

    def reencrypt(self, token: str, *, table: str, column: str, row_id: str) -> str:
        """Return ``token`` re-encrypted under the current key, or unchanged if it is."""
        if not self.needs_reencryption(token):
            return token
        clear = self.decrypt(token, table=table, column=column, row_id=row_id)
        return self.encrypt(clear, table=table, column=column, row_id=row_id)


def _parse(token: str, where: dict[str, str]) -> tuple[Algorithm, int, bytes]:
    parts = token.split(":")
    if len(parts) != 4 or parts[0] != _FORMAT:
        raise FieldDecryptionError(
            DecryptionFailure.MALFORMED, f"not a {_FORMAT} field token", **where
        )
    _, alg_name, version_text, body = parts
    algorithm = _ALGORITHMS.get(alg_name)
    if algorithm is None:
        raise FieldDecryptionError(
            DecryptionFailure.MALFORMED, f"unknown algorithm {alg_name[:16]!r}", **where
        )
    if not (version_text.isascii() and version_text.isdigit()) or len(version_text) > 9:
        raise FieldDecryptionError(DecryptionFailure.MALFORMED, "bad key version", **where)
    try:
        raw = binascii.a2b_base64(
            (body + "=" * (-len(body) % 4)).translate(_FROM_URLSAFE), strict_mode=True
        )
    except (binascii.Error, ValueError) as exc:
        raise FieldDecryptionError(
            DecryptionFailure.MALFORMED, "ciphertext is not base64url", **where
        ) from exc
    if len(raw) < NONCE_SIZE + TAG_SIZE:
        raise FieldDecryptionError(DecryptionFailure.MALFORMED, "ciphertext too short", **where)
    return algorithm, int(version_text), raw
