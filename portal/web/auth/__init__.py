"""Authentication area: OIDC login, server-side sessions, CSRF, rate limits, invitations.

``auth_area`` is listed in :data:`portal.web.site.AREAS`; tests call
:func:`build_auth` with their own settings (and HTTP client). What other areas
use:

- ``request.user`` is a :class:`~portal.domain.principal.Principal` for a
  logged-in browser (resolved from the session by :func:`session_resolver`);
- :func:`portal.web.context.audit_context` for audit entries;
- ``guards=[rate_limited("upload")]`` for upload endpoints;
- templates get ``csrf_input`` (``{{ csrf_input|safe }}`` in every form) and
  ``csrf_token()``; ``{% include "auth/_user_nav.html" %}`` shows who is logged
  in with a logout button.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from limits.aio.storage import MemoryStorage
from litestar import Router
from litestar.di import Provide

from portal.audit.log import AuditLog
from portal.bootstrap import Collaborators
from portal.core import Services
from portal.identity.sessions import SessionPolicy
from portal.onboarding.invitations import InvitationSigner
from portal.web.auth import (
    admin_routes,
    invitation_manage,
    invitation_routes,
    routes,
    totp_routes,
)
from portal.web.auth.csrf import csrf_middleware
from portal.web.auth.messages import MESSAGES
from portal.web.auth.oidc import OidcClient
from portal.web.auth.ratelimit import (
    STATE_KEY,
    RateLimiter,
    limit_storage,
    rate_limited,
    require_limiters,
)
from portal.web.auth.runtime import AuthRuntime
from portal.web.auth.sessions import SessionGate, session_config, session_store
from portal.web.auth.settings import DEMO_ISSUER_PATH, AuthSettings, load_auth_settings
from portal.web.context import RequestIdMiddleware, audit_context
from portal.web.device import DeviceCookieMiddleware
from portal.web.i18n import add_messages
from portal.web.site import Contribution

__all__ = [
    "AuthRuntime",
    "AuthSettings",
    "SessionGate",
    "audit_context",
    "auth_area",
    "build_auth",
    "load_auth_settings",
    "rate_limited",
]


def _dev_provider(services: Services, settings: AuthSettings) -> Router | None:
    """The demo's own OpenID provider: only in demo mode, never otherwise."""
    if not (settings.demo and services.settings.web.demo):
        return None
    from portal.web.devoidc import DemoClient, DevProvider, provider_router

    issuer = settings.public_url.rstrip("/") + DEMO_ISSUER_PATH
    client = DemoClient(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        redirect_uris=(settings.redirect_uri,),
        post_logout_redirect_uris=(settings.public_url.rstrip("/") + "/auth/logged-out",),
    )
    return provider_router(DevProvider(issuer=issuer, client=client), DEMO_ISSUER_PATH)


def build_auth(
    services: Services,
    settings: AuthSettings,
    *,
    http: httpx.AsyncClient | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Contribution:
    """Everything the auth area adds to the app."""
    add_messages(MESSAGES)
    own_client = http is None
    client = http or httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)
    oidc = (
        OidcClient(
            issuer=settings.issuer or "",
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            redirect_uri=settings.redirect_uri,
            http=client,
            scopes=settings.scopes,
        )
        if settings.oidc_configured
        else None
    )
    (limiter_store, close_limits), sessions = (
        limit_storage(settings.session_redis_url),
        session_store(settings),
    )
    limiters = {
        "login": RateLimiter(limiter_store, "login", settings.login_rate),
        "invitation": RateLimiter(limiter_store, "invitation", settings.accept_rate),
        # Capacity only, not security: while Redis is down each process counts on its own.
        "upload": RateLimiter(
            limiter_store, "upload", settings.upload_rate, fallback=MemoryStorage()
        ),
    }
    now = clock or (lambda: datetime.now(UTC))
    gate = SessionGate(
        engine=services.engine,
        policy=SessionPolicy(
            max_age=timedelta(seconds=settings.session_max_age),
            idle=timedelta(seconds=settings.session_idle),
        ),
        clock=now,
    )
    runtime = AuthRuntime(
        settings=settings,
        services=services,
        oidc=oidc,
        signer=InvitationSigner(settings.derived_key("invitation")),
        audit=AuditLog(services.sealer),
        sessions=gate,
        limiters=limiters,
        clock=clock,
    )
    handlers: list[Any] = [
        *routes.ROUTES,
        *invitation_routes.ROUTES,
        *invitation_manage.ROUTES,
        *admin_routes.ROUTES,
        *totp_routes.ROUTES,
    ]
    provider = _dev_provider(services, settings)
    if provider is not None:
        handlers += invitation_routes.DEMO_ROUTES
    router = Router(
        path="/",
        route_handlers=handlers,
        dependencies={"auth": Provide(lambda: runtime, sync_to_thread=False)},
        include_in_schema=False,
    )

    async def close_clients() -> None:
        if own_client:
            await client.aclose()
        await sessions.__aexit__(None, None, None)  # closes a Redis connection pool
        await close_limits()

    return Contribution(
        route_handlers=[router, *([provider] if provider is not None else [])],
        resolvers=[gate.resolve],
        middleware=[
            RequestIdMiddleware(),
            DeviceCookieMiddleware(secure=settings.secure_cookies),
            session_config(settings, sessions).middleware,
            csrf_middleware(settings),
        ],
        state={STATE_KEY: limiters, "auth": runtime},
        on_startup=[require_limiters],
        on_shutdown=[close_clients],
    )


def auth_area(collaborators: Collaborators) -> Contribution:
    """The area as ``portal serve`` and ``portal demo`` build it."""
    services = collaborators.services
    return build_auth(services, load_auth_settings(services.settings))
