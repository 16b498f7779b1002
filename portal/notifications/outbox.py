"""The outbox: side effects (e-mail, webhooks) leave as rows a worker claims and sends.

Callers :func:`enqueue` inside their own transaction, so a message exists if
and only if the change it announces committed. :class:`OutboxWorker` claims a
due row with a conditional UPDATE (``... WHERE attempts = :seen AND sent_at IS
NULL``, then checks the row count), which also leases it for a while; it sends
through the :class:`Sender` registered for the row's channel and records the
outcome. Every attempt leaves a trace (``attempts``, ``last_error``); temporary
failures are retried with exponential backoff, permanent ones are not.

A body that holds a secret (an invitation link, a one-time code) is enqueued with the
field cipher (``sealer=``): the row keeps only a token bound to (``outbox_message``,
``body``, id), and the worker opens it just before sending. Reading a sealed body needs
the customer's key, like any other sensitive field.

Errors::

    SendError          a sender could not deliver (``permanent`` says whether retrying can help)
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Connection, Engine, and_, insert, select, update

from portal.db.auth_tables import OutboxMessageRow
from portal.db.lease import backoff, claim_one
from portal.db.sealing import Sealer
from portal.db.staff_tables import DeliveryAttemptRow
from portal.db.tables import table_of
from portal.observability.context import bind_request_id, current_request_id

OUTBOX = table_of(OutboxMessageRow)
log = logging.getLogger(__name__)
ATTEMPT = table_of(DeliveryAttemptRow)

__all__ = [
    "Channel",
    "OutboxMessage",
    "OutboxWorker",
    "SendError",
    "Sender",
    "SmtpEmailSender",
    "SmtpSettings",
    "WorkerReport",
    "email_of",
    "enqueue",
    "html_of",
    "language_of",
    "recent",
]


class Channel(StrEnum):
    """How a message travels."""

    EMAIL = "email"
    WEBHOOK = "webhook"
    #: a WeCom (企业微信) application message to one person (their userid)
    WECOM = "wecom"
    #: a DingTalk (钉钉) work notification to one person (their userid)
    DINGTALK = "dingtalk"


class SendError(Exception):
    """A message could not be delivered; ``permanent`` says a retry cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class OutboxMessage:
    """One message as the sender sees it."""

    id: str
    channel: str
    recipient: str
    subject: str
    body: str
    attempts: int = 0
    created_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    sealed: bool = False
    #: the request that enqueued it (its id is bound while the message is sent)
    request_id: str | None = None


@runtime_checkable
class Sender(Protocol):
    """Delivers messages of one channel; raises :class:`SendError` when it cannot."""

    def send(self, message: OutboxMessage) -> str | None:
        """Deliver the message or raise SendError; may return the provider's answer (e.g.
        its message id) for the delivery log."""


SEALED_PLACEHOLDER = "（正文已加密）/ (the body is encrypted)"


#: A message held for a person's daily digest: ``digest:<channel>``; no sender claims it, the
#: digest pass (``portal.notifications.digest``) merges a person's messages into one.
DIGEST_PREFIX = "digest:"


def _channel(channel: Channel | str) -> str:
    text = str(channel)
    if text.startswith(DIGEST_PREFIX):
        return DIGEST_PREFIX + Channel(text.removeprefix(DIGEST_PREFIX)).value
    return Channel(channel).value


def enqueue(
    conn: Connection,
    channel: Channel | str,
    recipient: str,
    subject: str,
    body: str,
    *,
    now: datetime | None = None,
    sealer: Sealer | None = None,
    event: str | None = None,
    recipient_name: str | None = None,
    due: datetime | None = None,
) -> str:
    """Add a message in the caller's transaction; returns its id. With ``sealer`` the
    body is stored encrypted (give it whenever the body holds a link or code)."""
    now = now or datetime.now(UTC)
    message_id = str(uuid.uuid4())
    stored = sealer.seal("outbox_message", "body", message_id, body) if sealer else body
    conn.execute(
        insert(OUTBOX).values(
            id=message_id,
            channel=_channel(channel),
            recipient=recipient,
            subject=subject[:300],
            body=stored,
            sealed=sealer is not None,
            created_at=now,
            attempts=0,
            next_attempt_at=due or now,
            request_id=current_request_id(),
            event=event,
            recipient_name=(recipient_name or "")[:200] or None,
        )
    )
    return message_id


def _body(row: Any, sealer: Sealer | None) -> str | None:
    """The clear body of a row (None: sealed, and no key or the token does not open)."""
    if not row.sealed:
        return str(row.body)
    if sealer is None:
        return None
    return sealer.open("outbox_message", "body", row.id, row.body).value


def _shown(body: str | None) -> str:
    return SEALED_PLACEHOLDER if body is None else body


