"""Notifications: outbox rows in the use case's transaction, and the robot webhook sender."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, insert

from approvals import Entity
from portal.changes import ChangeDeps, Proposal, reject_change, submit_change
from portal.notifications import outbox
from portal.notifications.messages import OutboxNotifier, RobotWebhookSender
from portal.notifications.outbox import OutboxMessage, SendError
from portal.notifications.recipients import STAFF_MEMBER, Recipient

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
        approvers=lambda conn: [Recipient(name="王主管", email="boss@buyer.cn")],
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


def test_a_supervisor_known_only_from_the_directory_hears_of_a_request_in_words(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(STAFF_MEMBER).values(
                id="staff-zhu", display_name="朱主管", email="zhu@buyer.cn",
                roles="purchasing_supervisor", language="zh", channels="email",
                muted_events="", digest=False, created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )  # fmt: skip
    deps.notifier = OutboxNotifier(outbox.enqueue, public_url="https://portal.example.cn")
    request = submit_change(
        deps,
        ctx(world.user_a),
        world.user_a,
        world.a.id,
        [Proposal(Entity.CONTACT, world.a.contacts[0].id, {"role": "总监"})],
    )
    with engine.connect() as conn:
        [message] = outbox.recent(conn)
    assert message.recipient == "zhu@buyer.cn" and message.subject.startswith("【待审批】")
    assert "朱主管，您好" in message.body and "联系人 · 职务" in message.body
    assert f"https://portal.example.cn/staff/changes/{request.id}" in message.body
    assert "contact[" not in message.body and "{{" not in message.body
