"""Likely duplicates kept between sweeps: open pairs, and which pairs are decided."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, tuple_

from portal.dedup.tables import CHUNK, DECISION, PAIR, SUPPLIER, chunks
from portal.resolution import Match, to_finding

__all__ = ["OpenPair", "count_open_pairs", "decided_pairs", "open_pairs", "remember_pairs"]


def decided_pairs(conn: Connection, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (ordered) pairs already have a decision."""
    wanted = sorted(set(pairs))
    found: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = conn.execute(
            select(DECISION.c.a_id, DECISION.c.b_id).where(
                tuple_(DECISION.c.a_id, DECISION.c.b_id).in_(chunk)
            )
        )
        found.update((a, b) for a, b in rows)
    return found


def remember_pairs(conn: Connection, matches: Iterable[Match], *, now: datetime) -> int:
    """Keep matches between stored suppliers as open duplicates (idempotent). Returns the
    number of new rows."""
    rows: dict[tuple[str, str, str], Match] = {}
    for m in matches:
        if m.probe.startswith("#") or m.other.startswith("#"):
            continue
        key = (*m.pair, m.code)
        if key not in rows or m.score > rows[key].score:
            rows[key] = m
    if not rows:
        return 0
    existing: set[tuple[str, str, str]] = set()
    for chunk in chunks({a for a, _, _ in rows}):
        existing.update(
            (r.a_id, r.b_id, r.code)
            for r in conn.execute(
                select(PAIR.c.a_id, PAIR.c.b_id, PAIR.c.code).where(PAIR.c.a_id.in_(chunk))
            )
        )
    new = [
        {
            "a_id": a,
            "b_id": b,
            "code": code,
            "matched": m.attribute.value,
            "score": m.score,
            "evidence": json.dumps(to_finding(m).as_dict()["evidence"], ensure_ascii=False),
            "found_at": now,
        }
        for (a, b, code), m in sorted(rows.items())
        if (a, b, code) not in existing
    ]
    if new:
        conn.execute(insert(PAIR), new)
    return len(new)


@dataclass(frozen=True)
class OpenPair:
    """An undecided likely duplicate, with every reason found for it."""

    a_id: str
    b_id: str
    a_name: str
    b_name: str
    codes: tuple[str, ...]
    score: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "a_id": self.a_id,
            "b_id": self.b_id,
            "a_name": self.a_name,
            "b_name": self.b_name,
            "codes": list(self.codes),
            "score": self.score,
        }


def open_pairs(
    conn: Connection, *, supplier_id: str | None = None, limit: int = 100
) -> list[OpenPair]:
    """Open duplicates, strongest first."""
    query = select(PAIR.c.a_id, PAIR.c.b_id, PAIR.c.code, PAIR.c.score)
    if supplier_id:
        query = query.where((PAIR.c.a_id == supplier_id) | (PAIR.c.b_id == supplier_id))
    grouped: dict[tuple[str, str], tuple[list[str], float]] = {}
    for a, b, code, score in conn.execute(query):
        codes, best = grouped.setdefault((a, b), ([], 0.0))
        codes.append(code)
        grouped[(a, b)] = (codes, max(best, score))
    ranked = sorted(grouped.items(), key=lambda kv: (-kv[1][1], kv[0]))[:limit]
    ids = {i for pair, _ in ranked for i in pair}
    names_by_id: dict[str, str] = {}
    for chunk in chunks(ids):
        rows = conn.execute(select(SUPPLIER.c.id, SUPPLIER.c.name).where(SUPPLIER.c.id.in_(chunk)))
        names_by_id.update((r.id, r.name) for r in rows)
    return [
        OpenPair(a, b, names_by_id.get(a, ""), names_by_id.get(b, ""), tuple(sorted(c)), s)
        for (a, b), (c, s) in ranked
    ]


def count_open_pairs(conn: Connection) -> int:
    """How many pairs wait for a decision."""
    pairs = select(PAIR.c.a_id, PAIR.c.b_id).distinct().subquery()
    return int(conn.scalar(select(func.count()).select_from(pairs)) or 0)
