"""Likely duplicate pairs, a page at a time: grouped, counted and ranked in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, case, func, or_, select

from portal.db.sealing import Sealer
from portal.dedup.pairs import OpenPair
from portal.dedup.tables import PAIR, SUPPLIER
from portal.domain.principal import Principal
from portal.workbench.errors import StaffOnlyError
from portal.workbench.paging import Page, clamp_page, last_page, whole_number
from portal.workbench.search import matching_ids


@dataclass(frozen=True)
class DuplicateQuery:
    """Which open pairs to show: a supplier on either side, a reason, strongest first."""

    text: str = ""
    code: str = ""
    page: int = 1
    size: int = 50

    @classmethod
    def of(cls, **raw: str | None) -> DuplicateQuery:
        """Read a query string leniently.

        >>> DuplicateQuery.of(q=" 甲 ", page="0")
        DuplicateQuery(text='甲', code='', page=1, size=50)
        """
        number, size = clamp_page(whole_number(raw.get("page")), whole_number(raw.get("size")))
        code = (raw.get("code") or "").strip()
        return cls(
            text=(raw.get("q") or "").strip()[:100],
            code=code if code.replace(".", "").replace("_", "").isalnum() else "",
            page=number,
            size=size,
        )

    @property
    def filtered(self) -> bool:
        return bool(self.text or self.code)


def list_duplicates(
    engine: Engine, sealer: Sealer, viewer: Principal, query: DuplicateQuery
) -> Page[OpenPair]:
    """One page of open pairs, strongest first, with the number of pairs matching."""
    if not viewer.is_staff:
        raise StaffOnlyError()
    with engine.connect() as conn:
        either = matching_ids(conn, query.text, sealer) if query.text else None
    where: list[Any] = []
    if either is not None:
        where.append(or_(PAIR.c.a_id.in_(either), PAIR.c.b_id.in_(either)))
    best = func.max(PAIR.c.score).label("best")
    grouped = select(PAIR.c.a_id, PAIR.c.b_id, best).where(and_(True, *where))
    grouped = grouped.group_by(PAIR.c.a_id, PAIR.c.b_id)
    if query.code:
        grouped = grouped.having(func.sum(case((PAIR.c.code == query.code, 1), else_=0)) > 0)
    pairs = grouped.subquery()
    with engine.connect() as conn:
        total = int(conn.scalar(select(func.count()).select_from(pairs)) or 0)
        number = last_page(query.page, query.size, total)
        ranked = conn.execute(
            select(pairs.c.a_id, pairs.c.b_id, pairs.c.best)
            .order_by(pairs.c.best.desc(), pairs.c.a_id, pairs.c.b_id)
            .offset((number - 1) * query.size)
            .limit(query.size)
        ).all()
        ids = {i for r in ranked for i in (r.a_id, r.b_id)}
        names = dict(
            conn.execute(select(SUPPLIER.c.id, SUPPLIER.c.name).where(SUPPLIER.c.id.in_(ids))).all()
        )
        codes: dict[tuple[str, str], list[str]] = {}
        for r in conn.execute(
            select(PAIR.c.a_id, PAIR.c.b_id, PAIR.c.code).where(
                PAIR.c.a_id.in_({r.a_id for r in ranked})
            )
        ):
            codes.setdefault((r.a_id, r.b_id), []).append(r.code)
    items = tuple(
        OpenPair(
            r.a_id,
            r.b_id,
            names.get(r.a_id, ""),
            names.get(r.b_id, ""),
            tuple(sorted(codes.get((r.a_id, r.b_id), []))),
            r.best,
        )
        for r in ranked
    )
    return Page(items=items, total=total, number=number, size=query.size)
