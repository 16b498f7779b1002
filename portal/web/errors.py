"""The one table that maps domain errors to HTTP statuses.

Services raise domain errors; nothing below the web layer knows about HTTP.
Every error body says what went wrong in words a person understands and
whether retrying can help.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException

from crypto import BlobStoreUnavailableError, CryptoError, RevealDeniedError
from portal.domain.errors import DomainValidationError
from portal.importing.readers import UnreadableFileError
from portal.services.api_clients import ApiClientError
from portal.services.finance import BadCursorError

#: (exception type, HTTP status, whether a retry can help), most specific first.
STATUS_TABLE: tuple[tuple[type[Exception], int, bool], ...] = (
    (RevealDeniedError, 403, False),
    (BadCursorError, 400, False),
    (DomainValidationError, 422, False),
    (UnreadableFileError, 422, False),
    (ApiClientError, 409, False),
    (BlobStoreUnavailableError, 503, True),
    (CryptoError, 500, False),
)


def register(
    error: type[Exception], status: int, retryable: bool
) -> tuple[type[Exception], int, bool]:
    """A row for the table, for packages that add their own errors."""
    return (error, status, retryable)


def domain_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Translate a domain error into a JSON (or plain) error response."""
    for error_type, status, retryable in STATUS_TABLE:
        if isinstance(exc, error_type):
            message = (
                str(exc) if status < 500 else "internal error: a stored value could not be read"
            )
            return Response(
                {"error": type(exc).__name__, "message": message, "retryable": retryable},
                status_code=status,
                media_type=MediaType.JSON,
            )
    raise exc


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Plain HTTP errors keep their status, with a consistent body."""
    return Response(
        {"error": type(exc).__name__, "message": exc.detail, "retryable": exc.status_code >= 500},
        status_code=exc.status_code,
        media_type=MediaType.JSON,
        headers=exc.headers or None,
    )


def handlers() -> dict[int | type[Exception], Any]:
    """Exception handlers for the app factory."""
    table: dict[int | type[Exception], Any] = {
        error: domain_error_handler for error, _, _ in STATUS_TABLE
    }
    table[HTTPException] = http_error_handler
    return table
