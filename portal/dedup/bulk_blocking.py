"""Blocking for the whole base at once, in DuckDB: the sweep's candidate pairs.

The per-record screen (:func:`portal.dedup.screening.find_matches`) asks the
database, for every supplier, for the posting lists of its keys and for the
owners of its numbers and blind indexes. A sweep asks that for every supplier,
so here the same lists are read once (``dedup_key``, the numbers and blind
indexes) into an in-process DuckDB and the candidates of a whole chunk of
suppliers come out of one join. The candidate rules are the ones of
:func:`portal.resolution.select_candidates`, written as SQL:

* a key whose posting list is longer than ``KEY_CAP`` is ignored;
* a name candidate shares the probe's core, or at least ``MIN_SHARED`` of its
  usable bigrams; at most ``CANDIDATE_LIMIT`` per probe, core hits first, then
  the most shared bigrams, then the smaller id (the probe itself takes a place,
  as it does in the postings the per-record screen reads);
* the legal representative + address key hands out its first ``KEY_CAP``
  postings (smallest ids first, the order of the key's index);
* equal credit code, organisation code, legacy number, ID-number blind index,
  account blind index (accounts, retired too, and invoicing profile) and phone
  blind index are candidates whatever their number.

Which candidates are worth scoring and what they score is decided by the rules
in :mod:`portal.resolution` (``names_may_match``, ``compare``), called by the
sweep; nothing here scores. Name-only candidates whose cores are too far apart
even by Levenshtein distance (never more than the Indel distance the rules use,
so the bound drops nothing ``names_may_match`` would keep) stay in DuckDB: most
candidates found by shared bigrams are such pairs. DuckDB works in a temporary
directory with a memory limit and spills there, so memory stays bounded whatever
the size of the base.
"""

# The SQL below inlines only this module's constants and table names; values are bound.
# ruff: noqa: S608

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
from sqlalchemy import Connection, literal, select

from portal.dedup.tables import ARCHIVED, BANK, CONTACT, INVOICING, KEY, SUPPLIER
from portal.resolution import KEY_CAP, NAME_THRESHOLD
from portal.resolution.blocking import CANDIDATE_LIMIT, MIN_SHARED
from portal.resolution.keys import BIGRAM, CORE, REP_ADDRESS

__all__ = ["BulkBlocker", "CandidatePair"]

_FETCH = 100_000


@dataclass(frozen=True)
class CandidatePair:
    """A stored supplier worth comparing with a probe; ``by_name_only`` when only the name
    blocking found it (then only worth comparing if the names can reach the threshold)."""

    probe: str
    other: str
    by_name_only: bool
    probe_cores: str
    other_cores: str


# Exact attributes: (probe side, owner side) as SQL over the loaded tables.
_EXACT = """
WITH probe_values AS (
    SELECT sid, 'u' AS kind, uscc AS v FROM sup WHERE live AND uscc <> ''
    UNION ALL SELECT sid, 'o', org_code FROM sup WHERE live AND org_code <> ''
    UNION ALL SELECT sid, 'l', legacy FROM sup WHERE live AND legacy <> ''
    UNION ALL SELECT sid, 'i', rep_id FROM sup WHERE live AND rep_id <> ''
    UNION ALL SELECT sid, 'a', v FROM account WHERE probe_side
    UNION ALL SELECT sid, 'p', v FROM phone
),
owner_values AS (
    SELECT sid, 'u' AS kind, uscc AS v FROM sup WHERE uscc <> ''
    UNION ALL SELECT sid, 'o', org_code FROM sup WHERE org_code <> ''
    UNION ALL SELECT sid, 'l', legacy FROM sup WHERE legacy <> ''
    UNION ALL SELECT sid, 'i', rep_id FROM sup WHERE rep_id <> ''
    UNION ALL SELECT sid, 'a', v FROM account
    UNION ALL SELECT sid, 'p', v FROM phone
)
SELECT DISTINCT p.sid, o.sid
FROM probe_values p JOIN owner_values o ON o.kind = p.kind AND o.v = p.v
WHERE p.sid <> o.sid
"""

_REP = f"""
SELECT DISTINCT p.sid, r.sid FROM keys p
JOIN (
    SELECT key, sid, row_number() OVER (PARTITION BY key ORDER BY sid) AS place
    FROM keys WHERE starts_with(key, '{REP_ADDRESS}')
) r ON r.key = p.key AND r.place <= {KEY_CAP}
WHERE starts_with(p.key, '{REP_ADDRESS}') AND p.sid <> r.sid
"""

