"""Telling people about change requests: approvers on new requests, suppliers on decisions.

Nothing is sent from inside a use case: :class:`OutboxNotifier` writes outbox rows in the
caller's transaction (:func:`portal.notifications.outbox.enqueue`), and the outbox worker
delivers them with a sender per channel. :class:`RobotWebhookSender` is the sender for the
``webhook`` channel: a WeCom (企业微信) or DingTalk (钉钉) group robot, which both take
``{"msgtype": "markdown", "markdown": {...}}``. Its failures are
:class:`~portal.notifications.outbox.SendError` with ``permanent`` saying whether a retry can
help: bad URL, 4xx and a refused message are permanent; timeouts, unreachable hosts, 5xx
and the robot's rate limit are not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Connection, select

from approvals import ChangeKind, ChangeRequest, Status
from portal.db.auth_tables import UserAccountRow
from portal.db.supplier_store import CONTACT
from portal.db.tables import table_of
from portal.domain.principal import Role
from portal.notifications.content import field_label, fields_of, link, render
from portal.notifications.outbox import OutboxMessage, SendError
from portal.notifications.recipients import Recipient, Rendered, holders_of, notify

__all__ = [
    "APPROVERS",
    "Enqueue",
    "Notifier",
    "OutboxNotifier",
    "RecordingNotifier",
    "RobotWebhookSender",
    "approvers_now",
    "kind_words",
    "shanghai",
    "supplier_people",
]

USER = table_of(UserAccountRow)

#: The group robot's recipient (informational: the webhook URL names the group).
APPROVERS = "role:purchasing_supervisor"
SHOWN_IN = ZoneInfo("Asia/Shanghai")

Enqueue = Callable[..., object]
People = Callable[[Connection], Sequence[Recipient]]
SupplierPeople = Callable[[Connection, str], Sequence[Recipient]]

KIND_WORDS: dict[str, tuple[str, str]] = {
    ChangeKind.SUPPLIER_PROFILE: ("基本信息变更", "company details change"),
    ChangeKind.BANK_ACCOUNT_ADD: ("新增银行账户", "new bank account"),
    ChangeKind.BANK_ACCOUNT_CHANGE: ("银行账户变更", "bank account change"),
    ChangeKind.BANK_ACCOUNT_RETIRE: ("停用银行账户", "bank account retirement"),
    ChangeKind.INVOICING_PROFILE: ("开票信息变更", "invoicing details change"),
    ChangeKind.CONTACT_ADD: ("新增联系人", "new contact"),
    ChangeKind.CONTACT_CHANGE: ("联系人变更", "contact change"),
    ChangeKind.CONTACT_REMOVE: ("删除联系人", "contact removal"),
    ChangeKind.MERGE_SUPPLIERS: ("供应商合并", "supplier merge"),
}

_OUTCOME: dict[Status, tuple[str, str]] = {
    Status.PARTIALLY_APPROVED: ("已通过第一级审批", "passed the first approval"),
    Status.APPROVED: ("已审批通过", "was approved"),
    Status.APPLIED: ("已审批通过并生效", "was approved and is now in effect"),
    Status.REJECTED: ("已被驳回", "was rejected"),
    Status.CONFLICT: (
        "因档案已被修改而未能生效，请重新提交",
        "could not be applied because the record changed meanwhile; please submit it again",
    ),
    Status.WITHDRAWN: ("已撤回", "was withdrawn"),
}


def words(pair: tuple[str, str], language: str) -> str:
    """The zh or en half of a pair of words."""
    return pair[0] if language == "zh" else pair[1]


def kind_words(kind: str, language: str) -> str:
    """A change kind as words (``银行账户变更`` / ``bank account change``)."""
    return words(KIND_WORDS.get(kind, (str(kind), str(kind))), language)


def shanghai(at: datetime) -> str:
    """A time as people read it: Beijing time, to the minute."""
    return f"{at.astimezone(SHOWN_IN):%Y-%m-%d %H:%M}"


class Notifier(Protocol):
    """What the change use cases tell; implementations enqueue in ``conn``'s transaction."""

    def change_submitted(self, conn: Connection, request: ChangeRequest, supplier: str) -> None: ...

    def change_decided(self, conn: Connection, request: ChangeRequest, supplier: str) -> None: ...


def approvers_now(conn: Connection) -> list[Recipient]:
    """The purchasing supervisors at send time (staff directory and logged-in accounts)."""
    return holders_of(conn, Role.PURCHASING_SUPERVISOR)


def supplier_people(conn: Connection, supplier_id: str) -> list[Recipient]:
    """Who hears about a supplier's requests: its portal users, else its contacts on file;
    a user in the language they chose for themself, else the one chosen for the contact with
    that e-mail (zh when none)."""
    contacts = conn.execute(
        select(CONTACT.c.email, CONTACT.c.name, CONTACT.c.language).where(
            CONTACT.c.supplier_id == supplier_id, CONTACT.c.email.is_not(None)
        )
    ).all()
    language = {(r.email or "").lower(): r.language or "zh" for r in contacts}
    users = conn.execute(
        select(USER.c.email, USER.c.display_name, USER.c.language).where(
            USER.c.supplier_id == supplier_id,
            USER.c.email.is_not(None),
            USER.c.disabled_at.is_(None),
        )
    )
    found = [
        Recipient(
            name=r.display_name or r.email,
            email=r.email,
            language=r.language or language.get(r.email.lower(), "zh"),
        )
        for r in users
        if r.email
    ]
    if found:
        return found
    return [
        Recipient(name=r.name or r.email, email=r.email, language=r.language or "zh")
        for r in contacts
        if r.email
    ]


