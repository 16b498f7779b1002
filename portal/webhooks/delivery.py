"""Delivering feed events to webhook subscriptions: in order per supplier, signed, retried.

Deliveries are rows written with the event (:func:`portal.feed.record_events`), so one
exists if and only if the change committed. :class:`WebhookWorker` claims a due delivery
with a conditional UPDATE (``... WHERE status = 'pending' AND attempts = :seen AND
next_attempt_at <= :now``), which also leases it; several workers never send one delivery
at the same time. A delivery is due only when every earlier event of the same supplier for
the same subscription has been delivered: a later event waits while an earlier one is
retrying or dead-lettered, so a receiver sees each supplier's events in sequence order.

Each attempt is logged (status code or error, duration). A 2xx answer delivers; anything
else is retried with exponential backoff; after ``max_attempts`` the delivery is dead until
an administrator replays it (:func:`portal.webhooks.replay_dead`). Sending is at least
once: a receiver that dies after acting on a delivery but before answering gets it again,
with the same ``X-Portal-Event-Id`` to de-duplicate on.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, Row, and_, exists, insert, select, update
from sqlalchemy.orm import aliased

from portal.db.feed_tables import WebhookAttemptRow
from portal.db.lease import backoff, claim_one
from portal.db.sealing import Sealer
from portal.db.tables import table_of
from portal.erp import SHIPPED, Profile, ProfileError, load_profiles
from portal.feed import EVENT, event_view
from portal.webhooks.signing import sign
from portal.webhooks.subscriptions import DELIVERY, SUBSCRIPTION

__all__ = ["DeliveryReport", "WebhookWorker", "signature_algorithm"]

ATTEMPT = table_of(WebhookAttemptRow)


def signature_algorithm(sealer: Sealer) -> str:
    """HMAC-SM3 under the SM4 profile (国密), HMAC-SHA256 otherwise."""
    from crypto import Algorithm

    return "hmac-sm3" if sealer.cipher.algorithm is Algorithm.SM4_GCM else "hmac-sha256"


@dataclass
class DeliveryReport:
    """What one run of the worker did."""

    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Claimed:
    id: str
    subscription_id: str
    event_seq: int
    attempts: int
    url: str
    secret: str
    body: bytes
    event_id: str
    profile: str | None = None
    problem: str | None = None  # why it cannot be sent as the subscription asks


def _due(now: datetime, limit: int) -> Any:
    """Pending deliveries whose time has come and that wait behind no earlier event."""
    earlier = aliased(DELIVERY)
    blocked = exists().where(
        and_(
            earlier.c.subscription_id == DELIVERY.c.subscription_id,
            earlier.c.supplier_id == DELIVERY.c.supplier_id,
            earlier.c.event_seq < DELIVERY.c.event_seq,
            earlier.c.status != "delivered",
        )
    )
    return (
        select(DELIVERY.c.id, DELIVERY.c.attempts)
        .select_from(DELIVERY.join(SUBSCRIPTION, SUBSCRIPTION.c.id == DELIVERY.c.subscription_id))
        .where(
            DELIVERY.c.status == "pending",
            DELIVERY.c.next_attempt_at <= now,
            SUBSCRIPTION.c.removed_at.is_(None),
            ~blocked,
        )
        .order_by(DELIVERY.c.event_seq)
        .limit(limit)
    )


class WebhookWorker:
    """Claims due deliveries and POSTs them, signed, with the caller's HTTP client."""

    def __init__(
        self,
        engine: Engine,
        sealer: Sealer,
        http: httpx.Client,
        *,
        algorithm: str | None = None,
        max_attempts: int = 10,
        lease: timedelta = timedelta(minutes=2),
        backoff: timedelta = timedelta(seconds=30),
        max_backoff: timedelta = timedelta(hours=6),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        profiles: Callable[[], Mapping[str, Profile]] = lambda: load_profiles(SHIPPED),
    ) -> None:
        """``profiles``: the ERP profiles by name, read again at each run (an edited file
        applies from the next run; a broken one is each delivery's error until fixed)."""
        self.engine = engine
        self.profiles = profiles
        self._loaded: Mapping[str, Profile] | ProfileError | None = None
        self.sealer = sealer
        self.http = http
        self.algorithm = algorithm or signature_algorithm(sealer)
        self.max_attempts = max_attempts
        self.lease = lease
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.clock = clock

    def retry_delay(self, attempts: int) -> timedelta:
        """Exponential backoff after the ``attempts``-th failed attempt."""
        return backoff(self.backoff, attempts, cap=self.max_backoff)

    def run_once(self, *, limit: int = 100) -> DeliveryReport:
        """Send what is due now, oldest event first (at most ``limit`` deliveries)."""
        report = DeliveryReport()
        self._loaded = None  # the profiles are read again at each run
        with self.engine.connect() as conn:
            due = conn.execute(_due(self.clock(), limit)).all()
        for row in due:
            claimed = self._claim(row.id, row.attempts)
            if claimed is not None:
                self._send(claimed, report)
        return report

    def _claim(self, delivery_id: str, seen: int) -> _Claimed | None:
        now = self.clock()

        def read(conn: Connection) -> tuple[Row[Any], Row[Any]]:
            row = conn.execute(
                select(DELIVERY, SUBSCRIPTION.c.url, SUBSCRIPTION.c.secret, SUBSCRIPTION.c.profile)
                .join(SUBSCRIPTION, SUBSCRIPTION.c.id == DELIVERY.c.subscription_id)
                .where(DELIVERY.c.id == delivery_id)
            ).one()
            return row, conn.execute(select(EVENT).where(EVENT.c.seq == row.event_seq)).one()

        taken = claim_one(
            self.engine,
            DELIVERY,
            and_(
                DELIVERY.c.id == delivery_id,
                DELIVERY.c.status == "pending",
                DELIVERY.c.attempts == seen,
                DELIVERY.c.next_attempt_at <= now,
            ),
            {"attempts": seen + 1, "next_attempt_at": now + self.lease},
            read,
        )
        if taken is None:
            return None
        row, event = taken
        opened = self.sealer.open("webhook_subscription", "secret", row.subscription_id, row.secret)
        view, problem = event_view(event, json.loads(event.state)), None
        if row.profile is not None:
            view, problem = self._shaped(row.profile, view)
        body = json.dumps(view, ensure_ascii=False)
        return _Claimed(
            delivery_id, row.subscription_id, int(row.event_seq), seen + 1, row.url,
            opened.value or "", body.encode(), event.id, row.profile, problem,
        )  # fmt: skip

    def _shaped(self, name: str, view: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """The event as the profile shapes it, or why it cannot be (then it is retried: a
        fixed file or a restored profile lets it go)."""
        if self._loaded is None:
            try:
                self._loaded = self.profiles()
            except ProfileError as exc:
                self._loaded = exc
        if isinstance(self._loaded, ProfileError):
            return view, f"ERP profile {name}: {self._loaded}"[:500]
        profile = self._loaded.get(name)
        if profile is None:
            return view, f"no ERP profile named {name!r}"
        return profile.event_body(view), None

    def _send(self, claimed: _Claimed, report: DeliveryReport) -> None:
        started = time.monotonic()
        status_code: int | None = None
        error: str | None = None
        if not claimed.secret:
            error = "the signing secret cannot be opened (key missing?)"
        elif claimed.problem is not None:
            error = claimed.problem
        else:
            timestamp = int(self.clock().timestamp())
            headers = {
                "content-type": "application/json; charset=utf-8",
                "x-portal-event-id": claimed.event_id,
                "x-portal-event-seq": str(claimed.event_seq),
                "x-portal-timestamp": str(timestamp),
                "x-portal-signature": sign(
                    claimed.secret.encode(), timestamp, claimed.body, self.algorithm
                ),
                "x-portal-signature-algorithm": self.algorithm,
            }
            if claimed.profile is not None:
                headers["x-portal-profile"] = claimed.profile
            try:
                answer = self.http.post(claimed.url, content=claimed.body, headers=headers)
                status_code = answer.status_code
                if not 200 <= status_code < 300:
                    error = f"HTTP {status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
        self._record(claimed, status_code, error, int((time.monotonic() - started) * 1000), report)

    def _record(
        self,
        claimed: _Claimed,
        status_code: int | None,
        error: str | None,
        duration_ms: int,
        report: DeliveryReport,
    ) -> None:
        now = self.clock()
        if error is None:
            outcome, values = "delivered", {"status": "delivered", "delivered_at": now,
                                            "last_error": None}  # fmt: skip
            report.delivered += 1
        elif claimed.attempts >= self.max_attempts:
            outcome, values = "dead", {"status": "dead", "last_error": error}
            report.dead += 1
        else:
            outcome = "retry"
            values = {"last_error": error,
                      "next_attempt_at": now + self.retry_delay(claimed.attempts)}  # fmt: skip
            report.retrying += 1
        if error is not None:
            report.errors.append(f"event {claimed.event_seq} -> {claimed.url}: {error}")
        with self.engine.begin() as conn:
            conn.execute(
                update(DELIVERY)
                .where(DELIVERY.c.id == claimed.id, DELIVERY.c.attempts == claimed.attempts)
                .values(**values)
            )
            conn.execute(
                insert(ATTEMPT).values(
                    id=str(uuid.uuid4()), delivery_id=claimed.id, number=claimed.attempts,
                    at=now, status_code=status_code, outcome=outcome, error=error,
                    duration_ms=duration_ms,
                )
            )  # fmt: skip
