"""Invitations: purchasing sends them, the invitee opens the link, logs in and accepts.

Audited: ``invitation.created``, ``invitation.accepted``, ``invitation.refused``
(a tampered, expired or reused link, or a login that cannot be bound).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from markupsafe import Markup
from sqlalchemy import select

from portal.audit.log import AuditContext
from portal.domain import uscc as uscc_rules
from portal.domain.errors import DomainValidationError
from portal.domain.principal import Role
from portal.identity.users import get_account
from portal.notifications import outbox
from portal.onboarding.invitations import (
    SUPPLIER,
    Invitation,
    InvitationError,
    accept_invitation,
    check_invitation,
    create_invitation,
    invitation_email,
    list_invitations,
    register_prospect,
)
from portal.web.auth.ratelimit import rate_limited
from portal.web.auth.runtime import AuthDep, AuthRuntime, current_user, landing, message_page, page
from portal.web.auth.sessions import log_in
from portal.web.context import audit_context
from portal.web.errors import rule_for
from portal.web.security import requires

INVITERS = (Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR)


def _refused(
    request: Request[Any, Any, Any], auth: AuthRuntime, exc: InvitationError, actor: str | None
) -> Template:
    ctx = audit_context(request, actor=actor)
    with auth.services.engine.begin() as conn:
        auth.audit.record(
            conn,
            ctx,
            "invitation.refused",
            subject_type="invitation",
            field_name="reason",
            after=exc.reason,
        )
    status = rule_for(exc)
    code = status.http_status if status is not None else 400
    return message_page(request, f"auth.invite.{exc.reason}", status_code=code)


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
    )


@post("/invite/{link_token:str}", guards=[rate_limited("invitation")], sync_to_thread=True)
def accept(request: Request[Any, Any, Any], auth: AuthDep, link_token: FromPath[str]) -> Any:
    """Bind the logged-in account to the invitation's supplier and log it in as supplier."""
    account_id = _account_id(request)
    if account_id is None:
        return Redirect(path=f"/auth/login?next=/invite/{link_token}", status_code=303)
    ctx = audit_context(request, actor=account_id)
    try:
        with auth.services.engine.begin() as conn:
            invitation = accept_invitation(
                conn, auth.signer, link_token, account_id=account_id, now=auth.now()
            )
            auth.audit.record(
                conn,
                AuditContext(**{**ctx.__dict__, "actor_role": "supplier"}),
                "invitation.accepted",
                subject_type="supplier",
                subject_id=invitation.supplier_id,
                field_name="invitation",
                after=invitation.id,
            )
            account = get_account(conn, account_id)
    except InvitationError as exc:
        return _refused(request, auth, exc, account_id)
    assert account is not None
    session = request.scope.get("session")
    id_token = session.get("id_token") if isinstance(session, dict) else None
    principal = log_in(request, account, id_token=id_token)
    return Redirect(path=landing(request, principal.role), status_code=303)


@dataclass
class InvitationForm:
    """Invite by credit code: an existing supplier, or a new one when a name is given."""

    uscc: str = ""
    email: str = ""
    name: str = ""


def _supplier_id_for(auth: AuthRuntime, form: InvitationForm) -> str:
    code = uscc_rules.compact(form.uscc)
    with auth.services.engine.connect() as conn:
        existing = conn.execute(select(SUPPLIER.c.id).where(SUPPLIER.c.uscc == code)).scalar()
    if existing:
        return str(existing)
    if not form.name.strip():
        raise DomainValidationError(
            f"没有统一社会信用代码为 {code} 的供应商；邀请新供应商请填写名称 / "
            f"no supplier has the credit code {code}; give a name to invite a new supplier"
        )
    return register_prospect(
        auth.services.engine,
        auth.services.suppliers,
        name=form.name,
        uscc=code,
        email=form.email,
        now=auth.now(),
    )


def _invite(auth: AuthRuntime, form: InvitationForm, ctx: AuditContext) -> Invitation:
    supplier_id = _supplier_id_for(auth, form)
    with auth.services.engine.begin() as conn:
        issued = create_invitation(
            conn,
            auth.signer,
            supplier_id=supplier_id,
            email=form.email,
            created_by=ctx.actor,
            now=auth.now(),
            ttl=auth.settings.invitation_ttl,
        )
        invitation = issued.invitation
        subject, body = invitation_email(invitation, auth.link(f"/invite/{issued.link_token}"))
        outbox.enqueue(conn, outbox.Channel.EMAIL, invitation.email, subject, body, now=auth.now())
        auth.audit.record(
            conn,
            ctx,
            "invitation.created",
            subject_type="supplier",
            subject_id=supplier_id,
            field_name="invitation",
            after=invitation.id,
        )
    return invitation


def _invitations_page(
    request: Request[Any, Any, Any], auth: AuthRuntime, *, status_code: int = 200, **extra: Any
) -> Template:
    with auth.services.engine.connect() as conn:
        invitations = list_invitations(conn)
    context: dict[str, Any] = {"form": InvitationForm(), "sent": None, "error": None} | extra
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
        invitation = _invite(auth, data, audit_context(request))
    except DomainValidationError as exc:
        return _invitations_page(request, auth, status_code=422, form=data, error=str(exc))
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
        messages = outbox.recent(conn, limit=200)
    return page(request, "auth/outbox.html", messages=messages, linkify=linkify)


ROUTES = [show_invitation, accept, invitations, send_invitation]
DEMO_ROUTES = [outbox_page]
