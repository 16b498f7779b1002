"""``Idempotency-Key`` on every POST of ``/api/v1/*`` (ASGI middleware, after authentication).

The request's body is read once, hashed with its method and path, and the key claimed for the
calling client (:mod:`portal.identity.idempotency`): a new key lets the request through and
keeps its answer; a key seen before with the same request answers the first answer again
(header ``Idempotent-Replayed: true``); with another request, 422; while the first is still
running, 409 (retryable). POSTs without the header behave as before. An unauthenticated
request passes through untouched (the route answers 401; keys belong to clients).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import anyio
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import Engine

from portal.domain.principal import Principal
from portal.identity.idempotency import (
    RequestTooLargeError,
    StoredAnswer,
    claim_key,
    release_key,
    request_hash,
    store_answer,
)

HEADER = b"idempotency-key"
PREFIX = "/api/v1/"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None when it is larger than ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_answer(send: Send, answer: StoredAnswer) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [
                (b"content-type", (answer.media_type or "application/json").encode()),
                (b"content-length", str(len(answer.body)).encode()),
                (b"idempotent-replayed", b"true"),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


class IdempotencyMiddleware:
    """Keeps the first answer to each (client, Idempotency-Key) of the API's POSTs."""

    def __init__(self, app: ASGIApp, engine: Engine, max_body: int) -> None:
        self.app = app
        self.engine = engine
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        key = _header(scope, HEADER) if scope["type"] == ScopeType.HTTP else None
        if (
            key is None
            or scope.get("method") != "POST"
            or not scope["path"].startswith(PREFIX)
            or not isinstance(user, Principal)
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive, self.max_body)
        if body is None:
            raise RequestTooLargeError(self.max_body)
        method_path = f"POST {scope['path']}"
        digest = request_hash(method_path, body)
        client = user.subject
        # raises the key's errors (422/409), answered by the one error table
        first = await anyio.to_thread.run_sync(
            lambda: claim_key(self.engine, client, key, method_path, digest, now=datetime.now(UTC))
        )
        if first is not None:
            await _send_answer(send, first)
            return
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        status, media_type, parts = 500, "", []

        async def keep(message: Any) -> None:
            nonlocal status, media_type
            if message["type"] == "http.response.start":
                status = int(message["status"])
                media_type = (_header(message, b"content-type") or "")[:100]
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay, keep)
        except BaseException:
            await anyio.to_thread.run_sync(lambda: release_key(self.engine, client, key))
            raise
        answer = StoredAnswer(status, b"".join(parts), media_type)
        await anyio.to_thread.run_sync(lambda: store_answer(self.engine, client, key, answer))


def idempotency_middleware(engine: Engine, max_body: int) -> Any:
    """The middleware definition for the app (placed after the authentication middleware)."""
    from litestar.middleware.base import DefineMiddleware

    return DefineMiddleware(IdempotencyMiddleware, engine=engine, max_body=max_body)
