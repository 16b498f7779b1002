"""Posting lists of frequent blocking keys, kept for the length of one import.

Name bigrams (``b:``) come from a small alphabet of trade-name characters, so
a large import asks for the same few thousand bigrams in every batch, and each
list holds up to the cap of supplier ids. The cache reads each bigram from the
database once, then appends the suppliers the import files itself, so every
later batch finds it in memory. Entries expire after ``ttl`` seconds: a
supplier another writer files meanwhile under a cached bigram is seen by
batches after that (and by ``portal dedup sweep`` in any case); its credit
code, accounts, phones and name core are always looked up fresh.

>>> cache = PostingCache(cap=2, clock=lambda: 0.0)
>>> cache.put({'b:示例': [('s1', '示例科技')]}, ['b:示例', 'b:例科'])
>>> cache.get(['b:示例', 'b:例科', 'c:示例科技'])
({'b:示例': [('s1', '示例科技')], 'b:例科': []}, ['c:示例科技'])
>>> cache.add([{'key': 'b:例科', 'supplier_id': 's2', 'cores': '例科'}])
>>> cache.get(['b:例科'])[0]
{'b:例科': [('s2', '例科')]}
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from portal.resolution.keys import BIGRAM

Posted = list[tuple[str, str]]


class PostingCache:
    """Bigram key -> (supplier id, cores) list, at most ``cap + 1`` long (longer means
    "too common to block on", as in the database query)."""

    def __init__(
        self,
        *,
        cap: int,
        ttl: float = 60.0,
        max_keys: int = 200_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cap = cap
        self._ttl = ttl
        self._max_keys = max_keys
        self._clock = clock
        self._lists: dict[str, Posted] = {}
        self._born = clock()

    def _fresh(self) -> None:
        if self._clock() - self._born > self._ttl or len(self._lists) > self._max_keys:
            self._lists.clear()
            self._born = self._clock()

    def get(self, keys: Iterable[str]) -> tuple[dict[str, Posted], list[str]]:
        """Cached lists of the keys it holds, and the keys to read from the database."""
        self._fresh()
        found: dict[str, Posted] = {}
        missing: list[str] = []
        for key in keys:
            posted = self._lists.get(key)
            if posted is None:
                missing.append(key)
            else:
                found[key] = posted
        return found, missing

    def put(self, read: Mapping[str, Posted], asked: Sequence[str]) -> None:
        """Keep what the database returned for the bigrams asked (absent means empty)."""
        for key in asked:
            if key.startswith(BIGRAM):
                self._lists[key] = list(read.get(key, ()))

    def forget(self) -> None:
        """Drop every list (after a write whose keys were not handed to :meth:`add`)."""
        self._lists.clear()

    def add(self, rows: Iterable[Mapping[str, str]]) -> None:
        """Suppliers filed in a committed transaction of this import."""
        limit = self._cap + 1
        for row in rows:
            posted = self._lists.get(row["key"])
            if posted is not None and len(posted) < limit:
                posted.append((row["supplier_id"], row["cores"]))
