"""Login through the OpenID provider, the callback, logout.

Thin handlers: the OIDC client checks the provider's answer, the users service
records the account, the session holds the result. Every outcome is audited:
``login.succeeded``, ``login.failed`` (with the reason), ``logout``.
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio
from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from portal.audit.acts import record_login_failure, record_logout
from portal.audit.log import AuditContext
from portal.identity.login import complete_login
from portal.identity.sessions import end_sessions_at_provider_logout
from portal.identity.users import UserAccount, staff_role_from_claim
from portal.web.auth.oidc import Identity, LoginRefusedError, PendingLogin, ProviderUnavailableError
from portal.web.auth.ratelimit import rate_limited
from portal.web.auth.runtime import AuthDep, current_user, landing, message_page, safe_next
from portal.web.auth.sessions import rotate_session
from portal.web.context import audit_context

PENDING_KEY = "oidc"
INVITE_PREFIX = "/invite/"


async def _login_failed(
    request: Request[Any, Any, Any], auth: AuthDep, reason: str, detail: str = ""
) -> None:
    ctx = audit_context(request)
    await anyio.to_thread.run_sync(
        lambda: record_login_failure(
            auth.services.engine, auth.audit, ctx, reason=f"{reason} {detail}".strip()
        )
    )


@get("/auth/login", guards=[rate_limited("login")], include_in_schema=False)
async def login(
    request: Request[Any, Any, Any],
    auth: AuthDep,
    next: FromQuery[str | None] = None,
    step_up: FromQuery[bool] = False,
) -> Any:
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge.

    ``step_up``: ask the provider to authenticate the person again, now (``prompt=login``,
    ``max_age=0``), as approving a bank change needs a fresh login with a second factor.
    """
    if auth.oidc is None:
        return message_page(request, "auth.not_configured", status_code=503)
    try:
        authorization = await auth.oidc.begin(fresh=step_up)
    except ProviderUnavailableError as exc:
        await _login_failed(request, auth, "provider_unavailable", str(exc))
        return message_page(
            request, "auth.provider_down", status_code=503, action_url="/auth/login"
        )
    session = request.session
    session[PENDING_KEY] = {**authorization.pending.as_dict(), "next": safe_next(next)}
    request.set_session(session)
    return Redirect(path=authorization.url, status_code=302)


def _complete_login(
    auth: AuthDep, identity: Identity, ctx: AuditContext, *, for_invitation: bool
) -> UserAccount | None:
    """The account when it may enter (or may accept an invitation); audited either way."""
    return complete_login(
        auth.services.engine,
        auth.audit,
        ctx,
        issuer=identity.issuer,
        subject=identity.subject,
        email=identity.email,
        display_name=identity.display_name,
        staff_role=staff_role_from_claim(identity.claims.get(auth.settings.role_claim)),
        for_invitation=for_invitation,
        now=auth.now(),
    )


@get("/auth/callback", guards=[rate_limited("login")], include_in_schema=False)
async def callback(request: Request[Any, Any, Any], auth: AuthDep) -> Any:
    """The provider's answer: check it, then log the person in (or refuse, saying why)."""
    session = request.session
    raw = session.pop(PENDING_KEY, None)
    request.set_session(session)
    if auth.oidc is None:
        return message_page(request, "auth.not_configured", status_code=503)
    if not isinstance(raw, dict):
        await _login_failed(request, auth, "no_pending_login")
        return message_page(request, "auth.login_failed", status_code=400, action_url="/auth/login")
    next_path = safe_next(raw.get("next"))
    try:
        identity = await auth.oidc.finish(
            PendingLogin.from_dict(raw), dict(request.query_params.items())
        )
    except LoginRefusedError as exc:
        await _login_failed(request, auth, exc.reason, exc.detail)
        return message_page(request, "auth.login_failed", status_code=400, action_url="/auth/login")
    except ProviderUnavailableError as exc:
        await _login_failed(request, auth, "provider_unavailable", str(exc))
        return message_page(
            request, "auth.provider_down", status_code=503, action_url="/auth/login"
        )
    for_invitation = bool(next_path and next_path.startswith(INVITE_PREFIX))
    ctx = audit_context(request)
    account = await anyio.to_thread.run_sync(
        lambda: _complete_login(auth, identity, ctx, for_invitation=for_invitation)
    )
    if account is None:
        request.clear_session()
        return message_page(request, "auth.no_access", status_code=403)
    if account.has_access:
        principal = await auth.sessions.log_in(
            request, account, id_token=identity.id_token, claims=identity.claims
        )
        return Redirect(path=next_path or landing(request, principal.role), status_code=302)
    rotate_session(request)
    request.set_session(
        {
            "pending_uid": account.id,
            "name": account.display_name,
            "id_token": identity.id_token,
            # what the invitation is bound to: the address the provider vouches for
            "verified_email": identity.verified_email,
        }
    )
    return Redirect(path=next_path or "/", status_code=302)


@post("/auth/logout", include_in_schema=False, status_code=303)
async def logout(request: Request[Any, Any, Any], auth: AuthDep) -> Response[Any]:
    """End the session here, then at the provider when it supports RP-initiated logout."""
    session = request.scope.get("session")
    id_token = session.get("id_token") if isinstance(session, dict) else None
    user = current_user(request)
    pending_uid = session.get("pending_uid") if isinstance(session, dict) else None
    if user is not None or pending_uid:
        ctx = audit_context(request, actor=None if user else str(pending_uid))
        await anyio.to_thread.run_sync(
            lambda: record_logout(
                auth.services.engine,
                auth.audit,
                ctx,
                account_id=user.subject if user else str(pending_uid),
            )
        )
    await auth.sessions.log_out(request)
    request.clear_session()
    target = auth.link("/auth/logged-out")
    if auth.oidc is not None and id_token:
        # when the provider is down we are still logged out here
        with contextlib.suppress(ProviderUnavailableError):
            target = await auth.oidc.end_session_url(id_token, target) or target
    return Redirect(path=target, status_code=303)


@post("/auth/backchannel-logout", include_in_schema=False, status_code=200)
async def backchannel_logout(request: Request[Any, Any, Any], auth: AuthDep) -> Response[Any]:
    """The provider says a person logged out there: end all of that person's sessions here.

    OpenID Connect Back-Channel Logout 1.0: a server-to-server POST with a signed
    ``logout_token`` (no cookie, no CSRF token). Register
    ``<PORTAL_PUBLIC_URL>/auth/backchannel-logout`` as the client's back-channel logout URI.
    """
    form = await request.form()
    token = form.get("logout_token")
    if auth.oidc is None or not isinstance(token, str) or not token:
        return Response({"error": "invalid_request"}, status_code=400)
    try:
        claims = await auth.oidc.validate_logout_token(token)
    except (LoginRefusedError, ProviderUnavailableError) as exc:
        await _login_failed(request, auth, "invalid_logout_token", str(exc))
        return Response({"error": "invalid_request"}, status_code=400)
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    ctx = audit_context(request, actor=f"oidc:{issuer}")
    await anyio.to_thread.run_sync(
        lambda: end_sessions_at_provider_logout(
            auth.services.engine, auth.audit, ctx, issuer, subject, auth.now()
        )
    )
    return Response({"status": "ok"}, status_code=200)


@get("/auth/logged-out", include_in_schema=False)
async def logged_out(request: Request[Any, Any, Any]) -> Template:
    """Where the provider sends the browser after logging out."""
    return message_page(
        request,
        "auth.logged_out",
        status_code=200,
        action_url="/auth/login",
        action_key="auth.login",
    )


ROUTES = [login, callback, logout, backchannel_logout, logged_out]
