"""Why a document is refused or not found.

::

    DocumentRejectedError(ValueError)   the upload is not acceptable (code says why)
    DocumentNotFoundError(LookupError)  no such document, or not one the caller may see
"""

from __future__ import annotations

__all__ = ["DocumentNotFoundError", "DocumentRejectedError"]


class DocumentRejectedError(ValueError):
    """The upload is not acceptable; ``code`` says why (too large, wrong type, bad kind,
    damaged); ``message_zh`` says it in Chinese."""

    def __init__(self, message: str, *, code: str, message_zh: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message_zh = message_zh


class DocumentNotFoundError(LookupError):
    """No such document, or not one this caller may see."""

    def __init__(self, message: str, *, message_zh: str | None = None) -> None:
        super().__init__(message)
        self.message_zh = message_zh