# Suppliers and keys are numbered (in id order) so the big join and grouping run on integers.
_NUMBERED = f"""
CREATE TABLE key_count AS SELECT key, row_number() OVER () AS kid, count(*) AS n
    FROM keys GROUP BY key;
CREATE TABLE sid_num AS SELECT sid, row_number() OVER (ORDER BY sid) AS sn
    FROM (SELECT sid FROM sup UNION SELECT sid FROM keys);
CREATE TABLE name_keys AS
    SELECT c.kid, s.sn, c.n, starts_with(k.key, '{CORE}') AS is_core
    FROM keys k JOIN key_count c USING (key) JOIN sid_num s USING (sid)
    WHERE starts_with(k.key, '{CORE}') OR starts_with(k.key, '{BIGRAM}');
CREATE TABLE live_num AS SELECT s.sn FROM sid_num s JOIN sup USING (sid) WHERE sup.live;
CREATE TABLE sid_cores AS
    SELECT sid, any_value(cores) AS cores FROM cores GROUP BY sid;
CREATE MACRO near_core(a, b) AS a <> '' AND b <> '' AND (
    a = b OR 1 - levenshtein(a, b) / (length(a) + length(b)) >= {NAME_THRESHOLD!r} - 1e-9);
CREATE MACRO cores_near(x, y) AS list_bool_or(list_transform(string_split(x, chr(10)),
    lambda a: list_bool_or(list_transform(string_split(y, chr(10)), lambda b: near_core(a, b)))));
"""

_NAME = f"""
WITH probe_keys AS (
    SELECT sn AS probe, kid, n, is_core FROM name_keys
    WHERE sn >= $lo AND sn <= $hi AND sn IN (SELECT sn FROM live_num)
),
needed AS (
    SELECT probe, greatest(1, ceil({MIN_SHARED!r} * count(*) FILTER (
        WHERE NOT is_core AND n <= {KEY_CAP}))) AS needed
    FROM probe_keys GROUP BY probe
),
hits AS (
    SELECT p.probe, o.sn AS other, bool_or(p.is_core) AS core,
           count(*) FILTER (WHERE NOT p.is_core) AS shared
    FROM probe_keys p JOIN name_keys o ON o.kid = p.kid
    WHERE p.n <= {KEY_CAP}
    GROUP BY p.probe, o.sn
),
ranked AS (
    SELECT h.probe, h.other, row_number() OVER (
        PARTITION BY h.probe ORDER BY NOT h.core, h.shared DESC, h.other) AS place
    FROM hits h JOIN needed USING (probe)
    WHERE h.core OR h.shared >= needed.needed
)
SELECT a.sid AS probe, b.sid AS other, true AS by_name_only,
       coalesce(ca.cores, '') AS probe_cores, coalesce(cb.cores, '') AS other_cores
FROM ranked r
JOIN sid_num a ON a.sn = r.probe JOIN sid_num b ON b.sn = r.other
LEFT JOIN sid_cores ca ON ca.sid = a.sid LEFT JOIN sid_cores cb ON cb.sid = b.sid
WHERE r.place <= {CANDIDATE_LIMIT} AND r.probe <> r.other
"""


