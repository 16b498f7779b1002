"""Field-level encryption of short strings (bank accounts, ID numbers, phones).

Token (ASCII, fits a VARCHAR)::

    v1:<algorithm>:<key version>:<base64(nonce || ciphertext || tag)>

Binary form, for ``BLOB``/``bytea`` columns (no base64 to build or parse)::

    0x01 | algorithm code (1) | key version (4, big-endian) | nonce 12 || ciphertext || tag

Both forms carry the same ciphertext under the same AAD: the additional
authenticated data binds the token header (as ``v1:<algorithm>:<version>``)
and the cell the value belongs to (table, column, row id), so a ciphertext
copied to another row or column, or given another key version, fails to
decrypt, and a token converts between the two forms without a key
(:func:`to_binary`, :func:`to_text`).
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, overload

from crypto._aead import NONCE_SIZE, TAG_SIZE, AuthenticationFailed
from crypto.errors import CryptoError, DecryptionFailure, FieldDecryptionError
from crypto.model import Algorithm, Purpose

if TYPE_CHECKING:
    from crypto.keyring import DataKey, Keyring

__all__ = ["FieldCipher", "to_binary", "to_text"]

_FORMAT = "v1"
_ALGORITHMS = {a.value: a for a in Algorithm}
_BINARY_FORMAT = 1
_ALGORITHM_CODES = {Algorithm.AES_256_GCM: 1, Algorithm.SM4_GCM: 2}
_CODE_ALGORITHMS = {code: a for a, code in _ALGORITHM_CODES.items()}
_BIN_HEADER = 6
_FIELD = Purpose.FIELD
_MIN_RAW = NONCE_SIZE + TAG_SIZE
_urandom = os.urandom
_b2a = binascii.b2a_base64
_a2b = binascii.a2b_base64


class _Prepared:
    """Per key version, built once: what the hot path needs, nothing to look up.

    A slotted class rather than a NamedTuple: attribute reads are the hot path.
    """

    __slots__ = ("aad_prefix", "bin_header", "cells", "decrypt", "encrypt", "header", "key")

    def __init__(self, key: DataKey) -> None:
        assert key.aead is not None
        header = f"{_FORMAT}:{key.meta.algorithm.value}:{key.meta.version}"
        self.key = key
        self.header = header + ":"  # "v1:A256GCM:3:"
        self.bin_header = _binary_header(key.meta.algorithm, key.meta.version)
        self.aad_prefix = f"sp-field|{header}|"
        self.encrypt: Callable[[bytes, bytes, bytes], bytes] = key.aead.encrypt
        self.decrypt: Callable[[bytes, bytes, bytes], bytes] = key.aead.decrypt
        #: (table, column) -> the AAD up to the row id
        self.cells: dict[tuple[str, str], bytes] = {}


_prepare = _Prepared


def _cell(prepared: _Prepared, table: str, column: str) -> bytes:
    """The AAD up to the row id (which ends it): the netstring-style lengths of table and
    column keep it unambiguous for any cell coordinates."""
    cell = f"{prepared.aad_prefix}{len(table)}:{table}{len(column)}:{column}".encode()
    if len(prepared.cells) < 4096:  # a handful of sealed columns; bounded all the same
        prepared.cells[(table, column)] = cell
    return cell


class FieldCipher:
    """Encrypts and decrypts single values; obtained from :meth:`Keyring.field_cipher`."""

    __slots__ = ("_by_binary", "_by_header", "_current", "_generation", "_keyring")

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._current: _Prepared | None = None
        self._generation = -1
        self._by_header: dict[str, _Prepared] = {}
        self._by_binary: dict[bytes, _Prepared] = {}

    def encrypt(self, plaintext: str, *, table: str, column: str, row_id: str) -> str:
        """Encrypt under the current FIELD key; a fresh random nonce every call."""
        prepared = self._current
        if prepared is None or self._generation != self._keyring.generation:
            prepared = self._refresh_current()
        cell = prepared.cells.get((table, column)) or _cell(prepared, table, column)
        nonce = _urandom(NONCE_SIZE)
        sealed = nonce + prepared.encrypt(nonce, plaintext.encode(), cell + row_id.encode())
        return prepared.header + _b2a(sealed, newline=False).decode()

    def decrypt(self, token: str, *, table: str, column: str, row_id: str) -> str:
        """Decrypt ``token`` stored in ``table.column`` of ``row_id``.

        Raises :class:`FieldDecryptionError` saying whether the token is not ours,
        its key is missing, or it was altered / moved; never returns garbage.
        """
        head, _, body = token.rpartition(":")
        prepared = self._by_header.get(head)
        if prepared is None:
            parts = token.split(":")
            if len(parts) != 4 or parts[0] != _FORMAT:
                raise _malformed(f"not a {_FORMAT} field token", table, column, row_id)
        try:
            raw = _a2b(body, strict_mode=True)
        except ValueError as exc:  # binascii.Error, and non-ASCII text
            raise _malformed("ciphertext is not base64", table, column, row_id) from exc
        if len(raw) < _MIN_RAW:
            raise _malformed("ciphertext too short", table, column, row_id)
        if prepared is None:
            prepared = self._lookup(parts[1], parts[2], table, column, row_id)
        cell = prepared.cells.get((table, column)) or _cell(prepared, table, column)
        try:
            return prepared.decrypt(
                raw[:NONCE_SIZE], raw[NONCE_SIZE:], cell + row_id.encode()
            ).decode()
        except AuthenticationFailed as exc:
            raise _altered(table, column, row_id) from exc

    def encrypt_bytes(self, plaintext: str, *, table: str, column: str, row_id: str) -> bytes:
        """:meth:`encrypt`, as a binary token for a ``BLOB``/``bytea`` column."""
        prepared = self._current
        if prepared is None or self._generation != self._keyring.generation:
            prepared = self._refresh_current()
        cell = prepared.cells.get((table, column)) or _cell(prepared, table, column)
        nonce = _urandom(NONCE_SIZE)
        return (
            prepared.bin_header
            + nonce
            + prepared.encrypt(nonce, plaintext.encode(), cell + row_id.encode())
        )

    def decrypt_bytes(self, token: bytes, *, table: str, column: str, row_id: str) -> str:
        """:meth:`decrypt` of a binary token; the same errors."""
        prepared = self._by_binary.get(token[:_BIN_HEADER])
        if prepared is None:
            prepared = self._lookup_binary(token, table, column, row_id)
        if len(token) < _BIN_HEADER + _MIN_RAW:
            raise _malformed("ciphertext too short", table, column, row_id)
        cell = prepared.cells.get((table, column)) or _cell(prepared, table, column)
        try:
            return prepared.decrypt(
                token[_BIN_HEADER : _BIN_HEADER + NONCE_SIZE],
                token[_BIN_HEADER + NONCE_SIZE :],
                cell + row_id.encode(),
            ).decode()
        except AuthenticationFailed as exc:
            raise _altered(table, column, row_id) from exc

    def decrypt_any(self, token: str | bytes, *, table: str, column: str, row_id: str) -> str:
        """Decrypt a token in either form."""
        if isinstance(token, bytes):
            return self.decrypt_bytes(token, table=table, column=column, row_id=row_id)
        return self.decrypt(token, table=table, column=column, row_id=row_id)

    def _refresh_current(self) -> _Prepared:
        """The current FIELD key, prepared; rebuilt only when the keyring changed it
        (kept off the hot path, which checks the generation inline)."""
        self._generation = self._keyring.generation
        key = self._keyring.current(_FIELD)
        prepared = self._current
        if prepared is None or prepared.key is not key:
            prepared = self._current = _prepare(key)
        return prepared

    def _lookup_binary(self, token: bytes, table: str, column: str, row_id: str) -> _Prepared:
        algorithm, version = _parse_binary_header(token, table, column, row_id)
        prepared = self._lookup(algorithm.value, str(version), table, column, row_id)
        self._by_binary[prepared.bin_header] = prepared
        return prepared

    @property
    def algorithm(self) -> Algorithm:
        """The algorithm new values are written under (the deployment's profile)."""
        return self._keyring.current(_FIELD).meta.algorithm

    def key_version(self, token: str | bytes) -> int:
        """The FIELD key version a token (either form) was written under.

        >>> FieldCipher.__new__(FieldCipher).key_version("v1:A256GCM:3:" + "A" * 40)
        3
        >>> FieldCipher.__new__(FieldCipher).key_version(to_binary("v1:A256GCM:3:" + "A" * 40))
        3
        """
        return _parse_any(token)[1]

    def needs_reencryption(self, token: str | bytes) -> bool:
        """True when ``token`` is not under the current FIELD key (version or algorithm)."""
        algorithm, version = _parse_any(token)
        current = self._keyring.current(Purpose.FIELD).meta
        return version != current.version or algorithm is not current.algorithm

    @overload
    def reencrypt(self, token: str, *, table: str, column: str, row_id: str) -> str: ...
    @overload
    def reencrypt(self, token: bytes, *, table: str, column: str, row_id: str) -> bytes: ...
    def reencrypt(self, token: str | bytes, *, table: str, column: str, row_id: str) -> str | bytes:
        """Return ``token`` re-encrypted under the current key (in its own form), or
        unchanged if it is."""
        if not self.needs_reencryption(token):
            return token
        clear = self.decrypt_any(token, table=table, column=column, row_id=row_id)
        if isinstance(token, bytes):
            return self.encrypt_bytes(clear, table=table, column=column, row_id=row_id)
        return self.encrypt(clear, table=table, column=column, row_id=row_id)

    def _lookup(
        self, alg_name: str, version_text: str, table: str, column: str, row_id: str
    ) -> _Prepared:
        where = {"table": table, "column": column, "row_id": row_id}
        algorithm, version = _parse_header(f"{_FORMAT}:{alg_name}:{version_text}:", where)
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
        prepared = _prepare(key)
        self._by_header[prepared.header[:-1]] = prepared  # key material never changes
        return prepared


def _altered(table: str, column: str, row_id: str) -> FieldDecryptionError:
    return FieldDecryptionError(
        DecryptionFailure.CORRUPT,
        "authentication failed: the value was altered, or it belongs to another row or column",
        table=table,
        column=column,
        row_id=row_id,
    )


def _malformed(detail: str, table: str, column: str, row_id: str) -> FieldDecryptionError:
    return FieldDecryptionError(
        DecryptionFailure.MALFORMED, detail, table=table, column=column, row_id=row_id
    )


def _parse_header(token: str, where: dict[str, str] | None = None) -> tuple[Algorithm, int]:
    where = where or {}
    parts = token.split(":")
    if len(parts) != 4 or parts[0] != _FORMAT:
        raise FieldDecryptionError(
            DecryptionFailure.MALFORMED, f"not a {_FORMAT} field token", **where
        )
    algorithm = _ALGORITHMS.get(parts[1])
    if algorithm is None:
        raise FieldDecryptionError(
            DecryptionFailure.MALFORMED, f"unknown algorithm {parts[1][:16]!r}", **where
        )
    text = parts[2]
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or str(int(text)) != text:
        raise FieldDecryptionError(DecryptionFailure.MALFORMED, "bad key version", **where)
    return algorithm, int(text)


def _binary_header(algorithm: Algorithm, version: int) -> bytes:
    return bytes((_BINARY_FORMAT, _ALGORITHM_CODES[algorithm])) + version.to_bytes(4, "big")


def _parse_binary_header(
    token: bytes, table: str = "", column: str = "", row_id: str = ""
) -> tuple[Algorithm, int]:
    if len(token) < _BIN_HEADER or token[0] != _BINARY_FORMAT:
        raise _malformed("not a binary v1 field token", table, column, row_id)
    algorithm = _CODE_ALGORITHMS.get(token[1])
    if algorithm is None:
        raise _malformed(f"unknown algorithm code {token[1]}", table, column, row_id)
    return algorithm, int.from_bytes(token[2:_BIN_HEADER], "big")


def _parse_any(token: str | bytes) -> tuple[Algorithm, int]:
    if isinstance(token, bytes):
        return _parse_binary_header(token)
    return _parse_header(token)


def to_binary(token: str) -> bytes:
    """The binary form of a text token (same ciphertext; no key needed).

    >>> to_binary("v1:SM4GCM:2:" + "AAAA")
    b'\\x01\\x02\\x00\\x00\\x00\\x02\\x00\\x00\\x00'
    >>> to_text(to_binary("v1:A256GCM:7:QUJD"))
    'v1:A256GCM:7:QUJD'
    """
    algorithm, version = _parse_header(token)
    body = token.rpartition(":")[2]
    try:
        raw = _a2b(body, strict_mode=True)
    except ValueError as exc:
        raise FieldDecryptionError(DecryptionFailure.MALFORMED, "ciphertext is not base64") from exc
    return _binary_header(algorithm, version) + raw


def to_text(token: bytes) -> str:
    """The text form of a binary token (same ciphertext; no key needed)."""
    algorithm, version = _parse_binary_header(token)
    body = _b2a(token[_BIN_HEADER:], newline=False).decode()
    return f"{_FORMAT}:{algorithm.value}:{version}:{body}"
