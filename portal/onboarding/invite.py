"""Use cases of an invitation: send one, send its one-time code, accept one, and record
a refused link.

Each opens its own transaction and writes the audit entry of its act
(``invitation.created``, ``invitation.code_sent``, ``invitation.accepted``,
``invitation.refused``); the web routes only translate the request in and the page out.
E-mails holding a link or a code are sealed in the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from portal.audit.log import AuditContext, AuditLog
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.domain import foreign_tax
from portal.domain import uscc as uscc_rules
from portal.domain.errors import DomainValidationError
from portal.identity.users import UserAccount, get_account
from portal.notifications import outbox
from portal.onboarding.invitations import (
    DEFAULT_TTL,
    SUPPLIER,
    Invitation,
    InvitationBindingError,
    InvitationError,
    InvitationSigner,
    accept_invitation,
    code_email,
    create_invitation,
    invitation_email,
    issue_code,
    register_prospect,
    spend_code_attempt,
)

__all__ = [
    "accept_invited",
    "invite_supplier",
    "record_refusal",
    "send_acceptance_code",
    "supplier_for_invitation",
]


def supplier_for_invitation(
    engine: Engine,
    store: SupplierStore,
    *,
    uscc: str,
    name: str,
    email: str,
    now: datetime,
    foreign_tax_id: str = "",
    foreign_scheme: str = "",
) -> str:
    """The supplier an invitation is for: the one registered under the credit code (or,
    for a supplier outside mainland China, the foreign tax number), or a new prospective
    supplier when a name is given."""
    foreign = None
    if foreign_tax_id.strip():
        if uscc.strip():
            raise DomainValidationError(
                "give either the credit code or the foreign tax number, not both",
                zh="统一社会信用代码与境外税号只填其一",
            )
        foreign = foreign_tax.parse(foreign_tax_id, foreign_scheme.strip() or None)
    code = "" if foreign else uscc_rules.compact(uscc)
    found = SUPPLIER.c.foreign_tax_id == foreign.key if foreign else SUPPLIER.c.uscc == code
    with engine.connect() as conn:
        existing = conn.execute(select(SUPPLIER.c.id).where(found)).scalar()
    if existing:
        return str(existing)
    if not name.strip():
        en = foreign.words_en if foreign else f"the credit code {code}"
        zh = foreign.words_zh if foreign else f"统一社会信用代码 {code}"
        raise DomainValidationError(
            f"no supplier has {en}; give a name to invite a new supplier",
            zh=f"没有{zh}的供应商；邀请新供应商请填写名称",
        )
    return register_prospect(
        engine,
        store,
        name=name,
        email=email,
        now=now,
        uscc=code,
        foreign_tax_id=foreign.key if foreign else "",
    )


def invite_supplier(
    engine: Engine,
    store: SupplierStore,
    signer: InvitationSigner,
    audit: AuditLog,
    ctx: AuditContext,
    *,
    uscc: str,
    email: str,
    name: str,
    link_for: Callable[[str], str],
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
    foreign_tax_id: str = "",
    foreign_scheme: str = "",
) -> Invitation:
    """Invite a supplier by credit code or foreign tax number (registering it as
    prospective when new): the invitation, its e-mail in the outbox (``link_for`` turns a
    link token into the URL) and ``invitation.created`` in one transaction."""
    supplier_id = supplier_for_invitation(
        engine,
        store,
        uscc=uscc,
        name=name,
        email=email,
        now=now,
        foreign_tax_id=foreign_tax_id,
        foreign_scheme=foreign_scheme,
    )
    with engine.begin() as conn:
        issued = create_invitation(
            conn,
            signer,
            supplier_id=supplier_id,
            email=email,
            created_by=ctx.actor,
            now=now,
            ttl=ttl,
        )
        invitation = issued.invitation
        subject, body = invitation_email(invitation, link_for(issued.link_token))
        outbox.enqueue(
            conn,
            outbox.Channel.EMAIL,
            invitation.email,
            subject,
            body,
            now=now,
            sealer=store.sealer,  # the link opens the invitation: never in clear in the table
        )
        audit.record(
            conn,
            ctx,
            "invitation.created",
            subject_type="supplier",
            subject_id=supplier_id,
            field_name="invitation",
            after=invitation.id,
        )
    return invitation


def send_acceptance_code(
    engine: Engine,
    signer: InvitationSigner,
    sealer: Sealer,
    audit: AuditLog,
    ctx: AuditContext,
    link_token: str,
    *,
    account_id: str,
    now: datetime,
) -> Invitation:
    """E-mail a one-time code to the invited address (sealed in the outbox), for a login
    whose provider does not vouch for an address; audited as ``invitation.code_sent``."""
    with engine.begin() as conn:
        invitation, code = issue_code(conn, signer, link_token, account_id=account_id, now=now)
        subject, body = code_email(invitation, code)
        outbox.enqueue(
            conn, outbox.Channel.EMAIL, invitation.email, subject, body, now=now, sealer=sealer
        )
        audit.record(
            conn,
            ctx,
            "invitation.code_sent",
            subject_type="supplier",
            subject_id=invitation.supplier_id,
            field_name="invitation",
            after=invitation.id,
        )
    return invitation


def accept_invited(
    engine: Engine,
    signer: InvitationSigner,
    audit: AuditLog,
    ctx: AuditContext,
    link_token: str,
    *,
    account_id: str,
    verified_email: str | None,
    code: str | None = None,
    now: datetime,
) -> tuple[Invitation, UserAccount]:
    """Bind the account to the invitation's supplier, audited as ``invitation.accepted``
    by the account acting as a supplier; the invitation and the updated account.

    The login must be the invited address's: ``verified_email`` (the provider vouches for
    it), else ``code``, whose try is counted and committed before it is compared."""
    if verified_email is None and code:
        with engine.begin() as conn:
            spend_code_attempt(conn, signer, link_token, account_id=account_id, now=now)
    with engine.begin() as conn:
        invitation = accept_invitation(
            conn,
            signer,
            link_token,
            account_id=account_id,
            verified_email=verified_email,
            code=code,
            now=now,
        )
        audit.record(
            conn,
            replace(ctx, actor_role="supplier"),
            "invitation.accepted",
            subject_type="supplier",
            subject_id=invitation.supplier_id,
            field_name="invitation",
            after=invitation.id,
        )
        account = get_account(conn, account_id)
    if account is None:  # accept_invitation found it in this transaction
        raise InvitationBindingError("log in before accepting the invitation")
    return invitation, account


def record_refusal(
    engine: Engine, audit: AuditLog, ctx: AuditContext, exc: InvitationError
) -> None:
    """A refused link (tampered, expired, used, or a login that cannot be bound) is an
    audited act too: ``invitation.refused`` with the reason."""
    with engine.begin() as conn:
        audit.record(
            conn,
            ctx,
            "invitation.refused",
            subject_type="invitation",
            field_name="reason",
            after=exc.reason,
        )
