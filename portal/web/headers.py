"""Security headers on every response, and static assets served without inline script.

Every response gets a Content-Security-Policy that allows scripts from this origin only (no
inline script, no ``javascript:`` URLs; the pages load theirs from ``/static/js``), refuses to be
framed (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), ``X-Content-Type-Options:
nosniff`` and ``Referrer-Policy: same-origin``. ``Strict-Transport-Security`` is sent when
secure cookies are on (the service runs behind TLS then). Everything but the static assets is
``Cache-Control: no-store``: pages and API answers show master data, and a shared or back-button
cache must not keep it.

The OpenAPI UI at ``/schema`` is Swagger UI from the product's own static files
(:mod:`portal.web.api_docs`), so it gets the same policy: nothing from another host.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.static_files import create_static_files_router
from litestar.types import Message, Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PATH = "/static"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
# The API docs (``/schema``) are served from ``/static`` (portal.web.api_docs): no CDN host
# and no inline script, so they live under the same policy as every page.
SCHEMA_UI_POLICY = CONTENT_SECURITY_POLICY
HSTS = "max-age=31536000; includeSubDomains"


def static_files_router() -> Any:
    """``/static/...``: the product's own scripts and styles (cacheable, no master data)."""
    return create_static_files_router(
        path=STATIC_PATH, directories=[STATIC_DIR], include_in_schema=False, name="static"
    )


def security_headers(*, hsts: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook: Litestar calls it for every response, 404s and errors included."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        path: str = scope.get("path", "")
        schema_ui = path == "/schema" or path.startswith("/schema/")
        headers = MutableScopeHeaders.from_message(message)
        headers["Content-Security-Policy"] = (
            SCHEMA_UI_POLICY if schema_ui else CONTENT_SECURITY_POLICY
        )
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        if hsts:
            headers["Strict-Transport-Security"] = HSTS
        if not path.startswith(STATIC_PATH + "/"):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"

    return add_headers
