"""Errors raised by the crypto package.

Every error carries ``permanent``: ``True`` when retrying the same call cannot
help (wrong key, corrupt data, bad configuration), ``False`` when it might
(an HSM or key store that is temporarily unreachable).

::

    CryptoError
    ├── KeyUnavailableError          a data key or the KEK cannot be used
    │   └── KeyFileInsecureError     the KEK file is readable by group/others
    ├── KeyStoreError                the DataKeyStore failed (retryable by default)
    │   └── KeyConflictError         add_key for a (purpose, version) that exists
    ├── FieldDecryptionError         a field token does not decrypt (also ValueError)
    ├── DocumentIntegrityError       a stored document is truncated, reordered or altered
    ├── DocumentNotFoundError        no blob is stored under that document id
    ├── BlobStoreUnavailableError    the document store did not answer (retryable)
    ├── SelfTestError                a known-answer test failed; refuse to run
    ├── RevealDeniedError            the caller's role may not see the clear value
    └── InvalidCryptoInputError      a caller passed a malformed argument (also ValueError)

No message ever contains key material or a clear-text value.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "BlobStoreUnavailableError",
    "CryptoError",
    "DecryptionFailure",
    "DocumentIntegrityError",
    "DocumentNotFoundError",
    "FieldDecryptionError",
    "InvalidCryptoInputError",
    "KeyConflictError",
    "KeyFileInsecureError",
    "KeyStoreError",
    "KeyUnavailableError",
    "RevealDeniedError",
    "SelfTestError",
]


class CryptoError(Exception):
    """Base of every error raised by :mod:`crypto`."""

    permanent: bool = True

    def __init__(self, message: str, *, permanent: bool | None = None) -> None:
        super().__init__(message)
        if permanent is not None:
            self.permanent = permanent


class KeyUnavailableError(CryptoError):
    """A key cannot be loaded, unwrapped or used.

    Permanent when the key is wrong, missing or revoked; retryable when the
    key service could not be reached.
    """


class KeyFileInsecureError(KeyUnavailableError):
    """The local KEK file has permissions that let other users read it."""


class KeyStoreError(CryptoError):
    """The DataKeyStore could not read or write wrapped keys."""

    permanent = False


class KeyConflictError(KeyStoreError):
    """A wrapped key with the same (purpose, version) is already stored."""

    permanent = True


class DecryptionFailure(StrEnum):
    """Why a value did not decrypt."""

    MALFORMED = "malformed"  # not a token this package wrote
    KEY_MISSING = "key_missing"  # the key version is not in the keyring
    CORRUPT = "corrupt"  # authentication failed: altered, or moved between rows/columns


class FieldDecryptionError(CryptoError, ValueError):
    """A field token does not decrypt; never returns partial or garbage data."""

    def __init__(
        self,
        reason: DecryptionFailure,
        detail: str,
        *,
        table: str | None = None,
        column: str | None = None,
        row_id: str | None = None,
    ) -> None:
        self.reason = reason
        self.table = table
        self.column = column
        self.row_id = row_id
        where = f"{table}.{column} row {row_id!r}" if table is not None else "a field"
        super().__init__(f"cannot decrypt {where}: {detail}", permanent=True)


class DocumentIntegrityError(CryptoError):
    """A stored document failed authentication or its checksum."""


class DocumentNotFoundError(CryptoError, LookupError):
    """No encrypted blob is stored under the given document id."""


class BlobStoreUnavailableError(CryptoError):
    """The document store could not be reached or refused the call; a retry may help."""

    permanent = False


class SelfTestError(CryptoError):
    """A cryptographic known-answer test failed; the process must not encrypt."""


class RevealDeniedError(CryptoError, PermissionError):
    """The caller's role is not allowed to see a clear-text value."""


class InvalidCryptoInputError(CryptoError, ValueError):
    """An argument is malformed (empty kind, bad key length, unsafe id...)."""
