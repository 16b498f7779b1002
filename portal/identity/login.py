"""Completing a login: the account the provider vouched for, recorded and audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from portal.audit.log import AuditContext, AuditLog
from portal.domain.principal import Role
from portal.identity.users import UserAccount, record_login
from portal.staff_directory.directory import link_on_login

__all__ = ["complete_login"]


def complete_login(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    *,
    issuer: str,
    subject: str,
    email: str | None,
    display_name: str,
    staff_role: Role | None,
    for_invitation: bool,
    now: datetime,
) -> UserAccount | None:
    """Record the account the provider vouched for and audit the outcome, in one transaction.

    Returns the account when it may enter, or may accept an invitation; None when it has no
    access (no staff role, no supplier, or disabled): the refusal is audited with its reason.
    """
    with engine.begin() as conn:
        account = record_login(
            conn,
            issuer=issuer,
            subject=subject,
            email=email,
            display_name=display_name,
            staff_role=staff_role,
            now=now,
        )
        who = AuditContext(
            **{**ctx.__dict__, "actor": account.id, "actor_name": display_name or None}
        )
        if account.has_access:
            who = AuditContext(**{**who.__dict__, "actor_role": account.role})
            audit.record(
                conn, who, "login.succeeded", subject_type="user_account", subject_id=account.id
            )
            if account.role is not None and account.role is not Role.SUPPLIER:
                # staff registered in the directory before their first login: link them
                linked = link_on_login(conn, account_id=account.id, email=email, subject=subject)
                if linked is not None:
                    audit.record(
                        conn, who, "staff.linked", subject_type="staff_member", subject_id=linked
                    )
            return account
        if for_invitation:
            audit.record(
                conn,
                who,
                "login.succeeded",
                subject_type="user_account",
                subject_id=account.id,
                field_name="access",
                after="pending_invitation",
            )
            return account
        audit.record(
            conn,
            who,
            "login.failed",
            subject_type="user_account",
            subject_id=account.id,
            field_name="reason",
            after="account_disabled" if account.disabled else "no_access",
        )
    return None
