"""Purchasing manages invitations already sent: :func:`revoke_invitation`,
:func:`resend_invitation`.

A revoked invitation's link stops working at once (its expiry becomes its creation time,
so the link reads as no longer valid and the list shows 已撤销); sending again revokes the
old link and e-mails a new one to the same address. Each act opens its transaction,
checks the role and writes its audit entry (``invitation.revoked`` /
``invitation.resent``, plus ``invitation.created`` for the new link).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, update

from portal.audit.log import AuditContext, AuditLog
from portal.db.sealing import Sealer
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role
from portal.notifications import outbox
from portal.onboarding.invitations import (
    DEFAULT_TTL,
    INVITATION,
    Invitation,
    InvitationSigner,
    create_invitation,
    invitation_email,
)

__all__ = [
    "INVITATION_MANAGERS",
    "InvitationClosedError",
    "InvitationManageRefusedError",
    "UnknownInvitationError",
    "is_revoked",
    "resend_invitation",
    "revoke_invitation",
]

#: Who may invite, revoke and send again (the roles of ``/staff/invitations``).
INVITATION_MANAGERS = frozenset({Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN})


class InvitationManageRefusedError(PortalError, PermissionError):
    kind = ErrorKind.FORBIDDEN
    code = "invitation.manage_refused"

    def __init__(self, role: Role) -> None:
        super().__init__(
            f"role {role.value} may not manage invitations",
            message_zh="您的角色不能管理邀请",
        )


class UnknownInvitationError(PortalError, LookupError):
    kind = ErrorKind.NOT_FOUND
    code = "invitation.not_found"

    def __init__(self) -> None:
        super().__init__("no such invitation", message_zh="找不到该邀请")


class InvitationClosedError(PortalError):
    kind = ErrorKind.CONFLICT
    code = "invitation.closed"

    def __init__(self) -> None:
        super().__init__(
            "this invitation was already accepted; there is nothing to revoke or send again",
            message_zh="该邀请已被接受，无法撤销或重新发送",
        )


def _open_row(conn: Connection, by: Principal, invitation_id: str) -> Invitation:
    if by.role not in INVITATION_MANAGERS:
        raise InvitationManageRefusedError(by.role)
    from portal.onboarding.invitations import _invitation, _query  # the one row reader

    row = conn.execute(
        _query().where(INVITATION.c.id == invitation_id).with_for_update(of=INVITATION)
    ).first()
    if row is None:
        raise UnknownInvitationError()
    invitation = _invitation(row)
    if invitation.accepted_at is not None:
        raise InvitationClosedError()
    return invitation


def _close(conn: Connection, invitation: Invitation, by: str, now: datetime) -> None:
    """Mark the invitation revoked (once: a second revocation keeps the first's who/when)."""
    conn.execute(
        update(INVITATION)
        .where(
            INVITATION.c.id == invitation.id,
            INVITATION.c.accepted_at.is_(None),
            INVITATION.c.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_by=by)
    )


def revoke_invitation(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    by: Principal,
    invitation_id: str,
    *,
    now: datetime,
) -> Invitation:
    """Withdraw an invitation not accepted yet: its link no longer opens it."""
    with engine.begin() as conn:
        invitation = _open_row(conn, by, invitation_id)
        _close(conn, invitation, ctx.actor, now)
        audit.record(
            conn, ctx, "invitation.revoked", subject_type="supplier",
            subject_id=invitation.supplier_id, field_name="invitation", after=invitation.id,
            now=now,
        )  # fmt: skip
    return invitation


def resend_invitation(
    engine: Engine,
    sealer: Sealer,
    signer: InvitationSigner,
    audit: AuditLog,
    ctx: AuditContext,
    by: Principal,
    invitation_id: str,
    *,
    link_for: Callable[[str], str],
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> Invitation:
    """Send the invitation again with a new link (the old one stops working)."""
    with engine.begin() as conn:
        old = _open_row(conn, by, invitation_id)
        _close(conn, old, ctx.actor, now)
        issued = create_invitation(
            conn, signer, supplier_id=old.supplier_id, email=old.email, created_by=ctx.actor,
            now=now, ttl=ttl,
        )  # fmt: skip
        new = issued.invitation
        subject, body = invitation_email(new, link_for(issued.link_token))
        outbox.enqueue(conn, outbox.Channel.EMAIL, new.email, subject, body, now=now, sealer=sealer)
        detail = json.dumps({"old": old.id, "new": new.id})
        audit.record(
            conn, ctx, "invitation.resent", subject_type="supplier",
            subject_id=old.supplier_id, field_name="invitation", after=detail, now=now,
        )  # fmt: skip
        audit.record(
            conn, ctx, "invitation.created", subject_type="supplier",
            subject_id=new.supplier_id, field_name="invitation", after=new.id, now=now,
        )  # fmt: skip
    return new


def is_revoked(invitation: Invitation) -> bool:
    """Whether staff withdrew the invitation (or resent it with a new link)."""
    return invitation.accepted_at is None and invitation.revoked_at is not None
