"""Every event's message, for the people it resolves to, in their language: words not keys,
no ids, no template holes, and links that open for the reader (through the app).

Also: a request left waiting past the reminder and escalation times (the clock moved), and
licence expiry reminders at 30/7/0 days that stop once the licence is renewed.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, update

from portal.db.supplier_store import SUPPLIER
from portal.domain.principal import Role
from portal.notifications import outbox
from portal.notifications.content import EVENTS, link, render
from portal.notifications.messages import OutboxNotifier
from portal.notifications.recipients import STAFF_MEMBER, Recipient
from portal.notifications.reminders import CONFIRMATION, ReminderSettings, run_reminders
from tests.support.personas import staff_member
from tests.web_portal.conftest import BASE_URL, T0
from tests.web_portal.test_portal_flow import propose_bank_change

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RAW_KEY = re.compile(r"\w+\[[^\]]*\]\.\w+|role:\w+|\b[a-z]+_[a-z_]+\b")
LINK = re.compile(re.escape(BASE_URL) + r"(/[^\s)]*)")
#: the people of the directory: (test user, name, e-mail, role, language)
PEOPLE = [
    ("alice", "Alice 王", "alice@buyer.cn", "purchasing_supervisor", "zh"),
    ("bob", "Bob Li", "bob@buyer.cn", "purchasing_supervisor", "en"),
    ("admin", "Ada 管理员", "ada@buyer.cn", "admin", "en"),
]


@pytest.fixture
def directory(site: Any) -> dict[str, str]:
    """The staff directory (nobody has logged in) and who reads which address."""
    site.people["admin"] = staff_member("u-admin", Role.ADMIN, "Ada 管理员")
    with site.services.engine.begin() as conn:
        for who, name, email, role, language in PEOPLE:
            conn.execute(
                insert(STAFF_MEMBER).values(
                    id=f"staff-{who}", display_name=name, email=email, roles=role,
                    language=language, channels="email", muted_events="", digest=False,
                    created_at=T0,
                )
            )  # fmt: skip
    site.deps.notifier = OutboxNotifier(outbox.enqueue, public_url=BASE_URL)
    readers = {email: who for who, _, email, _, _ in PEOPLE}
    readers.update({c.email: "a" for c in site.a.contacts if c.email})
    return readers


def _messages(site: Any) -> list[outbox.OutboxMessage]:
    with site.services.engine.connect() as conn:
        return list(reversed(outbox.recent(conn, limit=1000, sealer=site.services.sealer)))


def _leaks(text: str) -> list[str]:
    without_links = LINK.sub("", text)
    return [*UUID.findall(without_links), *RAW_KEY.findall(without_links)] + (
        ["{{"] if "{{" in text or "{%" in text else []
    )


async def _links_open(as_user: Any, reader: str, text: str) -> list[tuple[str, int]]:
    found = LINK.findall(text)
    assert found, f"no link in: {text}"
    return [(path, (await as_user(reader).get(path)).status_code) for path in found]


def _settings() -> ReminderSettings:
    return ReminderSettings(
        public_url=BASE_URL,
        remind_after=timedelta(hours=24),
        escalate_after=timedelta(hours=72),
        escalate_to=Role.ADMIN,
    )


async def test_every_template_in_both_languages_says_it_in_words_with_working_links(
    site: Any, as_user: Any, directory: dict[str, str]
) -> None:
    request_id = await propose_bank_change(site, as_user)
    sid = site.a.id
    values: dict[str, tuple[str, dict[str, Any]]] = {  # event: (reader, template values)
        "change_submitted": ("alice", {"supplier": site.a.name, "kind": "银行账户变更",
            "when": "2026-11-02 16:00", "fields": ["银行账户 · 银行账号"], "risks": ["新账户"],
            "url": link(BASE_URL, f"/staff/changes/{request_id}")}),
        "change_decided": ("a", {"supplier": site.a.name, "kind": "银行账户变更",
            "when": "2026-11-02 16:00", "outcome": "已被驳回", "reasons": ["银行账号: 请附开户证明"],
            "resubmit": True, "url": link(BASE_URL, f"/portal/changes/{request_id}")}),
        "supplier_alert": ("alice", {"supplier": site.a.name, "uscc": site.a.uscc,
            "what": "登记状态 存续 → 注销",
            "url": link(BASE_URL, f"/staff/suppliers/{sid}/verification")}),
        "approval_reminder": ("alice", {"supplier": site.a.name, "kind": "银行账户变更",
            "when": "2026-11-02 16:00", "waited": "1 天 1 小时", "escalate_after": "3 天",
            "next_role": "系统管理员", "url": link(BASE_URL, f"/staff/changes/{request_id}")}),
        "approval_escalated": ("admin", {"supplier": site.a.name, "kind": "银行账户变更",
            "when": "2026-11-02 16:00", "waited": "3 天 1 小时", "approvers": "Alice 王, Bob Li",
            "url": link(BASE_URL, f"/staff/changes/{request_id}")}),
        "licence_expiring": ("a", {"supplier": site.a.name, "term_to": "2026-12-02", "days": 30,
            "url": link(BASE_URL, "/portal/")}),
        "yearly_confirmation": ("a", {"supplier": site.a.name, "due": "2026-12-31",
            "asked_on": "2026-11-02", "url": link(BASE_URL, "/portal/")}),
        "registry_facts_to_confirm": ("a", {"supplier": site.a.name,
            "what": "工商登记的法定代表人为「李四」，档案为「张三」，付款已暂停，请供应商确认",
            "url": link(BASE_URL, "/portal/")}),
    }  # fmt: skip
    assert set(values) == set(EVENTS)
    problems = []
    for event, (reader, data) in values.items():
        for language in ("zh", "en"):
            message = render(event, Recipient(name="王芳", language=language), data)
            text = f"{message.subject}\n{message.body}"
            problems += [(event, language, leak) for leak in _leaks(text)]
            for path, status in await _links_open(as_user, reader, text):
                if status != 200:
                    problems.append((event, language, f"{path} answered {status} for {reader}"))
            assert "王芳" in message.body and message.subject and "\n" not in message.subject
    assert problems == []


async def test_a_waiting_request_reminds_then_escalates_then_stops_once_decided(
    site: Any, as_user: Any, clock: Any, directory: dict[str, str], capsys: Any
) -> None:
    request_id = await propose_bank_change(site, as_user)
    told: list[tuple[str, str, str]] = []
    seen: set[str] = set()

    def note(when: str) -> None:
        for m in _messages(site):
            if m.id not in seen:
                seen.add(m.id)
                told.append((when, m.subject, m.recipient))

    note("submitted")
    assert {r for _, _, r in told} == {"alice@buyer.cn", "bob@buyer.cn"}
    clock.advance(hours=23)
    assert run_reminders(site.services.engine, _settings(), now=clock()).sent == []
    clock.advance(hours=2)
    first = run_reminders(site.services.engine, _settings(), now=clock())
    note("after 25 h")
    assert first.sent == [("approval_reminder", request_id, 2)]
    assert run_reminders(site.services.engine, _settings(), now=clock()).sent == []  # once
    clock.advance(hours=48)
    second = run_reminders(site.services.engine, _settings(), now=clock())
    note("after 73 h")
    assert second.sent == [("approval_escalated", request_id, 1)]
    [escalated] = [t for t in told if t[0] == "after 73 h"]
    assert escalated[2] == "ada@buyer.cn" and escalated[1].startswith("[Overdue]")

    page = f"/staff/changes/{request_id}"
    rejected = await as_user("alice").post(
        f"{page}/reject", {"reason_for_all": "请附开户许可证"}, form_page=page
    )
    assert rejected.status_code == 303, rejected.text
    note("rejected")
    [decided] = [t for t in told if t[0] == "rejected"]
    assert decided[1] == "您的银行账户变更申请已被驳回" and directory[decided[2]] == "a"
    clock.advance(hours=100)
    assert run_reminders(site.services.engine, _settings(), now=clock()).sent == []
    with capsys.disabled():
        print("\nwho was told when (a bank change left waiting):")
        for when, subject, recipient in told:
            print(f"  {when:11} {recipient:16} {subject}")
    for m in _messages(site):
        assert _leaks(f"{m.subject}\n{m.body}") == [], m.body
        for path, status in await _links_open(as_user, directory[m.recipient], m.body):
            assert status == 200, (path, directory[m.recipient])


async def test_licence_reminders_at_30_7_and_0_days_stop_once_renewed(
    site: Any, as_user: Any, clock: Any, directory: dict[str, str]
) -> None:
    today = clock().date()
    with site.services.engine.begin() as conn:
        conn.execute(
            update(SUPPLIER)
            .where(SUPPLIER.c.id == site.a.id)
            .values(term_to=today + timedelta(days=30))
        )
    settings = _settings()
    steps = []
    for days in (0, 0, 22, 1, 7, 1):  # 30 left (twice), 8, 7, 0, -1
        clock.advance(days=days)
        steps.append(run_reminders(site.services.engine, settings, now=clock()).sent)
    assert [[kind for kind, _, _ in s] for s in steps] == [
        ["licence_expiring"],
        [],
        [],
        ["licence_expiring"],
        ["licence_expiring"],
        [],
    ]
    subjects = [m.subject for m in _messages(site)]
    assert subjects[0] == "您的营业执照将在 30 天后到期" and subjects[-1] == "您的营业执照今天到期"
    assert Counter(m.recipient for m in _messages(site)) == Counter(
        {c.email: 3 for c in site.a.contacts if c.email}
    )
    with site.services.engine.begin() as conn:  # renewed: a new end date three years on
        conn.execute(
            update(SUPPLIER)
            .where(SUPPLIER.c.id == site.a.id)
            .values(term_to=clock().date() + timedelta(days=3 * 365))
        )
    clock.advance(days=1)
    assert run_reminders(site.services.engine, settings, now=clock()).sent == []
    for m in _messages(site):
        assert _leaks(f"{m.subject}\n{m.body}") == [], m.body
        for path, status in await _links_open(as_user, "a", m.body):
            assert status == 200, path


async def test_an_unanswered_yearly_confirmation_is_reminded_once_and_not_after_confirming(
    site: Any, as_user: Any, clock: Any, directory: dict[str, str]
) -> None:
    with site.services.engine.begin() as conn:
        for rid, supplier in (("conf-a", site.a.id), ("conf-b", site.b.id)):
            conn.execute(
                insert(CONFIRMATION).values(
                    id=rid, supplier_id=supplier, token_sha256=rid * 8, created_at=clock(),
                    expires_at=clock() + timedelta(days=30),
                )
            )  # fmt: skip
    clock.advance(days=6)
    assert run_reminders(site.services.engine, _settings(), now=clock()).sent == []
    with site.services.engine.begin() as conn:  # B confirms on day 6
        conn.execute(
            update(CONFIRMATION).where(CONFIRMATION.c.id == "conf-b").values(confirmed_at=clock())
        )
    clock.advance(days=2)
    sent = run_reminders(site.services.engine, _settings(), now=clock()).sent
    assert [(kind, who) for kind, who, _ in sent] == [("yearly_confirmation", site.a.id)]
    assert run_reminders(site.services.engine, _settings(), now=clock()).sent == []
    [message] = _messages(site)
    assert message.subject == f"请确认 {site.a.name} 的年度资料" and "2026-11-02" in message.body
    assert _leaks(f"{message.subject}\n{message.body}") == []
    for path, status in await _links_open(as_user, "a", message.body):
        assert status == 200, path
