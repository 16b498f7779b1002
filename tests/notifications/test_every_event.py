"""A run of every event type through the real code paths, as the closing note of issue 18
quotes it: per event, the people resolved, the messages per channel (queued and sent: the
e-mail through a real SMTP server, the group robot over loopback HTTP, WeCom and DingTalk
through the in-memory fake held to the adapters' contract), and the template check: raw
keys, UUIDs, template holes and dead links (opened as the reader), all 0. The printed table
is in docs/notifications.md."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from portal.audit.log import AuditLog
from portal.db.supplier_store import SUPPLIER
from portal.domain.principal import Role
from portal.domain.status import RegistryStatus
from portal.notifications import outbox
from portal.notifications.content import EVENTS
from portal.notifications.messages import OutboxNotifier, RobotWebhookSender
from portal.notifications.outbox import ATTEMPT, OUTBOX, SmtpEmailSender, SmtpSettings
from portal.notifications.personal import InMemoryPersonalSender
from portal.notifications.recipients import STAFF_MEMBER, UNDELIVERABLE
from portal.notifications.reminders import CONFIRMATION, ReminderSettings, run_reminders
from portal.verification.alerts import raise_alerts
from portal.verification.registry_events import follow_registry_events
from portal.verification.schedule import SCHEDULE
from portal.verification.verify import SYSTEM
from portal.verification.wiring import VerificationSettings
from registry.model import EnterpriseRecord
from tests.notifications.conftest import Inbox
from tests.support.personas import staff_member
from tests.web_portal.conftest import BASE_URL, T0
from tests.web_portal.test_messages_reach_people import LINK, RAW_KEY, UUID
from tests.web_portal.test_portal_flow import propose_bank_change
from verification.model import Answers, TaxFacts, VerificationResult

#: the staff directory (nobody has logged in): (test user, name, role, language, channels,
#: e-mail, WeCom id, DingTalk id)
PEOPLE = [
    ("alice", "Alice 王", "purchasing_supervisor", "zh", "email", "alice@buyer.cn", None, None),
    ("bob", "Bob Li", "purchasing_supervisor", "en", "email,wecom", "bob@buyer.cn", "BobLi", None),
    (
        "carol",
        "陈卡罗",
        "purchasing_supervisor",
        "zh",
        "dingtalk",
        "carol@buyer.cn",
        None,
        "CarolC",
    ),
    ("admin", "Ada 管理员", "admin", "en", "email", "ada@buyer.cn", None, None),
]


def _directory(site: Any) -> dict[str, str]:
    site.people["admin"] = staff_member("u-admin", Role.ADMIN, "Ada 管理员")
    readers = {"role:purchasing_supervisor": "alice"}  # the group robot's chat
    with site.services.engine.begin() as conn:
        for who, name, role, language, channels, email, wecom, ding in PEOPLE:
            conn.execute(
                insert(STAFF_MEMBER).values(
                    id=f"staff-{who}", display_name=name, email=email, roles=role,
                    language=language, channels=channels, wecom_userid=wecom,
                    dingtalk_userid=ding, muted_events="", digest=False, created_at=T0,
                )
            )  # fmt: skip
            readers.update({a: who for a in (email, wecom, ding) if a})
    readers.update({c.email: "a" for c in site.a.contacts if c.email})
    return readers


def _holes(text: str) -> list[str]:
    return ["{{"] if "{{" in text or "{%" in text else []


async def test_every_event_type_reaches_its_people_on_their_channels_in_words_with_working_links(
    site: Any,
    as_user: Any,
    clock: Any,
    smtp_server: tuple[Inbox, int],
    robot: tuple[str, list[dict[str, Any]]],
    capsys: Any,
) -> None:
    readers = _directory(site)
    engine = site.services.engine
    site.deps.notifier = OutboxNotifier(outbox.enqueue, public_url=BASE_URL, webhook=True)
    reminders = ReminderSettings(public_url=BASE_URL, escalate_to=Role.ADMIN)

    # change_submitted: a supplier proposes a bank change through the pages
    request_id = await propose_bank_change(site, as_user)
    # approval_reminder, then approval_escalated: the clock moved past 24 h and 72 h
    clock.advance(hours=25)
    run_reminders(engine, reminders, now=clock())
    clock.advance(hours=48)
    run_reminders(engine, reminders, now=clock())
    # change_decided: a supervisor rejects it
    page = f"/staff/changes/{request_id}"
    rejected = await as_user("alice").post(
        f"{page}/reject", {"reason_for_all": "请附开户许可证"}, form_page=page
    )
    assert rejected.status_code == 303, rejected.text
    # supplier_alert: the registry says the company's licence was revoked
    with engine.begin() as conn:
        conn.execute(
            insert(SCHEDULE).values(
                supplier_id=site.a.id, next_due_at=clock(), reason="test",
                last_registry_status=RegistryStatus.ACTIVE.value,
            )
        )  # fmt: skip
        record = EnterpriseRecord(
            name=site.a.name, uscc=site.a.uscc, legal_representative="张三",
            status=RegistryStatus.REVOKED,
        )  # fmt: skip
        result = VerificationResult(findings=(), fields={}, verified_on=clock().date())
        verification = VerificationSettings(mode="off", public_url=BASE_URL)
        kinds = raise_alerts(conn, verification, site.a, result, record, None, now=clock())
        assert kinds == ["status"]
        # registry_facts_to_confirm: the supplier is asked to confirm the revocation
        opened = follow_registry_events(
            conn, AuditLog(site.services.sealer), SYSTEM, site.a, result,
            Answers(registry=record, tax=TaxFacts()), now=clock(), public_url=BASE_URL,
        )  # fmt: skip
        assert opened == ["+registry.inactive"]
    # licence_expiring (30 days left) and yearly_confirmation (asked 8 days ago)
    with engine.begin() as conn:
        conn.execute(
            update(SUPPLIER)
            .where(SUPPLIER.c.id == site.a.id)
            .values(term_to=clock().date() + timedelta(days=30))
        )
        conn.execute(
            insert(CONFIRMATION).values(
                id="conf-a", supplier_id=site.a.id, token_sha256="c" * 64,
                created_at=clock() - timedelta(days=8), expires_at=clock() + timedelta(days=22),
            )
        )  # fmt: skip
    run_reminders(engine, reminders, now=clock())

    # the worker sends everything on every channel
    inbox, port = smtp_server
    robot_url, posted = robot
    wecom = InMemoryPersonalSender(channel="wecom", known={"BobLi"})
    dingtalk = InMemoryPersonalSender(channel="dingtalk", known={"CarolC"})
    with httpx.Client() as http:
        senders = {
            "email": SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=port, starttls=False)),
            "webhook": RobotWebhookSender(robot_url, http),
            "wecom": wecom,
            "dingtalk": dingtalk,
        }
        worker = outbox.OutboxWorker(engine, senders, sealer=site.services.sealer)
        later = max(clock(), datetime.now(UTC)) + timedelta(minutes=1)
        while (report := worker.run_once(now=later)).sent:
            assert report.errors == []

    with engine.connect() as conn:
        rows = conn.execute(select(OUTBOX).order_by(OUTBOX.c.created_at)).all()
        outcomes = {
            r.message_id: r.outcome
            for r in conn.execute(select(ATTEMPT.c.message_id, ATTEMPT.c.outcome))
        }
        undeliverable = conn.execute(select(UNDELIVERABLE)).all()
    table: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"people": set(), "queued": Counter(), "sent": Counter(), "raw": 0, "uuid": 0,
                 "holes": 0, "links": 0, "dead": 0}
    )  # fmt: skip
    for row in rows:
        event = row.event or ("change_submitted" if row.channel == "webhook" else "?")
        line = table[event]
        if row.channel != "webhook":  # the group robot tells a chat, not a person
            line["people"].add(row.recipient_name or row.recipient)
        line["queued"][row.channel] += 1
        if outcomes.get(row.id) == "sent":
            line["sent"][row.channel] += 1
        text = f"{row.subject}\n{row.body}"
        without_links = LINK.sub("", text)
        line["raw"] += len(RAW_KEY.findall(without_links))
        line["uuid"] += len(UUID.findall(without_links))
        line["holes"] += len(_holes(text))
        for path in LINK.findall(text):
            line["links"] += 1
            status = (await as_user(readers[row.recipient]).get(path)).status_code
            line["dead"] += status != 200
    assert set(table) == set(EVENTS)
    assert undeliverable == []
    assert len(inbox.received) == sum(t["sent"]["email"] for t in table.values())
    assert all(m.get_content_type() == "multipart/alternative" for _, m in inbox.received)
    assert len(posted) == 1 and len(wecom.sent) >= 3 and len(dingtalk.sent) >= 3

    with capsys.disabled():
        print("\nevery event type, once (people resolved; messages per channel queued/sent):")
        print(f"  {'event':20} {'people':>6}  {'channels (queued/sent)':46} "
              "raw keys  UUIDs  holes  links  dead links")  # fmt: skip
        for event in EVENTS:
            t = table[event]
            channels = ", ".join(
                f"{c} {t['queued'][c]}/{t['sent'][c]}" for c in sorted(t["queued"])
            )
            print(f"  {event:20} {len(t['people']):>6}  {channels:46} {t['raw']:>8} "
                  f"{t['uuid']:>6} {t['holes']:>6} {t['links']:>6} {t['dead']:>11}")  # fmt: skip
        print(f"  undeliverable: {len(undeliverable)}; e-mails received by the SMTP server: "
              f"{len(inbox.received)} (all multipart/alternative)")  # fmt: skip
    for event, t in table.items():
        assert (t["raw"], t["uuid"], t["holes"], t["dead"]) == (0, 0, 0, 0), event
        assert t["links"] == sum(t["queued"].values()), event  # every message has its link
        assert t["sent"] == t["queued"], event
