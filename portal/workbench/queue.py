"""The approval queue: open requests, paged with a total, filtered and sorted in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from approvals import ChangeKind, ChangeRequest
from portal.changes.deps import ChangeDeps
from portal.changes.records import REQUEST
from portal.db.supplier_store import SUPPLIER
from portal.domain.principal import Principal
from portal.workbench.errors import StaffOnlyError
from portal.workbench.paging import Page, clamp_page, last_page, whole_number
from portal.workbench.search import matching_ids
from portal.workbench.suppliers import OPEN

SORTS: dict[str, tuple[Any, ...]] = {
    "oldest": (REQUEST.c.requested_at, REQUEST.c.id),
    "newest": (REQUEST.c.requested_at.desc(), REQUEST.c.id.desc()),
}


@dataclass(frozen=True)
class QueueQuery:
    """Which open requests to show."""

    text: str = ""  # the supplier, as in the supplier list's search box
    kind: ChangeKind | None = None
    bank_only: bool = False
    risky: bool = False
    pending_days: int | None = None
    sort: str = "oldest"
    page: int = 1
    size: int = 50

    @classmethod
    def of(cls, **raw: str | None) -> QueueQuery:
        """Read a query string leniently.

        >>> QueueQuery.of(kind="bank_account_change", pending_days="3", sort="x").sort
        'oldest'
        """
        kind = raw.get("kind") or ""
        days = raw.get("pending_days") or ""
        number, size = clamp_page(whole_number(raw.get("page")), whole_number(raw.get("size")))
        return cls(
            text=(raw.get("q") or "").strip()[:100],
            kind=ChangeKind(kind) if kind in ChangeKind._value2member_map_ else None,
            bank_only=raw.get("bank") in ("1", "yes", "on"),
            risky=raw.get("risky") in ("1", "yes", "on"),
            pending_days=int(days) if days.isdigit() else None,
            sort=raw.get("sort") if raw.get("sort") in SORTS else "oldest",  # type: ignore[arg-type]
            page=number,
            size=size,
        )

    @property
    def filtered(self) -> bool:
        return bool(
            self.text or self.kind or self.bank_only or self.risky or self.pending_days is not None
        )


@dataclass(frozen=True)
class QueueRow:
    """An open request and the name of its supplier."""

    request: ChangeRequest
    supplier_name: str


def list_queue(deps: ChangeDeps, viewer: Principal, query: QueueQuery) -> Page[QueueRow]:
    """One page of open requests with the total count (staff only)."""
    if not viewer.is_staff:
        raise StaffOnlyError()
    where: list[ColumnElement[bool]] = [REQUEST.c.status.in_(OPEN)]
    if query.kind is not None:
        where.append(REQUEST.c.kind == query.kind.value)
    if query.bank_only:
        where.append(REQUEST.c.touches_bank.is_(True))
    if query.risky:
        where.append(REQUEST.c.risk_flags != "[]")
    if query.pending_days is not None:
        where.append(REQUEST.c.requested_at <= deps.clock() - timedelta(days=query.pending_days))
    with deps.engine.connect() as conn:
        if query.text:
            found = matching_ids(conn, query.text, deps.suppliers.sealer)
            where.append(REQUEST.c.supplier_id.in_(found))
        total = conn.execute(
            select(func.count()).select_from(REQUEST).where(and_(*where))
        ).scalar_one()
        number = last_page(query.page, query.size, total)
        ids = [
            r.id
            for r in conn.execute(
                select(REQUEST.c.id)
                .where(and_(*where))
                .order_by(*SORTS[query.sort])
                .offset((number - 1) * query.size)
                .limit(query.size)
            )
        ]
        requests = deps.records.load(conn, ids)
        names = dict(
            conn.execute(
                select(SUPPLIER.c.id, SUPPLIER.c.name).where(
                    SUPPLIER.c.id.in_({r.supplier_id for r in requests})
                )
            ).all()
        )
    items = tuple(QueueRow(r, names.get(r.supplier_id, "")) for r in requests)
    return Page(items=items, total=total, number=number, size=query.size)
