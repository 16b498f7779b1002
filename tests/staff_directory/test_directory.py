"""The staff directory: people registered before their first login are told about what
waits for them, matched to their login later; a role held by nobody is a visible error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from crypto.adapters.local import generate_key_file
from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.cli import main
from portal.db.supplier_store import SupplierStore
from portal.domain.errors import ErrorKind
from portal.domain.principal import Role
from portal.identity.login import complete_login
from portal.notifications.digest import send_digests
from portal.notifications.outbox import OutboxWorker, recent
from portal.notifications.personal import InMemoryPersonalSender
from portal.notifications.recipients import (
    Recipient,
    Rendered,
    holders_of,
    notify,
    open_undeliverable,
)
from portal.staff_directory import (
    StaffDirectoryError,
    add_staff,
    disable_staff,
    list_staff,
    set_preferences,
)
from tests.support.personas import STAFF, staff_member

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
ADMIN = staff_member("u-admin", Role.ADMIN, "管理员")
CTX = AuditContext(actor="u-admin", actor_role="admin", actor_name="管理员", channel="portal")


@pytest.fixture
def audit(store: SupplierStore) -> AuditLog:
    return AuditLog(store.sealer)


def _add(engine: Engine, audit: AuditLog, name: str, email: str, *roles: str, **kw: str) -> str:
    member = add_staff(
        engine, audit, CTX, ADMIN, name=name, email=email, roles=roles, now=NOW, **kw
    )
    return member.id


def _hello(reader: Recipient) -> Rendered:
    return Rendered(f"待审批 / to review ({reader.language})", f"{reader.name}，您好")


def test_a_person_registered_before_any_login_holds_the_role_and_is_told(
    engine: Engine, audit: AuditLog
) -> None:
    _add(engine, audit, "王芳", "Wang.Fang@Buyer.cn", "purchasing_supervisor", language="en")
    with engine.begin() as conn:
        people = holders_of(conn, Role.PURCHASING_SUPERVISOR)
        sent = notify(conn, "change_submitted", "role:purchasing_supervisor", _hello, now=NOW)
        [message] = recent(conn)
    assert [(p.name, p.email, p.language) for p in people] == [("王芳", "wang.fang@buyer.cn", "en")]
    assert sent == 1 and message.recipient == "wang.fang@buyer.cn"
    assert message.subject.endswith("(en)") and "王芳" in message.body
    with engine.connect() as conn:
        recorded = conn.execute(
            select(ENTRY.c.action, ENTRY.c.actor_name).where(ENTRY.c.action == "staff.registered")
        ).one()
    assert recorded.actor_name == "管理员"


def test_a_role_nobody_holds_is_kept_as_undeliverable_never_dropped(engine: Engine) -> None:
    with engine.begin() as conn:
        sent = notify(conn, "supplier_alert", "role:purchasing_supervisor", _hello, now=NOW)
    with engine.connect() as conn:
        [missed] = open_undeliverable(conn)
        assert recent(conn) == []
    assert sent == 0 and missed.audience == "role:purchasing_supervisor"
    assert missed.event == "supplier_alert" and "待审批" in missed.subject


def test_a_disabled_person_is_no_longer_told(engine: Engine, audit: AuditLog) -> None:
    _add(engine, audit, "李雷", "li@buyer.cn", "purchasing_supervisor")
    disable_staff(engine, audit, CTX, ADMIN, "li@buyer.cn", now=NOW)
    with engine.connect() as conn:
        assert holders_of(conn, Role.PURCHASING_SUPERVISOR) == []


def test_the_first_login_with_the_registered_email_links_the_account(
    engine: Engine, audit: AuditLog
) -> None:
    member = _add(engine, audit, "王芳", "wang@buyer.cn", "purchasing_supervisor")
    account = complete_login(
        engine, audit, AuditContext(actor="anonymous", ip="10.1.2.3"),
        issuer="https://idp.example", subject="kc-123", email="WANG@buyer.cn",
        display_name="王芳", staff_role=Role.PURCHASING_SUPERVISOR, for_invitation=False,
        now=NOW,
    )  # fmt: skip
    assert account is not None
    [linked] = [m for m in list_staff(engine, ADMIN) if m.id == member]
    assert linked.account_id == account.id and linked.logged_in
    with engine.connect() as conn:
        # told once: the directory entry and the account are the same person
        assert len(holders_of(conn, Role.PURCHASING_SUPERVISOR)) == 1
        actions = list(conn.execute(select(ENTRY.c.action).order_by(ENTRY.c.seq)).scalars())
    assert actions[-2:] == ["login.succeeded", "staff.linked"]


def test_only_an_administrator_writes_the_directory_and_bad_input_says_why(
    engine: Engine, audit: AuditLog
) -> None:
    with pytest.raises(StaffDirectoryError) as refused:
        add_staff(engine, audit, CTX, STAFF["alice"], name="x", email="x@y.cn",
                  roles=["finance"], now=NOW)  # fmt: skip
    assert refused.value.kind is ErrorKind.FORBIDDEN and "管理员" in refused.value.message_zh
    with pytest.raises(StaffDirectoryError) as bad_role:
        _add(engine, audit, "王芳", "wang@buyer.cn", "supplier")
    assert bad_role.value.field == "roles"
    _add(engine, audit, "王芳", "wang@buyer.cn", "finance")
    with pytest.raises(StaffDirectoryError) as twice:
        _add(engine, audit, "王芳", "WANG@buyer.cn", "finance")
    assert twice.value.kind is ErrorKind.CONFLICT and "已在员工名录中" in twice.value.message_zh


def test_preferences_choose_channels_and_mute_events(engine: Engine, audit: AuditLog) -> None:
    member = _add(engine, audit, "王芳", "wang@buyer.cn", "purchasing_supervisor",
                  wecom_userid="WangFang")  # fmt: skip
    set_preferences(engine, audit, CTX, ADMIN, member, channels=["wecom"],
                    muted_events=["supplier_alert"], digest=False, language="zh", now=NOW)  # fmt: skip
    with engine.begin() as conn:
        notify(conn, "change_submitted", "role:purchasing_supervisor", _hello, now=NOW)
        notify(conn, "supplier_alert", "role:purchasing_supervisor", _hello, now=NOW)
        [message] = recent(conn)
        [missed] = open_undeliverable(conn)
    assert (message.channel, message.recipient) == ("wecom", "WangFang")
    assert missed.event == "supplier_alert"
    with pytest.raises(StaffDirectoryError) as no_id:
        set_preferences(engine, audit, CTX, ADMIN, member, channels=["dingtalk"],
                        muted_events=[], digest=False, language="zh", now=NOW)  # fmt: skip
    assert no_id.value.field == "channels"


def test_the_cli_adds_lists_and_disables_staff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kek = tmp_path / "keys" / "kek.key"
    kek.parent.mkdir()
    generate_key_file(kek)
    monkeypatch.setenv("PORTAL_KEK_FILE", str(kek))
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["keys", "init", *data]) == 0
    assert main(["staff", "add", "王芳", "wang@buyer.cn", "--role", "purchasing_supervisor",
                 "--wecom", "WangFang", *data]) == 0  # fmt: skip
    assert main(["staff", "list", *data]) == 0
    listed = capsys.readouterr().out
    assert "王芳\twang@buyer.cn\tpurchasing_supervisor" in listed and "never logged in" in listed
    assert main(["staff", "add", "王芳", "wang@buyer.cn", "--role", "finance", *data]) == 4
    assert main(["staff", "disable", "wang@buyer.cn", *data]) == 0
    assert main(["staff", "disable", "nobody@buyer.cn", *data]) == 3
    main(["staff", "list", *data])
    assert "disabled" in capsys.readouterr().out


def test_a_person_who_chose_the_digest_gets_one_message_at_eight(
    engine: Engine, audit: AuditLog
) -> None:
    member = _add(engine, audit, "王芳", "wang@buyer.cn", "purchasing_supervisor")
    set_preferences(engine, audit, CTX, ADMIN, member, channels=["email"], muted_events=[],
                    digest=True, language="zh", now=NOW)  # fmt: skip
    with engine.begin() as conn:  # 17:00 Beijing: held for tomorrow 08:00
        notify(conn, "change_submitted", "role:purchasing_supervisor", _hello, now=NOW)
        notify(conn, "supplier_alert", "role:purchasing_supervisor", _hello, now=NOW)
    mail = InMemoryPersonalSender("email", known={"wang@buyer.cn"})
    worker = OutboxWorker(engine, {"email": mail})
    assert worker.run_once(now=NOW + timedelta(hours=14)).sent == 0
    with engine.begin() as conn:
        assert send_digests(conn, now=NOW + timedelta(hours=14)) == []  # 07:00: not yet
        assert len(send_digests(conn, now=NOW + timedelta(hours=15))) == 1
    assert worker.run_once(now=NOW + timedelta(hours=15)).sent == 1
    [(to, text)] = mail.sent
    assert to == "wang@buyer.cn" and "每日消息汇总（2 条）" in text and text.count("待审批") == 2
