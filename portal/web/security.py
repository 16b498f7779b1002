"""Authentication (who is calling) and guards (what they may do). Deny unless allowed.

API clients present a bearer token; browser users have a server-side session
(see ``portal.web.auth``). The middleware resolves either to a
:class:`~portal.domain.principal.Principal` or to nobody; guards do the rest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)

from portal.domain.principal import Principal, Role

Resolver = Callable[[ASGIConnection[Any, Any, Any, Any]], Principal | None]
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


class PrincipalMiddleware(AbstractAuthenticationMiddleware):
    """Sets ``request.user`` to a Principal or None; never rejects by itself."""

    def __init__(self, app: Any, resolvers: list[Resolver]) -> None:
        super().__init__(app)
        self.resolvers = resolvers

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        for resolve in self.resolvers:
            principal = resolve(connection)
            if principal is not None:
                return AuthenticationResult(user=principal, auth=principal.kind)
        return AuthenticationResult(user=None, auth=None)


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The caller, or 401 when nobody is logged in."""
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException("log in first, or send a valid API token")
    return user


def requires(*roles: Role) -> Guard:
    """A guard letting only these roles through. A coroutine, though it waits for nothing:
    Litestar runs a plain function guard in a worker thread, a hop per request for a set
    lookup."""
    allowed = frozenset(roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if principal.role not in allowed:
            raise PermissionDeniedException(
                f"your role ({principal.role.value}) may not use this; "
                f"allowed: {', '.join(sorted(r.value for r in allowed))}"
            )

    return guard


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
