"""API tokens for machine clients (the finance system).

The token is shown once when created; only its SHA-256 is stored, so a copy
of the database does not let anyone call the API.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.db.tables import ApiClientRow, table_of
from portal.domain.principal import Principal, Role

_T = table_of(ApiClientRow)
PREFIX = "spk_"


class ApiClientError(ValueError):
    """A client could not be created or changed; permanent."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def insert_client(
    conn: Connection, name: str, role: Role, *, can_reveal: bool, now: datetime
) -> tuple[str, str]:
    """Store a client in the caller's transaction; its id and token (visible this once)."""
    if role is Role.SUPPLIER:
        raise ApiClientError("API tokens are for staff systems; suppliers log in through OIDC")
    token = PREFIX + secrets.token_urlsafe(32)
    client_id = str(uuid.uuid4())
    try:
        with conn.begin_nested():
            conn.execute(
                insert(_T).values(
                    id=client_id,
                    name=name,
                    role=role.value,
                    can_reveal=can_reveal,
                    token_sha256=_digest(token),
                    created_at=now,
                )
            )
    except IntegrityError as exc:
        raise ApiClientError(f"an API client named {name!r} already exists") from exc
    return client_id, token


def create_client(engine: Engine, name: str, role: Role, *, can_reveal: bool, now: datetime) -> str:
    """Create a client and return its token (the only time it is visible)."""
    with engine.begin() as conn:
        return insert_client(conn, name, role, can_reveal=can_reveal, now=now)[1]


def revoke_client(engine: Engine, name: str, *, now: datetime) -> bool:
    """Revoke a client's token; returns whether a client was revoked."""
    with engine.begin() as conn:
        result = conn.execute(
            update(_T).where(_T.c.name == name, _T.c.revoked_at.is_(None)).values(revoked_at=now)
        )
    return result.rowcount == 1


def principal_for_token(engine: Engine, token: str) -> Principal | None:
    """The client a bearer token belongs to, or None."""
    if not token.startswith(PREFIX):
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(_T).where(_T.c.token_sha256 == _digest(token), _T.c.revoked_at.is_(None))
        ).first()
    if row is None:
        return None
    return Principal(
        subject=f"api:{row.name}",
        role=Role(row.role),
        display_name=row.name,
        can_reveal=row.can_reveal,
        kind="api",
    )
