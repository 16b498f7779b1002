"""Where paid answers are kept, so the same question is not paid for twice a day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from providers.dates import utc_now


@runtime_checkable
class LookupCache(Protocol):
    """Where paid answers are kept so the same question is not paid for twice a day."""

    async def get(self, key: str) -> object | None:
        """Return the value stored under ``key`` if it has not expired."""
        ...

    async def put(self, key: str, value: object, ttl: timedelta) -> None:
        """Store ``value`` under ``key`` for ``ttl``."""
        ...


@dataclass(frozen=True)
class CachedNotFound:
    """A provider's "no such company", kept so the question is not paid for again."""

    message: str
    provider: str | None
    request_id: str | None


class InMemoryLookupCache:
    """A :class:`LookupCache` in a dict, with an injectable clock."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[datetime, object]] = {}

    async def get(self, key: str) -> object | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        return value

    async def put(self, key: str, value: object, ttl: timedelta) -> None:
        self._entries[key] = (self._clock() + ttl, value)


__all__ = ["CachedNotFound", "InMemoryLookupCache", "LookupCache"]
