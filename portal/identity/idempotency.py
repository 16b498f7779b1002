"""Idempotent POSTs of the API: one ``Idempotency-Key`` per API client, one answer.

The first POST with a key claims it (a row keyed by the client and the key, holding the hash
of the method, path and body); its answer is stored when it is known. The same key with the
same request gets that first answer again, whatever happened meanwhile; with another request
it is refused (422), and while the first is still being answered the second is told to retry
(409). Keys are scoped per client (one ERP cannot replay another's answer) and expire after
``ttl`` (an expired key may be used again as new). An answer of 5xx is not kept: the failure
may be temporary, so the key is released for a retry. Expired keys are deleted by
:func:`purge_expired_keys` (the worker loops and ``portal api-token purge-keys``): kept
answers are not held longer than their retention.

Errors::

    IdempotencyKeyError        the key is empty, too long or not printable ASCII (422)
    IdempotencyKeyReusedError  the key was used for another request (422)
    IdempotencyInFlightError   the first request with this key is still running (409, retry)
    RequestTooLargeError       the body is larger than the API accepts (422)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from portal.db.feed_tables import IdempotencyKeyRow
from portal.db.tables import table_of
from portal.domain.errors import DomainValidationError, ErrorKind, PortalError

__all__ = [
    "DEFAULT_TTL",
    "IdempotencyInFlightError",
    "IdempotencyKeyError",
    "IdempotencyKeyReusedError",
    "RequestTooLargeError",
    "StoredAnswer",
    "claim_key",
    "purge_expired_keys",
    "release_key",
    "request_hash",
    "store_answer",
]

KEYS = table_of(IdempotencyKeyRow)
DEFAULT_TTL = timedelta(hours=24)
MAX_KEY = 200


class IdempotencyKeyError(DomainValidationError):
    """The Idempotency-Key header is not a usable key; permanent."""

    def __init__(self) -> None:
        super().__init__(
            f"Idempotency-Key must be 1 to {MAX_KEY} printable ASCII characters (a UUID is best)",
            code="idempotency.key_invalid",
            zh=f"Idempotency-Key 须为 1 到 {MAX_KEY} 个可打印 ASCII 字符（建议使用 UUID）",
        )
        self.field = "Idempotency-Key"


class IdempotencyKeyReusedError(DomainValidationError):
    """The key was first used with another request; permanent."""

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used with a different request (method, path or "
            "body); use a new key for a new request",
            code="idempotency.key_reused",
            zh="此 Idempotency-Key 已用于另一个请求（方法、路径或请求体不同）；新请求请使用新的键",
        )
        self.field = "Idempotency-Key"


class IdempotencyInFlightError(PortalError):
    """The first request with this key has not been answered yet; retry shortly."""

    kind = ErrorKind.CONFLICT
    retryable = True
    code = "idempotency.in_flight"

    def __init__(self) -> None:
        super().__init__(
            "the first request with this Idempotency-Key is still being processed; retry shortly",
            message_zh="使用此 Idempotency-Key 的第一个请求仍在处理中，请稍后重试",
            field="Idempotency-Key",
        )


class RequestTooLargeError(DomainValidationError):
    """A request with an Idempotency-Key is larger than the API accepts; permanent."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the request body is larger than {limit} bytes",
            code="request.too_large",
            zh=f"请求体超过 {limit} 字节",
        )


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer to a key: status, media type and body."""

    status: int
    body: bytes
    media_type: str


def request_hash(method_path: str, body: bytes) -> str:
    """SHA-256 of the method, path and body (JSON compared by meaning, not by spacing)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(method_path.encode() + b"\n" + canonical).hexdigest()


def _check(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY or not all(32 < ord(ch) < 127 for ch in key):
        raise IdempotencyKeyError


def claim_key(
    engine: Engine,
    client: str,
    key: str,
    method_path: str,
    digest: str,
    *,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> StoredAnswer | None:
    """Claim ``key`` for this request (None: go on and answer it), or the first answer."""
    _check(key)
    where = (KEYS.c.client == client, KEYS.c.key == key)
    for _ in range(2):
        try:
            with engine.begin() as conn:
                conn.execute(delete(KEYS).where(*where, KEYS.c.expires_at <= now))
                conn.execute(
                    insert(KEYS).values(
                        client=client, key=key, method_path=method_path[:300],
                        request_hash=digest, created_at=now, expires_at=now + ttl,
                    )
                )  # fmt: skip
            return None
        except IntegrityError:
            with engine.connect() as conn:
                row = conn.execute(select(KEYS).where(*where)).first()
            if row is None:  # released meanwhile: try to claim it again
                continue
            if row.request_hash != digest:
                raise IdempotencyKeyReusedError from None
            if row.status_code is None:
                raise IdempotencyInFlightError from None
            stored = json.loads(row.response or "{}")
            return StoredAnswer(
                row.status_code, stored.get("body", "").encode(), stored.get("media_type", "")
            )
    raise IdempotencyInFlightError


def store_answer(engine: Engine, client: str, key: str, answer: StoredAnswer) -> None:
    """Keep the first answer (a 5xx releases the key instead: the retry may succeed)."""
    if answer.status >= 500:
        release_key(engine, client, key)
        return
    response = json.dumps(
        {"body": answer.body.decode("utf-8", "replace"), "media_type": answer.media_type},
        ensure_ascii=False,
    )
    with engine.begin() as conn:
        conn.execute(
            update(KEYS)
            .where(KEYS.c.client == client, KEYS.c.key == key)
            .values(status_code=answer.status, response=response)
        )


def release_key(engine: Engine, client: str, key: str) -> None:
    """Forget an unanswered claim (the request failed before it had an answer to keep)."""
    with engine.begin() as conn:
        conn.execute(
            delete(KEYS).where(
                KEYS.c.client == client, KEYS.c.key == key, KEYS.c.status_code.is_(None)
            )
        )


def purge_expired_keys(engine: Engine, *, now: datetime, batch: int = 1000) -> int:
    """Delete the keys (and their kept answers) past their retention, ``batch`` rows per
    transaction so a large backlog never holds a long lock; returns how many."""
    purged = 0
    while True:
        with engine.begin() as conn:
            expired = conn.execute(
                select(KEYS.c.client, KEYS.c.key).where(KEYS.c.expires_at <= now).limit(batch)
            ).all()
            if expired:
                pairs = [tuple(row) for row in expired]
                conn.execute(delete(KEYS).where(tuple_(KEYS.c.client, KEYS.c.key).in_(pairs)))
        purged += len(expired)
        if len(expired) < batch:
            return purged
