"""Monitoring: re-verify suppliers on a cadence, retry what could not be checked, alert.

The work list is ``verification_schedule`` (one row per supplier, due at
``next_due_at``). One pass (:func:`run_due`, ``portal verify due``):

1. gives every supplier without a row one, due now (:func:`ensure_schedule`);
2. selects due rows of prospective and active suppliers, oldest first; a row is due
   after the cadence (``PORTAL_VERIFY_CADENCE_DAYS``), after a failed run's
   ``retry_after``, or at once after a write (:func:`request_verification`);
3. claims each with a conditional UPDATE (``... WHERE next_due_at <= now AND
   (claimed_until IS NULL OR claimed_until < now)``, then checks the row count), a
   lease of ``PORTAL_VERIFY_LEASE_MINUTES``, so two workers never verify the same
   supplier; a worker that dies loses its lease and the row is due again;
4. waits for the :class:`TokenBucket` (``PORTAL_VERIFY_CALLS_PER_MINUTE``) before each
   supplier, so paid quotas are spread over the pass;
5. verifies (:func:`portal.services.verification.verify_supplier_now`), which
   reschedules the row: ``now + cadence``, or ``retry_after`` when a source did not answer.

Alerts (:func:`raise_alerts`) go to purchasing through the outbox for a registry
status change, a tax status turning abnormal and a licence term crossing 90, 60, 30
and 0 days; the schedule row remembers what was alerted, updated with a conditional
UPDATE, so each is sent once however many runs see it.

Suppliers confirm once a year that their data is still right
(:func:`send_confirmation_requests`, :func:`confirm_data`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, and_, exists, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.db.bulk import insert_rows
from portal.db.supplier_store import CONTACT, SUPPLIER
from portal.db.tables import table_of
from portal.db.verification_tables import ConfirmationRequestRow, VerificationScheduleRow
from portal.domain.supplier import Supplier
from portal.services.audit_log import AuditContext, AuditLog
from portal.services.outbox import Channel, enqueue
from portal.services.verification_wiring import (
    VerificationPorts,
    VerificationSettings,
    VerificationWiring,
)
from registry.model import EnterpriseRecord, RegistryStatus
from registry.verification import VerificationResult
from tax_bureau.model import TaxpayerStatus, TaxStatus

if TYPE_CHECKING:
    from portal.bootstrap import Services

SCHEDULE = table_of(VerificationScheduleRow)
CONFIRMATION = table_of(ConfirmationRequestRow)
MONITORED_STATES = ("prospective", "active")
#: Provider calls one verification costs (registry lookup, tax status, invoicing details).
CALLS_PER_SUPPLIER = 3

log = logging.getLogger(__name__)

__all__ = [
    "CALLS_PER_SUPPLIER",
    "ConfirmationError",
    "PassReport",
    "PeriodicVerification",
    "TokenBucket",
    "claim",
    "confirm_data",
    "confirmation_supplier",
    "due_suppliers",
    "ensure_schedule",
    "raise_alerts",
    "request_verification",
    "reschedule",
    "run_due",
    "send_confirmation_requests",
]


class TokenBucket:
    """At most ``rate_per_minute`` tokens a minute, bursts up to ``capacity``.

    >>> t = [0.0]
    >>> async def sleep(s: float) -> None: t[0] += s
    >>> from datetime import UTC
    >>> bucket = TokenBucket(60, capacity=1, clock=lambda: datetime.fromtimestamp(t[0], UTC),
    ...                      sleep=sleep)
    >>> async def three() -> list[float]:
    ...     return [(await bucket.acquire(), t[0])[1] for _ in range(3)]
    >>> asyncio.run(three())
    [0.0, 1.0, 2.0]
    """

    def __init__(
        self,
        rate_per_minute: int,
        *,
        capacity: float | None = None,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate_per_minute / 60.0
        self.capacity = float(capacity if capacity is not None else max(1, rate_per_minute // 10))
        self.tokens = self.capacity
        self._clock, self._sleep = clock, sleep
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max((now - self._at).total_seconds(), 0.0)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self._at = now

    async def acquire(self, tokens: float = 1.0) -> None:
        """Wait until ``tokens`` are available and take them."""
        tokens = min(tokens, self.capacity)
        self._refill()
        while self.tokens < tokens:
            await self._sleep((tokens - self.tokens) / self.rate)
            self._refill()
        self.tokens -= tokens


# -- the schedule -----------------------------------------------------------------


def ensure_schedule(conn: Connection, now: datetime) -> int:
    """Give every supplier without a schedule row one, due now; returns how many.

    One ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``: a pass running at the
    same time may give the same suppliers their row first, and that is fine.
    """
    missing = select(SUPPLIER.c.id, literal(now), literal("schedule")).where(
        ~exists().where(SCHEDULE.c.supplier_id == SUPPLIER.c.id)
    )
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(SCHEDULE)
        .from_select(["supplier_id", "next_due_at", "reason"], missing)
        .on_conflict_do_nothing(index_elements=["supplier_id"])
        .returning(SCHEDULE.c.supplier_id)
    )
    return len(conn.execute(statement).all())


def request_verification(
    conn: Connection, supplier_ids: Sequence[str], *, now: datetime, reason: str
) -> None:
    """Make these suppliers due now (in the caller's transaction)."""
    for sid in supplier_ids:
        done = conn.execute(
            update(SCHEDULE)
            .where(SCHEDULE.c.supplier_id == sid)
            .values(next_due_at=now, reason=reason)
        )
        if done.rowcount == 0:
            conn.execute(insert(SCHEDULE).values(supplier_id=sid, next_due_at=now, reason=reason))


def schedule_new(
    conn: Connection, supplier_ids: Sequence[str], *, now: datetime, reason: str
) -> None:
    """Make newly created suppliers due now: one multi-row insert (the import path)."""
    insert_rows(
        conn,
        SCHEDULE,
        [
            {"supplier_id": sid, "next_due_at": now, "reason": reason, "attempts": 0}
            for sid in supplier_ids
        ],
    )


def reschedule(
    conn: Connection,
    supplier_id: str,
    due: datetime,
    *,
    reason: str,
    token: str | None = None,
    ran_at: datetime | None = None,
    error: str | None = None,
) -> None:
    """Set when the supplier is next due; release the claim ``token`` if it is still ours."""
    values: dict[str, Any] = {"next_due_at": due, "reason": reason, "last_error": error}
    if ran_at is not None:
        values["last_run_at"] = ran_at
    done = conn.execute(
        update(SCHEDULE).where(SCHEDULE.c.supplier_id == supplier_id).values(**values)
    )
    if done.rowcount == 0:
        conn.execute(insert(SCHEDULE).values(supplier_id=supplier_id, **values))
    if token is not None:
        conn.execute(
            update(SCHEDULE)
            .where(SCHEDULE.c.supplier_id == supplier_id, SCHEDULE.c.claim_token == token)
            .values(
                claimed_until=None,
                claim_token=None,
                attempts=0 if error is None else SCHEDULE.c.attempts,
            )
        )


def _claimable(now: datetime) -> Any:
    return and_(
        SCHEDULE.c.next_due_at <= now,
        or_(SCHEDULE.c.claimed_until.is_(None), SCHEDULE.c.claimed_until < now),
    )


def due_suppliers(conn: Connection, now: datetime, limit: int) -> list[tuple[str, str]]:
    """(supplier id, reason) of due, unclaimed, monitored suppliers, oldest first."""
    rows = conn.execute(
        select(SCHEDULE.c.supplier_id, SCHEDULE.c.reason)
        .join(SUPPLIER, SUPPLIER.c.id == SCHEDULE.c.supplier_id)
        .where(_claimable(now), SUPPLIER.c.lifecycle_state.in_(MONITORED_STATES))
        .order_by(SCHEDULE.c.next_due_at, SCHEDULE.c.supplier_id)
        .limit(limit)
    )
    return [(r.supplier_id, r.reason) for r in rows]


def claim(engine: Engine, supplier_id: str, now: datetime, lease: timedelta) -> str | None:
    """Take the supplier for this worker if still due and unclaimed; the claim token or None."""
    token = str(uuid.uuid4())
    with engine.begin() as conn:
        done = conn.execute(
            update(SCHEDULE)
            .where(SCHEDULE.c.supplier_id == supplier_id, _claimable(now))
            .values(claimed_until=now + lease, claim_token=token, attempts=SCHEDULE.c.attempts + 1)
        )
    return token if done.rowcount == 1 else None


# -- alerts -------------------------------------------------------------------------


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
        link = f"{settings.public_url.rstrip('/')}/staff/suppliers/{sid}/verification"
        subject = f"[供应商预警] {supplier.name}：{zh} / Supplier alert: {en}"
        body = (
            f"{supplier.name}（{supplier.uscc}）\n{zh}\n\n{supplier.name} ({supplier.uscc})\n{en}"
            f"\n\n核验详情 / Verification: {link}\n"
        )
        for recipient in settings.alert_recipients:
            enqueue(conn, Channel.EMAIL, recipient, subject, body, now=now)
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


# -- the pass -----------------------------------------------------------------------


@dataclass
class PassReport:
    """What one monitoring pass did."""

    due: int = 0
    verified: int = 0
    validated: int = 0
    needs_retry: int = 0
    taken_by_others: int = 0
    alerts: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


async def run_due(
    services: Services,
    wiring: VerificationWiring,
    *,
    limit: int | None = None,
    limiter: TokenBucket | None = None,
    ports: VerificationPorts | None = None,
    clock: Callable[[], datetime] | None = None,
    ctx: AuditContext | None = None,
) -> PassReport:
    """One monitoring pass (see the module docstring); raises when not configured."""
    # Imported here: verification reschedules and alerts through this module.
    from portal.services.verification import (
        SYSTEM,
        VerificationDeps,
        verify_supplier_now,
    )

    clock = clock or wiring.clock
    settings = wiring.settings
    limiter = limiter or TokenBucket(settings.calls_per_minute, clock=clock)
    report = PassReport()
    engine = services.engine

    def pick() -> list[tuple[str, str]]:
        with engine.begin() as conn:
            ensure_schedule(conn, clock())
        with engine.connect() as conn:
            return due_suppliers(conn, clock(), limit or settings.batch_limit)

    async def work(open_ports: VerificationPorts) -> None:
        deps = VerificationDeps(services.suppliers, AuditLog(services.sealer), open_ports, settings)
        due = await asyncio.to_thread(pick)
        report.due = len(due)
        lease = timedelta(minutes=settings.lease_minutes)
        for sid, reason in due:
            token = await asyncio.to_thread(claim, engine, sid, clock(), lease)
            if token is None:
                report.taken_by_others += 1
                continue
            await limiter.acquire(CALLS_PER_SUPPLIER)
            trigger = reason if reason in ("retry", "creation", "change") else "schedule"
            try:
                done = await verify_supplier_now(
                    engine,
                    deps,
                    sid,
                    now=clock(),
                    trigger=trigger,
                    ctx=ctx or SYSTEM,
                    claim_token=token,
                )
            except Exception as exc:  # one supplier's failure never stops the pass
                log.exception("verification of supplier %s failed", sid)
                report.errors.append(f"{sid}: {type(exc).__name__}: {exc}")
                await asyncio.to_thread(_failed, engine, sid, token, clock(), settings, exc)
                continue
            report.verified += 1
            report.validated += done.validated
            report.needs_retry += done.outcome in ("unavailable", "stale")
            report.alerts += len(done.alerts)

    if ports is not None:
        await work(ports)
    else:
        async with wiring.ports() as opened:
            await work(opened)
    return report


def _failed(
    engine: Engine,
    sid: str,
    token: str,
    now: datetime,
    settings: VerificationSettings,
    exc: Exception,
) -> None:
    with engine.begin() as conn:
        due = now + timedelta(minutes=settings.retry_minutes)
        reschedule(
            conn, sid, due, reason="retry", token=token, error=f"{type(exc).__name__}: {exc}"[:2000]
        )


class PeriodicVerification:
    """An in-process task running a pass every ``minutes`` (the demo; use cron in production)."""

    def __init__(
        self,
        services: Services,
        wiring: VerificationWiring,
        minutes: float,
        ports: Callable[[], VerificationPorts | None] = lambda: None,
    ) -> None:
        self.services, self.wiring, self.minutes, self._ports = services, wiring, minutes, ports
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    async def _loop(self) -> None:
        while True:
            try:
                report = await run_due(self.services, self.wiring, ports=self._ports())
                self.passes += 1
                if report.due:
                    log.info("verification pass: %s", report.as_dict())
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the task alive; the next pass tries again
                log.exception("verification pass failed")
            await asyncio.sleep(self.minutes * 60)

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        """Start the task in the running loop (Litestar ``on_startup``)."""
        if self._task is None and self.minutes > 0 and self.wiring.configured:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Cancel the task and wait for it (Litestar ``on_shutdown``)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


# -- yearly confirmation ------------------------------------------------------------


class ConfirmationError(ValueError):
    """A confirmation link is unknown, expired or already used."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_confirmation_requests(
    engine: Engine, settings: VerificationSettings, *, now: datetime, limit: int = 100
) -> list[str]:
    """Ask active suppliers not asked (nor created) within a year to confirm; their ids."""
    cutoff = now - timedelta(days=settings.confirmation_days)
    asked_lately = exists().where(
        CONFIRMATION.c.supplier_id == SUPPLIER.c.id, CONFIRMATION.c.created_at > cutoff
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(SUPPLIER.c.id, SUPPLIER.c.name)
            .where(
                SUPPLIER.c.lifecycle_state == "active",
                SUPPLIER.c.created_at <= cutoff,
                ~asked_lately,
            )
            .order_by(SUPPLIER.c.created_at)
            .limit(limit)
        ).all()
    asked: list[str] = []
    for row in rows:
        with engine.begin() as conn:
            emails = [
                r.email
                for r in conn.execute(
                    select(CONTACT.c.email).where(
                        CONTACT.c.supplier_id == row.id, CONTACT.c.email.is_not(None)
                    )
                )
                if r.email
            ]
            if not emails:
                log.warning("supplier %s has no contact e-mail to ask for confirmation", row.id)
                continue
            token, rid = secrets.token_urlsafe(32), str(uuid.uuid4())
            conn.execute(
                insert(CONFIRMATION).values(
                    id=rid,
                    supplier_id=row.id,
                    token_sha256=_digest(token),
                    created_at=now,
                    expires_at=now + timedelta(days=settings.confirmation_ttl_days),
                )
            )
            link = f"{settings.public_url.rstrip('/')}/confirm/{rid}?token={token}"
            subject = "请确认贵司信息是否仍然准确 / Please confirm your company data"
            body = (
                f"{row.name}：\n请打开以下链接，核对并确认贵司在我司供应商档案中的信息仍然准确；"
                f"如有变化，请登录门户提交变更申请。\n{link}\n\n"
                f"Please open the link to check and confirm that the data we hold about "
                f"{row.name} is still right; if anything changed, submit a change request "
                f"in the portal.\n{link}\n"
            )
            for email in emails:
                enqueue(conn, Channel.EMAIL, email, subject, body, now=now)
        asked.append(row.id)
    return asked


def _valid_request(conn: Connection, request_id: str, token: str, now: datetime) -> Any:
    row = conn.execute(select(CONFIRMATION).where(CONFIRMATION.c.id == request_id)).first()
    if row is None or not hmac.compare_digest(row.token_sha256, _digest(token)):
        raise ConfirmationError("this confirmation link is not valid")
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now.tzinfo)
    if row.confirmed_at is not None:
        raise ConfirmationError("this confirmation link has already been used")
    if expires <= now:
        raise ConfirmationError("this confirmation link has expired; we will send a new one")
    return row


def confirmation_supplier(engine: Engine, request_id: str, token: str, *, now: datetime) -> str:
    """The supplier id a valid, unused confirmation link is for."""
    with engine.connect() as conn:
        supplier_id: str = _valid_request(conn, request_id, token, now).supplier_id
    return supplier_id


def confirm_data(
    engine: Engine,
    audit: AuditLog,
    request_id: str,
    token: str,
    *,
    now: datetime,
    ctx: AuditContext,
) -> str:
    """Record that the supplier confirmed its data (once); it is then re-verified."""
    with engine.begin() as conn:
        row = _valid_request(conn, request_id, token, now)
        done = conn.execute(
            update(CONFIRMATION)
            .where(CONFIRMATION.c.id == request_id, CONFIRMATION.c.confirmed_at.is_(None))
            .values(confirmed_at=now, confirmed_from=(ctx.ip or "")[:64] or None)
        )
        if done.rowcount != 1:
            raise ConfirmationError("this confirmation link has already been used")
        audit.record(
            conn,
            ctx,
            "supplier.data_confirmed",
            subject_type="supplier",
            subject_id=row.supplier_id,
            after=json.dumps({"request": request_id}),
            now=now,
        )
        request_verification(conn, [row.supplier_id], now=now, reason="confirmation")
    supplier_id: str = row.supplier_id
    return supplier_id
