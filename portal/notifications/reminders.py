"""Reminders and escalation, run by the worker loop (and by tests with a moved clock).

- a change request waiting longer than ``remind_after`` reminds the people who may approve
  it; past ``escalate_after`` it goes up to ``escalate_to`` (by default the administrators);
- a supplier whose business licence ends within 30, 7 or 0 days is told at each step;
- each reminder is sent once (a ``reminder_sent`` row claimed with an insert that
  conflicts for a second worker), and none is sent once the reason is gone: a decided
  request is no longer waiting, a renewed licence has another end date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from portal.changes.records import OPEN, REQUEST
from portal.config import Settings
from portal.db.staff_tables import ReminderSentRow
from portal.db.supplier_store import SUPPLIER
from portal.db.tables import table_of
from portal.db.verification_tables import ConfirmationRequestRow
from portal.domain.principal import Role
from portal.notifications.content import link, render
from portal.notifications.digest import send_digests
from portal.notifications.messages import kind_words, shanghai, supplier_people, words
from portal.notifications.recipients import Recipient, Rendered, holders_of, notify

__all__ = ["LICENCE_DAYS", "ReminderReport", "ReminderSettings", "run_reminders"]

SENT = table_of(ReminderSentRow)
CONFIRMATION = table_of(ConfirmationRequestRow)
SHOWN_IN = ZoneInfo("Asia/Shanghai")
#: days before the licence's end at which its supplier is told
LICENCE_DAYS = (30, 7, 0)

_ROLE_WORDS = {
    Role.ADMIN: ("系统管理员", "administrators"),
    Role.PURCHASING_SUPERVISOR: ("采购主管", "purchasing supervisors"),
    Role.PURCHASING_CLERK: ("采购专员", "purchasing clerks"),
    Role.FINANCE: ("财务", "finance"),
}


@dataclass(frozen=True)
class ReminderSettings:
    """When to remind and whom to escalate to (``PORTAL_REMIND_AFTER_HOURS`` ...)."""

    public_url: str
    remind_after: timedelta = timedelta(hours=24)
    escalate_after: timedelta = timedelta(hours=72)
    escalate_to: Role = Role.ADMIN
    approvers: Role = Role.PURCHASING_SUPERVISOR
    confirm_reminder_after: timedelta = timedelta(days=7)
    #: the escalation as a chain: (role, waited) steps, each later than the one before;
    #: empty: the one step (``escalate_to``, ``escalate_after``)
    chain: tuple[tuple[Role, timedelta], ...] = ()

    def escalation(self) -> tuple[tuple[Role, timedelta], ...]:
        """The steps of the escalation, in order."""
        return self.chain or ((self.escalate_to, self.escalate_after),)

    @classmethod
    def from_config(cls, settings: Settings) -> ReminderSettings:
        """From the one settings object (``PORTAL_ESCALATION_CHAIN`` is checked there)."""
        chain = tuple(
            (Role(role.strip()), timedelta(hours=int(hours)))
            for role, _, hours in (
                step.partition(":") for step in settings.outbox.escalation_chain.split(",")
            )
            if role.strip()
        )
        return cls(
            public_url=settings.web.public_url,
            remind_after=timedelta(hours=settings.outbox.remind_after_hours),
            escalate_after=timedelta(hours=settings.outbox.escalate_after_hours),
            escalate_to=Role(settings.outbox.escalate_to),
            chain=chain,
        )


@dataclass
class ReminderReport:
    """What one pass sent: (what, about whom, to how many messages)."""

    sent: list[tuple[str, str, int]] = field(default_factory=list)


def _claim(conn: Connection, key: str, now: datetime) -> bool:
    """Take the right to send ``key`` (False: already sent, by us or another worker)."""
    try:
        with conn.begin_nested():
            conn.execute(SENT.insert().values(key=key, sent_at=now))
    except IntegrityError:
        return False
    return True


def _waited(delta: timedelta, language: str) -> str:
    hours = int(delta.total_seconds() // 3600)
    days, rest = divmod(hours, 24)
    if language == "zh":
        return f"{days} 天 {rest} 小时" if days else f"{hours} 小时"
    day = "day" if days == 1 else "days"
    hour = "hour" if rest == 1 else "hours"
    return f"{days} {day} {rest} {hour}" if days else f"{hours} {'hour' if hours == 1 else 'hours'}"


def role_words(role: Role, language: str) -> str:
    """A role as people say it (``系统管理员`` / ``administrators``)."""
    return words(_ROLE_WORDS.get(role, ("上级", "the next role")), language)


def _request_values(
    settings: ReminderSettings, row: Any, supplier: str, now: datetime, language: str, step: int
) -> dict[str, object]:
    """Template values; ``step`` is -1 for the reminder, else the escalation step's index."""
    requested: datetime = row.requested_at
    requested = requested if requested.tzinfo else requested.replace(tzinfo=UTC)
    chain = settings.escalation()
    coming = chain[step + 1] if step + 1 < len(chain) else None
    return {
        "supplier": supplier,
        "kind": kind_words(row.kind, language),
        "when": shanghai(requested),
        "waited": _waited(now - requested, language),
        "escalate_after": _waited(coming[1], language) if coming else "",
        "next_role": role_words(coming[0], language) if coming else "",
        "earlier": [role_words(role, language) for role, _ in chain[: max(step, 0)]],
        "url": link(settings.public_url, f"/staff/changes/{row.id}"),
    }


def _step_key(event: str, step: int, request_id: str) -> str:
    """The ``reminder_sent`` key of one step (the first escalation keeps its old key)."""
    return f"{event}:{request_id}" if step <= 0 else f"{event}:{step}:{request_id}"