class BulkBlocker:
    """The sweep's blocking lists, loaded once from the database into DuckDB.

    Use as a context manager; :meth:`load` reads the lists, :meth:`candidates`
    gives the candidate pairs of the live suppliers with ids in ``[lo, hi]``.
    """

    def __init__(self, *, memory_limit: str = "1GB", threads: int = 2) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="dedup-sweep-")
        self._db = duckdb.connect(
            str(Path(self._dir.name) / "blocking.duckdb"),
            config={
                "memory_limit": memory_limit,
                "threads": threads,
                "temp_directory": str(Path(self._dir.name) / "spill"),
                "preserve_insertion_order": False,
            },
        )
        self._db.execute(
            "CREATE TABLE keys (key VARCHAR, sid VARCHAR);"
            "CREATE TABLE cores (sid VARCHAR, cores VARCHAR);"
            "CREATE TABLE sup (sid VARCHAR, uscc VARCHAR, org_code VARCHAR, legacy VARCHAR,"
            " rep_id VARCHAR, live BOOLEAN);"
            "CREATE TABLE account (sid VARCHAR, v VARCHAR, probe_side BOOLEAN);"
            "CREATE TABLE phone (sid VARCHAR, v VARCHAR);"
        )
        self._exact: dict[str, set[str]] | None = None

    def __enter__(self) -> BulkBlocker:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Drop the DuckDB file and its spill directory."""
        self._db.close()
        self._dir.cleanup()

    def load(self, conn: Connection) -> None:
        """Read the postings, numbers and blind indexes of every supplier."""
        self._copy(conn, select(KEY.c.key, KEY.c.supplier_id), "keys")
        self._copy(
            conn,
            select(KEY.c.supplier_id, KEY.c.cores).where(KEY.c.key.startswith(CORE)),
            "cores",
        )
        self._copy(
            conn,
            select(
                SUPPLIER.c.id,
                SUPPLIER.c.uscc,
                SUPPLIER.c.org_code,
                SUPPLIER.c.legacy_tax_number,
                SUPPLIER.c.legal_rep_id_number_bidx,
                SUPPLIER.c.lifecycle_state != ARCHIVED,
            ),
            "sup",
        )
        # an account of a probe is a live one; an owner's may be retired (as in screening)
        self._copy(
            conn,
            select(BANK.c.supplier_id, BANK.c.account_number_bidx, BANK.c.retired.is_(False)),
            "account",
        )
        self._copy(
            conn,
            select(INVOICING.c.supplier_id, INVOICING.c.account_number_bidx, literal(True)).where(
                INVOICING.c.account_number_bidx.is_not(None)
            ),
            "account",
        )
        self._copy(
            conn,
            select(CONTACT.c.supplier_id, CONTACT.c.phone_bidx).where(
                CONTACT.c.phone_bidx.is_not(None)
            ),
            "phone",
        )
        self._db.execute(_NUMBERED)

    def _copy(self, conn: Connection, query: Any, table: str) -> None:
        """Rows of ``query`` into a DuckDB table, ``_FETCH`` at a time, through the driver's
        cursor (a server-side one on PostgreSQL): millions of rows, no ORM result objects."""
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        raw: Any = conn.connection.dbapi_connection
        named = conn.dialect.name == "postgresql"
        cursor = raw.cursor(name=f"sweep_{table}") if named else raw.cursor()
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(_FETCH):
                columns = list(zip(*rows, strict=True))
                frame = {f"c{i}": np.array(col, dtype=object) for i, col in enumerate(columns)}
                self._db.register("frame", frame)
                self._db.execute(f"INSERT INTO {table} SELECT * FROM frame")
                self._db.unregister("frame")
        finally:
            cursor.close()

    def live_ids(self, after: str, limit: int) -> list[str]:
        """Ids of live suppliers after ``after``, in order, at most ``limit``."""
        rows = self._db.execute(
            "SELECT sid FROM sup WHERE live AND sid > $after ORDER BY sid LIMIT $limit",
            {"after": after, "limit": limit},
        ).fetchall()
        return [r[0] for r in rows]

    def prepare(self) -> None:
        """Pairs found by equal attributes (few: computed once for the whole base)."""
        self._db.execute(
            f"CREATE TABLE exact_pairs AS SELECT * FROM ({_EXACT} UNION {_REP}) AS e(probe, other)"
        )

    def candidates(self, lo: str, hi: str) -> list[CandidatePair]:
        """Candidate pairs of the live suppliers with ids in ``[lo, hi]``, by probe then other."""
        numbers = self._db.execute(
            "SELECT min(sn), max(sn) FROM sid_num WHERE sid IN ($lo, $hi)", {"lo": lo, "hi": hi}
        ).fetchone()
        lo_n, hi_n = numbers if numbers is not None else (0, -1)
        rows = self._db.execute(
            f"""
            WITH named AS ({_NAME})
            SELECT probe, other, false, '', '' FROM exact_pairs
            WHERE probe >= $lo_sid AND probe <= $hi_sid
            UNION ALL
            SELECT n.* FROM named n
            WHERE (n.probe_cores = '' OR n.other_cores = ''
                   OR cores_near(n.probe_cores, n.other_cores))
              AND NOT EXISTS (
                SELECT 1 FROM exact_pairs e WHERE e.probe = n.probe AND e.other = n.other)
            ORDER BY 1, 2
            """,
            {"lo": lo_n, "hi": hi_n, "lo_sid": lo, "hi_sid": hi},
        ).fetchall()
        return [CandidatePair(*row) for row in rows]
