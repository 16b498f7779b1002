"""The admin page of messages: the staff directory, messages nobody received (never a silent
drop), the delivery log with every attempt and the platform's answer, resend."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.audit.log import ENTRY
from portal.domain.principal import Role
from portal.notifications import outbox
from portal.notifications.outbox import OutboxWorker
from portal.notifications.personal import InMemoryPersonalSender
from portal.notifications.recipients import Recipient, Rendered, notify
from tests.support.personas import staff_member
from tests.web_portal.conftest import T0

PAGE = "/admin/notifications"


@pytest.fixture
def admin(site: Any) -> str:
    site.people["admin"] = staff_member("u-admin", Role.ADMIN, "Ada 管理员")
    return "admin"


def _hello(reader: Recipient) -> Rendered:
    return Rendered("【供应商预警】上海甲贸易有限公司：税务状态为非正常户", f"{reader.name}，您好")


async def test_an_admin_registers_a_person_who_is_then_told(
    site: Any, as_user: Any, admin: str
) -> None:
    added = await as_user(admin).post(
        f"{PAGE}/staff",
        {"name": "王芳", "email": "wang@buyer.cn", "role:purchasing_supervisor": "1",
         "language": "zh", "wecom": "WangFang"},
        form_page=PAGE,
    )  # fmt: skip
    assert added.status_code == 303, added.text
    shown = await as_user(admin).get(PAGE)
    assert "王芳" in shown.text and "尚未登录" in shown.text and "采购主管" in shown.text
    with site.services.engine.begin() as conn:
        assert notify(conn, "supplier_alert", "role:purchasing_supervisor", _hello) == 1


async def test_bad_input_is_refused_with_a_reason_in_chinese(
    site: Any, as_user: Any, admin: str
) -> None:
    refused = await as_user(admin).post(
        f"{PAGE}/staff", {"name": "王芳", "email": "not-an-address", "role:finance": "1"},
        form_page=PAGE,
    )  # fmt: skip
    assert refused.status_code == 422 and "不是邮箱地址" in refused.text


async def test_only_an_admin_sees_the_page(site: Any, as_user: Any) -> None:
    assert (await as_user("alice").get(PAGE)).status_code == 403
    assert (await as_user("auditor").get(PAGE)).status_code == 403


async def test_a_message_nobody_received_is_shown_until_dealt_with(
    site: Any, as_user: Any, admin: str
) -> None:
    with site.services.engine.begin() as conn:
        assert notify(conn, "supplier_alert", "role:finance", _hello, now=T0) == 0
    shown = await as_user(admin).get(PAGE)
    section = shown.text.split('id="undeliverable"')[1].split('id="directory"')[0]
    assert "无人接收的消息" in section and "税务状态为非正常户" in section
    assert "财务" in section and "role:" not in section and "供应商预警" in section
    item = shown.text.split("/admin/notifications/undeliverable/")[1].split("/")[0]
    done = await as_user(admin).post(f"{PAGE}/undeliverable/{item}/resolve", form_page=PAGE)
    assert done.status_code == 303
    assert "没有无人接收的消息" in (await as_user(admin).get(PAGE)).text


async def test_the_delivery_log_shows_each_attempt_and_a_resend_goes_out_again(
    site: Any, as_user: Any, admin: str
) -> None:
    people = [
        Recipient(name="王芳", email="wang@buyer.cn"),
        Recipient(name="李雷", email="li@x.cn"),
    ]
    with site.services.engine.begin() as conn:
        notify(conn, "supplier_alert", people, _hello, now=T0)
    mail = InMemoryPersonalSender("email", known={"wang@buyer.cn"})
    worker = OutboxWorker(site.services.engine, {"email": mail}, sealer=site.services.sealer)
    report = worker.run_once(now=T0)
    assert (report.sent, report.gave_up) == (1, 1)
    shown = await as_user(admin).get(PAGE)
    assert "已发送" in shown.text and "fake 1" in shown.text
    assert "发送失败" in shown.text and "does not know this user" in shown.text
    with site.services.engine.connect() as conn:
        failed = next(m for m in outbox.recent(conn) if m.recipient == "li@x.cn")
    mail.known.add("li@x.cn")
    again = await as_user(admin).post(f"{PAGE}/messages/{failed.id}/resend", form_page=PAGE)
    assert again.status_code == 303
    # the resent message is due now (the page acts at the real time)
    assert worker.run_once().sent == 1 and mail.sent[-1][0] == "li@x.cn"
    with site.services.engine.connect() as conn:
        recorded = conn.execute(
            select(ENTRY.c.actor_name, ENTRY.c.subject_id).where(
                ENTRY.c.action == "notification.resent"
            )
        ).one()
    assert recorded.actor_name == "Ada 管理员" and recorded.subject_id == failed.id
