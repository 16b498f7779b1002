"""One contract for personal work notifications, held by the real WeCom and DingTalk
adapters (replaying cassettes built from the documented shapes) and by the fake."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr

from portal.notifications.outbox import OutboxMessage, SendError
from portal.notifications.personal import (
    DingTalkWorkSender,
    InMemoryPersonalSender,
    WeComAppSender,
)
from tests.notifications.record_cassettes import KNOWN, MESSAGE, UNKNOWN

CASSETTES = Path(__file__).parent / "cassettes"
REPLAY = vcr.VCR(
    record_mode="none",
    match_on=["method", "host", "path", "body"],
    filter_query_parameters=["access_token", "corpsecret", "appsecret"],
)


@pytest.fixture(params=["wecom", "dingtalk", "fake-wecom", "fake-dingtalk"])
def sender(request: pytest.FixtureRequest) -> Iterator[Any]:
    kind = request.param
    if kind.startswith("fake-"):
        yield InMemoryPersonalSender(kind.removeprefix("fake-"), known={KNOWN})
        return
    with REPLAY.use_cassette(str(CASSETTES / f"{kind}.yaml"), allow_playback_repeats=True):
        client = httpx.Client()
        if kind == "wecom":
            yield WeComAppSender(client, corp_id="ww0123456789", secret="s", agent_id=1000002)
        else:
            yield DingTalkWorkSender(client, app_key="dingapp", app_secret="s", agent_id=2001)


def _message(sender: Any, recipient: str = KNOWN) -> OutboxMessage:
    return OutboxMessage(**{**MESSAGE.__dict__, "channel": sender.channel, "recipient": recipient})


def test_a_known_person_is_sent_the_message_and_the_platform_id_is_kept(sender: Any) -> None:
    answer = sender.send(_message(sender))
    assert answer and answer.split()[0] in ("msgid", "task_id", "fake")


def test_an_unknown_user_is_a_permanent_failure(sender: Any) -> None:
    # DingTalk accepts first; the sender asks getsendresult, which lists the unknown user
    with pytest.raises(SendError) as refused:
        sender.send(_message(sender, UNKNOWN))
    assert refused.value.permanent and "user" in str(refused.value)


def test_a_platform_that_cannot_be_reached_means_retry_later() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    for real in (
        WeComAppSender(httpx.Client(transport=httpx.MockTransport(down)), corp_id="c",
                       secret="s", agent_id=1),
        DingTalkWorkSender(httpx.Client(transport=httpx.MockTransport(down)), app_key="k",
                           app_secret="s", agent_id=1),
        InMemoryPersonalSender("wecom", known={KNOWN}, down=True),
    ):  # fmt: skip
        with pytest.raises(SendError) as failed:
            real.send(_message(real))
        assert not failed.value.permanent


def test_an_expired_token_is_fetched_again_once_and_secrets_never_show() -> None:
    calls: list[str] = []
    tokens = iter(["t1", "t2"])

    def platform(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("gettoken"):
            return httpx.Response(200, json={"errcode": 0, "access_token": next(tokens),
                                             "expires_in": 7200})  # fmt: skip
        if request.url.params["access_token"] == "t1":
            return httpx.Response(200, json={"errcode": 42001, "errmsg": "access_token expired"})
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "msgid": "m-2"})

    sender = WeComAppSender(httpx.Client(transport=httpx.MockTransport(platform)),
                            corp_id="c", secret="top-secret", agent_id=1)  # fmt: skip
    assert sender.send(_message(sender)) == "msgid m-2"
    assert calls == ["/cgi-bin/gettoken", "/cgi-bin/message/send", "/cgi-bin/gettoken",
                     "/cgi-bin/message/send"]  # fmt: skip


def test_the_secret_and_the_token_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    def platform(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("gettoken"):
            return httpx.Response(200, json={"errcode": 0, "access_token": "tok-123"})
        return httpx.Response(200, json={"errcode": 0, "msgid": "m-1"})

    sender = WeComAppSender(httpx.Client(transport=httpx.MockTransport(platform)),
                            corp_id="c", secret="top-secret", agent_id=1)  # fmt: skip
    with caplog.at_level(logging.INFO, logger="httpx"):
        sender.send(_message(sender))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "gettoken" in logged and "[redacted]" in logged
    assert "top-secret" not in logged and "tok-123" not in logged
