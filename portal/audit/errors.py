"""Errors of the audit anchoring, verification and archive code.

::

    AuditError
    ├── AuditConfigError (ValueError)      a PORTAL_AUDIT_* setting is missing or malformed
    ├── SigningKeyError                    the checkpoint signing key cannot be used
    │   └── SigningKeyInsecureError        ... because group/others may read or write it
    ├── CheckpointStoreError               the checkpoint store cannot be opened or written
    │   └── CheckpointFileInsecureError    ... because group/others may write it
    ├── ChainTamperedError                 refused: the live chain does not verify
    ├── TimestampError                     a TSA is unreachable, or its token is bad
    └── ArchiveError                       an archive cannot be written or read back

Only :class:`CheckpointStoreError` from an I/O failure and :class:`TimestampError` from an
unreachable TSA are temporary (``permanent=False``); any other fails the same way again.
"""

from __future__ import annotations

__all__ = [
    "ArchiveError",
    "AuditConfigError",
    "AuditError",
    "ChainTamperedError",
    "CheckpointFileInsecureError",
    "CheckpointStoreError",
    "SigningKeyError",
    "SigningKeyInsecureError",
    "TimestampError",
]


class AuditError(Exception):
    """Base of every error raised by :mod:`portal.audit`."""

    permanent = True

    def __init__(self, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent


class AuditConfigError(AuditError, ValueError):
    """A setting is missing or malformed; the message names the variable."""


class SigningKeyError(AuditError):
    """The checkpoint signing key file is missing or not an Ed25519 private key."""


class SigningKeyInsecureError(SigningKeyError):
    """The signing key file may be read or written by group or others."""


class CheckpointStoreError(AuditError):
    """The checkpoint store cannot be opened, read or appended to."""


class CheckpointFileInsecureError(CheckpointStoreError):
    """The checkpoint file may be written by group or others, or is not a plain file."""


class ChainTamperedError(AuditError):
    """The act was refused because the live chain does not verify (see the problems)."""

    def __init__(self, message: str, problems: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class ArchiveError(AuditError):
    """An archive file cannot be written, read, or does not match its signed seal."""


class TimestampError(AuditError):
    """A timestamp authority could not be reached, or its token does not verify."""
