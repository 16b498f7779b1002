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

__all__ = [
    "DeliveryAttemptRow",
    "DirectorySyncRow",
    "DirectoryTokenRow",
    "ReminderSentRow",
    "StaffMemberRow",
    "UndeliverableRow",
]


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
    #: who keeps this entry: ``manual`` (the admin page, the CLI), ``scim`` (pushed by the
    #: identity provider) or ``keycloak`` (pulled); a sync never overwrites a manual entry
    source: str = Field(
        default="manual", max_length=20, sa_column_kwargs={"server_default": "manual"}
    )
    #: the identity provider's id of the person (SCIM ``externalId``, Keycloak user id)
    external_id: str | None = Field(default=None, max_length=255, index=True)
    #: the SCIM ``userName`` (often the UPN), kept as the provider sent it
    user_name: str | None = Field(default=None, max_length=320)
    #: the last time the provider's copy was applied
    synced_at: datetime | None = None
    #: the provider removed the person (SCIM DELETE, gone from the pull): kept, disabled
    removed_at: datetime | None = None


class DirectoryTokenRow(SQLModel, table=True):
    """A bearer token an identity provider uses to push people (SCIM); only its SHA-256
    is stored, and it opens nothing but ``/scim/v2``."""

    __tablename__ = "directory_token"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=100, unique=True)
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class DirectorySyncRow(SQLModel, table=True):
    """The last sync from one source (``scim:<token name>``, ``keycloak``): when it ran,
    what it changed and the last error in words (shown on the admin page)."""

    __tablename__ = "directory_sync"

    source: str = Field(primary_key=True, max_length=120)
    last_run_at: datetime
    last_ok_at: datetime | None = None
    summary: str | None = Field(default=None, max_length=500)
    error: str | None = Field(default=None, sa_column=Column(Text))
    error_at: datetime | None = None


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
