"""Staff known before their first login, and what happened to each message sent.

``staff_member`` is the staff directory: an admin (or ``portal staff add``) registers a
person with their e-mail, WeCom/DingTalk user ids, roles and language; the first OpenID
login with that e-mail (or subject) links the account (``account_id``). Messages to a
role go to the members holding it when they are sent.

``delivery_attempt`` keeps every attempt to deliver an outbox message with the provider's
answer; ``undeliverable`` is a message whose recipients resolved to nobody (shown on the
admin page until someone deals with it, never dropped silently).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, false
from sqlmodel import Field, SQLModel

__all__ = ["DeliveryAttemptRow", "ReminderSentRow", "StaffMemberRow", "UndeliverableRow"]


class StaffMemberRow(SQLModel, table=True):
    """One person of the staff directory (may never have logged in)."""

    __tablename__ = "staff_member"

    id: str = Field(primary_key=True, max_length=36)
    display_name: str = Field(max_length=200)
    email: str = Field(max_length=320, unique=True)
    wecom_userid: str | None = Field(default=None, max_length=64)
    dingtalk_userid: str | None = Field(default=None, max_length=64)
    #: comma-separated role values (portal.domain.principal.Role)
    roles: str = Field(default="", max_length=200)
    #: ``zh`` or ``en``: the language of the messages this person receives
    language: str = Field(default="zh", max_length=5)
    #: comma-separated channels for immediate messages: ``email``, ``wecom``, ``dingtalk``
    channels: str = Field(default="email", max_length=60)
    #: comma-separated event kinds the person does not want (the rest are sent)
    muted_events: str = Field(default="", max_length=500)
    #: collect messages into one daily digest instead of sending each at once
    digest: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    #: the OpenID subject, when known before the first login (else matched by e-mail)
    oidc_subject: str | None = Field(default=None, max_length=255)
    account_id: str | None = Field(
        default=None, foreign_key="user_account.id", unique=True, max_length=36
    )
    created_at: datetime
    disabled_at: datetime | None = None


class DeliveryAttemptRow(SQLModel, table=True):
    """One attempt to deliver one outbox message, with what the provider answered."""

    __tablename__ = "delivery_attempt"

    id: str = Field(primary_key=True, max_length=36)
    message_id: str = Field(foreign_key="outbox_message.id", index=True, max_length=36)
    at: datetime
    channel: str = Field(max_length=20)
    #: ``sent``, ``retrying`` or ``failed``
    outcome: str = Field(max_length=20)
    answer: str | None = Field(default=None, sa_column=Column(Text))


class UndeliverableRow(SQLModel, table=True):
    """A message nobody could receive (its role is held by no active person)."""

    __tablename__ = "undeliverable"

    id: str = Field(primary_key=True, max_length=36)
    created_at: datetime = Field(index=True)
    event: str = Field(max_length=60)
    audience: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    resolved_at: datetime | None = None


class ReminderSentRow(SQLModel, table=True):
    """A reminder or escalation already sent: the key names what and which step
    (``approval_reminder:<request>``, ``licence_expiring:<supplier>:<term end>:<days>``), so
    each is sent once however many workers run."""

    __tablename__ = "reminder_sent"

    key: str = Field(primary_key=True, max_length=200)
    sent_at: datetime
