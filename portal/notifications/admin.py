"""What an administrator sees and does about messages: the delivery log per message (every
attempt with the platform's answer), resend, and the messages nobody could receive.

Administrators only; each act is one transaction with its audit entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from portal.audit.log import AuditContext, AuditLog
from portal.db.sealing import Sealer
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role
from portal.notifications.outbox import ATTEMPT, OUTBOX
from portal.notifications.recipients import UNDELIVERABLE

__all__ = [
    "Attempt",
    "Delivery",
    "NotificationAdminError",
    "delivery_log",
    "resend",
    "resolve_undeliverable",
    "undeliverable",
]


class NotificationAdminError(PortalError):
    code = "notifications.refused"


class AdminsOnlyError(NotificationAdminError):
    kind = ErrorKind.FORBIDDEN
    code = "notifications.admins_only"

    def __init__(self) -> None:
        super().__init__(
            "Only an administrator may see or resend messages.",
            message_zh="只有系统管理员可以查看或重发消息。",
        )


class MessageNotFoundError(NotificationAdminError):
    kind = ErrorKind.NOT_FOUND
    code = "notifications.not_found"

    def __init__(self) -> None:
        super().__init__("There is no such message.", message_zh="找不到这条消息。")


@dataclass(frozen=True)
class Attempt:
    at: datetime
    outcome: str
    answer: str | None


@dataclass(frozen=True)
class Delivery:
    """One message with its attempts, as the admin page shows it (never its body)."""

    id: str
    created_at: datetime
    event: str | None
    channel: str
    recipient: str
    recipient_name: str | None
    subject: str
    sent_at: datetime | None
    last_error: str | None
    attempts: tuple[Attempt, ...]

    @property
    def state(self) -> str:
        """``sent``, ``failed`` (no further attempt) or ``queued``."""
        if self.sent_at is not None:
            return "sent"
        return "failed" if self.attempts and self.attempts[-1].outcome == "failed" else "queued"


def _admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise AdminsOnlyError()


def _aware(at: datetime | None) -> datetime | None:
    return at if at is None or at.tzinfo else at.replace(tzinfo=UTC)


def delivery_log(engine: Engine, principal: Principal, *, limit: int = 100) -> list[Delivery]:
    """The newest messages with every attempt (administrators)."""
    _admin(principal)
    with engine.connect() as conn:
        rows = conn.execute(select(OUTBOX).order_by(OUTBOX.c.created_at.desc()).limit(limit)).all()
        ids = [r.id for r in rows]
        tries: dict[str, list[Attempt]] = {}
        for a in conn.execute(
            select(ATTEMPT).where(ATTEMPT.c.message_id.in_(ids)).order_by(ATTEMPT.c.at)
        ):
            tries.setdefault(a.message_id, []).append(Attempt(_aware(a.at), a.outcome, a.answer))  # type: ignore[arg-type]
    return [
        Delivery(
            id=r.id,
            created_at=_aware(r.created_at),  # type: ignore[arg-type]
            event=r.event,
            channel=r.channel,
            recipient=r.recipient,
            recipient_name=r.recipient_name,
            subject=r.subject,
            sent_at=_aware(r.sent_at),
            last_error=r.last_error,
            attempts=tuple(tries.get(r.id, ())),
        )
        for r in rows
    ]


def resend(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    principal: Principal,
    message_id: str,
    *,
    sealer: Sealer,
    now: datetime,
) -> str:
    """Queue the same message again as a new one (the old keeps its history); its id."""
    _admin(principal)
    new_id = str(uuid.uuid4())
    with engine.begin() as conn:
        row = conn.execute(select(OUTBOX).where(OUTBOX.c.id == message_id)).first()
        if row is None:
            raise MessageNotFoundError()
        body = row.body
        if row.sealed:  # a sealed body is bound to its row: open it and seal it for the new one
            clear = sealer.open("outbox_message", "body", row.id, row.body).value or ""
            body = sealer.seal("outbox_message", "body", new_id, clear)
        conn.execute(
            insert(OUTBOX).values(
                id=new_id, channel=row.channel, recipient=row.recipient, subject=row.subject,
                body=body, sealed=row.sealed, created_at=now, attempts=0, next_attempt_at=now,
                event=row.event, recipient_name=row.recipient_name,
            )
        )  # fmt: skip
        audit.record(
            conn,
            ctx,
            "notification.resent",
            subject_type="outbox_message",
            subject_id=message_id,
            field_name=row.channel,
            after=new_id,
            now=now,
        )
    return new_id


def undeliverable(engine: Engine, principal: Principal) -> list[object]:
    """Messages nobody received, not dealt with yet (newest first)."""
    _admin(principal)
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(UNDELIVERABLE)
                .where(UNDELIVERABLE.c.resolved_at.is_(None))
                .order_by(UNDELIVERABLE.c.created_at.desc())
            )
        )


def resolve_undeliverable(
    engine: Engine, audit: AuditLog, ctx: AuditContext, principal: Principal, item: str, *,
    now: datetime,
) -> None:  # fmt: skip
    """Mark an undeliverable message as dealt with (someone was told another way)."""
    _admin(principal)
    with engine.begin() as conn:
        done = conn.execute(
            update(UNDELIVERABLE)
            .where(UNDELIVERABLE.c.id == item, UNDELIVERABLE.c.resolved_at.is_(None))
            .values(resolved_at=now)
        )
        if done.rowcount != 1:
            raise MessageNotFoundError()
        audit.record(
            conn, ctx, "notification.undeliverable_resolved",
            subject_type="undeliverable", subject_id=item, now=now,
        )  # fmt: skip
