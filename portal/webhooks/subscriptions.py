"""Webhook subscriptions: what an administrator adds, lists, removes and replays.

Each use case checks that the caller is an administrator (deny by default), opens its
transaction and writes its audit entry there. The signing secret is made here, shown once
(like an API token) and stored sealed for its row; the URL must be HTTPS except on the
machine itself (loopback, for a receiver next to the portal).

Errors::

    WebhookNotAllowedError      the caller is not an administrator (403)
    WebhookInputError           a bad name, URL or event type (422)
    SubscriptionNotFoundError   no active subscription of that name (404)
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.audit.log import AuditContext, AuditLog
from portal.db.feed_tables import WebhookAttemptRow, WebhookDeliveryRow, WebhookSubscriptionRow
from portal.db.sealing import Sealer
from portal.db.supplier_store import SUPPLIER
from portal.db.tables import table_of
from portal.domain.errors import DomainValidationError, ErrorKind, PortalError
from portal.domain.principal import Principal, Role
from portal.erp import Profile, ProfileNotFoundError
from portal.feed import EVENT, EventType

__all__ = [
    "DeliveryLine",
    "Subscription",
    "SubscriptionNotFoundError",
    "WebhookInputError",
    "WebhookNotAllowedError",
    "add_subscription",
    "delivery_log",
    "list_subscriptions",
    "remove_subscription",
    "replay_dead",
]

SUBSCRIPTION = table_of(WebhookSubscriptionRow)
DELIVERY = table_of(WebhookDeliveryRow)
ATTEMPT = table_of(WebhookAttemptRow)
SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of generated secrets, not a secret)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class WebhookNotAllowedError(PortalError, PermissionError):
    """Only administrators manage webhooks."""

    kind = ErrorKind.FORBIDDEN
    code = "webhook.not_allowed"

    def __init__(self) -> None:
        super().__init__(
            "only an administrator may manage webhook subscriptions",
            message_zh="只有管理员可以管理 Webhook 订阅",
        )


class WebhookInputError(DomainValidationError):
    """A subscription's name, URL or event types are not usable; permanent."""

    def __init__(self, message: str, zh: str, field: str) -> None:
        super().__init__(message, code="webhook.input", zh=zh)
        self.field = field


class SubscriptionNotFoundError(PortalError, LookupError):
    """No active subscription of that name."""

    kind = ErrorKind.NOT_FOUND
    code = "webhook.not_found"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"no webhook subscription named {name!r}",
            message_zh=f"没有名为 {name!r} 的 Webhook 订阅",
        )


@dataclass(frozen=True)
class Subscription:
    """A subscription as the admin sees it (never its secret)."""

    id: str
    name: str
    url: str
    event_types: tuple[str, ...]
    created_by: str
    created_at: datetime
    pending: int = 0
    dead: int = 0
    delivered: int = 0
    profile: str | None = None


@dataclass(frozen=True)
class DeliveryLine:
    """One attempt of one delivery, for the delivery log."""

    event_seq: int
    event_type: str
    supplier_name: str
    status: str
    attempt: int | None
    at: datetime | None
    status_code: int | None
    outcome: str | None
    error: str | None


def _admin(actor: Principal) -> None:
    if actor.role is not Role.ADMIN:
        raise WebhookNotAllowedError


def _types(event_types: list[str]) -> list[str]:
    known = {t.value for t in EventType}
    cleaned = sorted({t.strip() for t in event_types if t.strip()}) or ["*"]
    unknown = [t for t in cleaned if t != "*" and t not in known]
    if unknown:
        raise WebhookInputError(
            f"unknown event type {', '.join(unknown)}; use * or {', '.join(sorted(known))}",
            f"未知的事件类型 {', '.join(unknown)}；可用 * 或 {', '.join(sorted(known))}",
            "event_types",
        )
    return cleaned


def _url(url: str) -> str:
    parts = urlsplit(url.strip())
    loopback = parts.hostname in _LOOPBACK
    if parts.scheme not in ("https", "http") or not parts.hostname or len(url) > 1000:
        raise WebhookInputError(
            "the URL must be a full https:// address", "URL 须为完整的 https:// 地址", "url"
        )
    if parts.scheme == "http" and not loopback:
        raise WebhookInputError(
            "the URL must use https (plain http only to this machine)",
            "URL 须使用 https（仅本机地址可用 http）",
            "url",
        )
    return url.strip()


def add_subscription(
    engine: Engine,
    sealer: Sealer,
    audit: AuditLog,
    ctx: AuditContext,
    actor: Principal,
    *,
    name: str,
    url: str,
    event_types: list[str],
    now: datetime,
) -> tuple[Subscription, str]:
    """Add a subscription; returns it and its signing secret (shown this once only)."""
    _admin(actor)
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise WebhookInputError(
            "give a name of 1 to 100 characters", "名称须为 1 到 100 个字符", "name"
        )
    url, types = _url(url), _types(event_types)
    sub_id = str(uuid.uuid4())
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    sealed = sealer.seal("webhook_subscription", "secret", sub_id, secret)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(SUBSCRIPTION).values(
                    id=sub_id, name=name, url=url, event_types=json.dumps(types),
                    secret=sealed, created_by=actor.subject, created_at=now,
                )
            )  # fmt: skip
            audit.record(
                conn, ctx, "webhook.subscribed", subject_type="webhook_subscription",
                subject_id=sub_id, after=json.dumps({"name": name, "url": url, "types": types},
                                                    ensure_ascii=False), now=now,
            )  # fmt: skip
    except IntegrityError as exc:
        raise WebhookInputError(
            f"a subscription named {name!r} already exists", f"名为 {name!r} 的订阅已存在", "name"
        ) from exc
    return Subscription(sub_id, name, url, tuple(types), actor.subject, now), secret


