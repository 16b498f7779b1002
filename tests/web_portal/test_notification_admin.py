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


async def test_the_page_shows_where_people_come_from_and_sync_errors_in_words(
    site: Any, as_user: Any, admin: str
) -> None:
    from datetime import timedelta

    from portal.audit.log import AuditContext, AuditLog
    from portal.staff_directory import add_staff
    from portal.staff_directory.pull import InMemoryPeopleSource, pull_directory
    from portal.staff_directory.tokens import create_directory_token
    from tests.staff_directory.test_keycloak_contract import REALM_PEOPLE

    engine, audit = site.services.engine, AuditLog(site.services.sealer)
    ctx = AuditContext(actor="u-admin", actor_role="admin", channel="portal")
    add_staff(engine, audit, ctx, site.people[admin], name="王芳（手工）",
              email="wang.fang@buyer.cn", roles=["finance"], now=T0)  # fmt: skip
    pull_directory(engine, audit, InMemoryPeopleSource(entries=list(REALM_PEOPLE)),
                   now=T0 + timedelta(hours=1))  # fmt: skip
    create_directory_token(engine, audit, ctx, site.people[admin], "Entra ID", now=T0)
    page = (await as_user(admin).get(PAGE)).text
    assert "Keycloak 同步" in page and "手工登记" in page and "同步于 2026-11-02 17:00" in page
    assert "同步错误" in page and "不会覆盖" in page  # the manual 王芳 was not taken over
    assert "由身份提供方维护，请在那里停用" in page and "Entra ID" in page and "从未使用" in page
    revoked = await as_user(admin).post(f"{PAGE}/scim-tokens/Entra%20ID/revoke", {}, form_page=PAGE)
    assert revoked.status_code == 303, revoked.text
    assert "已吊销" in (await as_user(admin).get(PAGE)).text


async def test_a_dingtalk_message_to_an_unknown_user_is_failed_with_the_answer_in_words(
    site: Any, as_user: Any, admin: str
) -> None:
    from pathlib import Path

    import httpx
    import vcr

    from portal.notifications.personal import DingTalkWorkSender
    from tests.notifications.record_cassettes import MESSAGE, UNKNOWN

    stranger = Recipient(name="陈卡罗", email="chen@buyer.cn", dingtalk_userid=UNKNOWN,
                         channels=("dingtalk",))  # fmt: skip
    with site.services.engine.begin() as conn:  # the recorded message, to an unknown id
        notify(conn, "supplier_alert", [stranger],
               lambda reader: Rendered(MESSAGE.subject, MESSAGE.body), now=T0)  # fmt: skip
    cassette = Path(__file__).parents[1] / "notifications" / "cassettes" / "dingtalk.yaml"
    replay = vcr.VCR(record_mode="none", match_on=["method", "host", "path", "body"],
                     filter_query_parameters=["access_token", "appsecret"])  # fmt: skip
    with replay.use_cassette(str(cassette), allow_playback_repeats=True):
        sender = DingTalkWorkSender(httpx.Client(), app_key="dingapp", app_secret="s",
                                    agent_id=2001)  # fmt: skip
        worker = OutboxWorker(site.services.engine, {"dingtalk": sender},
                              sealer=site.services.sealer)  # fmt: skip
        report = worker.run_once(now=T0)
    assert (report.sent, report.gave_up) == (0, 1)
    shown = (await as_user(admin).get(PAGE)).text
    assert "发送失败" in shown and "钉钉不认识用户 ID NoSuchUser" in shown
