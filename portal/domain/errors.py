"""The portal's error base, and the errors of the identifier and name validators.

::

    PortalError                 kind (invalid, not_found, conflict, forbidden, unavailable),
    │                           code, message_zh, field, retryable
    ├── SupplierNotFoundError (LookupError)   no such supplier, or not one the caller may see
    └── DomainValidationError (ValueError)
        ├── InvalidFormat       characters that do not belong in the value
        ├── InvalidLength       too short or too long
        ├── InvalidChecksum     a check character does not match
        └── InvalidComponent    a part (region, organisation code) is not a known value

The validators mirror python-stdnum's tree so callers can treat both alike; each carries
the finding ``code`` it maps to, and ``permanent`` is always true: retrying the same
input cannot help. The web layer and the CLI turn a :class:`PortalError` into an HTTP
status and an exit code through one table (``portal.web.errors``), from its ``kind``;
errors of the business packages (approvals, crypto, ocr, registry) are given a kind in
that same table.

>>> error = SupplierNotFoundError("s-1")
>>> error.kind.value, error.code, str(error), error.retryable
('not_found', 'supplier.not_found', 'no supplier s-1', False)
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

__all__ = [
    "DomainValidationError",
    "ErrorKind",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidLength",
    "PortalError",
    "SupplierNotFoundError",
]


class ErrorKind(StrEnum):
    """What kind of failure: decides the HTTP status and the exit code."""

    INVALID = "invalid"  # the input is wrong; the same input will fail again
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # the state changed or forbids it; reload and decide again
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"  # a dependency is down or not configured; retry later


class PortalError(Exception):
    """Base of the portal's own errors: a kind, a public code, both languages, a field."""

    kind: ClassVar[ErrorKind] = ErrorKind.INVALID
    #: Whether the same request can succeed later (a class fact, never guessed from a status).
    retryable: ClassVar[bool] = False
    code: str = "portal.error"

    def __init__(
        self, message: str, *, message_zh: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message_zh = message_zh or message
        self.field = field


class SupplierNotFoundError(PortalError, LookupError):
    """No supplier with this id, or not one this caller may see."""

    kind = ErrorKind.NOT_FOUND
    code = "supplier.not_found"

    def __init__(self, supplier_id: str) -> None:
        super().__init__(f"no supplier {supplier_id}", message_zh=f"找不到供应商 {supplier_id}")
        self.supplier_id = supplier_id


class DomainValidationError(PortalError, ValueError):
    """Base of every validation error; ``code`` is the public finding code."""

    kind = ErrorKind.INVALID
    code = "input.rejected"
    permanent = True

    def __init__(self, message: str, *, code: str | None = None, zh: str | None = None) -> None:
        #: ``message_zh``: the same explanation in Chinese (the portal is Chinese first).
        super().__init__(message, message_zh=zh)
        if code is not None:
            self.code = code


class InvalidFormat(DomainValidationError):
    """The value contains characters that are not allowed."""


class InvalidLength(DomainValidationError):
    """The value has the wrong length."""


class InvalidChecksum(DomainValidationError):
    """A check character is wrong."""


class InvalidComponent(DomainValidationError):
    """A part of the value is not a known value."""
