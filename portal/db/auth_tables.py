"""Tables of people who log in, invitations that bind them to a supplier, and the outbox.

Invitations store only the SHA-256 of their random token: the link itself
(token plus an HMAC made with a secret from the settings) exists only in the
e-mail. Outbox rows are claimed by a conditional UPDATE on ``next_attempt_at``
(a lease), so several workers never send one message twice at the same time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel


class UserAccountRow(SQLModel, table=True):
    """A person known from an OpenID provider (issuer + subject)."""

    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: str = Field(primary_key=True, max_length=36)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=320)
    display_name: str = Field(default="", max_length=200)
    role: str | None = Field(default=None, max_length=40)
    supplier_id: str | None = Field(
        default=None, foreign_key="supplier.id", index=True, max_length=36
    )
    created_at: datetime
    last_login_at: datetime | None = None
    disabled_at: datetime | None = None
    #: ``zh``/``en``: the language this person chose for their own messages and pages
    #: (a supplier's user; None: the language of the contact with their e-mail, else zh)
    language: str | None = Field(default=None, max_length=5)


class UserSessionRow(SQLModel, table=True):
    """One logged-in browser: what an admin sees and can end.

    The id is the SHA-256 of the session cookie's value, never the value itself.
    """

    __tablename__ = "user_session"

    id: str = Field(primary_key=True, max_length=64)
    account_id: str = Field(foreign_key="user_account.id", index=True, max_length=36)
    role: str = Field(max_length=40)
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime = Field(index=True)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)
    ended_at: datetime | None = Field(default=None, index=True)
    end_reason: str | None = Field(default=None, max_length=40)


class InvitationRow(SQLModel, table=True):
    """A one-time invitation for a person at a supplier to bind their login to it."""

    __tablename__ = "invitation"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    email: str = Field(max_length=320)
    token_hash: str = Field(max_length=64, unique=True)
    created_by: str = Field(max_length=200)
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_by: str | None = Field(default=None, foreign_key="user_account.id", max_length=36)
    #: withdrawn by staff (or replaced by a resent invitation): the link shows "revoked"
    revoked_at: datetime | None = None
    revoked_by: str | None = Field(default=None, max_length=200)
    # The one-time code e-mailed to the invited address when the login's provider does not
    # vouch for that address (HMAC of the code, never the code), for one account.
    code_hash: str | None = Field(default=None, max_length=64)
    code_account_id: str | None = Field(default=None, max_length=36)
    code_expires_at: datetime | None = None
    code_attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    codes_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class OutboxMessageRow(SQLModel, table=True):
    """A message to send (e-mail or webhook), retried with backoff until sent."""

    __tablename__ = "outbox_message"

    id: str = Field(primary_key=True, max_length=36)
    channel: str = Field(max_length=20)
    recipient: str = Field(max_length=500)
    subject: str = Field(default="", max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    #: the body is a sealed token (it holds a link or code that opens something)
    sealed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    next_attempt_at: datetime = Field(index=True)
    sent_at: datetime | None = Field(default=None, index=True)
    #: the request (or command, or job) that enqueued it: its log lines and audit entries
    request_id: str | None = Field(default=None, max_length=64)
    #: what the message is about (an event kind of portal.notifications.events), for the
    #: delivery log and preferences; None for older messages
    event: str | None = Field(default=None, max_length=60)
    #: the person it is for, as a name (the recipient is an address or a user id)
    recipient_name: str | None = Field(default=None, max_length=200)


class TotpEnrolmentRow(SQLModel, table=True):
    """One person's TOTP authenticator, for a second factor the provider does not give.

    ``secret`` is the shared secret sealed for this row (never in clear); ``last_step`` is
    the time step of the last accepted code, so the same code is not accepted twice;
    ``failures`` and ``locked_until`` slow down guessing, per account on every instance.
    """

    __tablename__ = "totp_enrolment"

    account_id: str = Field(primary_key=True, foreign_key="user_account.id", max_length=36)
    secret: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    confirmed_at: datetime | None = None
    last_step: int | None = None
    failures: int = 0
    locked_until: datetime | None = None
