"""The auth area's collaborators, built once by the area and injected into its handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeAlias

from litestar import Request
from litestar.di import NamedDependency
from litestar.response import Template

from portal.audit.log import AuditLog
from portal.core import Services
from portal.domain.principal import Principal, Role
from portal.onboarding.invitations import InvitationSigner
from portal.web.auth.oidc import OidcClient
from portal.web.auth.ratelimit import RateLimiter
from portal.web.auth.sessions import SessionGate
from portal.web.auth.settings import AuthSettings
from portal.web.context import request_id_of
from portal.web.i18n import language_of, translator

#: Where each role lands after logging in, when that page exists (else the start page).
LANDING: dict[Role, str] = {
    Role.SUPPLIER: "/portal/",
    Role.PURCHASING_CLERK: "/staff/",
    Role.PURCHASING_SUPERVISOR: "/staff/",
    Role.FINANCE: "/staff/",
    Role.AUDITOR: "/staff/",
    Role.ADMIN: "/staff/",
}


@dataclass
class AuthRuntime:
    """Settings, OIDC client, invitation signer, audit log and rate limiters."""

    settings: AuthSettings
    services: Services
    oidc: OidcClient | None
    signer: InvitationSigner
    audit: AuditLog
    sessions: SessionGate
    limiters: dict[str, RateLimiter] = field(default_factory=dict)
    clock: Any = None

    def now(self) -> datetime:
        """The current time (a fixed one in tests)."""
        return self.clock() if self.clock is not None else datetime.now(UTC)

    def link(self, path: str) -> str:
        """An absolute URL on this site."""
        return self.settings.public_url.rstrip("/") + path


#: ``auth: AuthDep`` in a handler signature gets the area's runtime.
AuthDep: TypeAlias = NamedDependency[AuthRuntime]


def current_user(request: Request[Any, Any, Any]) -> Principal | None:
    """The logged-in principal, if any."""
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


def safe_next(value: str | None) -> str | None:
    """A local path to return to, or None (never another site).

    >>> safe_next("/invite/abc"), safe_next("//evil.example/"), safe_next("https://x/")
    ('/invite/abc', None, None)
    """
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


def landing(request: Request[Any, Any, Any], role: Role) -> str:
    """The home page of a role, if the app has it; else the start page."""
    target = LANDING.get(role, "/")
    paths = {route.path.rstrip("/") for route in request.app.routes}
    return target if target.rstrip("/") in paths else "/"


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """A template with what every auth page needs: user, ``t``, language, request id."""
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "user": current_user(request),
            "t": translator(request),
            "lang": "zh-CN" if language_of(request) == "zh" else "en",
            "request_id": request_id_of(request),
            **context,
        },
    )


def message_page(
    request: Request[Any, Any, Any],
    key: str,
    *,
    status_code: int,
    action_url: str | None = None,
    action_key: str = "auth.try_again",
    detail: str | None = None,
    **values: Any,
) -> Template:
    """A page that says one thing (``<key>.title`` and ``<key>.body``)."""
    return page(
        request,
        "auth/page.html",
        status_code=status_code,
        page_id=key,
        title_key=f"{key}.title",
        body_key=f"{key}.body",
        body_values=values,
        action_url=action_url,
        action_key=action_key,
        detail=detail,
    )