def recent(
    conn: Connection,
    *,
    limit: int = 100,
    channel: str | None = None,
    sealer: Sealer | None = None,
) -> list[OutboxMessage]:
    """The newest messages first (sent or not), for the demo outbox page and operators;
    sealed bodies are opened with ``sealer`` (a placeholder without it)."""
    query = select(OUTBOX).order_by(OUTBOX.c.created_at.desc()).limit(limit)
    if channel is not None:
        query = query.where(OUTBOX.c.channel == channel)
    return [
        OutboxMessage(
            id=row.id,
            channel=row.channel,
            recipient=row.recipient,
            subject=row.subject,
            body=_shown(_body(row, sealer)),
            attempts=row.attempts,
            created_at=row.created_at,
            sent_at=row.sent_at,
            last_error=row.last_error,
        )
        for row in conn.execute(query)
    ]


@dataclass
class WorkerReport:
    """What one run of the worker did."""

    sent: int = 0
    retrying: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)


class OutboxWorker:
    """Claims due messages and sends them through the sender of their channel."""

    def __init__(
        self,
        engine: Engine,
        senders: Mapping[str, Sender],
        *,
        max_attempts: int = 8,
        lease: timedelta = timedelta(minutes=5),
        backoff: timedelta = timedelta(minutes=1),
        max_backoff: timedelta = timedelta(hours=6),
        sealer: Sealer | None = None,
    ) -> None:
        self.engine = engine
        self.sealer = sealer
        self.senders = dict(senders)
        self.max_attempts = max_attempts
        self.lease = lease
        self.backoff = backoff
        self.max_backoff = max_backoff

    def retry_delay(self, attempts: int) -> timedelta:
        """Exponential backoff after the ``attempts``-th failed attempt."""
        return backoff(self.backoff, attempts, cap=self.max_backoff)

    def run_once(self, *, now: datetime | None = None, limit: int = 50) -> WorkerReport:
        """Send what is due now (at most ``limit`` messages)."""
        now = now or datetime.now(UTC)
        report = WorkerReport()
        with self.engine.connect() as conn:
            due = conn.execute(
                select(OUTBOX.c.id, OUTBOX.c.attempts)
                .where(
                    OUTBOX.c.sent_at.is_(None),
                    OUTBOX.c.next_attempt_at <= now,
                    OUTBOX.c.attempts < self.max_attempts,
                    OUTBOX.c.channel.in_(list(self.senders)),
                )
                .order_by(OUTBOX.c.next_attempt_at)
                .limit(limit)
            ).all()
        for row in due:
            message = self._claim(row.id, row.attempts, now)
            if message is not None:
                with bind_request_id(message.request_id or current_request_id() or message.id):
                    self._deliver(message, now, report)
        return report

    def _claim(self, message_id: str, seen_attempts: int, now: datetime) -> OutboxMessage | None:
        """Take the row if nobody else did since we looked; lease it for a while."""
        row = claim_one(
            self.engine,
            OUTBOX,
            and_(
                OUTBOX.c.id == message_id,
                OUTBOX.c.sent_at.is_(None),
                OUTBOX.c.attempts == seen_attempts,
                OUTBOX.c.next_attempt_at <= now,
            ),
            {"attempts": seen_attempts + 1, "next_attempt_at": now + self.lease},
            lambda conn: conn.execute(select(OUTBOX).where(OUTBOX.c.id == message_id)).one(),
        )
        if row is None:
            return None
        return OutboxMessage(
            id=row.id,
            channel=row.channel,
            recipient=row.recipient,
            subject=row.subject,
            body=_body(row, self.sealer) or "",
            attempts=row.attempts,
            sealed=bool(row.sealed),
            request_id=row.request_id,
        )

    def _deliver(self, message: OutboxMessage, now: datetime, report: WorkerReport) -> None:
        try:
            if message.sealed and not message.body:
                # never send ciphertext; a worker given the key later will send it
                raise SendError("the body is encrypted and this worker cannot open it")
            answer = self.senders[message.channel].send(message)
        except SendError as exc:
            give_up = exc.permanent or message.attempts >= self.max_attempts
            values: dict[str, object] = {
                "last_error": f"{'permanent: ' if exc.permanent else ''}{exc}"[:2000],
                "next_attempt_at": now + self.retry_delay(message.attempts),
            }
            if exc.permanent:
                values["attempts"] = self.max_attempts  # no further attempt can help
            with self.engine.begin() as conn:
                conn.execute(update(OUTBOX).where(OUTBOX.c.id == message.id).values(**values))
                _attempt(
                    conn,
                    message,
                    now,
                    "failed" if give_up else "retrying",
                    str(values["last_error"]),
                )
            report.errors.append(f"{message.id}: {exc}")
            log.warning(
                "outbox message %s (%s) not sent, attempt %s%s",
                message.id,
                message.channel,
                message.attempts,
                ", giving up" if give_up else "",
            )
            if give_up:
                report.gave_up += 1
            else:
                report.retrying += 1
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(OUTBOX).where(OUTBOX.c.id == message.id).values(sent_at=now, last_error=None)
            )
            _attempt(conn, message, now, "sent", answer)
        report.sent += 1
        log.info("outbox message %s sent (%s)", message.id, message.channel)