def _counts(conn: Connection) -> dict[tuple[str, str], int]:
    query = select(DELIVERY.c.subscription_id, DELIVERY.c.status, func.count()).group_by(
        DELIVERY.c.subscription_id, DELIVERY.c.status
    )
    return {(row[0], row[1]): int(row[2]) for row in conn.execute(query)}


def list_subscriptions(engine: Engine, actor: Principal) -> list[Subscription]:
    """Active subscriptions with how many deliveries are pending, dead and delivered."""
    _admin(actor)
    with engine.connect() as conn:
        counts = _counts(conn)
        rows = conn.execute(
            select(SUBSCRIPTION)
            .where(SUBSCRIPTION.c.removed_at.is_(None))
            .order_by(SUBSCRIPTION.c.name)
        ).all()
    return [
        Subscription(
            r.id,
            r.name,
            r.url,
            tuple(json.loads(r.event_types)),
            r.created_by,
            r.created_at,
            pending=counts.get((r.id, "pending"), 0),
            dead=counts.get((r.id, "dead"), 0),
            delivered=counts.get((r.id, "delivered"), 0),
            profile=r.profile,
        )
        for r in rows
    ]


def _active(conn: Connection, name: str) -> Any:
    row = conn.execute(
        select(SUBSCRIPTION).where(SUBSCRIPTION.c.name == name, SUBSCRIPTION.c.removed_at.is_(None))
    ).first()
    if row is None:
        raise SubscriptionNotFoundError(name)
    return row


def remove_subscription(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    actor: Principal,
    name: str,
    *,
    now: datetime,
) -> None:
    """Stop a subscription (its pending deliveries are no longer sent; the log stays)."""
    _admin(actor)
    with engine.begin() as conn:
        row = _active(conn, name)
        conn.execute(update(SUBSCRIPTION).where(SUBSCRIPTION.c.id == row.id).values(removed_at=now))
        audit.record(
            conn, ctx, "webhook.removed", subject_type="webhook_subscription", subject_id=row.id,
            after=json.dumps({"name": name}, ensure_ascii=False), now=now,
        )  # fmt: skip


def set_profile(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    actor: Principal,
    name: str,
    profile: str | None,
    *,
    profiles: Mapping[str, Profile],
    now: datetime,
) -> None:
    """Shape the subscription's deliveries with an ERP profile from now on (None: the
    feed's own JSON). Deliveries not sent yet are sent in the new shape."""
    _admin(actor)
    if profile is not None and profile not in profiles:
        raise ProfileNotFoundError(profile, profiles)
    with engine.begin() as conn:
        row = _active(conn, name)
        conn.execute(
            update(SUBSCRIPTION).where(SUBSCRIPTION.c.id == row.id).values(profile=profile)
        )
        audit.record(
            conn, ctx, "webhook.profile_set", subject_type="webhook_subscription",
            subject_id=row.id, before=json.dumps({"profile": row.profile}),
            after=json.dumps({"name": name, "profile": profile}, ensure_ascii=False), now=now,
        )  # fmt: skip


def replay_dead(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    actor: Principal,
    name: str,
    *,
    now: datetime,
) -> int:
    """Send a subscription's dead-lettered deliveries again (from a fresh attempt count);
    returns how many. The deliveries waiting behind them follow in order."""
    _admin(actor)
    with engine.begin() as conn:
        row = _active(conn, name)
        replayed = conn.execute(
            update(DELIVERY)
            .where(DELIVERY.c.subscription_id == row.id, DELIVERY.c.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=now)
        ).rowcount
        audit.record(
            conn, ctx, "webhook.replayed", subject_type="webhook_subscription", subject_id=row.id,
            after=json.dumps({"name": name, "deliveries": replayed}, ensure_ascii=False), now=now,
        )  # fmt: skip
    return int(replayed)


def delivery_log(
    engine: Engine, actor: Principal, name: str, *, limit: int = 100
) -> list[DeliveryLine]:
    """The newest attempts of a subscription's deliveries (and deliveries not tried yet)."""
    _admin(actor)
    with engine.connect() as conn:
        row = _active(conn, name)
        query = (
            select(
                DELIVERY.c.event_seq, EVENT.c.type, SUPPLIER.c.name, DELIVERY.c.status,
                ATTEMPT.c.number, ATTEMPT.c.at, ATTEMPT.c.status_code, ATTEMPT.c.outcome,
                ATTEMPT.c.error,
            )
            .select_from(
                DELIVERY.join(EVENT, EVENT.c.seq == DELIVERY.c.event_seq)
                .outerjoin(SUPPLIER, SUPPLIER.c.id == DELIVERY.c.supplier_id)
                .outerjoin(ATTEMPT, ATTEMPT.c.delivery_id == DELIVERY.c.id)
            )
            .where(DELIVERY.c.subscription_id == row.id)
            .order_by(DELIVERY.c.event_seq.desc(), ATTEMPT.c.number.desc())
            .limit(limit)
        )  # fmt: skip
        return [DeliveryLine(*line) for line in conn.execute(query)]
