"""Posting lists of frequent blocking keys, kept for the length of one import.

Name bigrams (``b:``) come from a small alphabet of trade-name characters, so
a large import asks for the same few thousand bigrams in every batch, and each
list holds up to the cap of supplier ids. The cache reads each bigram from the
database once, then appends the suppliers the import files itself, so every
later batch finds it in memory. The cache holds at most ``max_entries``
suppliers in all its lists, dropping the least recently used list first, so its
memory is bounded by its size whatever the length of the file (not by a timer);
a list past the cap is kept as one shared marker of that length (the screen
skips such keys, so what they hold is never read). A supplier another writer
files meanwhile under a cached bigram is seen by the lists read after it
(and by ``portal dedup sweep`` in any case); its credit code, accounts,
phones and name core are always looked up fresh.

>>> cache = PostingCache(cap=2, max_entries=2)
>>> cache.put({'b:示例': [('s1', '示例科技')]}, ['b:示例', 'b:例科'])
>>> cache.get(['b:示例', 'b:例科', 'c:示例科技'])
({'b:示例': [('s1', '示例科技')], 'b:例科': []}, ['c:示例科技'])
>>> cache.add([{'key': 'b:例科', 'supplier_id': 's2', 'cores': '例科'}])
>>> cache.get(['b:例科'])[0]
{'b:例科': [('s2', '例科')]}
>>> cache.put({'b:新键': [('s3', '新键')]}, ['b:新键'])  # 3 entries: the oldest list goes
>>> cache.get(['b:示例', 'b:例科', 'b:新键'])[1]
['b:示例']
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence

from portal.resolution.keys import BIGRAM

Posted = list[tuple[str, str]]


class PostingCache:
    """Bigram key -> (supplier id, cores) list, at most ``cap + 1`` long (longer means
    "too common to block on", as in the database query)."""

    def __init__(self, *, cap: int, max_entries: int = 300_000) -> None:
        self._cap = cap
        self._max_entries = max_entries
        self._entries = 0
        self._lists: OrderedDict[str, Posted] = OrderedDict()
        self._full: Posted = [("", "")] * (cap + 1)  # "too common", shared by every such key

    def _keep(self, key: str, posted: Posted) -> None:
        if len(posted) > self._cap:
            posted = self._full
        old = self._lists.pop(key, None)
        self._entries += self._size(posted) - (self._size(old) if old is not None else 0)
        self._lists[key] = posted
        self._shrink()

    def _shrink(self) -> None:
        while self._entries > self._max_entries and len(self._lists) > 1:
            _, dropped = self._lists.popitem(last=False)
            self._entries -= self._size(dropped)

    def _size(self, posted: Posted) -> int:
        return 1 if posted is self._full else len(posted)

    def get(self, keys: Iterable[str]) -> tuple[dict[str, Posted], list[str]]:
        """Cached lists of the keys it holds, and the keys to read from the database."""
        found: dict[str, Posted] = {}
        missing: list[str] = []
        for key in keys:
            posted = self._lists.get(key)
            if posted is None:
                missing.append(key)
            else:
                found[key] = posted
                self._lists.move_to_end(key)
        return found, missing

    def put(self, read: Mapping[str, Posted], asked: Sequence[str]) -> None:
        """Keep what the database returned for the bigrams asked (absent means empty)."""
        for key in asked:
            if key.startswith(BIGRAM):
                self._keep(key, list(read.get(key, ())))

    def forget(self) -> None:
        """Drop every list (after a write whose keys were not handed to :meth:`add`)."""
        self._lists.clear()
        self._entries = 0

    def add(self, rows: Iterable[Mapping[str, str]]) -> None:
        """Suppliers filed in a committed transaction of this import."""
        shared: dict[str, tuple[str, str]] = {}  # one (id, cores) per supplier, in all its lists
        for row in rows:
            posted = self._lists.get(row["key"])
            if posted is None or posted is self._full:
                continue
            sid = row["supplier_id"]
            entry = shared.get(sid)
            if entry is None or entry[1] != row["cores"]:
                entry = shared[sid] = (sid, row["cores"])
            posted.append(entry)
            self._entries += 1
            if len(posted) > self._cap:
                self._lists[row["key"]] = self._full
                self._entries -= len(posted) - 1
        self._shrink()
