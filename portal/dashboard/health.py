"""Data-health numbers for purchasing and finance.

The headline is the share of active suppliers whose key fields are all
verified (``supplier.validated`` today; per-field verification states can
refine it later). Around it: open duplicates, licences running out within
30/60/90 days, change requests waiting by age (when the change-request
tables exist), and invoices rejected because master data was wrong.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, inspect, select

from portal.dedup import count_open_pairs, sweep_state
from portal.dedup.tables import INVOICE, SUPPLIER
from portal.graph.rows import MASTER_DATA

EXPIRY_WINDOWS = (30, 60, 90)
AGE_BUCKETS = ((1, "<1d"), (3, "1-3d"), (7, "3-7d"), (30, "7-30d"))
PENDING = ("pending", "partially_approved", "approved")


@dataclass(frozen=True)
class ChangeRequestAges:
    """Change requests waiting for a decision, by age."""

    available: bool
    pending: int = 0
    by_age: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class InvoiceRejections:
    """Rejected invoices, and how many master data caused."""

    total: int
    rejected: int
    caused_by_master_data: int

    @property
    def master_data_share(self) -> float:
        """Share of rejections caused by master data."""
        return self.caused_by_master_data / self.rejected if self.rejected else 0.0


@dataclass(frozen=True)
class HealthReport:
    """Everything the dashboard shows."""

    as_of: date
    active_suppliers: int
    verified_active: int
    open_duplicates: int
    expiring_licences: dict[str, int]
    change_requests: ChangeRequestAges
    invoices: InvoiceRejections
    sweep: dict[str, object] | None

    @property
    def verified_share(self) -> float:
        """Share of active suppliers whose key fields are all verified."""
        return self.verified_active / self.active_suppliers if self.active_suppliers else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["verified_share"] = round(self.verified_share, 4)
        data["invoices"]["master_data_share"] = round(self.invoices.master_data_share, 4)
        return data


def _count(conn: Connection, *where: Any, table: Table = SUPPLIER) -> int:
    return int(conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def change_request_ages(conn: Connection, now: datetime) -> ChangeRequestAges:
    """Pending change requests by age, or "not available" when the tables are absent."""
    if not inspect(conn).has_table("change_request"):
        return ChangeRequestAges(available=False)
    table = Table("change_request", MetaData(), autoload_with=conn)
    since = table.c.submitted_at if "submitted_at" in table.c else table.c.requested_at
    started = [
        s
        for (s,) in conn.execute(select(since).where(table.c.status.in_(PENDING)))
        if s is not None
    ]
    by_age = {label: 0 for _, label in AGE_BUCKETS} | {">30d": 0}
    naive_now = now.replace(tzinfo=None)
    for at in started:
        age = naive_now - (at.replace(tzinfo=None) if isinstance(at, datetime) else at)
        label = next((lb for days, lb in AGE_BUCKETS if age < timedelta(days=days)), ">30d")
        by_age[label] += 1
    return ChangeRequestAges(True, len(started), by_age)


def health_report(conn: Connection, *, today: date, now: datetime) -> HealthReport:
    """Compute every dashboard number (a handful of aggregate queries)."""
    active = SUPPLIER.c.lifecycle_state == "active"
    live = SUPPLIER.c.lifecycle_state.in_(("active", "prospective"))
    expiring = {
        f"{days}d": _count(
            conn, live, SUPPLIER.c.term_to >= today, SUPPLIER.c.term_to <= today + timedelta(days)
        )
        for days in EXPIRY_WINDOWS
    }
    expiring["expired"] = _count(conn, live, SUPPLIER.c.term_to < today)
    rejected = INVOICE.c.status == "rejected"
    return HealthReport(
        as_of=today,
        active_suppliers=_count(conn, active),
        verified_active=_count(conn, active, SUPPLIER.c.validated.is_(True)),
        open_duplicates=count_open_pairs(conn),
        expiring_licences=expiring,
        change_requests=change_request_ages(conn, now),
        invoices=InvoiceRejections(
            total=_count(conn, table=INVOICE),
            rejected=_count(conn, rejected, table=INVOICE),
            caused_by_master_data=_count(
                conn, rejected, INVOICE.c.rejection_cause == MASTER_DATA, table=INVOICE
            ),
        ),
        sweep=sweep_state(conn),
    )
