"""Server-side sessions: the cookie holds a random id, the data stays in a store.

The store is in memory by default (one process) or Redis when
``PORTAL_SESSION_REDIS_URL`` is set (several workers). The session id changes
at login (:func:`rotate_session`), so an id planted before login is worthless
after it. :class:`SessionGate` opens a login's session row and maps a session to
the logged-in :class:`~portal.domain.principal.Principal` only while that row
says it may act (absolute and idle timeouts, role changes, disabled accounts,
revocation: see :mod:`portal.identity.sessions`). A request without a session
cookie never creates a stored session unless the handler puts something in it.

While the store (Redis) cannot be reached, a request's session reads as empty (the request
goes on as an anonymous one) and its cookie is left as it was, so the session is back when
Redis is (see :mod:`portal.web.auth.degraded`); nothing answers 500 because of it.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import anyio
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.types import Empty, Message, ScopeSession
from sqlalchemy import Engine

from portal.domain.principal import MAY_REVEAL, PERSON, Principal, Role
from portal.identity.sessions import (
    SessionPolicy,
    check_session,
    log_out_session,
    start_session,
)
from portal.identity.users import UserAccount
from portal.web.auth.degraded import REDIS_TIMEOUT_SECONDS, STORE_ERRORS, Outage
from portal.web.auth.settings import AuthSettings
from portal.web.security import bearer_token

SESSION_COOKIE = "portal_session"
_NEW_ID = "auth.session.new_id"
_OLD_ID = "auth.session.old_id"
_UNAVAILABLE = "auth.session.unavailable"
SESSIONS_OUTAGE = Outage("sessions (browsers read as logged out, login answers 503)")


def _state(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    state: dict[str, Any] = connection.scope.setdefault("state", {})
    return state


class RotatingSessionBackend(ServerSideSessionBackend):
    """The stock backend, plus a new session id on demand (at login)."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        new_id = _state(connection).get(_NEW_ID)
        return new_id if isinstance(new_id, str) else super().get_session_id(connection)

    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        """The stored session; empty (and the request marked) while the store is down."""
        had_cookie = connection.cookies.get(self.config.key, "null") != "null"
        try:
            data = await super().load_from_connection(connection)
        except STORE_ERRORS as exc:
            SESSIONS_OUTAGE.failed(exc)
            _state(connection)[_UNAVAILABLE] = True
            return {}
        if had_cookie:
            SESSIONS_OUTAGE.recovered()
        return data

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        if _state(connection).get(_UNAVAILABLE):
            return  # the session could not be read: keep the cookie, touch nothing
        try:
            await self._store_in_message(scope_session, message, connection)
        except STORE_ERRORS as exc:
            SESSIONS_OUTAGE.failed(exc)  # the response goes out without a new session

    async def _store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        old_id = _state(connection).pop(_OLD_ID, None)
        if isinstance(old_id, str):
            await self.delete(old_id, store=self.config.get_store_from_app(connection.app))
        had_cookie = connection.cookies.get(self.config.key, "null") != "null"
        if (
            not scope_session
            and not had_cookie
            and not isinstance(_state(connection).get(_NEW_ID), str)
        ):
            return  # nothing to keep and nothing to clear: no stored session, no cookie
        await super().store_in_message(scope_session or Empty, message, connection)


@dataclass
class PortalSessionConfig(ServerSideSessionConfig):
    """Server-side session config that holds its store instead of naming one."""

    session_store: Store = field(default_factory=MemoryStore)

    _backend_class = RotatingSessionBackend

    def get_store_from_app(self, app: Litestar) -> Store:
        return self.session_store


