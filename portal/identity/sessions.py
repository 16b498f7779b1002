"""Logged-in browsers as rows: timeouts, ended by account changes, listed and ended by admins.

The session's data stays in the session store (memory or Redis); this table is the authority on
whether it may still act. A session ends, and every request with it is treated as anonymous:

- ``expired``: older than the absolute maximum age, however often it was used;
- ``idle``: not used for the idle timeout;
- ``role_changed``: the account's role is no longer the one the session was opened with;
- ``account_disabled``: an admin disabled the account;
- ``revoked``: an admin ended it, or the provider logged the person out;
- ``logout``: the person logged out;
- ``replaced``: the same browser logged in again (the old session id is worthless anyway).

The row's id is the SHA-256 of the cookie value, so the table never holds a usable session id.
Admin acts (list, revoke, disable, enable) are use cases: each checks the permission, opens its
transaction and writes its audit entry, whatever the channel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from portal.audit.log import AuditContext, AuditLog
from portal.db.auth_tables import UserAccountRow, UserSessionRow
from portal.db.tables import table_of
from portal.domain.principal import Principal, Role

SESSION = table_of(UserSessionRow)
ACCOUNT = table_of(UserAccountRow)
#: A session's last use is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


class SessionAdminError(Exception):
    """Base of the session administration errors."""


class NotAllowedError(SessionAdminError, PermissionError):
    """Only an admin may list or end other people's sessions, or disable accounts."""


class UnknownSessionError(SessionAdminError, LookupError):
    """No such session or account."""


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session may live, and may sit unused."""

    max_age: timedelta = timedelta(hours=8)
    idle: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class SessionView:
    """One open session, as the admin screen shows it."""

    id: str
    account_id: str
    display_name: str
    email: str | None
    role: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None


def session_key(cookie_value: str) -> str:
    """The row id of a session cookie (its SHA-256; the value itself is never stored).

    >>> len(session_key("abc")), session_key("abc") == session_key("abc")
    (64, True)
    """
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def open_session(
    conn: Connection,
    *,
    cookie_value: str,
    account_id: str,
    role: Role,
    now: datetime,
    policy: SessionPolicy,
    ip: str | None,
    user_agent: str | None,
) -> None:
    """Record a new login's session (in the caller's transaction)."""
    conn.execute(
        insert(SESSION).values(
            id=session_key(cookie_value),
            account_id=account_id,
            role=role.value,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.max_age,
            ip=(ip or None) and ip[:64],
            user_agent=(user_agent or None) and user_agent[:300],
        )
    )


def start_session(
    engine: Engine,
    *,
    cookie_value: str,
    account_id: str,
    role: Role,
    now: datetime,
    policy: SessionPolicy,
    ip: str | None,
    user_agent: str | None,
) -> None:
    """Record a new login's session in its own transaction."""
    with engine.begin() as conn:
        open_session(
            conn,
            cookie_value=cookie_value,
            account_id=account_id,
            role=role,
            now=now,
            policy=policy,
            ip=ip,
            user_agent=user_agent,
        )


def log_out_session(
    engine: Engine, cookie_value: str, now: datetime, *, reason: str = "logout"
) -> None:
    """The person logged out (or logged in again in the same browser): the row ends now."""
    with engine.begin() as conn:
        end_session(conn, cookie_value, now, reason)


def _end(conn: Connection, where: object, now: datetime, reason: str) -> int:
    result = conn.execute(
        update(SESSION)
        .where(where, SESSION.c.ended_at.is_(None))  # type: ignore[arg-type]
        .values(ended_at=now, end_reason=reason)
    )
    return int(result.rowcount or 0)


def end_session(conn: Connection, cookie_value: str, now: datetime, reason: str) -> None:
    """End one session (logout)."""
    _end(conn, SESSION.c.id == session_key(cookie_value), now, reason)


def end_account_sessions(conn: Connection, account_id: str, now: datetime, reason: str) -> int:
    """End every open session of an account (role changed, disabled, logged out at the provider)."""
    return _end(conn, SESSION.c.account_id == account_id, now, reason)


