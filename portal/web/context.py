"""Who is asking and from where: a request id per request, and the audit context.

Every HTTP request has an id (kept in the scope state, bound in the context for the logs,
the audit entries and the outbox, and sent back as ``X-Request-ID`` so a user can quote it
to support): :class:`portal.web.observed.ObservedApp` makes it, or reuses a sane incoming
``X-Request-ID``; :class:`RequestIdMiddleware` keeps it (or makes one for an app built
without that wrapper).
:func:`audit_context` turns a request into the
:class:`~portal.audit.log.AuditContext` every audit entry needs.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal.audit.log import AuditContext
from portal.domain.principal import Principal
from portal.observability.context import (
    current_request_id,
    new_request_id,
    reset_request_id,
    set_request_id,
)

REQUEST_ID_KEY = "request_id"
ANONYMOUS = "anonymous"


def _new_request_id() -> str:
    return new_request_id()


def request_id_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The id of this request (made here when the middleware did not run)."""
    state: dict[str, Any] = connection.scope.setdefault("state", {})
    request_id = state.get(REQUEST_ID_KEY)
    if not isinstance(request_id, str):
        request_id = state[REQUEST_ID_KEY] = _new_request_id()
    return request_id


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The peer address as the server saw it, never a header the client may have written.

    Behind a reverse proxy, ``PORTAL_TRUSTED_PROXIES`` names it and ``portal serve`` has
    uvicorn replace the peer with the proxy's X-Forwarded-For; nothing here reads that header.
    """
    client = connection.client
    return client.host if client is not None else None


def audit_context(
    connection: ASGIConnection[Any, Any, Any, Any], *, actor: str | None = None
) -> AuditContext:
    """The audit context of a request: actor and role of the logged-in principal (or
    ``actor`` when given, e.g. a user who is only now logging in), IP, user agent, request id.
    """
    user = connection.scope.get("user")
    principal = user if isinstance(user, Principal) else None
    who = actor or (principal.subject if principal is not None else ANONYMOUS)
    if principal is not None and principal.kind == "api" and actor is None:
        # an API principal's subject already reads "api:<client>"; never "api:api:<client>"
        who = who if who.startswith("api:") else f"api:{who}"
    return AuditContext(
        actor=who,
        actor_role=principal.role.value if principal is not None else None,
        ip=client_ip(connection),
        user_agent=connection.headers.get("user-agent"),
        request_id=request_id_of(connection),
    )


class RequestIdMiddleware(ASGIMiddleware):
    """Give each HTTP request an id and send it back as ``X-Request-ID``.

    The app's outer wrapper (:class:`portal.web.observed.ObservedApp`) normally made the
    id already (reusing a sane incoming ``X-Request-ID``) and bound it in the context;
    this keeps that id, and makes one only for an app built without the wrapper.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        state: dict[str, Any] = scope.setdefault("state", {})
        request_id = state.get(REQUEST_ID_KEY)
        if not isinstance(request_id, str):
            request_id = state[REQUEST_ID_KEY] = _new_request_id()
        if current_request_id() != request_id:
            bound = set_request_id(request_id)
            try:
                await self._answer(scope, receive, send, next_app, request_id)
            finally:
                reset_request_id(bound)
            return
        await self._answer(scope, receive, send, next_app, request_id)

    @staticmethod
    async def _answer(
        scope: Scope, receive: Receive, send: Send, next_app: ASGIApp, request_id: str
    ) -> None:

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)["x-request-id"] = request_id
            await send(message)

        await next_app(scope, receive, send_with_id)
