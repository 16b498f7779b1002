"""Revoking and re-sending an invitation from ``/staff/invitations``.

The routes only translate: the role check, the transaction, the e-mail in the outbox and the
audit entries are :mod:`portal.onboarding.manage`'s.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Redirect

from portal.onboarding.manage import INVITATION_MANAGERS, resend_invitation, revoke_invitation
from portal.web.auth.runtime import AuthDep
from portal.web.context import audit_context
from portal.web.security import principal_of, requires

__all__ = ["ROUTES"]

MANAGERS = [requires(*INVITATION_MANAGERS)]


@post("/staff/invitations/{invitation_id:str}/revoke", guards=MANAGERS, sync_to_thread=True)
def revoke(request: Request[Any, Any, Any], auth: AuthDep, invitation_id: FromPath[str]) -> Any:
    """Withdraw an invitation: its link stops working."""
    revoke_invitation(
        auth.services.engine, auth.audit, audit_context(request), principal_of(request),
        invitation_id, now=auth.now(),
    )  # fmt: skip
    return Redirect(path="/staff/invitations", status_code=303)


@post("/staff/invitations/{invitation_id:str}/resend", guards=MANAGERS, sync_to_thread=True)
def resend(request: Request[Any, Any, Any], auth: AuthDep, invitation_id: FromPath[str]) -> Any:
    """Send the invitation again with a new link to the same address."""
    resend_invitation(
        auth.services.engine, auth.services.sealer, auth.signer, auth.audit,
        audit_context(request), principal_of(request), invitation_id,
        link_for=lambda token: auth.link(f"/invite/{token}"), now=auth.now(),
        ttl=auth.settings.invitation_ttl,
    )  # fmt: skip
    return Redirect(path="/staff/invitations", status_code=303)


ROUTES = [revoke, resend]
