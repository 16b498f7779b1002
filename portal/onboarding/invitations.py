"""Inviting a supplier: a signed one-time link that binds one login to one supplier.

The link carries ``<invitation id>.<random token>.<HMAC>``. The HMAC (keyed
with a secret from the settings, never stored) is checked first, so a tampered
link is refused without a database read; the database holds only the SHA-256
of the token. Accepting is a conditional UPDATE (``... WHERE accepted_at IS
NULL AND expires_at > now``), so two clicks on one link bind at most once.

The link alone does not bind: the invitation is for one e-mail address. A login whose
provider vouches for that address (``email_verified``, compared case-insensitively) may
accept; one vouching for another address may not; one without a verified address must
type a six-digit code e-mailed to the invited address. A code is for one account, lives
15 minutes and takes at most 5 tries (each try is counted in its own committed
transaction before it is compared); at most 5 codes are sent per invitation. Only the
code's HMAC is stored.

Errors::

    InvitationError
    ├── InvitationTamperedError (ValueError)  the link was altered or made up
    ├── InvitationExpiredError                past its expiry
    ├── InvitationRevokedError                withdrawn by purchasing (or resent)
    ├── InvitationUsedError                   already accepted
    ├── InvitationBindingError                this login cannot be bound (staff, other supplier)
    │   └── InvitationEmailMismatchError      the login's verified address is another one
    ├── InvitationCodeRequiredError           no verified address: a code must be typed
    └── InvitationCodeError (ValueError)      the code is wrong, spent, expired or too often asked
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from portal.db.auth_tables import InvitationRow, UserAccountRow
from portal.db.supplier_store import SupplierStore
from portal.db.tables import SupplierRow, table_of
from portal.domain.errors import DomainValidationError
from portal.domain.principal import STAFF, Role
from portal.domain.supplier_input import parse_supplier
from portal.onboarding.registration import OutcomeStatus, register_suppliers

INVITATION = table_of(InvitationRow)
ACCOUNT = table_of(UserAccountRow)
SUPPLIER = table_of(SupplierRow)
DEFAULT_TTL = timedelta(days=7)


class InvitationError(Exception):
    """Base of the invitation errors; ``reason`` is a short code for the audit log."""

    reason = "invalid"


class InvitationTamperedError(InvitationError, ValueError):
    """The link was altered, truncated or made up."""

    reason = "tampered"


class InvitationExpiredError(InvitationError):
    """The link is past its expiry; purchasing can send a new one."""

    reason = "expired"


class InvitationRevokedError(InvitationError):
    """Purchasing withdrew the link (or sent a new one in its place)."""

    reason = "revoked"


class InvitationUsedError(InvitationError):
    """The link was already used."""

    reason = "used"


class InvitationBindingError(InvitationError):
    """This login cannot be bound to the supplier (staff, or bound to another supplier)."""

    reason = "binding"


class InvitationEmailMismatchError(InvitationBindingError):
    """The provider vouches for another address than the one invited."""

    reason = "email_mismatch"


class InvitationCodeRequiredError(InvitationError):
    """The login has no verified address: the code e-mailed to the invited one is needed."""

    reason = "code_required"


class InvitationCodeError(InvitationError, ValueError):
    """The code is wrong, expired or spent, or too many codes were asked for."""

    reason = "code_wrong"


CODE_TTL = timedelta(minutes=15)
MAX_CODE_ATTEMPTS = 5
MAX_CODES = 5


@dataclass(frozen=True)
class Invitation:
    """An invitation as purchasing and the invitee see it."""

    id: str
    supplier_id: str
    supplier_name: str
    email: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_by: str | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def status(self, now: datetime) -> str:
        """accepted, revoked, expired or open."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:  # withdrawn or resent (portal.onboarding.manage)
            return "revoked"
        return "expired" if _aware(self.expires_at) <= now else "open"


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and the secret part of its link (shown once, in the e-mail)."""

    invitation: Invitation
    link_token: str


class InvitationSigner:
    """Makes and checks the signed link tokens."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the invitation key must have at least 32 bytes")
        self._key = key

    def _mac(self, invitation_id: str, token: str) -> str:
        digest = hmac.new(self._key, f"{invitation_id}.{token}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, invitation_id: str, token: str) -> str:
        """The link token for an invitation id and its random token."""
        return f"{invitation_id}.{token}.{self._mac(invitation_id, token)}"

    def code_mac(self, invitation_id: str, account_id: str, code: str) -> str:
        """The stored form of a one-time code: bound to the invitation and the account."""
        message = f"code.{invitation_id}.{account_id}.{code}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def open(self, link_token: str) -> tuple[str, str]:
        """The invitation id and random token, or InvitationTamperedError."""
        parts = link_token.split(".")
        if len(parts) != 3 or not all(parts):
            raise InvitationTamperedError("the invitation link is incomplete or altered")
        invitation_id, token, mac = parts
        if not hmac.compare_digest(mac, self._mac(invitation_id, token)):
            raise InvitationTamperedError("the invitation link is incomplete or altered")
        return invitation_id, token


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invitation(row: Row[Any]) -> Invitation:
    return Invitation(
        id=row.id,
        supplier_id=row.supplier_id,
        supplier_name=row.supplier_name,
        email=row.email,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        accepted_at=row.accepted_at,
        accepted_by=row.accepted_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


def _query() -> Any:
    return select(INVITATION, SUPPLIER.c.name.label("supplier_name")).join(
        SUPPLIER, SUPPLIER.c.id == INVITATION.c.supplier_id
    )


def supplier_name(conn: Connection, supplier_id: str) -> str | None:
    """The supplier's registered name, or None when there is no such supplier."""
    return conn.execute(select(SUPPLIER.c.name).where(SUPPLIER.c.id == supplier_id)).scalar()


def create_invitation(
    conn: Connection,
    signer: InvitationSigner,
    *,
    supplier_id: str,
    email: str,
    created_by: str,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> IssuedInvitation:
    """Store a new invitation (only its token's hash) and return its link token."""
    if supplier_name(conn, supplier_id) is None:
        raise DomainValidationError(f"there is no supplier {supplier_id}")
    address = email.strip()
    if "@" not in address or len(address) > 320 or any(c.isspace() for c in address):
        raise DomainValidationError(f"{email!r} is not an e-mail address")
    invitation_id, token = str(uuid.uuid4()), secrets.token_urlsafe(32)
    conn.execute(
        insert(INVITATION).values(
            id=invitation_id,
            supplier_id=supplier_id,
            email=address,
            token_hash=_hash(token),
            created_by=created_by,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    row = conn.execute(_query().where(INVITATION.c.id == invitation_id)).one()
    return IssuedInvitation(_invitation(row), signer.sign(invitation_id, token))


def register_prospect(
    engine: Engine,
    store: SupplierStore,
    *,
    name: str,
    email: str,
    now: datetime,
    uscc: str = "",
    foreign_tax_id: str = "",
) -> str:
    """The id of the supplier with this USCC (or foreign tax id), registering it as
    prospective if new."""
    supplier, findings = parse_supplier(
        {
            "uscc": uscc,
            "foreign_tax_id": foreign_tax_id,
            "name": name,
            "lifecycle_state": "prospective",
            "contact_email": email,
        }
    )
    if supplier is None:
        raise DomainValidationError(
            "; ".join(
                f"{f.field_name or f.code}: {f.message_zh} / {f.message_en}" for f in findings
            )
            or "invalid supplier"
        )
    (outcome,) = register_suppliers(engine, store, [(0, supplier, findings)], now=now)
    if outcome.status in (OutcomeStatus.CREATED, OutcomeStatus.EXISTS) and outcome.supplier_id:
        return outcome.supplier_id
    raise DomainValidationError(
        "; ".join(
            f"{f.field_name or f.code}: {f.message_zh} / {f.message_en}" for f in outcome.findings
        )
        or "the supplier could not be registered"
    )


def check_invitation(
    conn: Connection, signer: InvitationSigner, link_token: str, *, now: datetime
) -> Invitation:
    """The invitation behind a link, if it can still be accepted; else why not."""
    invitation_id, token = signer.open(link_token)
    row = conn.execute(_query().where(INVITATION.c.id == invitation_id)).first()
    if row is None or not hmac.compare_digest(row.token_hash, _hash(token)):
        raise InvitationTamperedError("the invitation link is incomplete or altered")
    invitation = _invitation(row)
    if invitation.accepted_at is not None:
        raise InvitationUsedError("this invitation was already used")
    if invitation.revoked_at is not None:
        raise InvitationRevokedError("this invitation was withdrawn")
    if _aware(invitation.expires_at) <= now:
        raise InvitationExpiredError("this invitation has expired")
    return invitation


def same_address(one: str, other: str) -> bool:
    """Whether two e-mail addresses are the same (case-insensitive, spaces ignored).

    >>> same_address("Li.Na@Supplier.example ", "li.na@supplier.EXAMPLE")
    True
    """
    return one.strip().casefold() == other.strip().casefold()


def issue_code(
    conn: Connection, signer: InvitationSigner, link_token: str, *, account_id: str, now: datetime
) -> tuple[Invitation, str]:
    """A new one-time code for this account (the previous one stops working)."""
    invitation = check_invitation(conn, signer, link_token, now=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    issued = conn.execute(
        update(INVITATION)
        .where(INVITATION.c.id == invitation.id, INVITATION.c.codes_sent < MAX_CODES)
        .values(
            code_hash=signer.code_mac(invitation.id, account_id, code),
            code_account_id=account_id,
            code_expires_at=now + CODE_TTL,
            code_attempts=0,
            codes_sent=INVITATION.c.codes_sent + 1,
        )
    )
    if issued.rowcount != 1:
        raise InvitationCodeError(
            f"{MAX_CODES} codes were already sent for this invitation; ask purchasing for a new one"
        )
    return invitation, code


def spend_code_attempt(
    conn: Connection, signer: InvitationSigner, link_token: str, *, account_id: str, now: datetime
) -> None:
    """Count one try of this account's code (commit before comparing: a wrong code must
    still use up a try); raises when no try is left or the code has expired."""
    invitation = check_invitation(conn, signer, link_token, now=now)
    counted = conn.execute(
        update(INVITATION)
        .where(
            INVITATION.c.id == invitation.id,
            INVITATION.c.code_account_id == account_id,
            INVITATION.c.code_expires_at > now,
            INVITATION.c.code_attempts < MAX_CODE_ATTEMPTS,
        )
        .values(code_attempts=INVITATION.c.code_attempts + 1)
    )
    if counted.rowcount != 1:
        raise InvitationCodeError("the code has expired or was tried too often; ask for a new one")


def _check_address(
    conn: Connection,
    signer: InvitationSigner,
    invitation: Invitation,
    *,
    account_id: str,
    verified_email: str | None,
    code: str | None,
    now: datetime,
) -> None:
    """The login is the invited address's: vouched for by the provider, or proven by code."""
    if verified_email is not None:
        if not same_address(verified_email, invitation.email):
            raise InvitationEmailMismatchError(
                "the invitation is for another e-mail address than the one you logged in with"
            )
        return
    if not code:
        raise InvitationCodeRequiredError(
            "type the code sent to the invited e-mail address to accept"
        )
    row = conn.execute(select(INVITATION).where(INVITATION.c.id == invitation.id)).one()
    expected = signer.code_mac(invitation.id, account_id, code.strip())
    if (
        row.code_hash is None
        or row.code_account_id != account_id
        or row.code_expires_at is None
        or _aware(row.code_expires_at) <= now
        or row.code_attempts > MAX_CODE_ATTEMPTS
        or not hmac.compare_digest(row.code_hash, expected)
    ):
        raise InvitationCodeError("the code is not right, or no longer valid")


def accept_invitation(
    conn: Connection,
    signer: InvitationSigner,
    link_token: str,
    *,
    account_id: str,
    verified_email: str | None,
    code: str | None = None,
    now: datetime,
) -> Invitation:
    """Bind the account to the invitation's supplier (role supplier), exactly once, when
    the login is the invited address's (``verified_email``, else the e-mailed ``code``)."""
    invitation = check_invitation(conn, signer, link_token, now=now)
    account = conn.execute(select(ACCOUNT).where(ACCOUNT.c.id == account_id)).first()
    if account is None:
        raise InvitationBindingError("log in before accepting the invitation")
    if account.role and Role(account.role) in STAFF:
        raise InvitationBindingError("staff accounts cannot accept supplier invitations")
    if account.supplier_id and account.supplier_id != invitation.supplier_id:
        raise InvitationBindingError("this login already belongs to another supplier")
    _check_address(
        conn,
        signer,
        invitation,
        account_id=account_id,
        verified_email=verified_email,
        code=code,
        now=now,
    )
    taken = conn.execute(
        update(INVITATION)
        .where(
            INVITATION.c.id == invitation.id,
            INVITATION.c.accepted_at.is_(None),
            INVITATION.c.expires_at > now,
        )
        .values(accepted_at=now, accepted_by=account_id, code_hash=None)
    )
    if taken.rowcount != 1:
        raise InvitationUsedError("this invitation was already used")
    conn.execute(
        update(ACCOUNT)
        .where(ACCOUNT.c.id == account_id)
        .values(role=Role.SUPPLIER.value, supplier_id=invitation.supplier_id)
    )
    return Invitation(**{**invitation.__dict__, "accepted_at": now, "accepted_by": account_id})


def list_invitations(
    conn: Connection, *, supplier_id: str | None = None, limit: int = 200
) -> list[Invitation]:
    """Newest first, optionally of one supplier."""
    query = _query().order_by(INVITATION.c.created_at.desc()).limit(limit)
    if supplier_id is not None:
        query = query.where(INVITATION.c.supplier_id == supplier_id)
    return [_invitation(row) for row in conn.execute(query)]


def code_email(invitation: Invitation, code: str) -> tuple[str, str]:
    """Subject and body (Chinese, then English) of the e-mail carrying a one-time code."""
    minutes = int(CODE_TTL.total_seconds() // 60)
    subject = f"邀请确认码 / Invitation code: {invitation.supplier_name}"
    body = (
        f"您好，\n\n接受 {invitation.supplier_name} 的供应商门户邀请需要输入以下确认码"
        f"（{minutes} 分钟内有效，仅可使用一次）：\n\n{code}\n\n"
        "如非本人操作，请勿将确认码告诉任何人，并忽略此邮件。\n\n"
        "----\n\n"
        f"Hello,\n\nto accept the supplier portal invitation of {invitation.supplier_name}, "
        f"type this code (valid for {minutes} minutes, once):\n\n{code}\n\n"
        "If you did not ask for it, tell nobody the code and ignore this e-mail.\n"
    )
    return subject, body


def invitation_email(invitation: Invitation, link: str) -> tuple[str, str]:
    """Subject and body (Chinese, then English) of the invitation e-mail."""
    expires = _aware(invitation.expires_at).strftime("%Y-%m-%d %H:%M UTC")
    subject = f"供应商门户邀请 / Supplier portal invitation: {invitation.supplier_name}"
    body = (
        f"您好，\n\n{invitation.supplier_name} 受邀在供应商主数据门户维护本公司的资料。\n"
        f"请在 {expires} 之前打开以下链接，登录后接受邀请（链接仅可使用一次）：\n\n{link}\n\n"
        "如非本人操作，请忽略此邮件。\n\n"
        "----\n\n"
        f"Hello,\n\n{invitation.supplier_name} is invited to maintain its data on the "
        f"supplier portal. Open this link before {expires}, log in and accept "
        f"(the link works once):\n\n{link}\n\n"
        "If you did not expect this e-mail, ignore it.\n"
    )
    return subject, body
