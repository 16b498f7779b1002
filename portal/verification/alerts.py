"""Alerts to purchasing when what the authorities say changes.

:func:`raise_alerts` sends, through the outbox, a registry status change, a tax
status turning abnormal and a licence term crossing 90, 60, 30 and 0 days. The
schedule row remembers what was alerted, updated with a conditional UPDATE, so
each alert is sent once however many runs (or workers) see it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from portal.domain.status import RegistryStatus, TaxStatus
from portal.domain.supplier import Supplier
from portal.notifications.content import link, render
from portal.notifications.recipients import Recipient, Rendered, notify
from portal.verification.schedule import SCHEDULE
from portal.verification.wiring import VerificationSettings
from registry.model import EnterpriseRecord
from tax_bureau.model import TaxpayerStatus
from verification.model import VerificationResult

__all__ = ["raise_alerts"]


def _swap(conn: Connection, sid: str, column: str, old: object, new: object) -> bool:
    """Set a remembered value if it is still ``old``; whether this caller won."""
    col = SCHEDULE.c[column]
    done = conn.execute(
        update(SCHEDULE)
        .where(SCHEDULE.c.supplier_id == sid, col.is_not_distinct_from(old))
        .values({column: new})
    )
    return done.rowcount == 1


def _expiry_threshold(result: VerificationResult) -> int | None:
    for f in result.findings:
        if f.code == "licence.expired":
            return 0
        if f.code == "licence.expiring":
            return int(f.evidence.get("threshold_days", "90"))
    return None


def raise_alerts(
    conn: Connection,
    settings: VerificationSettings,
    supplier: Supplier,
    result: VerificationResult,
    record: EnterpriseRecord | None,
    tax: TaxpayerStatus | None,
    *,
    now: datetime,
) -> list[str]:
    """Alert purchasing (outbox) about what changed since the last run; the kinds sent."""
    sid = supplier.id or ""
    row = conn.execute(select(SCHEDULE).where(SCHEDULE.c.supplier_id == sid)).one()
    sent: list[str] = []

    def alert(kind: str, zh: str, en: str) -> None:
        def message(reader: Recipient) -> Rendered:
            values = {
                "supplier": supplier.name,
                "uscc": supplier.identifier,
                "what": zh if reader.language == "zh" else en,
                "url": link(settings.public_url, f"/staff/suppliers/{sid}/verification"),
            }
            return render("supplier_alert", reader, values)

        # each audience (``role:<role>`` or an address) resolved to the people now; nobody
        # is an undeliverable message on the admin page
        for audience in settings.alert_recipients:
            notify(conn, "supplier_alert", audience, message, now=now)
        sent.append(kind)

    if record is not None and record.status is not RegistryStatus.UNKNOWN:
        old, new = row.last_registry_status, record.status.value
        notable = old is not None or record.status.is_inactive or record.status.needs_review
        if old != new and _swap(conn, sid, "last_registry_status", old, new) and notable:
            was = old or "—"
            alert("status", f"登记状态 {was} → {new}", f"registry status {was} -> {new}")
    if tax is not None and tax.status is not TaxStatus.UNKNOWN:
        old, new = row.last_tax_status, tax.status.value
        abnormal = tax.status is TaxStatus.ABNORMAL
        if old != new and _swap(conn, sid, "last_tax_status", old, new) and abnormal:
            since = tax.abnormal_since.isoformat() if tax.abnormal_since else ""
            alert(
                "tax",
                f"税务状态为非正常户 {since}".strip(),
                f"tax status abnormal (非正常户) {since}".strip(),
            )
    if record is not None:
        _expiry_alert(conn, row, sid, record.term_to, _expiry_threshold(result), alert)
    return sent


def _expiry_alert(
    conn: Connection,
    row: Any,
    sid: str,
    term_to: date | None,
    threshold: int | None,
    alert: Callable[[str, str, str], None],
) -> None:
    old_days, old_term = row.expiry_alerted_days, row.expiry_alerted_term_to
    renewed = old_term != term_to
    previous = None if renewed else old_days
    if threshold is None or (previous is not None and threshold >= previous):
        if renewed and old_days is not None:  # a new term: forget the old alerts
            _swap_expiry(conn, sid, (old_days, old_term), (None, term_to))
        return
    if _swap_expiry(conn, sid, (old_days, old_term), (threshold, term_to)):
        end = term_to.isoformat() if term_to else ""
        if threshold == 0:
            alert("licence.expired", f"营业期限已于 {end} 届满", f"business term ended on {end}")
        else:
            alert(
                f"licence.{threshold}",
                f"营业期限将于 {end} 届满（{threshold} 天内）",
                f"business term ends on {end} (within {threshold} days)",
            )


def _swap_expiry(
    conn: Connection,
    sid: str,
    old: tuple[int | None, date | None],
    new: tuple[int | None, date | None],
) -> bool:
    done = conn.execute(
        update(SCHEDULE)
        .where(
            SCHEDULE.c.supplier_id == sid,
            SCHEDULE.c.expiry_alerted_days.is_not_distinct_from(old[0]),
            SCHEDULE.c.expiry_alerted_term_to.is_not_distinct_from(old[1]),
        )
        .values(expiry_alerted_days=new[0], expiry_alerted_term_to=new[1])
    )
    return done.rowcount == 1
