"""Blocking keys on the database: filing suppliers under their keys, reading postings.

Keys must follow the supplier rows: call :func:`index_suppliers` in the
transaction that inserts or renames suppliers (``portal dedup sweep`` also
files any supplier it finds without keys). All functions run in the caller's
connection and transaction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import Connection, TextClause, delete, insert, select, text

from portal.db.bulk import insert_rows
from portal.dedup.tables import ARCHIVED, KEY, SUPPLIER, chunks
from portal.domain.supplier import Supplier
from portal.resolution import KEY_CAP, all_name_keys, comparable_core, rep_address_key
from portal.resolution.posting_cache import PostingCache

__all__ = [
    "file_new",
    "filed_under",
    "index_suppliers",
    "key_rows",
    "keys_of_row",
    "unindexed",
]

_POSTING_CHUNK = 100
#: Statement sizes (keys per statement): a shorter chunk is padded up to the next one with
#: a key no supplier is filed under, so SQLAlchemy caches five compiled statements, not one
#: per length (up to a hundred large unions kept for the life of the engine).
_SIZES = (8, 16, 32, 64, _POSTING_CHUNK)
_NO_KEY = ""


def keys_of_row(
    name: str, aliases: Sequence[str], rep: str | None, address: str | None
) -> set[str]:
    """Every blocking key a stored supplier is filed under."""
    keys = all_name_keys([name, *aliases])
    rep_key = rep_address_key(rep, address)
    if rep_key:
        keys.add(rep_key)
    return keys


def key_rows(
    supplier_id: str, name: str, aliases: Sequence[str], rep: str | None, address: str | None
) -> list[dict[str, str]]:
    """The ``dedup_key`` rows of one supplier."""
    cores = "\n".join(dict.fromkeys(comparable_core(n) for n in (name, *aliases)))
    return [
        {"key": k, "supplier_id": supplier_id, "cores": cores}
        for k in sorted(keys_of_row(name, aliases, rep, address))
    ]


def index_suppliers(conn: Connection, supplier_ids: Collection[str]) -> int:
    """(Re)file suppliers under their blocking keys; archived ones are taken out. Returns
    the number of keys written."""
    rows: list[dict[str, str]] = []
    for chunk in chunks(supplier_ids):
        conn.execute(delete(KEY).where(KEY.c.supplier_id.in_(chunk)))
        for r in conn.execute(
            select(
                SUPPLIER.c.id,
                SUPPLIER.c.name,
                SUPPLIER.c.aliases,
                SUPPLIER.c.legal_representative,
                SUPPLIER.c.address,
            ).where(SUPPLIER.c.id.in_(chunk), SUPPLIER.c.lifecycle_state != ARCHIVED)
        ):
            rows += key_rows(r.id, r.name, json.loads(r.aliases), r.legal_representative, r.address)
    if rows:
        conn.execute(insert(KEY), rows)
    return len(rows)


def file_new(conn: Connection, suppliers: Iterable[tuple[str, Supplier]]) -> list[dict[str, str]]:
    """File suppliers just inserted in this transaction (id, value) under their keys,
    from the values in hand rather than reading them back. Returns the rows written."""
    rows = [
        row
        for sid, s in suppliers
        for row in key_rows(sid, s.name, s.aliases, s.legal_representative, s.address)
    ]
    insert_rows(conn, KEY, rows)
    return rows


def unindexed(conn: Connection, supplier_ids: Collection[str]) -> set[str]:
    """Which of these (not archived) suppliers have no blocking key yet."""
    missing: set[str] = set()
    for chunk in chunks(supplier_ids):
        live = set(
            conn.scalars(
                select(SUPPLIER.c.id).where(
                    SUPPLIER.c.id.in_(chunk), SUPPLIER.c.lifecycle_state != ARCHIVED
                )
            )
        )
        filed = set(conn.scalars(select(KEY.c.supplier_id).where(KEY.c.supplier_id.in_(chunk))))
        missing |= live - filed
    return missing


@functools.cache
def _postings_union(size: int, limit: int) -> TextClause:
    """``size`` keys' postings, each read up to ``limit`` (built once per size: building
    a hundred-part union cost more than the database needs to answer it)."""
    return text(
        " UNION ALL ".join(
            # only the table name and integers are inlined; keys are bound
            f'SELECT * FROM (SELECT "key", supplier_id, cores FROM {KEY.name} '  # noqa: S608
            f'WHERE "key" = :k{i} LIMIT {limit}) AS p{i}'
            for i in range(size)
        )
    )


@functools.cache
def _postings_of_array(limit: int) -> TextClause:
    """The same on PostgreSQL, the keys in one array parameter (psycopg parses a statement
    of more than 50 parameters again on every execution)."""
    return text(
        # only the table name and an integer are inlined; the keys are bound
        f'SELECT k."key", p.supplier_id, p.cores FROM unnest(CAST(:keys AS text[])) AS k("key") '  # noqa: S608
        f"CROSS JOIN LATERAL (SELECT supplier_id, cores FROM {KEY.name} "
        f'WHERE "key" = k."key" LIMIT {limit}) AS p'
    )


def filed_under(
    conn: Connection,
    keys: Collection[str],
    *,
    cap: int = KEY_CAP,
    cache: PostingCache | None = None,
) -> dict[str, list[tuple[str, str]]]:
    """(supplier id, cores) filed under each key, at most ``cap + 1`` per key.

    One statement per hundred keys, each key read through the primary-key index up
    to its cap (a union of one part per key; on PostgreSQL a lateral join over the
    keys as one array). Written as text, built once: building a hundred-part union with
    the expression language costs more than the database needs to answer it. With a ``cache``,
    bigrams it holds are not read again.
    """
    cached: dict[str, list[tuple[str, str]]] = {}
    if cache is not None:
        cached, keys = cache.get(keys)
    found: dict[str, list[tuple[str, str]]] = {}
    shared: dict[str, tuple[str, str]] = {}
    limit = int(cap) + 1
    postgresql = conn.dialect.name == "postgresql"
    for chunk in chunks(keys, _POSTING_CHUNK):
        if postgresql:
            rows = conn.execute(_postings_of_array(limit), {"keys": chunk})
        else:
            size = next(n for n in _SIZES if n >= len(chunk))
            chunk += [_NO_KEY] * (size - len(chunk))
            rows = conn.execute(
                _postings_union(size, limit), {f"k{i}": key for i, key in enumerate(chunk)}
            )
        for key, sid, cores in rows:
            # a supplier is filed under several keys: one (id, cores) for all its lists
            # (the import's posting cache keeps them; separate copies tripled its size)
            entry = shared.get(sid)
            if entry is None or entry[1] != cores:
                entry = shared[sid] = (sid, cores)
            found.setdefault(key, []).append(entry)
    found.pop(_NO_KEY, None)
    if cache is not None:
        cache.put(found, list(keys))
        found.update(cached)
    return found
