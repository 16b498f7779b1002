"""``/staff/notifications``: a staff member chooses their own events, channels, digest and
language; the next message follows the choice; nobody else's choices can be changed there;
a choice that cannot be delivered is refused with a message in both languages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from portal.audit.log import ENTRY
from portal.notifications import outbox
from portal.notifications.messages import OutboxNotifier
from portal.notifications.outbox import OUTBOX
from portal.notifications.recipients import STAFF_MEMBER, USER
from tests.web_portal.conftest import BASE_URL, T0
from tests.web_portal.test_portal_flow import propose_bank_change

PAGE = "/staff/notifications"


def _register(site: Any, who: str, name: str, email: str, *, wecom: str | None = None) -> None:
    account = site.people[who].subject  # the account the first login linked
    with site.services.engine.begin() as conn:
        conn.execute(
            insert(USER).values(
                id=account, issuer="https://id.buyer.cn", subject=who, email=email,
                display_name=name, role="purchasing_supervisor", created_at=T0,
            )
        )  # fmt: skip
        conn.execute(
            insert(STAFF_MEMBER).values(
                id=f"staff-{who}", display_name=name, email=email, roles="purchasing_supervisor",
                language="zh", channels="email", muted_events="", digest=False, created_at=T0,
                account_id=account, wecom_userid=wecom,
            )
        )  # fmt: skip


def _queued(site: Any) -> list[Any]:
    with site.services.engine.connect() as conn:
        return list(conn.execute(select(OUTBOX).order_by(OUTBOX.c.created_at)))


async def test_a_supervisor_sees_their_choices_in_words_and_saves_them(
    site: Any, as_user: Any
) -> None:
    _register(site, "alice", "Alice 王", "alice@buyer.cn", wecom="AliceW")
    shown = await as_user("alice").get(PAGE)
    assert shown.status_code == 200
    for words in (
        "我的消息设置",
        "新的变更申请",
        "审批提醒",
        "企业微信",
        "alice@buyer.cn",
        "每日汇总",
    ):
        assert words in shown.text
    assert "钉钉" in shown.text and "名录中没有您的用户 ID" in shown.text  # no DingTalk id
    assert (
        "staff-alice" not in shown.text
        and 'change_submitted"' not in shown.text.split('name="event:')[0]
    )
    saved = await as_user("alice").post(
        f"{PAGE}/save",
        {"event:change_submitted": "1", "event:approval_escalated": "1", "channel:wecom": "1",
         "delivery": "digest", "language": "en"},
        form_page=PAGE,
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?saved=1"
    again = await as_user("alice").get(f"{PAGE}?saved=1")
    assert "Saved." not in again.text and "已保存。" in again.text  # the page's language
    with site.services.engine.connect() as conn:
        row = conn.execute(select(STAFF_MEMBER).where(STAFF_MEMBER.c.id == "staff-alice")).one()
        actions = list(conn.execute(select(ENTRY.c.action)).scalars())
    assert (row.channels, row.digest, row.language) == ("wecom", True, "en")
    assert "change_submitted" not in row.muted_events.split(",")
    assert "approval_reminder" in row.muted_events.split(",")
    assert "staff.preferences_changed" in actions

    # the next new request: held for Alice's daily digest on WeCom, in English
    site.deps.notifier = OutboxNotifier(outbox.enqueue, public_url=BASE_URL)
    await propose_bank_change(site, as_user)
    [held] = _queued(site)
    assert (held.channel, held.recipient) == ("digest:wecom", "AliceW")
    assert held.subject.startswith("[To review]")


async def test_the_page_in_english_once_the_reader_switches_language(
    site: Any, as_user: Any
) -> None:
    _register(site, "alice", "Alice 王", "alice@buyer.cn")
    await as_user("alice").get("/lang/en")
    shown = await as_user("alice").get(PAGE)
    assert shown.status_code == 200
    for words in ("My notifications", "new change request", "One daily digest", "Save preferences"):
        assert words in shown.text
    assert "我的消息设置" not in shown.text


async def test_a_channel_without_a_user_id_is_refused_in_both_languages(
    site: Any, as_user: Any
) -> None:
    _register(site, "alice", "Alice 王", "alice@buyer.cn")
    refused = await as_user("alice").post(
        f"{PAGE}/save", {"event:change_submitted": "1", "channel:dingtalk": "1", "language": "zh"},
        form_page=PAGE,
    )  # fmt: skip
    assert 400 <= refused.status_code < 500
    assert "名录中没有此人的钉钉用户 ID" in refused.text
    assert "No DingTalk user id is on file" in refused.text
    with site.services.engine.connect() as conn:
        row = conn.execute(select(STAFF_MEMBER).where(STAFF_MEMBER.c.id == "staff-alice")).one()
    assert row.channels == "email"


async def test_someone_not_in_the_directory_is_told_to_ask_an_administrator(
    site: Any, as_user: Any
) -> None:
    _register(site, "alice", "Alice 王", "alice@buyer.cn")
    shown = await as_user("bob").get(PAGE)
    assert shown.status_code == 200 and "请联系系统管理员登记您" in shown.text
    assert "Alice" not in shown.text.split("current-user")[-1].split("</nav>")[-1]
    posted = await as_user("bob").post(f"{PAGE}/save", {"channel:email": "1"}, form_page=PAGE)
    assert posted.status_code == 303
    with site.services.engine.connect() as conn:
        row = conn.execute(select(STAFF_MEMBER).where(STAFF_MEMBER.c.id == "staff-alice")).one()
    assert row.channels == "email" and row.muted_events == ""  # Alice's are untouched


async def test_suppliers_cannot_open_the_staff_preferences(site: Any, as_user: Any) -> None:
    assert (await as_user("a").get(PAGE)).status_code in (401, 403)
