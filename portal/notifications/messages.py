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
from typing import Any, Literal, Protocol

import httpx
from sqlalchemy import Connection, select

from approvals import ChangeRequest, Status
from portal.db.auth_tables import UserAccountRow
from portal.db.supplier_store import CONTACT
from portal.db.tables import table_of
from portal.notifications.outbox import OutboxMessage, SendError

__all__ = [
    "APPROVERS",
    "Enqueue",
    "Notifier",
    "OutboxNotifier",
    "RecordingNotifier",
    "RobotWebhookSender",
    "approver_emails",
    "supplier_user_emails",
]

USER = table_of(UserAccountRow)

#: Recipient of messages for every purchasing supervisor (the e-mail sender or the
#: group robot decides what it means).
APPROVERS = "role:purchasing_supervisor"

Enqueue = Callable[[Connection, str, str, str, str], object]
Recipients = Callable[[Connection, str], Sequence[tuple[str, str]]]

_STATUS_ZH = {
    Status.PARTIALLY_APPROVED: "已通过第一级审批",
    Status.APPROVED: "已审批通过",
    Status.APPLIED: "已审批通过并生效",
    Status.REJECTED: "已被驳回",
    Status.CONFLICT: "因档案已被修改而未能生效，请重新提交",
    Status.WITHDRAWN: "已撤回",
}


class Notifier(Protocol):
    """What the change use cases tell; implementations enqueue in ``conn``'s transaction."""

    def change_submitted(self, conn: Connection, request: ChangeRequest, supplier: str) -> None: ...

    def change_decided(self, conn: Connection, request: ChangeRequest, supplier: str) -> None: ...


def approver_emails(conn: Connection) -> list[tuple[str, str]]:
    """Default approver recipients: every purchasing supervisor with an e-mail address."""
    rows = conn.execute(
        select(USER.c.email).where(
            USER.c.role == "purchasing_supervisor", USER.c.email.is_not(None)
        )
    )
    return [("email", r.email) for r in rows if r.email]


def supplier_user_emails(conn: Connection, supplier_id: str) -> list[tuple[str, str]]:
    """Default supplier recipients: the supplier's portal users, else its contacts on file."""
    users = conn.execute(
        select(USER.c.email).where(USER.c.supplier_id == supplier_id, USER.c.email.is_not(None))
    )
    found = [("email", r.email) for r in users if r.email]
    if found:
        return found
    contacts = conn.execute(
        select(CONTACT.c.email).where(
            CONTACT.c.supplier_id == supplier_id, CONTACT.c.email.is_not(None)
        )
    )
    return [("email", r.email) for r in contacts if r.email]


@dataclass
class OutboxNotifier:
    """Writes one outbox row per recipient; ``public_url`` makes links absolute."""

    enqueue: Enqueue
    public_url: str = ""
    approvers: Callable[[Connection], Sequence[tuple[str, str]]] = approver_emails
    webhook: bool = False
    supplier_recipients: Recipients = supplier_user_emails

    def change_submitted(self, conn: Connection, request: ChangeRequest, supplier: str) -> None:
        subject = f"【待审批】{supplier} 提交了变更申请 / change request to review"
        fields = "\n".join(f"- {c.key}" for c in request.changes)
        flags = "\n".join(f"- ⚠ {f.message_zh}" for f in request.risk_flags) or "- 无 / none"
        body = (
            f"### {subject}\n\n供应商 Supplier: {supplier}\n\n类型 Kind: {request.kind}\n\n"
            f"字段 Fields:\n{fields}\n\n风险 Risk:\n{flags}\n\n"
            f"[审批 / Review]({self.public_url}/staff/changes/{request.id})"
        )
        targets = list(self.approvers(conn)) + ([("webhook", APPROVERS)] if self.webhook else [])
        for channel, recipient in targets:
            self.enqueue(conn, channel, recipient, subject, body)

    def change_decided(self, conn: Connection, request: ChangeRequest, supplier: str) -> None:
        status_zh = _STATUS_ZH.get(request.status, request.status.value)
        subject = f"您的变更申请{status_zh} / Your change request is {request.status.value}"
        reasons = "\n".join(f"- {d.field_key}: {d.reason}" for d in request.decisions if d.reason)
        when = f"{request.requested_at:%Y-%m-%d %H:%M}"
        body = (
            f"{supplier}：您于 {when} UTC 提交的变更申请{status_zh}。\n"
            f"Your change request of {when} UTC is "
            f"{request.status.value}.\n"
            + (f"\n驳回理由 / Reasons:\n{reasons}\n" if reasons else "")
            + f"\n{self.public_url}/supplier/changes/{request.id}"
        )
        for channel, recipient in self.supplier_recipients(conn, request.supplier_id):
            self.enqueue(conn, channel, recipient, subject, body)


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

    def send(self, message: OutboxMessage) -> None:
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
