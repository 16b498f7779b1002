"""Where each credit code of a file first appeared, kept off the heap.

A repeated credit code (or foreign tax id) is reported against the row that first held it,
which may be 90,000 rows earlier, with that row's name (a repeat under a short form of it
is ``name.truncated``). Held in a dict, that map grows with the file (about 31 MB at
100,000 rows); here it lives in a private temporary SQLite database whose page cache is
bounded (:data:`CACHE_KIB`), so a file of a million rows costs the import no more memory
than one of a thousand. It is asked once per batch, not per row.

>>> with FirstRows() as first:
...     first.remember([("91310000MA1K4XXXXX", 2, "示例科技有限公司")])
...     first.earlier(["91310000MA1K4XXXXX", "91310000MA1K4YYYYY"])
{'91310000MA1K4XXXXX': (2, '示例科技有限公司')}
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from types import TracebackType

__all__ = ["CACHE_KIB", "FirstRows"]

#: Page cache of the temporary database, KiB (SQLite spills the rest to a temporary file).
CACHE_KIB = 2048
_CHUNK = 500  # identities per query, below every SQLite's parameter limit


class FirstRows:
    """Identity -> (row number, name) of the row that first held it in this file."""

    def __init__(self) -> None:
        # "" opens a private database on a temporary file, deleted when it is closed
        self._db = sqlite3.connect("", isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{CACHE_KIB}"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE first_row (identity TEXT PRIMARY KEY, row INTEGER NOT NULL, "
            "name TEXT) WITHOUT ROWID"
        )

    def earlier(self, identities: Collection[str]) -> dict[str, tuple[int, str | None]]:
        """The first row and name of those identities that earlier batches held."""
        wanted = list(set(identities))
        found: dict[str, tuple[int, str | None]] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT identity, row, name FROM first_row WHERE identity IN ({marks})"  # noqa: S608 (only '?' marks are inlined)
            for identity, row, name in self._db.execute(query, chunk):
                found[identity] = (row, name)
        return found

    def remember(self, firsts: Iterable[tuple[str, int, str | None]]) -> None:
        """Identities first seen in this batch, with their row and name."""
        self._db.executemany("INSERT INTO first_row VALUES (?, ?, ?)", firsts)

    def close(self) -> None:
        """Drop the temporary database."""
        self._db.close()

    def __enter__(self) -> FirstRows:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