def _attempt(
    conn: Connection, message: OutboxMessage, at: datetime, outcome: str, answer: str | None
) -> None:
    """One line of the delivery log: which channel, when, what the provider answered."""
    conn.execute(
        insert(ATTEMPT).values(
            id=str(uuid.uuid4()),
            message_id=message.id,
            at=at,
            channel=message.channel,
            outcome=outcome,
            answer=(answer or "")[:2000] or None,
        )
    )


_URL = re.compile(r"https?://[^\s<>\"'）)]+")
_BUTTON = (
    "display:inline-block;padding:8px 16px;background:#1f5fbf;color:#ffffff;"
    "text-decoration:none;border-radius:4px"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _linked(line: str) -> str:
    """One line of text as HTML: escaped, its links made clickable."""
    out, end = [], 0
    for found in _URL.finditer(line):
        out.append(html.escape(line[end : found.start()]))
        url = html.escape(found.group(0), quote=True)
        out.append(f'<a href="{url}">{url}</a>')
        end = found.end()
    out.append(html.escape(line[end:]))
    return "".join(out)


def language_of(text: str) -> str:
    """``zh-CN`` or ``en``: the language the words of a message are in (names of Chinese
    companies inside an English message do not make it Chinese: words are counted)."""
    words = _URL.sub(" ", text)
    chinese = len(_CJK.findall(words))
    english = len(re.findall(r"[A-Za-z]{2,}", words))
    return "zh-CN" if chinese >= english else "en"


def html_of(subject: str, body: str) -> str:
    """The HTML alternative of a plain-text message: the same words, paragraphs kept,
    every link a working ``<a href>`` (and, for the reader's action, a button-like link)."""
    language = language_of(subject + "\n" + body)
    paragraphs = [p for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    blocks = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        if all(_URL.fullmatch(line.strip()) for line in lines if line.strip()):
            for line in (line.strip() for line in lines if line.strip()):
                url = html.escape(line, quote=True)
                blocks.append(f'<p><a href="{url}" style="{_BUTTON}">{url}</a></p>')
        else:
            blocks.append("<p>" + "<br>\n".join(_linked(line) for line in lines) + "</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        '<body style="font-family:sans-serif;line-height:1.6;color:#1a1a1a">\n'
        f'<h1 style="font-size:18px">{html.escape(subject)}</h1>\n'
        + "\n".join(blocks)
        + "\n</body></html>\n"
    )


def email_of(message: OutboxMessage, sender: str) -> EmailMessage:
    """The e-mail of one outbox message: ``multipart/alternative`` with the plain text
    first and its HTML rendering second (mail clients show the last part they can)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=message.id)
    email.set_content(message.body)
    email.add_alternative(html_of(message.subject, message.body), subtype="html")
    # after the content: set_content clears the Content-* headers
    email["Content-Language"] = language_of(f"{message.subject}\n{message.body}")
    return email


@dataclass(frozen=True)
class SmtpSettings:
    """Where e-mail goes out (PORTAL_SMTP_*)."""

    host: str | None = None
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = "supplier-portal@localhost"
    starttls: bool = True
    timeout: float = 20.0

    @property
    def configured(self) -> bool:
        """Whether a server is set at all (the demo has none)."""
        return bool(self.host)


class SmtpEmailSender:
    """Sends e-mail with smtplib (STARTTLS unless turned off; SMTPS on port 465)."""

    def __init__(self, settings: SmtpSettings) -> None:
        if not settings.host:
            raise ValueError("PORTAL_SMTP_HOST is not set")
        self.settings = settings

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        host = s.host or ""
        if s.port == 465:
            return smtplib.SMTP_SSL(
                host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        client = smtplib.SMTP(host, s.port, timeout=s.timeout)
        if s.starttls:
            client.starttls(context=ssl.create_default_context())
        return client

    def send(self, message: OutboxMessage) -> str | None:
        """Deliver one e-mail (text and HTML alternatives, :func:`email_of`); refused
        recipients are permanent, the rest temporary."""
        email = email_of(message, self.settings.sender)
        try:
            with self._connect() as client:
                if self.settings.user:
                    client.login(self.settings.user, self.settings.password or "")
                client.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(f"SMTP login refused: {exc.smtp_code}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise SendError(f"SMTP unavailable: {type(exc).__name__}: {exc}") from exc
        return f"accepted by {self.settings.host}"
