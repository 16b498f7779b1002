"""SCIM tokens: the bearer token an identity provider pushes people with.

A token is named (the name is the channel of every change it makes), shown once when
created, stored as its SHA-256 only, and opens ``/scim/v2`` and nothing else: it is not an
API token (those open the finance API and never ``/scim/v2``). Only administrators create
and revoke them, each act audited.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.audit.log import AuditContext, AuditLog
from portal.db.staff_tables import DirectoryTokenRow
from portal.db.tables import table_of
from portal.domain.errors import ErrorKind
from portal.domain.principal import Principal, Role
from portal.staff_directory.directory import StaffDirectoryError, StaffForbiddenError

__all__ = [
    "PREFIX",
    "DirectoryToken",
    "create_directory_token",
    "directory_tokens",
    "revoke_directory_token",
    "token_name_for",
]

TOKEN = table_of(DirectoryTokenRow)
#: distinguishes SCIM tokens from API tokens (``spk_``) at a glance and in secret scanners
PREFIX = "scim_"


@dataclass(frozen=True)
class DirectoryToken:
    """A SCIM token as the admin page lists it (never the token itself)."""

    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise StaffForbiddenError()


class DirectoryTokenError(StaffDirectoryError):
    code = "staff.scim_token"


class DirectoryTokenNotFoundError(DirectoryTokenError):
    kind = ErrorKind.NOT_FOUND


def create_directory_token(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    principal: Principal,
    name: str,
    *,
    now: datetime,
) -> str:
    """Create a named SCIM token and return it (the only time it can be seen)."""
    _admin(principal)
    name = name.strip()
    if not name or len(name) > 100:
        raise DirectoryTokenError(
            "Give the token a name (who uses it, e.g. Entra ID).",
            message_zh="请为令牌命名（由谁使用，例如 Entra ID）。",
            field="name",
        )
    token = PREFIX + secrets.token_urlsafe(32)
    token_id = str(uuid.uuid4())
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(TOKEN).values(
                    id=token_id, name=name, token_sha256=_digest(token), created_at=now
                )
            )
            audit.record(conn, ctx, "directory.token_created", subject_type="directory_token",
                         subject_id=token_id, field_name=name, now=now)  # fmt: skip
    except IntegrityError as exc:
        raise DirectoryTokenError(
            f"A SCIM token named {name!r} already exists.",
            message_zh=f"已有名为 {name} 的 SCIM 令牌。",
            field="name",
        ) from exc
    return token


def revoke_directory_token(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    principal: Principal,
    name: str,
    *,
    now: datetime,
) -> None:
    """Revoke a SCIM token by name; the provider using it is refused from then on."""
    _admin(principal)
    with engine.begin() as conn:
        row = conn.execute(
            select(TOKEN.c.id).where(TOKEN.c.name == name, TOKEN.c.revoked_at.is_(None))
        ).first()
        if row is None:
            raise DirectoryTokenNotFoundError(
                f"No active SCIM token is named {name!r}.",
                message_zh=f"没有名为 {name} 的有效 SCIM 令牌。",
            )
        conn.execute(update(TOKEN).where(TOKEN.c.id == row.id).values(revoked_at=now))
        audit.record(conn, ctx, "directory.token_revoked", subject_type="directory_token",
                     subject_id=row.id, field_name=name, now=now)  # fmt: skip


def directory_tokens(engine: Engine, principal: Principal) -> list[DirectoryToken]:
    """Every SCIM token, by name (administrators only)."""
    _admin(principal)
    with engine.connect() as conn:
        rows = conn.execute(select(TOKEN).order_by(TOKEN.c.name)).all()
    return [DirectoryToken(r.name, r.created_at, r.last_used_at, r.revoked_at is not None)
            for r in rows]  # fmt: skip


def token_name_for(engine: Engine, token: str, *, now: datetime) -> str | None:
    """The name of the active SCIM token presented, or None (deny)."""
    if not token.startswith(PREFIX):
        return None
    with engine.begin() as conn:
        row = conn.execute(
            select(TOKEN.c.id, TOKEN.c.name).where(
                TOKEN.c.token_sha256 == _digest(token), TOKEN.c.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            return None
        conn.execute(update(TOKEN).where(TOKEN.c.id == row.id).values(last_used_at=now))
    return str(row.name)
