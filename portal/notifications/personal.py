"""Personal work notifications: a WeCom (企业微信) application message or a DingTalk (钉钉)
work notification to one person, by their user id in the company's directory.

Both take an access token fetched with the application's credentials (cached until it
expires, fetched again when the platform says it is no longer valid) and answer JSON with
``errcode`` (0: accepted). Request and answer shapes: ``docs/notifications.md``. The HTTP
client is the caller's; the credentials and tokens never appear in errors or answers kept.

:class:`PersonalSender` is the port (an outbox :class:`~portal.notifications.outbox.Sender`);
:class:`WeComAppSender` and :class:`DingTalkWorkSender` are the real adapters and
:class:`InMemoryPersonalSender` the fake the contract test holds to the same behaviour.
Failures are :class:`~portal.notifications.outbox.SendError`: unreachable, 5xx, busy and
rate limits are temporary ("retry later"); an unknown user or a refused message is permanent.
"""

from __future__ import annotations

import logging
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from portal.notifications.outbox import OutboxMessage, SendError

__all__ = [
    "DingTalkWorkSender",
    "InMemoryPersonalSender",
    "PersonalSender",
    "WeComAppSender",
]

#: errcodes meaning "the access token is no longer valid": fetch one and try once more
_TOKEN_EXPIRED = frozenset({40014, 42001, 88, 40001})
#: errcodes meaning "busy or too many messages now": retry later
_TEMPORARY = frozenset({-1, 45009, 45033, 90018, 90002})
#: errcodes meaning "no such user": permanent for this recipient
_UNKNOWN_USER = frozenset({81013, 60111, 33012})


_SECRET_PARAM = re.compile(r"((?:access_token|corpsecret|appsecret)=)[^&\s\"]+")


class RedactPlatformSecrets(logging.Filter):
    """httpx logs every request's URL at INFO; these platforms put the application secret and
    the access token in the query string. Replace them before any handler sees the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any("=" in str(a) for a in record.args):
            record.args = tuple(
                _SECRET_PARAM.sub(r"\1[redacted]", str(a)) if "=" in str(a) else a
                for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(RedactPlatformSecrets())


class PersonalSender(Protocol):
    """Sends one message to one person of the company directory (``message.recipient``)."""

    channel: str

    def send(self, message: OutboxMessage) -> str | None:
        """Deliver or raise SendError; returns the platform's message or task id."""


def _text(message: OutboxMessage) -> str:
    return f"{message.subject}\n\n{message.body}".strip()


@dataclass
class _Token:
    value: str = ""
    expires_at: float = 0.0


