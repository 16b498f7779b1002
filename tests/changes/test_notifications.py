"""Notifications: outbox rows in the use case's transaction, and the robot webhook sender."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from approvals import Entity
from portal.changes import ChangeDeps, Proposal, reject_change, submit_change
from portal.notifications import outbox
from portal.notifications.messages import OutboxNotifier, RobotWebhookSender
from portal.notifications.outbox import OutboxMessage, SendError

URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test-key"
MESSAGE = OutboxMessage(
    id="m1", channel="webhook", recipient="group", subject="新申请", body="**供应商** 甲"
)


def test_approvers_and_supplier_hear_through_the_outbox(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    deps.notifier = OutboxNotifier(
        outbox.enqueue,
        public_url="https://portal.example.cn",
        approvers=lambda conn: [("email", "boss@buyer.cn")],
        webhook=True,
    )
    request = submit_change(
        deps,
        ctx(world.user_a),
        world.user_a,
        world.a.id,
        [Proposal(Entity.CONTACT, world.a.contacts[0].id, {"role": "总监"})],
    )
    reject_change(deps, ctx(world.alice), world.alice, request.id, {}, reason_for_all="无需变更")
    with engine.connect() as conn:
        sent = sorted((m.channel, m.recipient) for m in outbox.recent(conn))
        bodies = [m.body for m in outbox.recent(conn)]
    assert sent == [
        ("email", "boss@buyer.cn"),
        ("email", "wang@jia.cn"),
        ("webhook", "role:purchasing_supervisor"),
    ]
    assert any(f"https://portal.example.cn/staff/changes/{request.id}" in b for b in bodies)
    assert any("无需变更" in b for b in bodies)


def sender(handler: Any, flavour: Any = "wecom") -> RobotWebhookSender:
    return RobotWebhookSender(
        URL, httpx.Client(transport=httpx.MockTransport(handler)), flavour=flavour
    )


def test_wecom_robot_gets_a_markdown_message() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    sender(handler).send(MESSAGE)
    assert seen == [{"msgtype": "markdown", "markdown": {"content": "**新申请**\n**供应商** 甲"}}]


def test_dingtalk_robot_gets_title_and_text() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"errcode": 0})

    sender(handler, "dingtalk").send(MESSAGE)
    assert seen[0]["markdown"] == {"title": "新申请", "text": "**供应商** 甲"}


@pytest.mark.parametrize(
    ("response", "permanent"),
    [
        (httpx.Response(503), False),
        (httpx.Response(404), True),
        (httpx.Response(200, json={"errcode": 93000, "errmsg": "invalid webhook url"}), True),
        (httpx.Response(200, json={"errcode": 45009, "errmsg": "api freq out of limit"}), False),
        (httpx.Response(200, text="<html>"), False),
    ],
)
def test_robot_failures_say_whether_a_retry_can_help(
    response: httpx.Response, permanent: bool
) -> None:
    with pytest.raises(SendError) as caught:
        sender(lambda request: response).send(MESSAGE)
    assert caught.value.permanent is permanent
    assert "test-key" not in str(caught.value)


def test_an_unreachable_robot_is_retried_later() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    with pytest.raises(SendError) as caught:
        sender(handler).send(MESSAGE)
    assert not caught.value.permanent
