"""Errors raised by the identifier and name validators.

    DomainValidationError (ValueError)
    ├── InvalidFormat       characters that do not belong in the value
    ├── InvalidLength       too short or too long
    ├── InvalidChecksum     a check character does not match
    └── InvalidComponent    a part (region, organisation code) is not a known value

They mirror python-stdnum's tree so callers can treat both alike; each carries
the finding ``code`` it maps to, and ``permanent`` is always true: retrying the
same input cannot help.
"""

from __future__ import annotations


class DomainValidationError(ValueError):
    """Base of every validation error; ``code`` is the public finding code."""

    code = "input.rejected"
    permanent = True

    def __init__(self, message: str, *, code: str | None = None, zh: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        #: The same explanation in Chinese (the portal is Chinese first).
        self.message_zh = zh or message


class InvalidFormat(DomainValidationError):
    """The value contains characters that are not allowed."""


class InvalidLength(DomainValidationError):
    """The value has the wrong length."""


class InvalidChecksum(DomainValidationError):
    """A check character is wrong."""


class InvalidComponent(DomainValidationError):
    """A part of the value is not a known value."""
