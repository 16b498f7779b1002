"""The id of what is being done now: one HTTP request, one CLI command, one worker job.

It lives in a context variable, so every log line written while it is bound carries it,
and the audit log and the outbox copy it into the rows they write: a message or an
audit entry can be traced back to the request (or command) that caused it.

>>> sane_request_id("9f1c2e-edge.42")
'9f1c2e-edge.42'
>>> sane_request_id("a b"), sane_request_id("x" * 65), sane_request_id("")
(None, None, None)
>>> with bind_request_id("cli-abc"):
...     current_request_id()
'cli-abc'
>>> current_request_id() is None
True
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

__all__ = [
    "bind_request_id",
    "current_request_id",
    "new_request_id",
    "reset_request_id",
    "sane_request_id",
    "set_request_id",
]

_REQUEST_ID: ContextVar[str | None] = ContextVar("portal_request_id", default=None)
#: what an incoming ``X-Request-ID`` may look like (a proxy's or a client's id): short,
#: no spaces, quotes or control characters, so it is safe in logs, headers and audit rows
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def new_request_id(prefix: str = "") -> str:
    """A fresh id (32 hex digits), with ``prefix`` (e.g. ``cli-``) when given."""
    return f"{prefix}{uuid.uuid4().hex}"


def sane_request_id(value: str | None) -> str | None:
    """``value`` when it is a sane token to reuse as our id, else None."""
    if value and _SANE.fullmatch(value):
        return value
    return None


def current_request_id() -> str | None:
    """The id bound in this context (None outside a request, command or job)."""
    return _REQUEST_ID.get()


@contextmanager
def bind_request_id(request_id: str) -> Iterator[str]:
    """Bind ``request_id`` for the duration of the block (restored afterwards)."""
    token = _REQUEST_ID.set(request_id)
    try:
        yield request_id
    finally:
        _REQUEST_ID.reset(token)


def set_request_id(request_id: str | None) -> Token[str | None]:
    """Bind ``request_id`` for the rest of this context (a CLI command's whole run, one
    HTTP request); :func:`reset_request_id` with the token undoes it."""
    return _REQUEST_ID.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    """Restore the id bound before :func:`set_request_id` returned ``token``."""
    _REQUEST_ID.reset(token)
