"""Invitations: purchasing sends them, the invitee opens the link, logs in and accepts.

Audited: ``invitation.created``, ``invitation.code_sent``, ``invitation.accepted``,
``invitation.refused`` (a tampered, expired or reused link, a login that cannot be bound,
another verified address, a missing or wrong code).

The invitation is bound to the invited address: a login whose provider vouches for it
accepts in one click; a login without a verified address asks for a code, which goes to
the invited address, and types it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from litestar import MediaType, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from markupsafe import Markup

from portal.domain import foreign_tax
from portal.domain.errors import DomainValidationError
from portal.domain.principal import Role
from portal.notifications import outbox
from portal.onboarding.invitations import InvitationError, check_invitation, list_invitations
from portal.onboarding.invite import (
    accept_invited,
    invite_supplier,
    record_refusal,
    send_acceptance_code,
)
from portal.web.auth.ratelimit import rate_limited
from portal.web.auth.runtime import AuthDep, AuthRuntime, current_user, landing, message_page, page
from portal.web.context import audit_context
from portal.web.errors import rule_for
from portal.web.i18n import language_of
from portal.web.security import requires

INVITERS = (Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN)


#: Refusals the invitee can put right on the invitation page (type or ask for a code).
_RETRY_ON_PAGE = frozenset({"code_required", "code_wrong"})


def _refused(
    request: Request[Any, Any, Any],
    auth: AuthRuntime,
    exc: InvitationError,
    actor: str | None,
    link_token: str | None = None,
) -> Template:
    record_refusal(auth.services.engine, auth.audit, audit_context(request, actor=actor), exc)
    status = rule_for(exc)
    code = status.http_status if status is not None else 400
    back = f"/invite/{link_token}" if link_token and exc.reason in _RETRY_ON_PAGE else None
    return message_page(
        request,
        f"auth.invite.{exc.reason}",
        status_code=code,
        action_url=back,
        action_key="auth.invite.back",
    )


def _verified_email(request: Request[Any, Any, Any]) -> str | None:
    """The address the provider vouched for at this browser's login (pending invitation)."""
    session = request.scope.get("session")
    value = session.get("verified_email") if isinstance(session, dict) else None
    return str(value) if value else None


def _account_id(request: Request[Any, Any, Any]) -> str | None:
    """The user account of the browser: a logged-in user, or one waiting to accept."""
    user = current_user(request)
    if user is not None:
        return user.subject if user.kind == "user" else None
    session = request.scope.get("session")
    pending = session.get("pending_uid") if isinstance(session, dict) else None
    return str(pending) if pending else None


@get("/invite/{link_token:str}", guards=[rate_limited("invitation")], sync_to_thread=True)
def show_invitation(
    request: Request[Any, Any, Any], auth: AuthDep, link_token: FromPath[str]
) -> Template:
    """What the invitation is for, and a button to log in or to accept."""
    account_id = _account_id(request)
    try:
        with auth.services.engine.connect() as conn:
            invitation = check_invitation(conn, auth.signer, link_token, now=auth.now())
    except InvitationError as exc:
        return _refused(request, auth, exc, account_id)
    return page(
        request,
        "auth/invitation.html",
        invitation=invitation,
        link_token=link_token,
        can_accept=account_id is not None,
        needs_code=account_id is not None and _verified_email(request) is None,
        code_sent=request.query_params.get("code") == "sent",
    )


@dataclass
class AcceptForm:
    """The acceptance: the one-time code, when the login has no verified address."""

    code: str = ""


@post(
    "/invite/{link_token:str}",
    guards=[rate_limited("invitation")],
    sync_to_thread=True,
    media_type=MediaType.HTML,  # a refusal is a page (a redirect otherwise), never JSON
)
def accept(
    request: Request[Any, Any, Any],
    auth: AuthDep,
    link_token: FromPath[str],
    data: URLEncodedBody[AcceptForm],
) -> Any:
    """Bind the logged-in account to the invitation's supplier and log it in as supplier."""
    account_id = _account_id(request)
    if account_id is None:
        return Redirect(path=f"/auth/login?next=/invite/{link_token}", status_code=303)
    ctx = audit_context(request, actor=account_id)
    try:
        _, account = accept_invited(
            auth.services.engine,
            auth.signer,
            auth.audit,
            ctx,
            link_token,
            account_id=account_id,
            verified_email=_verified_email(request),
            code=data.code.strip() or None,
            now=auth.now(),
        )
    except InvitationError as exc:
        return _refused(request, auth, exc, account_id, link_token)
    session = request.scope.get("session")
    id_token = session.get("id_token") if isinstance(session, dict) else None
    principal = auth.sessions.log_in_sync(request, account, id_token=id_token)
    return Redirect(path=landing(request, principal.role), status_code=303)