def _waiting_requests(
    conn: Connection, settings: ReminderSettings, now: datetime, report: ReminderReport
) -> None:
    rows = conn.execute(
        select(REQUEST, SUPPLIER.c.name.label("supplier_name"))
        .join(SUPPLIER, SUPPLIER.c.id == REQUEST.c.supplier_id)
        .where(
            REQUEST.c.status.in_([s.value for s in OPEN if s.value != "approved"]),
            REQUEST.c.requested_at <= now - settings.remind_after,
        )
        .order_by(REQUEST.c.requested_at)
    ).all()
    for row in rows:
        requested = (
            row.requested_at if row.requested_at.tzinfo else row.requested_at.replace(tzinfo=UTC)
        )
        waited = now - requested
        steps = [("approval_reminder", -1, settings.approvers)]
        steps += [
            ("approval_escalated", index, role)
            for index, (role, after) in enumerate(settings.escalation())
            if waited >= after
        ]
        for event, index, role in steps:
            if not _claim(conn, _step_key(event, index, row.id), now):
                continue
            approvers = ", ".join(p.name for p in holders_of(conn, settings.approvers)) or "—"

            def message(
                reader: Recipient,
                event: str = event,
                row: Any = row,
                approvers: str = approvers,
                index: int = index,
            ) -> Rendered:
                values = _request_values(
                    settings, row, row.supplier_name, now, reader.language, index
                )
                return render(event, reader, {**values, "approvers": approvers})

            count = notify(conn, event, f"role:{role.value}", message, now=now)
            report.sent.append((event, row.id, count))


def _step(days_left: int) -> int | None:
    """The tightest of :data:`LICENCE_DAYS` reached with ``days_left`` to go."""
    reached = [d for d in LICENCE_DAYS if days_left <= d]
    return min(reached) if reached else None


def _licences(
    conn: Connection, settings: ReminderSettings, now: datetime, report: ReminderReport
) -> None:
    today = now.astimezone(SHOWN_IN).date()
    rows = conn.execute(
        select(SUPPLIER.c.id, SUPPLIER.c.name, SUPPLIER.c.term_to).where(
            SUPPLIER.c.term_to.is_not(None),
            SUPPLIER.c.term_to <= today + timedelta(days=max(LICENCE_DAYS)),
            SUPPLIER.c.lifecycle_state.not_in(["blocked", "archived", "merged"]),
        )
    ).all()
    for row in rows:
        term_to: date = row.term_to
        days_left = (term_to - today).days
        step = _step(days_left)
        if step is None or days_left < -1:  # told on the day it ended; then it is expired
            continue
        # the steps passed before this one are claimed too: one message, the tightest
        fresh = [_claim(conn, f"licence_expiring:{row.id}:{term_to}:{d}", now)
                 for d in LICENCE_DAYS if d >= step]  # fmt: skip
        if not fresh[-1]:
            continue

        def message(reader: Recipient, row: Any = row, left: int = max(days_left, 0)) -> Rendered:
            values = {
                "supplier": row.name,
                "term_to": f"{row.term_to:%Y-%m-%d}",
                "days": left,
                "url": link(settings.public_url, "/portal/"),
            }
            return render("licence_expiring", reader, values)

        people = supplier_people(conn, row.id)
        count = notify(conn, "licence_expiring", people, message, now=now,
                       describe=f"{row.name}: {message(Recipient(name='—')).subject}")  # fmt: skip
        report.sent.append(("licence_expiring", row.id, count))


def _confirmations(
    conn: Connection, settings: ReminderSettings, now: datetime, report: ReminderReport
) -> None:
    """Suppliers asked for the yearly confirmation who have not answered after
    ``confirm_reminder_after``: told once more (never after confirming or once it expired)."""
    rows = conn.execute(
        select(CONFIRMATION, SUPPLIER.c.name.label("supplier_name"))
        .join(SUPPLIER, SUPPLIER.c.id == CONFIRMATION.c.supplier_id)
        .where(
            CONFIRMATION.c.confirmed_at.is_(None),
            CONFIRMATION.c.expires_at > now,
            CONFIRMATION.c.created_at <= now - settings.confirm_reminder_after,
        )
    ).all()
    for row in rows:
        if not _claim(conn, f"yearly_confirmation:{row.id}", now):
            continue

        def message(reader: Recipient, row: Any = row) -> Rendered:
            asked = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
            due = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
            values = {
                "supplier": row.supplier_name,
                "asked_on": f"{asked.astimezone(SHOWN_IN):%Y-%m-%d}",
                "due": f"{due.astimezone(SHOWN_IN):%Y-%m-%d}",
                "url": link(settings.public_url, "/portal/"),
            }
            return render("yearly_confirmation", reader, values)

        people = supplier_people(conn, row.supplier_id)
        what = f"{row.supplier_name}: {message(Recipient(name='—')).subject}"
        count = notify(conn, "yearly_confirmation", people, message, now=now, describe=what)
        report.sent.append(("yearly_confirmation", row.supplier_id, count))


def run_reminders(
    engine: Engine, settings: ReminderSettings, *, now: datetime | None = None
) -> ReminderReport:
    """One pass: remind, escalate, tell suppliers of expiring licences (one transaction)."""
    now = now or datetime.now(UTC)
    report = ReminderReport()
    with engine.begin() as conn:
        _waiting_requests(conn, settings, now, report)
        _licences(conn, settings, now, report)
        _confirmations(conn, settings, now, report)
        report.sent += [("digest", made, 1) for made in send_digests(conn, now=now)]
    return report


def pending_reminder_keys(conn: Connection) -> Sequence[str]:
    """The reminders sent so far (for the admin page and tests)."""
    return list(conn.execute(select(SENT.c.key).order_by(SENT.c.sent_at)).scalars())
