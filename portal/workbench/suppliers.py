"""The staff supplier list: filtered, searched, sorted and counted in SQL, one page read.

Rows carry only what the list shows (no sealed value is opened), so a page costs two
indexed queries plus one grouped count of open requests for the page's fifty suppliers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, exists, func, select

from approvals import Status
from portal.changes.deps import ChangeDeps
from portal.changes.records import REQUEST
from portal.db.supplier_store import SUPPLIER
from portal.domain import foreign_tax
from portal.domain.principal import Principal
from portal.domain.supplier import LifecycleState
from portal.domain.uscc import PROVINCES
from portal.workbench.errors import StaffOnlyError
from portal.workbench.paging import Page, clamp_page, last_page, whole_number
from portal.workbench.search import matching

OPEN = (Status.PENDING.value, Status.PARTIALLY_APPROVED.value)

#: Sort keys a user may choose -> ORDER BY (always ending on the id, so pages never overlap).
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (SUPPLIER.c.name, SUPPLIER.c.id),
    "-name": (SUPPLIER.c.name.desc(), SUPPLIER.c.id.desc()),
    "uscc": (SUPPLIER.c.uscc,),
    "-updated": (SUPPLIER.c.updated_at.desc(), SUPPLIER.c.id.desc()),
    "updated": (SUPPLIER.c.updated_at, SUPPLIER.c.id),
}


@dataclass(frozen=True)
class SupplierQuery:
    """What the list is asked for; unknown values were already dropped by ``of``."""

    text: str = ""
    state: LifecycleState | None = None
    validated: bool | None = None
    region: str | None = None  # the two-digit province code of the credit code
    risky: bool = False  # has an open request with a risk flag
    pending_days: int | None = None  # has an open request older than this many days
    sort: str = "name"
    page: int = 1
    size: int = 50

    @classmethod
    def of(cls, **raw: str | None) -> SupplierQuery:
        """Read a query string leniently: a value that means nothing is left out.

        >>> SupplierQuery.of(state="blocked", validated="no", region="31", page="3")
        ... # doctest: +ELLIPSIS
        SupplierQuery(text='', state=<LifecycleState.BLOCKED: 'blocked'>, validated=False, ...
        >>> SupplierQuery.of(state="nonsense", region="99", sort="drop table").sort
        'name'
        """
        state = raw.get("state") or ""
        region = raw.get("region") or ""
        days = raw.get("pending_days") or ""
        number, size = clamp_page(whole_number(raw.get("page")), whole_number(raw.get("size")))
        return cls(
            text=(raw.get("q") or "").strip()[:100],
            state=LifecycleState(state) if state in LifecycleState._value2member_map_ else None,
            validated={"yes": True, "no": False}.get(raw.get("validated") or ""),
            region=region if region in PROVINCES else None,
            risky=raw.get("risky") in ("1", "yes", "on"),
            pending_days=int(days) if days.isdigit() else None,
            sort=raw.get("sort") if raw.get("sort") in SORTS else "name",  # type: ignore[arg-type]
            page=number,
            size=size,
        )

    @property
    def filtered(self) -> bool:
        return bool(
            self.text
            or self.state
            or self.validated is not None
            or self.region
            or self.risky
            or self.pending_days is not None
        )


def _country(key: str) -> str:
    """A foreign supplier's country, where a domestic one has its province."""
    return foreign_tax.from_key(key).country


@dataclass(frozen=True)
class SupplierListRow:
    """One line of the list."""

    id: str
    name: str
    uscc: str
    region: str
    state: LifecycleState
    validated: bool
    open_requests: int
    risky: bool


def _open_request(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(
        select(REQUEST.c.id).where(
            REQUEST.c.supplier_id == SUPPLIER.c.id, REQUEST.c.status.in_(OPEN), *conditions
        )
    )


def _where(
    deps: ChangeDeps, conn: Connection, query: SupplierQuery, now: datetime
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.text:
        where.append(matching(query.text, deps.suppliers.sealer, conn))
    if query.state is not None:
        where.append(SUPPLIER.c.lifecycle_state == query.state.value)
    if query.validated is not None:
        where.append(SUPPLIER.c.validated.is_(query.validated))
    if query.region:
        where.append(SUPPLIER.c.uscc.like(f"__{query.region}%"))
    if query.risky:
        where.append(_open_request(REQUEST.c.risk_flags != "[]"))
    if query.pending_days is not None:
        cutoff = now - timedelta(days=query.pending_days)
        where.append(_open_request(REQUEST.c.requested_at <= cutoff))
    return where


def list_suppliers(
    deps: ChangeDeps, viewer: Principal, query: SupplierQuery
) -> Page[SupplierListRow]:
    """One page of suppliers matching ``query``, with the total count (staff only)."""
    if not viewer.is_staff:
        raise StaffOnlyError()
    now = deps.clock()
    with deps.engine.connect() as conn:
        where = and_(True, *_where(deps, conn, query, now))
        total = conn.execute(select(func.count()).select_from(SUPPLIER).where(where)).scalar_one()
        number = last_page(query.page, query.size, total)
        rows = conn.execute(
            select(
                SUPPLIER.c.id,
                SUPPLIER.c.name,
                SUPPLIER.c.uscc,
                SUPPLIER.c.foreign_tax_id,
                SUPPLIER.c.lifecycle_state,
                SUPPLIER.c.validated,
            )
            .where(where)
            .order_by(*SORTS[query.sort])
            .offset((number - 1) * query.size)
            .limit(query.size)
        ).all()
        counts = _open_requests(conn, [r.id for r in rows])
    items = tuple(
        SupplierListRow(
            id=r.id,
            name=r.name,
            uscc=r.uscc or r.foreign_tax_id.partition(":")[2],  # a foreign supplier: its number
            region=PROVINCES.get(r.uscc[2:4], "") if r.uscc else _country(r.foreign_tax_id),
            state=LifecycleState(r.lifecycle_state),
            validated=bool(r.validated),
            open_requests=counts.get(r.id, (0, False))[0],
            risky=counts.get(r.id, (0, False))[1],
        )
        for r in rows
    )
    return Page(items=items, total=total, number=number, size=query.size)


def _open_requests(conn: Connection, ids: list[str]) -> dict[str, tuple[int, bool]]:
    """Supplier id -> (open requests, whether one has a risk flag), for one page's ids."""
    if not ids:
        return {}
    grouped = conn.execute(
        select(
            REQUEST.c.supplier_id,
            func.count(),
            func.sum(case((REQUEST.c.risk_flags != "[]", 1), else_=0)),
        )
        .where(REQUEST.c.supplier_id.in_(ids), REQUEST.c.status.in_(OPEN))
        .group_by(REQUEST.c.supplier_id)
    )
    return {g[0]: (g[1], bool(g[2])) for g in grouped}