@dataclass
class OutboxNotifier:
    """Tells the people concerned through the outbox; ``public_url`` makes links absolute.

    Approvers are resolved when the request is submitted (``approvers``, by default everyone
    who is a purchasing supervisor then); each reads the message in their language.
    """

    enqueue: Enqueue
    public_url: str = ""
    approvers: People = approvers_now
    webhook: bool = False
    #: the group robot's language (``PORTAL_WEBHOOK_LANGUAGE``): ``zh`` or ``en``
    webhook_language: str = "zh"
    supplier_recipients: SupplierPeople = supplier_people

    def submitted_values(
        self, request: ChangeRequest, supplier: str, language: str
    ) -> dict[str, Any]:
        """What the ``change_submitted`` templates are given."""
        return {
            "supplier": supplier,
            "kind": kind_words(request.kind, language),
            "when": shanghai(request.requested_at),
            "fields": fields_of(request, language),
            "risks": [
                f.message_zh if language == "zh" else f.message_en for f in request.risk_flags
            ],
            "url": link(self.public_url, f"/staff/changes/{request.id}"),
        }

    def decided_values(
        self, request: ChangeRequest, supplier: str, language: str
    ) -> dict[str, Any]:
        """What the ``change_decided`` templates are given."""
        labels = {c.key: field_label(c, language) for c in request.changes}
        reasons = [
            f"{labels.get(d.field_key, '—')}: {d.reason}" for d in request.decisions if d.reason
        ]
        outcome = _OUTCOME.get(request.status, (request.status.value, request.status.value))
        return {
            "supplier": supplier,
            "kind": kind_words(request.kind, language),
            "when": shanghai(request.requested_at),
            "outcome": words(outcome, language),
            "reasons": list(dict.fromkeys(reasons)),
            "resubmit": request.status in (Status.REJECTED, Status.CONFLICT),
            "url": link(self.public_url, f"/portal/changes/{request.id}"),
        }

    def group_reader(self) -> Recipient:
        """The group robot's chat as a reader: the supervisors, in the configured language."""
        if self.webhook_language == "en":
            return Recipient(name="purchasing supervisors", language="en")
        return Recipient(name="各位采购主管", language="zh")

    def change_submitted(self, conn: Connection, request: ChangeRequest, supplier: str) -> None:
        def message(reader: Recipient) -> Rendered:
            values = self.submitted_values(request, supplier, reader.language)
            return render("change_submitted", reader, values)

        notify(conn, "change_submitted", self.approvers(conn), message,
               describe=message(Recipient(name="—")).subject)  # fmt: skip
        if self.webhook:
            group = message(self.group_reader())
            self.enqueue(conn, "webhook", APPROVERS, group.subject, group.body)

    def change_decided(self, conn: Connection, request: ChangeRequest, supplier: str) -> None:
        def message(reader: Recipient) -> Rendered:
            values = self.decided_values(request, supplier, reader.language)
            return render("change_decided", reader, values)

        people = self.supplier_recipients(conn, request.supplier_id)
        notify(conn, "change_decided", people, message,
               describe=f"{supplier}: {message(Recipient(name='—')).subject}")  # fmt: skip


@dataclass
class RecordingNotifier:
    """A notifier for tests: remembers (what, request id, status)."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def change_submitted(self, conn: Connection, request: ChangeRequest, supplier: str) -> None:
        self.sent.append(("submitted", request.id, request.status.value))

    def change_decided(self, conn: Connection, request: ChangeRequest, supplier: str) -> None:
        self.sent.append(("decided", request.id, request.status.value))


#: Robot error codes that mean "too many messages, try later".
_RATE_LIMITED = frozenset({130101, 45009})


class RobotWebhookSender:
    """Posts markdown messages to a WeCom or DingTalk group robot webhook URL.

    The client is the caller's (``httpx.Client(transport=httpx.MockTransport(...))`` in
    tests); the URL, which holds the robot's key, is never put in error messages.
    """

    channel = "webhook"

    def __init__(
        self,
        url: str,
        client: httpx.Client,
        *,
        flavour: Literal["wecom", "dingtalk"] = "wecom",
        timeout: float = 10.0,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("the webhook URL must start with https://")
        self.url = url
        self.client = client
        self.flavour = flavour
        self.timeout = timeout

    def payload(self, subject: str, body: str) -> dict[str, Any]:
        """The robot's JSON body for one message."""
        if self.flavour == "dingtalk":
            return {"msgtype": "markdown", "markdown": {"title": subject, "text": body}}
        return {"msgtype": "markdown", "markdown": {"content": f"**{subject}**\n{body}"}}

    def send(self, message: OutboxMessage) -> str | None:
        """Deliver one message (its recipient is informational: the URL names the group)."""
        try:
            response = self.client.post(
                self.url, json=self.payload(message.subject, message.body), timeout=self.timeout
            )
        except httpx.TimeoutException as exc:
            raise SendError("the webhook did not answer in time", permanent=False) from exc
        except httpx.TransportError as exc:
            raise SendError(
                f"the webhook could not be reached ({type(exc).__name__})", permanent=False
            ) from exc
        if response.status_code >= 500:
            raise SendError(f"the webhook answered {response.status_code}", permanent=False)
        if response.status_code >= 400:
            raise SendError(f"the webhook refused: {response.status_code}", permanent=True)
        try:
            answer = response.json()
            code = int(answer.get("errcode", 0))
        except (ValueError, AttributeError, TypeError) as exc:
            raise SendError(
                "the webhook answered something that is not JSON", permanent=False
            ) from exc
        if code in _RATE_LIMITED:
            raise SendError(f"the robot is rate limited (errcode {code})", permanent=False)
        if code != 0:
            raise SendError(
                f"the robot refused the message: errcode {code} {answer.get('errmsg', '')}",
                permanent=True,
            )
        return f"errcode {code}"