def check_session(
    engine: Engine, cookie_value: str, *, role: Role, now: datetime, policy: SessionPolicy
) -> bool:
    """Whether this session may still act as ``role``; ends it when it may not."""
    key = session_key(cookie_value)
    with engine.connect() as conn:
        row = conn.execute(
            select(
                SESSION.c.role,
                SESSION.c.last_seen_at,
                SESSION.c.expires_at,
                SESSION.c.ended_at,
                ACCOUNT.c.role.label("account_role"),
                ACCOUNT.c.disabled_at,
            )
            .join(ACCOUNT, ACCOUNT.c.id == SESSION.c.account_id)
            .where(SESSION.c.id == key)
        ).first()
    if row is None or row.ended_at is not None:
        return False
    reason = None
    if now >= row.expires_at:
        reason = "expired"
    elif now - row.last_seen_at >= policy.idle:
        reason = "idle"
    elif row.disabled_at is not None:
        reason = "account_disabled"
    elif row.account_role != row.role or row.role != role.value:
        reason = "role_changed"
    if reason is not None:
        with engine.begin() as conn:
            _end(conn, SESSION.c.id == key, now, reason)
        return False
    if now - row.last_seen_at >= TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(update(SESSION).where(SESSION.c.id == key).values(last_seen_at=now))
    return True


def _require_admin(actor: Principal) -> None:
    if actor.role is not Role.ADMIN or actor.kind != "user":
        raise NotAllowedError("only an administrator, logged in, may manage sessions and accounts")


def list_sessions(engine: Engine, actor: Principal, now: datetime) -> Sequence[SessionView]:
    """Open sessions, newest use first (admins only)."""
    _require_admin(actor)
    with engine.connect() as conn:
        rows = conn.execute(
            select(SESSION, ACCOUNT.c.display_name, ACCOUNT.c.email)
            .join(ACCOUNT, ACCOUNT.c.id == SESSION.c.account_id)
            .where(SESSION.c.ended_at.is_(None), SESSION.c.expires_at > now)
            .order_by(SESSION.c.last_seen_at.desc())
            .limit(500)
        ).all()
    return [
        SessionView(
            id=r.id,
            account_id=r.account_id,
            display_name=r.display_name,
            email=r.email,
            role=r.role,
            created_at=r.created_at,
            last_seen_at=r.last_seen_at,
            expires_at=r.expires_at,
            ip=r.ip,
            user_agent=r.user_agent,
        )
        for r in rows
    ]


def list_accounts(engine: Engine, actor: Principal, limit: int = 1000) -> Sequence[Row[Any]]:
    """Known accounts by name, with their role and whether they are disabled (admins only)."""
    _require_admin(actor)
    with engine.connect() as conn:
        return conn.execute(
            select(ACCOUNT).order_by(ACCOUNT.c.display_name, ACCOUNT.c.id).limit(limit)
        ).all()


def revoke_session(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    actor: Principal,
    session_id: str,
    now: datetime,
) -> None:
    """End someone's session (admins only); audited."""
    _require_admin(actor)
    with engine.begin() as conn:
        account_id = conn.execute(
            select(SESSION.c.account_id).where(SESSION.c.id == session_id)
        ).scalar()
        if account_id is None:
            raise UnknownSessionError("no such session")
        _end(conn, SESSION.c.id == session_id, now, "revoked")
        audit.record(
            conn,
            ctx,
            "session.revoked",
            subject_type="user_account",
            subject_id=str(account_id),
            now=now,
        )


def set_account_disabled(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    actor: Principal,
    account_id: str,
    *,
    disabled: bool,
    now: datetime,
) -> int:
    """Disable (ending its sessions) or re-enable an account (admins only); audited.

    Returns how many sessions were ended. An admin cannot disable their own account.
    """
    _require_admin(actor)
    if disabled and account_id == actor.subject:
        raise NotAllowedError("you cannot disable your own account")
    with engine.begin() as conn:
        exists = conn.execute(select(ACCOUNT.c.id).where(ACCOUNT.c.id == account_id)).scalar()
        if exists is None:
            raise UnknownSessionError("no such account")
        conn.execute(
            update(ACCOUNT)
            .where(ACCOUNT.c.id == account_id)
            .values(disabled_at=now if disabled else None)
        )
        ended = end_account_sessions(conn, account_id, now, "account_disabled") if disabled else 0
        audit.record(
            conn,
            ctx,
            "account.disabled" if disabled else "account.enabled",
            subject_type="user_account",
            subject_id=account_id,
            now=now,
        )
    return ended


def end_sessions_at_provider_logout(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    issuer: str,
    subject: str,
    now: datetime,
) -> int:
    """The identity provider logged this person out: end their sessions here; audited."""
    with engine.begin() as conn:
        account_id = conn.execute(
            select(ACCOUNT.c.id).where(ACCOUNT.c.issuer == issuer, ACCOUNT.c.subject == subject)
        ).scalar()
        if account_id is None:
            return 0
        ended = end_account_sessions(conn, str(account_id), now, "provider_logout")
        audit.record(
            conn,
            ctx,
            "logout.provider",
            subject_type="user_account",
            subject_id=str(account_id),
            field_name="sessions_ended",
            after=str(ended),
            now=now,
        )
    return ended
