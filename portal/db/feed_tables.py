"""Tables of the change feed, the webhook subscriptions and deliveries, and idempotent POSTs.

``feed_event.seq`` is allocated under the row lock of ``feed_head`` (an UPDATE of its one
row, like ``audit_head``), in the transaction that applies the change: a reader never sees
event N+1 before N has committed, and a rolled-back change leaves no gap.
Webhook secrets are sealed for their row (never in clear); deliveries are claimed by a
conditional UPDATE with a lease, like the outbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class FeedEventRow(SQLModel, table=True):
    """One applied change of a supplier, in commit order."""

    __tablename__ = "feed_event"
    __table_args__ = (Index("ix_feed_event_supplier_seq", "supplier_id", "seq"),)

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    id: str = Field(max_length=36, unique=True)
    type: str = Field(max_length=40)
    supplier_id: str = Field(max_length=36)
    at: datetime
    request_id: str | None = Field(default=None, max_length=36)
    #: JSON list of {"entity", "entity_id", "field"}
    changed_fields: str = Field(sa_column=Column(Text, nullable=False))
    #: JSON list of {"approver", "role", "at"}
    approvers: str = Field(sa_column=Column(Text, nullable=False))
    #: the supplier after the change, sensitive values masked (JSON)
    state: str = Field(sa_column=Column(Text, nullable=False))
    #: the clear sensitive values of that state, sealed for this row (None: nothing to reveal)
    revealed: str | None = Field(default=None, sa_column=Column(Text))
    audit_entry_id: str | None = Field(default=None, max_length=36)
    audit_hash: str | None = Field(default=None, max_length=100)


class FeedHeadRow(SQLModel, table=True):
    """The last sequence number handed out (one row, id 1): its row lock orders writers."""

    __tablename__ = "feed_head"

    id: int = Field(primary_key=True)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))


class WebhookSubscriptionRow(SQLModel, table=True):
    """An ERP that wants the feed pushed to a URL."""

    __tablename__ = "webhook_subscription"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=100, unique=True)
    url: str = Field(max_length=1000)
    #: JSON list of event types ("*" for every type)
    event_types: str = Field(sa_column=Column(Text, nullable=False))
    #: the signing secret, sealed for this row
    secret: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=200)
    created_at: datetime
    removed_at: datetime | None = None
    #: the ERP profile that shapes the deliveries (``erp_profiles/``); None: the feed's JSON
    profile: str | None = Field(default=None, max_length=100)


class WebhookDeliveryRow(SQLModel, table=True):
    """One event to one subscription: pending until delivered, dead after too many tries."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_seq"),
        Index("ix_webhook_delivery_order", "subscription_id", "supplier_id", "event_seq"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    subscription_id: str = Field(foreign_key="webhook_subscription.id", max_length=36)
    event_seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    supplier_id: str = Field(max_length=36)
    status: str = Field(max_length=20)  # pending, delivered, dead
    attempts: int = 0
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class WebhookAttemptRow(SQLModel, table=True):
    """The log of every delivery attempt (status code or error)."""

    __tablename__ = "webhook_attempt"

    id: str = Field(primary_key=True, max_length=36)
    delivery_id: str = Field(foreign_key="webhook_delivery.id", index=True, max_length=36)
    number: int
    at: datetime
    status_code: int | None = None
    outcome: str = Field(max_length=20)  # delivered, retry, dead, replayed
    error: str | None = Field(default=None, sa_column=Column(Text))
    duration_ms: int | None = None


class IdempotencyKeyRow(SQLModel, table=True):
    """A POST of the API made with an ``Idempotency-Key``: its body hash and first answer."""

    __tablename__ = "idempotency_key"

    client: str = Field(primary_key=True, max_length=200)
    key: str = Field(primary_key=True, max_length=200)
    method_path: str = Field(max_length=300)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None  # None: the first request is still being answered
    response: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime
    expires_at: datetime = Field(index=True)
