"""CSRF protection for every unsafe request that a browser could be tricked into sending.

Litestar's double-submit check (a signed token in a cookie and the same token
in the ``_csrf_token`` form field or the ``X-CSRFToken`` header), with one
exception: a request carrying ``Authorization: Bearer`` is authenticated by
that token alone (the session is ignored then, see ``session_resolver``), and
a browser cannot be made to attach such a header to a cross-site request, so
it needs no CSRF token. Besides the token, an unsafe browser request must come from this
site: its ``Origin`` (or, when a browser sends none, its ``Referer``) must name this host or
the configured public URL's host, so a page on another site is refused even if it has a token.
Templates get ``csrf_input`` (a hidden field, render
with ``|safe``) and ``csrf_token()`` (for a ``<meta>`` tag read by fetch calls).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import FormMultiDict
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Empty, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from portal.web.auth.settings import AuthSettings

CSRF_COOKIE = "portal_csrf"
CSRF_HEADER = "x-csrftoken"
BACKCHANNEL_LOGOUT_PATH = "/auth/backchannel-logout"


def _has_bearer(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return scheme.lower() == "bearer" and bool(token.strip())
    return False


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == wanted:
            return str(value.decode("latin-1"))
    return None


def same_site(scope: Scope, public_url: str) -> bool:
    """Whether an unsafe request's Origin (or Referer) names this site.

    A request with neither header passes this check (some browsers and privacy tools strip
    them); it still needs the CSRF token.
    """
    source = _header(scope, b"origin")
    if source is None or source == "null":
        source = _header(scope, b"referer") if source is None else source
    if source is None:
        return True
    claimed = urlsplit(source).netloc.lower()
    allowed = {urlsplit(public_url).netloc.lower()}
    host = _header(scope, b"host")
    if host:
        allowed.add(host.lower())
    return bool(claimed) and claimed in allowed


class BearerAwareCsrfMiddleware(CSRFMiddleware):
    """Litestar's CSRF middleware plus an Origin check; skipped for bearer-token requests."""

    def __init__(self, app: ASGIApp, config: CSRFConfig, public_url: str) -> None:
        super().__init__(app, config)
        self.public_url = public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and _has_bearer(scope):
            await self.app(scope, receive, send)
            return
        if (
            scope["type"] == ScopeType.HTTP
            and scope.get("path") != BACKCHANNEL_LOGOUT_PATH
            and scope.get("method", "GET") not in SAFE_METHODS
            and not same_site(scope, self.public_url)
        ):
            raise PermissionDeniedException(
                "this form was sent from another site; open the page on this site and try again"
            )
        try:
            await super().__call__(scope, receive, send)
        finally:
            await _close_uploads(scope)


async def _close_uploads(scope: Scope) -> None:
    """Close the files of a multipart form parsed here. Litestar's check reads the form for
    its ``_csrf_token`` field and, when it refuses the request (403), leaves the spooled
    uploads open (its route closes them only for a request that reached the route; closing
    twice is harmless)."""
    form = ScopeState.from_scope(scope).form
    if form is not Empty:
        await FormMultiDict.from_form_data(form).close()


def csrf_config(settings: AuthSettings) -> CSRFConfig:
    """Signed with a key derived from the session secret."""
    return CSRFConfig(
        secret=settings.derived_key("csrf").hex(),
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        # the provider's server-to-server logout call carries a signed token instead
        exclude=[BACKCHANNEL_LOGOUT_PATH],
    )


def csrf_middleware(settings: AuthSettings) -> DefineMiddleware:
    """The middleware for the whole app."""
    return DefineMiddleware(
        BearerAwareCsrfMiddleware, config=csrf_config(settings), public_url=settings.public_url
    )
