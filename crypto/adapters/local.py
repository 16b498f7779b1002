"""A KEK held in a local file or an environment variable (never in the database).

The file holds 32 random bytes, base64-encoded, and must be readable by its owner
only (mode 0600 or 0400); use :func:`generate_key_file` (``portal keys init``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import InvalidCryptoInputError, KeyFileInsecureError, KeyUnavailableError

__all__ = ["KEK_ENV", "KEK_FILE_ENV", "LocalKeyProvider", "generate_key_file"]

KEK_FILE_ENV = "PORTAL_KEK_FILE"
KEK_ENV = "PORTAL_KEK"
_KEK_SIZE = 32
_FORMAT = b"\x01"
_HOW_TO_FIX = (
    f"set {KEK_FILE_ENV} to the KEK file, or {KEK_ENV} to the base64 KEK, "
    "or create one with `portal keys init`"
)


def _decode(text: bytes, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyUnavailableError(f"KEK in {source} is not valid base64") from exc
    if len(key) != _KEK_SIZE:
        raise KeyUnavailableError(
            f"KEK in {source} is {len(key)} bytes; a KEK is {_KEK_SIZE} random bytes"
        )
    return key


class LocalKeyProvider:
    """AES-256-GCM key wrapping under a 32-byte KEK from a file or the environment.

    >>> provider = LocalKeyProvider(bytes(32))
    >>> provider.kek_id
    'local:03a61e85ef5380f7'
    >>> provider.unwrap(provider.wrap(b"data key"), provider.kek_id)
    b'data key'
    """

    def __init__(self, kek: bytes) -> None:
        if len(kek) != _KEK_SIZE:
            raise InvalidCryptoInputError(f"a KEK is {_KEK_SIZE} bytes, got {len(kek)}")
        self._aead = AESGCM(kek)
        self._kek_id = "local:" + hashlib.sha256(b"sp-kek-id\x00" + kek).hexdigest()[:16]

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> LocalKeyProvider:
        """Read the KEK from ``path``; refuses files that group or others can read."""
        location = Path(path)
        try:
            fd = os.open(location, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError as exc:
            raise KeyUnavailableError(f"KEK file {location} not found: {_HOW_TO_FIX}") from exc
        except OSError as exc:
            raise KeyUnavailableError(f"KEK file {location} cannot be opened: {exc}") from exc
        with os.fdopen(fd, "rb") as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
            if mode & 0o077:
                raise KeyFileInsecureError(
                    f"KEK file {location} is readable or writable by group/others (mode "
                    f"{mode:04o}); run `chmod 600 {location}` and rotate the KEK if other "
                    "users may have read it"
                )
            return cls(_decode(handle.read(), f"file {location}"))

    @classmethod
    def from_base64(cls, value: str, source: str = "the KEK") -> LocalKeyProvider:
        """A KEK given as base64 text (``source`` names where it came from in errors)."""
        return cls(_decode(value.encode(), source))

    @classmethod
    def from_env(cls, name: str, environ: Mapping[str, str]) -> LocalKeyProvider:
        """Read a base64 KEK from the variable ``name`` of ``environ`` (the caller reads
        the environment; this package never does)."""
        value = environ.get(name)
        if not value:
            raise KeyUnavailableError(f"environment variable {name} is not set: {_HOW_TO_FIX}")
        return cls.from_base64(value, f"${name}")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> LocalKeyProvider:
        """``PORTAL_KEK_FILE`` of ``environ`` if set, else ``PORTAL_KEK``."""
        if environ.get(KEK_FILE_ENV):
            return cls.from_file(environ[KEK_FILE_ENV])
        return cls.from_env(KEK_ENV, environ)

    @property
    def kek_id(self) -> str:
        """``local:`` + 64 bits of a hash of the KEK (identifies it, reveals nothing)."""
        return self._kek_id

    def wrap(self, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return _FORMAT + nonce + self._aead.encrypt(nonce, key, self._kek_id.encode())

    def unwrap(self, wrapped: bytes, kek_id: str) -> bytes:
        if kek_id != self._kek_id:
            raise KeyUnavailableError(
                f"wrapped under KEK {kek_id}, but this local KEK is {self._kek_id}"
            )
        if wrapped[:1] != _FORMAT or len(wrapped) < 1 + 12 + 16:
            raise KeyUnavailableError("wrapped key is not in the local KEK format")
        try:
            return self._aead.decrypt(wrapped[1:13], wrapped[13:], self._kek_id.encode())
        except InvalidTag as exc:
            raise KeyUnavailableError(
                f"local KEK {self._kek_id} does not unwrap it: the wrapped key was altered"
            ) from exc

    def __repr__(self) -> str:
        return f"LocalKeyProvider({self._kek_id})"


def generate_key_file(path: str | os.PathLike[str]) -> LocalKeyProvider:
    """Write a new random KEK to ``path`` with mode 0600; never overwrites a file."""
    location = Path(path)
    kek = os.urandom(_KEK_SIZE)
    try:
        fd = os.open(location, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise InvalidCryptoInputError(
            f"KEK file {location} already exists; refusing to overwrite a key"
        ) from exc
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # the umask may have widened nothing, but be sure
        handle.write(base64.b64encode(kek) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return LocalKeyProvider(kek)
