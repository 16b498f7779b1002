"""Which browser: a long-lived random cookie per browser, recorded hashed in the audit log.

:class:`DeviceCookieMiddleware` gives a browser without one a ``portal_device`` cookie
(256 random bits, HttpOnly, SameSite=Lax, Secure unless the demo runs on plain HTTP, kept
five years) and puts the SHA-256 of its value in the request's state. The audit entry
keeps only :func:`device_id` (never the cookie, which would let whoever reads the log
pose as that browser). The id says "the same browser as before", not who holds it; a
cleared cookie is a new device.

A call with an API token (``Authorization: Bearer``) is a program's, not a browser's: it
gets no cookie. Its audit entries name the token's channel and no device, and a client that
keeps no cookies would be sent a new one, 256 random bits and a ``Set-Cookie``, on every call.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from http.cookies import SimpleCookie
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEVICE_COOKIE", "DeviceCookieMiddleware", "device_id", "device_of"]

DEVICE_COOKIE = "portal_device"
DEVICE_KEY = "device"
#: five years: the device is "the same browser" for as long as it keeps the cookie
MAX_AGE = 5 * 365 * 24 * 3600
_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def device_id(cookie_value: str) -> str:
    """What the audit log records for a cookie value: ``dev-`` and 32 hex of its SHA-256."""
    return "dev-" + hashlib.sha256(cookie_value.encode()).hexdigest()[:32]


def _cookie_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return None
            morsel = jar.get(DEVICE_COOKIE)
            if morsel is not None and _VALUE.match(morsel.value):
                return morsel.value
    return None


def _sends_token(scope: Scope) -> bool:
    """Whether the request carries an API token (see :func:`portal.web.security.bearer_token`)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return bool(value[:7].lower() == b"bearer ")
    return False


def device_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The hashed device id of this request (None outside the middleware, e.g. an API call
    whose client keeps no cookies gets one per request, which says nothing)."""
    state: dict[str, Any] = connection.scope.get("state", {})
    value = state.get(DEVICE_KEY)
    return value if isinstance(value, str) else None


class DeviceCookieMiddleware(ASGIMiddleware):
    """Set the device cookie when the browser has none; note its hash for the audit log."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, *, secure: bool = True) -> None:
        self.secure = secure

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if _sends_token(scope):
            await next_app(scope, receive, send)
            return
        value = _cookie_of(scope)
        fresh = value is None
        if value is None:
            value = secrets.token_urlsafe(32)
        scope.setdefault("state", {})[DEVICE_KEY] = device_id(value)
        if not fresh:
            await next_app(scope, receive, send)
            return
        cookie = Cookie(
            key=DEVICE_COOKIE,
            value=value,
            max_age=MAX_AGE,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers.add("set-cookie", cookie.to_header(header=""))
            await send(message)

        await next_app(scope, receive, send_with_cookie)
