"""Thin, cached wrappers over the two AEAD primitives.

One :class:`Aead` is built per data key version and reused: ``AESGCM`` keeps its
expanded key, so no key set-up happens per call.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import InvalidCryptoInputError
from crypto.model import Algorithm

NONCE_SIZE = 12
TAG_SIZE = 16

__all__ = ["NONCE_SIZE", "TAG_SIZE", "Aead", "AuthenticationFailed", "new_aead"]


# Raised by both ciphers when a tag does not verify; never escapes the package.
AuthenticationFailed = InvalidTag


class Aead:
    """AEAD with a 96-bit nonce and a 128-bit tag appended to the ciphertext."""

    algorithm: Algorithm
    #: ``encrypt(nonce, data, aad) -> ciphertext || tag``; each cipher provides it.
    encrypt: Callable[[bytes, bytes, bytes], bytes]
    #: ``decrypt(nonce, ciphertext || tag, aad) -> data``; raises AuthenticationFailed.
    decrypt: Callable[[bytes, bytes, bytes], bytes]

    def seal(self, data: bytes, aad: bytes) -> bytes:
        """Encrypt under a fresh random nonce; returns ``nonce || ciphertext || tag``."""
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self.encrypt(nonce, data, aad)

    def open(self, sealed: bytes, aad: bytes) -> bytes:
        """Reverse :meth:`seal`; raises :class:`AuthenticationFailed`."""
        if len(sealed) < NONCE_SIZE + TAG_SIZE:
            raise AuthenticationFailed("sealed value is too short")
        return self.decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], aad)


class _AesGcm(Aead):
    algorithm = Algorithm.AES_256_GCM

    def __init__(self, key: bytes) -> None:
        cipher = AESGCM(key)
        # Bound C methods: no Python frame between callers and OpenSSL on the hot path.
        self.encrypt = cipher.encrypt
        self.decrypt = cipher.decrypt


class _Sm4Gcm(Aead):
    algorithm = Algorithm.SM4_GCM

    def __init__(self, key: bytes) -> None:
        self._algorithm = algorithms.SM4(key)

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        encryptor = Cipher(self._algorithm, modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        body = encryptor.update(data) + encryptor.finalize()
        return body + encryptor.tag

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        if len(data) < TAG_SIZE:
            raise AuthenticationFailed("ciphertext is shorter than a tag")
        decryptor = Cipher(self._algorithm, modes.GCM(nonce, data[-TAG_SIZE:])).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(data[:-TAG_SIZE]) + decryptor.finalize()


def new_aead(algorithm: Algorithm, key: bytes) -> Aead:
    """Build the cipher for ``algorithm``; the key length must match it."""
    if len(key) != algorithm.key_size:
        raise InvalidCryptoInputError(
            f"{algorithm.value} needs a {algorithm.key_size}-byte key, got {len(key)} bytes"
        )
    if algorithm is Algorithm.AES_256_GCM:
        return _AesGcm(key)
    return _Sm4Gcm(key)


def length_prefixed(*parts: str | bytes) -> bytes:
    """Unambiguous concatenation: ``("ab", "c")`` and ``("a", "bc")`` differ.

    >>> length_prefixed("ab", "c") != length_prefixed("a", "bc")
    True
    """
    out = bytearray()
    for part in parts:
        raw = part.encode() if isinstance(part, str) else part
        out += len(raw).to_bytes(4, "big")
        out += raw
    return bytes(out)
