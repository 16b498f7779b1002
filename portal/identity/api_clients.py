"""API tokens for machine clients (the finance system).

The token is shown once when created; only its SHA-256 is stored, so a copy
of the database does not let anyone call the API.

A server checks a token against the database at most once per :data:`TOKEN_CACHE_SECONDS`
(:class:`TokenVerifier`). A revocation takes effect at once in the process that made it
(every cache of the process is emptied) and within :data:`TOKEN_CACHE_SECONDS` in every
other process (another worker or instance, the CLI revoking on the server's behalf).
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.db.engine import read
from portal.db.tables import ApiClientRow, table_of
from portal.domain.principal import Principal, Role

_T = table_of(ApiClientRow)
PREFIX = "spk_"
#: How long a checked token is believed without asking the database again (seconds): the
#: longest a revocation made by another process takes to reach this one.
TOKEN_CACHE_SECONDS = 30.0


class _Revocations:
    """How many revocations this process has made: a cache filled before the latest one
    is stale, whatever its age."""

    count = 0

    @classmethod
    def happened(cls) -> None:
        cls.count += 1


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
    revoked()
    return result.rowcount == 1


def revoked() -> None:
    """Tell this process's token caches that a token was revoked (after the commit)."""
    _Revocations.happened()


class TokenVerifier:
    """:func:`principal_for_token` with the answers remembered for ``ttl`` seconds.

    Only valid tokens are remembered (an unknown token is asked again each time, so a token
    created a moment ago works at once), by their SHA-256, at most ``max_entries`` of them.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        ttl: float = TOKEN_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 1024,
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.clock = clock
        self.max_entries = max_entries
        self._known: dict[str, tuple[float, Principal]] = {}
        self._revocations = _Revocations.count

    def principal(self, token: str) -> Principal | None:
        """The client the token belongs to, or None (unknown, revoked)."""
        if not token.startswith(PREFIX):
            return None
        if self._revocations != _Revocations.count:
            self._known.clear()
            self._revocations = _Revocations.count
        digest, now = _digest(token), self.clock()
        known = self._known.get(digest)
        if known is not None and now < known[0]:
            return known[1]
        principal = principal_for_token(self.engine, token)
        if principal is None:
            self._known.pop(digest, None)
        else:
            if len(self._known) >= self.max_entries:
                self._known.clear()
            self._known[digest] = (now + self.ttl, principal)
        return principal


def principal_for_token(engine: Engine, token: str) -> Principal | None:
    """The client a bearer token belongs to, or None."""
    if not token.startswith(PREFIX):
        return None
    query = select(_T).where(_T.c.token_sha256 == _digest(token), _T.c.revoked_at.is_(None))
    row = read(engine, lambda conn: conn.execute(query).first())
    if row is None:
        return None
    return Principal(
        subject=f"api:{row.name}",
        role=Role(row.role),
        display_name=row.name,
        can_reveal=row.can_reveal,
        kind="api",
    )
