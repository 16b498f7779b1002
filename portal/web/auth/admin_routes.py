"""Admin screen for sessions and accounts: who is logged in where; end a session; disable a person.

Controllers only translate: the permission check, the transaction and the audit entry are in
:mod:`portal.identity.sessions`.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.domain.principal import Role
from portal.identity.sessions import (
    NotAllowedError,
    UnknownSessionError,
    list_accounts,
    list_sessions,
    revoke_session,
    set_account_disabled,
)
from portal.identity.totp import enrolled_accounts
from portal.web.auth.runtime import AuthDep, message_page, page
from portal.web.context import audit_context
from portal.web.security import principal_of, requires

ADMIN_ONLY = [requires(Role.ADMIN)]


@get("/admin/sessions", guards=ADMIN_ONLY, sync_to_thread=True)
def sessions_page(request: Request[Any, Any, Any], auth: AuthDep) -> Template:
    """Open sessions and every known account, with the acts an admin may take."""
    me = principal_of(request)
    return page(
        request,
        "auth/admin_sessions.html",
        sessions=list_sessions(auth.services.engine, me, auth.now()),
        accounts=list_accounts(auth.services.engine, me),
        with_totp=enrolled_accounts(auth.services.engine),
        me=me,
    )


def _refused(request: Request[Any, Any, Any], exc: Exception) -> Template:
    status = 403 if isinstance(exc, NotAllowedError) else 404
    return message_page(
        request,
        "auth.admin_refused",
        status_code=status,
        action_url="/admin/sessions",
        action_key="auth.admin.back",
        detail=str(exc),
    )


@post("/admin/sessions/{session_id:str}/revoke", guards=ADMIN_ONLY, sync_to_thread=True)
def revoke(request: Request[Any, Any, Any], auth: AuthDep, session_id: FromPath[str]) -> Any:
    """End one session."""
    try:
        revoke_session(
            auth.services.engine,
            auth.audit,
            audit_context(request),
            principal_of(request),
            session_id,
            auth.now(),
        )
    except (NotAllowedError, UnknownSessionError) as exc:
        return _refused(request, exc)
    return Redirect(path="/admin/sessions", status_code=303)


def _set_disabled(
    request: Request[Any, Any, Any], auth: AuthDep, account_id: str, *, disabled: bool
) -> Any:
    try:
        set_account_disabled(
            auth.services.engine,
            auth.audit,
            audit_context(request),
            principal_of(request),
            account_id,
            disabled=disabled,
            now=auth.now(),
        )
    except (NotAllowedError, UnknownSessionError) as exc:
        return _refused(request, exc)
    return Redirect(path="/admin/sessions", status_code=303)


@post("/admin/accounts/{account_id:str}/disable", guards=ADMIN_ONLY, sync_to_thread=True)
def disable(request: Request[Any, Any, Any], auth: AuthDep, account_id: FromPath[str]) -> Any:
    """Disable an account: its sessions end and it cannot log in."""
    return _set_disabled(request, auth, account_id, disabled=True)


@post("/admin/accounts/{account_id:str}/enable", guards=ADMIN_ONLY, sync_to_thread=True)
def enable(request: Request[Any, Any, Any], auth: AuthDep, account_id: FromPath[str]) -> Any:
    """Let a disabled account log in again."""
    return _set_disabled(request, auth, account_id, disabled=False)


ROUTES = [sessions_page, revoke, disable, enable]