class _App(ABC):
    """An application of one platform: its token endpoint and how to call it."""

    name = "platform"

    def __init__(
        self, client: httpx.Client, *, timeout: float = 10.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self.timeout = timeout
        self.clock = clock
        self._token = _Token()

    @abstractmethod
    def _token_request(self) -> httpx.Request:
        """The platform's access-token request (WeCom and DingTalk differ)."""

    def _call(self, request: httpx.Request) -> dict[str, Any]:
        try:
            response = self.client.send(request)
        except httpx.TimeoutException as exc:
            raise SendError(f"{self.name} did not answer in time", permanent=False) from exc
        except httpx.TransportError as exc:
            raise SendError(
                f"{self.name} could not be reached ({type(exc).__name__})", permanent=False
            ) from exc
        if response.status_code >= 500:
            raise SendError(f"{self.name} answered {response.status_code}", permanent=False)
        if response.status_code >= 400:
            raise SendError(f"{self.name} refused: {response.status_code}", permanent=True)
        try:
            answer = response.json()
            int(answer.get("errcode", 0))
        except (ValueError, AttributeError, TypeError) as exc:
            raise SendError(f"{self.name} answered something that is not JSON") from exc
        return dict(answer)

    def token(self, *, fresh: bool = False) -> str:
        if fresh or not self._token.value or self.clock() >= self._token.expires_at:
            answer = self._call(self._token_request())
            code = int(answer.get("errcode", 0))
            if code != 0 or not answer.get("access_token"):
                raise SendError(
                    f"{self.name} refused the application's credentials (errcode {code})",
                    permanent=code not in _TEMPORARY,
                )
            lifetime = float(answer.get("expires_in", 7200))
            self._token = _Token(str(answer["access_token"]), self.clock() + lifetime - 300)
        return self._token.value

    def _send(self, build: Callable[[str], httpx.Request]) -> dict[str, Any]:
        answer = self._call(build(self.token()))
        if int(answer.get("errcode", 0)) in _TOKEN_EXPIRED:
            answer = self._call(build(self.token(fresh=True)))
        code = int(answer.get("errcode", 0))
        if code in _TEMPORARY:
            raise SendError(f"{self.name} is busy or rate limited (errcode {code})")
        if code in _UNKNOWN_USER:
            raise SendError(f"{self.name} does not know this user (errcode {code})", permanent=True)
        if code != 0:
            raise SendError(
                f"{self.name} refused the message: errcode {code} {answer.get('errmsg', '')}",
                permanent=True,
            )
        return answer


class WeComAppSender(_App):
    """WeCom application message (``message/send``) to one member, as text."""

    channel = "wecom"
    name = "WeCom"
    base = "https://qyapi.weixin.qq.com/cgi-bin"

    def __init__(
        self, client: httpx.Client, *, corp_id: str, secret: str, agent_id: int, **kw: Any
    ) -> None:
        super().__init__(client, **kw)
        self.corp_id, self.secret, self.agent_id = corp_id, secret, agent_id

    def _token_request(self) -> httpx.Request:
        return self.client.build_request(
            "GET",
            f"{self.base}/gettoken",
            params={"corpid": self.corp_id, "corpsecret": self.secret},
            timeout=self.timeout,
        )

    def payload(self, message: OutboxMessage) -> dict[str, Any]:
        """The JSON body of ``message/send`` for one member."""
        return {
            "touser": message.recipient,
            "msgtype": "text",
            "agentid": self.agent_id,
            "text": {"content": _text(message)},
            "safe": 0,
        }

    def send(self, message: OutboxMessage) -> str | None:
        answer = self._send(
            lambda token: self.client.build_request(
                "POST",
                f"{self.base}/message/send",
                params={"access_token": token},
                json=self.payload(message),
                timeout=self.timeout,
            )
        )
        if answer.get("invaliduser"):
            raise SendError("WeCom does not know this user (invaliduser)", permanent=True)
        return f"msgid {answer.get('msgid', '')}".strip()


class DingTalkWorkSender(_App):
    """DingTalk work notification (``corpconversation/asyncsend_v2``) to one user, as text."""

    channel = "dingtalk"
    name = "DingTalk"
    base = "https://oapi.dingtalk.com"

    def __init__(
        self, client: httpx.Client, *, app_key: str, app_secret: str, agent_id: int, **kw: Any
    ) -> None:
        super().__init__(client, **kw)
        self.app_key, self.app_secret, self.agent_id = app_key, app_secret, agent_id

    def _token_request(self) -> httpx.Request:
        return self.client.build_request(
            "GET",
            f"{self.base}/gettoken",
            params={"appkey": self.app_key, "appsecret": self.app_secret},
            timeout=self.timeout,
        )

    def payload(self, message: OutboxMessage) -> dict[str, Any]:
        """The JSON body of ``asyncsend_v2`` for one user."""
        return {
            "agent_id": self.agent_id,
            "userid_list": message.recipient,
            "msg": {"msgtype": "text", "text": {"content": _text(message)}},
        }

    def send(self, message: OutboxMessage) -> str | None:
        answer = self._send(
            lambda token: self.client.build_request(
                "POST",
                f"{self.base}/topapi/message/corpconversation/asyncsend_v2",
                params={"access_token": token},
                json=self.payload(message),
                timeout=self.timeout,
            )
        )
        task = answer.get("task_id")
        if task is None:
            return "task_id"
        return f"task_id {task}{self._refusal_of(message.recipient, task)}"

    def result_request(self, token: str, task_id: Any) -> httpx.Request:
        """``getsendresult`` of one task: whom DingTalk did not deliver to, and why."""
        return self.client.build_request(
            "POST",
            f"{self.base}/topapi/message/corpconversation/getsendresult",
            params={"access_token": token},
            json={"agent_id": self.agent_id, "task_id": task_id},
            timeout=self.timeout,
        )

    def _refusal_of(self, recipient: str, task_id: Any) -> str:
        """Ask once, right after sending, what became of the task: an unknown or forbidden
        user is a permanent failure in words; a result not yet known is said, not guessed."""
        try:
            answer = self._send(lambda token: self.result_request(token, task_id))
        except SendError as exc:
            return f" (result not checked: {exc})"
        result = answer.get("send_result") or {}
        if recipient in (result.get("invalid_user_id_list") or []):
            raise SendError(
                f"钉钉不认识用户 ID {recipient}，请核对员工名录中的钉钉用户 ID / DingTalk does not "
                f"know the user id {recipient} (invalid_user_id_list): check it in the staff "
                "directory",
                permanent=True,
            )
        if recipient in (result.get("forbidden_user_id_list") or []):
            raise SendError(
                f"钉钉拒绝向 {recipient} 发送（超出每日条数限制或重复内容）/ DingTalk refused to "
                f"deliver to {recipient} (forbidden_user_id_list: daily limit or same content)",
                permanent=True,
            )
        if recipient in (result.get("failed_user_id_list") or []):
            raise SendError(f"DingTalk could not deliver to {recipient} (failed_user_id_list)")
        return ""


@dataclass
class InMemoryPersonalSender:
    """The fake: knows some user ids, keeps what was sent, can be told to be down."""

    channel: str = "wecom"
    known: set[str] = field(default_factory=set)
    sent: list[tuple[str, str]] = field(default_factory=list)
    down: bool = False

    def send(self, message: OutboxMessage) -> str | None:
        if self.down:
            raise SendError(f"{self.channel} could not be reached (fake)", permanent=False)
        if message.recipient not in self.known:
            raise SendError(f"{self.channel} does not know this user (fake)", permanent=True)
        self.sent.append((message.recipient, _text(message)))
        return f"fake {len(self.sent)}"