@post(
    "/invite/{link_token:str}/code",
    guards=[rate_limited("invitation")],
    sync_to_thread=True,
    media_type=MediaType.HTML,
)
def send_code(request: Request[Any, Any, Any], auth: AuthDep, link_token: FromPath[str]) -> Any:
    """E-mail a one-time code to the invited address, then back to the invitation page."""
    account_id = _account_id(request)
    if account_id is None:
        return Redirect(path=f"/auth/login?next=/invite/{link_token}", status_code=303)
    try:
        send_acceptance_code(
            auth.services.engine,
            auth.signer,
            auth.services.sealer,
            auth.audit,
            audit_context(request, actor=account_id),
            link_token,
            account_id=account_id,
            now=auth.now(),
        )
    except InvitationError as exc:
        return _refused(request, auth, exc, account_id)
    return Redirect(path=f"/invite/{link_token}?code=sent", status_code=303)


@dataclass
class InvitationForm:
    """Invite by credit code, or by foreign tax number (and its scheme, or none for an EU
    or UK VAT number): an existing supplier, or a new one when a name is given."""

    uscc: str = ""
    email: str = ""
    name: str = ""
    foreign_tax_id: str = ""
    foreign_scheme: str = ""


def _invitations_page(
    request: Request[Any, Any, Any], auth: AuthRuntime, *, status_code: int = 200, **extra: Any
) -> Template:
    with auth.services.engine.connect() as conn:
        invitations = list_invitations(conn)
    context: dict[str, Any] = {"form": InvitationForm(), "sent": None, "error": None} | extra
    context["schemes"] = foreign_tax.SCHEMES.values()
    return page(
        request,
        "auth/invitations.html",
        status_code=status_code,
        invitations=invitations,
        now=auth.now(),
        demo=auth.settings.demo,
        **context,
    )


@get("/staff/invitations", guards=[requires(*INVITERS)], sync_to_thread=True)
def invitations(request: Request[Any, Any, Any], auth: AuthDep) -> Template:
    """The invitations sent so far, and a form to send one."""
    return _invitations_page(request, auth)


@post("/staff/invitations", guards=[requires(*INVITERS)], sync_to_thread=True, status_code=200)
def send_invitation(
    request: Request[Any, Any, Any], auth: AuthDep, data: URLEncodedBody[InvitationForm]
) -> Template:
    """Invite a supplier (registering it as prospective when new); the link goes by e-mail."""
    try:
        invitation = invite_supplier(
            auth.services.engine,
            auth.services.suppliers,
            auth.signer,
            auth.audit,
            audit_context(request),
            uscc=data.uscc,
            email=data.email,
            name=data.name,
            foreign_tax_id=data.foreign_tax_id,
            foreign_scheme=data.foreign_scheme,
            link_for=lambda token: auth.link(f"/invite/{token}"),
            now=auth.now(),
            ttl=auth.settings.invitation_ttl,
        )
    except DomainValidationError as exc:
        error = exc.message_zh if language_of(request) == "zh" else str(exc)
        return _invitations_page(request, auth, status_code=422, form=data, error=error)
    return _invitations_page(request, auth, sent=invitation.email)


_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Escape a message body and make its links clickable (demo outbox)."""
    escaped = html.escape(text)
    return Markup(_URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))  # noqa: S704


@get("/outbox", sync_to_thread=True)
def outbox_page(request: Request[Any, Any, Any], auth: AuthDep) -> Template:
    """Demo only: every e-mail and notification the portal would have sent."""
    with auth.services.engine.connect() as conn:
        messages = outbox.recent(conn, limit=200, sealer=auth.services.sealer)
    return page(request, "auth/outbox.html", messages=messages, linkify=linkify)


ROUTES = [show_invitation, accept, send_code, invitations, send_invitation]
DEMO_ROUTES = [outbox_page]
