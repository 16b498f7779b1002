"""CSRF protection for every unsafe request that a browser could be tricked into sending.

Litestar's double-submit check (a signed token in a cookie and the same token
in the ``_csrf_token`` form field or the ``X-CSRFToken`` header), with one
exception: a request carrying ``Authorization: Bearer`` is authenticated by
that token alone (the session is ignored then, see ``session_resolver``), and
a browser cannot be made to attach such a header to a cross-site request, so
it needs no CSRF token. Templates get ``csrf_input`` (a hidden field, render
with ``|safe``) and ``csrf_token()`` (for a ``<meta>`` tag read by fetch calls).
"""

from __future__ import annotations

from litestar.config.csrf import CSRFConfig
from litestar.enums import ScopeType
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import Receive, Scope, Send

from portal.web.auth.settings import AuthSettings

CSRF_COOKIE = "portal_csrf"
CSRF_HEADER = "x-csrftoken"


def _has_bearer(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return scheme.lower() == "bearer" and bool(token.strip())
    return False


class BearerAwareCsrfMiddleware(CSRFMiddleware):
    """Litestar's CSRF middleware, skipped for bearer-token requests."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and _has_bearer(scope):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def csrf_config(settings: AuthSettings) -> CSRFConfig:
    """Signed with a key derived from the session secret."""
    return CSRFConfig(
        secret=settings.derived_key("csrf").hex(),
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
    )


def csrf_middleware(settings: AuthSettings) -> DefineMiddleware:
    """The middleware for the whole app."""
    return DefineMiddleware(BearerAwareCsrfMiddleware, config=csrf_config(settings))