def session_store(settings: AuthSettings) -> Store:
    """Redis when configured (needs the ``redis`` package), else memory."""
    if settings.session_redis_url:
        from litestar.stores.redis import RedisStore
        from redis.asyncio import Redis

        client = Redis.from_url(
            settings.session_redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        return RedisStore(client, namespace="portal-session", handle_client_shutdown=True)
    return MemoryStore()


def session_config(settings: AuthSettings, store: Store) -> PortalSessionConfig:
    """Secure (unless turned off for plain-HTTP demos), HttpOnly, SameSite=Lax cookies."""
    return PortalSessionConfig(
        session_store=store,
        key=SESSION_COOKIE,
        max_age=settings.session_max_age,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        renew_on_access=False,
    )


def rotate_session(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Give the session a new id when the response goes out; the old one is deleted."""
    state = _state(connection)
    old_id = connection.cookies.get(SESSION_COOKIE)
    if old_id and old_id != "null":
        state[_OLD_ID] = old_id
    new_id = secrets.token_hex(32)
    state[_NEW_ID] = new_id
    return new_id


def authentication_facts(claims: Mapping[str, Any]) -> dict[str, Any]:
    """``auth_time`` (ISO), ``amr`` (list of strings) and ``acr`` from ID token claims.

    >>> authentication_facts({"auth_time": 1764748800, "amr": ["pwd", "otp"], "acr": 7})
    {'auth_time': '2025-12-03T08:00:00+00:00', 'amr': ['pwd', 'otp'], 'acr': '7'}
    >>> authentication_facts({"auth_time": "soon", "amr": "pwd"})
    {'auth_time': None, 'amr': [], 'acr': None}
    """
    auth_time = claims.get("auth_time")
    when = None
    if isinstance(auth_time, int | float) and not isinstance(auth_time, bool):
        with contextlib.suppress(OverflowError, OSError, ValueError):
            when = datetime.fromtimestamp(auth_time, UTC).isoformat()
    amr = claims.get("amr")
    methods = [str(m) for m in amr] if isinstance(amr, list) else []
    acr = claims.get("acr")
    return {"auth_time": when, "amr": methods, "acr": str(acr) if acr is not None else None}


def record_second_factor(connection: ASGIConnection[Any, Any, Any, Any], at: datetime) -> None:
    """The person just proved a second factor here (a TOTP code): add ``otp`` to the
    session's methods and make ``at`` its authentication time, which the step-up rule of
    bank approvals then accepts like a provider's ``amr``. The session id is kept: its row
    (:mod:`portal.identity.sessions`) is keyed by it."""
    stored = connection.scope.get("session")
    session: dict[str, Any] = dict(stored) if isinstance(stored, dict) else {}
    amr = session.get("amr")
    methods = [str(m) for m in amr] if isinstance(amr, list) else []
    session["amr"] = [*methods, "otp"] if "otp" not in methods else methods
    session["auth_time"] = at.isoformat()
    connection.set_session(session)


def _facts_of(session: Mapping[str, Any]) -> dict[str, Any]:
    """Principal fields from the facts kept in the session (see authentication_facts)."""
    when = session.get("auth_time")
    at = None
    if isinstance(when, str):
        with contextlib.suppress(ValueError):
            at = datetime.fromisoformat(when)
    amr = session.get("amr")
    acr = session.get("acr")
    return {
        "authenticated_at": at,
        "auth_methods": tuple(str(m) for m in amr) if isinstance(amr, list) else (),
        "auth_context": str(acr) if acr is not None else None,
    }


def session_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The principal a browser session's data names (requests with a bearer token never
    use the session: they are authenticated by the token alone, which is also why they
    need no CSRF token). :meth:`SessionGate.resolve` also checks the session row."""
    if bearer_token(connection) is not None:
        return None
    session = connection.scope.get("session")
    if not isinstance(session, dict) or not session.get("uid") or not session.get("role"):
        return None
    try:
        role = Role(session["role"])
    except ValueError:
        return None
    if role is Role.SUPPLIER and not session.get("supplier_id"):
        return None
    return Principal(
        subject=str(session["uid"]),
        role=role,
        display_name=str(session.get("name") or ""),
        supplier_id=session.get("supplier_id") if role is Role.SUPPLIER else None,
        can_reveal=role in MAY_REVEAL,
        kind=PERSON,
        **_facts_of(session),
    )


@dataclass
class SessionGate:
    """Opens, checks and ends the session rows behind browser sessions."""

    engine: Engine
    policy: SessionPolicy
    clock: Callable[[], datetime]

    def _start(
        self,
        connection: ASGIConnection[Any, Any, Any, Any],
        account: UserAccount,
        id_token: str | None,
        claims: Mapping[str, Any] | None,
    ) -> tuple[Principal, Callable[[], None]]:
        # ``claims`` (the ID token's) say when and how the person authenticated
        # (``auth_time``, ``amr``, ``acr``): approving a bank change asks for it (step-up).
        facts = authentication_facts(claims or {})
        principal = replace(account.principal(), **_facts_of(facts))
        replaced = connection.cookies.get(SESSION_COOKIE)
        cookie_value = rotate_session(connection)
        connection.set_session(
            {
                "uid": principal.subject,
                "role": principal.role.value,
                "name": principal.display_name,
                "supplier_id": principal.supplier_id,
                "id_token": id_token,
                **facts,
            }
        )
        connection.scope["user"] = principal
        client = connection.client
        ip = client.host if client is not None else None
        agent = connection.headers.get("user-agent")
        now = self.clock()

        def record() -> None:
            if replaced and replaced != "null":  # a login in this browser ends its old session
                log_out_session(self.engine, replaced, now, reason="replaced")
            start_session(
                self.engine,
                cookie_value=cookie_value,
                account_id=principal.subject,
                role=principal.role,
                now=now,
                policy=self.policy,
                ip=ip,
                user_agent=agent,
            )

        return principal, record

    async def log_in(
        self,
        connection: ASGIConnection[Any, Any, Any, Any],
        account: UserAccount,
        *,
        id_token: str | None,
        claims: Mapping[str, Any] | None = None,
    ) -> Principal:
        """Start a fresh session for an account that has access, and record it."""
        principal, record = self._start(connection, account, id_token, claims)
        await anyio.to_thread.run_sync(record)
        return principal

    def log_in_sync(
        self,
        connection: ASGIConnection[Any, Any, Any, Any],
        account: UserAccount,
        *,
        id_token: str | None,
        claims: Mapping[str, Any] | None = None,
    ) -> Principal:
        """:meth:`log_in` for handlers that already run in a worker thread."""
        principal, record = self._start(connection, account, id_token, claims)
        record()
        return principal

    async def log_out(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        """End this browser's session row (the store's data is cleared by the caller)."""
        cookie_value = connection.cookies.get(SESSION_COOKIE)
        if not cookie_value or cookie_value == "null":
            return
        now = self.clock()

        await anyio.to_thread.run_sync(lambda: log_out_session(self.engine, cookie_value, now))

    def resolve(self, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
        """The principal of a logged-in browser session whose row still lets it act."""
        principal = session_principal(connection)
        if principal is None:
            return None
        cookie_value = connection.cookies.get(SESSION_COOKIE)
        if not cookie_value or cookie_value == "null":
            return None
        allowed = check_session(
            self.engine, cookie_value, role=principal.role, now=self.clock(), policy=self.policy
        )
        return principal if allowed else None
