"""Who receives a message: an audience (a role, or an address) resolved to people at send
time, each told in their language through the channels they chose.

``role:<role>`` means everyone who holds the role *now*: the active people of the staff
directory (known before their first login) and the staff accounts that logged in with the
role and are not in the directory. An audience that resolves to nobody is written to
``undeliverable`` in the caller's transaction (the admin page lists it until someone deals
with it): a message is never dropped in silence.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from portal.db.auth_tables import UserAccountRow
from portal.db.staff_tables import StaffMemberRow, UndeliverableRow
from portal.db.tables import table_of
from portal.domain.principal import Role
from portal.notifications.digest import next_digest
from portal.notifications.outbox import DIGEST_PREFIX, Channel, enqueue

__all__ = [
    "ROLE_PREFIX",
    "UNDELIVERABLE",
    "Recipient",
    "Rendered",
    "holders_of",
    "notify",
    "open_undeliverable",
    "resolve",
]

STAFF_MEMBER = table_of(StaffMemberRow)
USER = table_of(UserAccountRow)
UNDELIVERABLE = table_of(UndeliverableRow)
ROLE_PREFIX = "role:"


@dataclass(frozen=True)
class Rendered:
    """A message in one language: the subject and the plain-text body."""

    subject: str
    body: str


@dataclass(frozen=True)
class Recipient:
    """One person (or one bare address) as the sender of a message sees them."""

    name: str
    language: str = "zh"
    email: str | None = None
    wecom_userid: str | None = None
    dingtalk_userid: str | None = None
    channels: tuple[str, ...] = ("email",)
    muted_events: tuple[str, ...] = ()
    digest: bool = False

    def addresses(self) -> list[tuple[Channel, str]]:
        """Where this person is told: their chosen channels that have an address, else
        e-mail (a choice that cannot be delivered never silences a person)."""
        known = {
            Channel.EMAIL: self.email,
            Channel.WECOM: self.wecom_userid,
            Channel.DINGTALK: self.dingtalk_userid,
        }
        chosen = [(Channel(c), known[Channel(c)]) for c in self.channels if c in known]
        found = [(channel, address) for channel, address in chosen if address]
        if not found and self.email:
            found = [(Channel.EMAIL, self.email)]
        return [(channel, address) for channel, address in found if address is not None]


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split(",") if part)


def holders_of(conn: Connection, role: Role) -> list[Recipient]:
    """Everyone holding ``role`` now: active directory members, then staff accounts with
    the role that are neither disabled nor already in the directory."""
    members = conn.execute(
        select(STAFF_MEMBER)
        .where(STAFF_MEMBER.c.disabled_at.is_(None))
        .order_by(STAFF_MEMBER.c.display_name)
    ).all()
    found = [
        Recipient(
            name=m.display_name,
            language=m.language,
            email=m.email,
            wecom_userid=m.wecom_userid,
            dingtalk_userid=m.dingtalk_userid,
            channels=_split(m.channels) or ("email",),
            muted_events=_split(m.muted_events),
            digest=bool(m.digest),
        )
        for m in members
        if role.value in _split(m.roles)
    ]
    directory = conn.execute(select(STAFF_MEMBER.c.account_id, STAFF_MEMBER.c.email)).all()
    linked = {r.account_id for r in directory if r.account_id}
    emails = {r.email for r in directory}
    accounts = conn.execute(
        select(USER.c.id, USER.c.email, USER.c.display_name).where(
            USER.c.role == role.value,
            USER.c.disabled_at.is_(None),
            USER.c.email.is_not(None),
        )
    ).all()
    for a in accounts:
        if a.id in linked or (a.email or "").lower() in emails:
            continue
        found.append(Recipient(name=a.display_name or a.email, email=a.email))
    return found


def resolve(conn: Connection, audience: str) -> list[Recipient]:
    """``role:<role>`` to the people holding it now; anything else is one e-mail address."""
    if audience.startswith(ROLE_PREFIX):
        try:
            role = Role(audience.removeprefix(ROLE_PREFIX))
        except ValueError:
            return []
        return holders_of(conn, role)
    return [Recipient(name=audience, email=audience)] if "@" in audience else []


def notify(
    conn: Connection,
    event: str,
    audience: str | Sequence[Recipient],
    render: Callable[[Recipient], Rendered],
    *,
    now: datetime | None = None,
    describe: str | None = None,
) -> int:
    """Enqueue ``event`` for everyone ``audience`` resolves to, each in their language and
    on their channels, in the caller's transaction; returns the number of messages.

    Nobody to tell (the role is held by no one, or every holder muted the event) is an
    ``undeliverable`` row for the admin page, with ``describe`` (or the zh subject) saying
    what was not told.
    """
    now = now or datetime.now(UTC)
    people = resolve(conn, audience) if isinstance(audience, str) else list(audience)
    sent = 0
    first: Rendered | None = None
    for person in people:
        message = render(person)
        first = first or message
        if event in person.muted_events:
            continue
        for channel, address in person.addresses():
            # a person who chose the daily digest: held until the next digest time
            held = f"{DIGEST_PREFIX}{channel.value}" if person.digest else channel
            enqueue(
                conn,
                held,
                address,
                message.subject,
                message.body,
                now=now,
                event=event,
                recipient_name=person.name,
                due=next_digest(now) if person.digest else None,
            )
            sent += 1
    if sent == 0:
        what = describe or (first.subject if first else render(Recipient(name="—")).subject)
        shown = audience if isinstance(audience, str) else "—"
        conn.execute(
            insert(UNDELIVERABLE).values(
                id=str(uuid.uuid4()),
                created_at=now,
                event=event,
                audience=shown[:200],
                subject=what[:300],
            )
        )
    return sent


def open_undeliverable(conn: Connection, *, limit: int = 100) -> list[Any]:
    """Messages nobody received that nobody has dealt with yet, newest first."""
    return list(
        conn.execute(
            select(UNDELIVERABLE)
            .where(UNDELIVERABLE.c.resolved_at.is_(None))
            .order_by(UNDELIVERABLE.c.created_at.desc())
            .limit(limit)
        )
    )


def count_undeliverable(conn: Connection) -> int:
    """How many undelivered messages are waiting for an administrator."""
    return int(
        conn.scalar(
            select(func.count())
            .select_from(UNDELIVERABLE)
            .where(UNDELIVERABLE.c.resolved_at.is_(None))
        )
        or 0
    )
