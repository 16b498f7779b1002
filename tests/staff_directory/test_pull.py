"""The Keycloak pull applied to the directory: people are registered with their roles,
a message to a role reaches the synced person and not the disabled one, a person gone from
the provider is disabled and kept, a manual entry is not taken over unless linked, and an
outage changes nothing and is reported in words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import vcr
from sqlalchemy import Engine, select

from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.db.supplier_store import SupplierStore
from portal.domain.principal import Role
from portal.notifications.outbox import recent
from portal.notifications.recipients import Recipient, Rendered, notify
from portal.staff_directory import add_staff, list_staff
from portal.staff_directory.pull import (
    DirectoryUnavailableError,
    InMemoryPeopleSource,
    claim_pull,
    pull_directory,
    sync_status,
)
from tests.staff_directory.record_cassettes import people
from tests.staff_directory.test_keycloak_contract import REALM_PEOPLE
from tests.support.personas import staff_member

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
ADMIN = staff_member("u-admin", Role.ADMIN, "Ada")
CTX = AuditContext(actor="u-admin", actor_role="admin", actor_name="Ada", channel="portal")
CASSETTE = str(Path(__file__).parent / "cassettes" / "keycloak.yaml")
REPLAY = vcr.VCR(record_mode="none", match_on=["method", "host", "path", "query"])


@pytest.fixture
def audit(store: SupplierStore) -> AuditLog:
    return AuditLog(store.sealer)


def _hello(reader: Recipient) -> Rendered:
    return Rendered("【待审批】上海甲贸易有限公司 提交了银行账户变更申请", f"{reader.name}，您好")


def test_a_pull_from_keycloak_registers_people_and_a_role_reaches_only_the_active(
    engine: Engine, audit: AuditLog
) -> None:
    with REPLAY.use_cassette(CASSETTE):
        report = pull_directory(engine, audit, people(httpx.Client()), now=NOW)
    assert (report.created, report.refused, report.error) == (3, [], None)
    with engine.begin() as conn:
        told = notify(conn, "change_submitted", "role:purchasing_supervisor", _hello, now=NOW)
        [message] = recent(conn)
        channels = (
            conn.execute(select(ENTRY.c.channel).where(ENTRY.c.action == "staff.synced"))
            .scalars()
            .all()
        )
    assert (told, message.recipient) == (1, "wang.fang@buyer.cn")  # not 李雷, disabled
    assert set(channels) == {"directory sync"} and len(channels) == 3


def test_a_second_identical_pull_changes_nothing(engine: Engine, audit: AuditLog) -> None:
    source = InMemoryPeopleSource(entries=list(REALM_PEOPLE))
    pull_directory(engine, audit, source, now=NOW)
    again = pull_directory(engine, audit, source, now=NOW + timedelta(hours=1))
    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 3, 0)


def test_a_person_gone_from_the_provider_is_disabled_and_kept(
    engine: Engine, audit: AuditLog
) -> None:
    source = InMemoryPeopleSource(entries=list(REALM_PEOPLE))
    pull_directory(engine, audit, source, now=NOW)
    source.entries = [p for p in REALM_PEOPLE if p.user_name != "wang.fang"]
    report = pull_directory(engine, audit, source, now=NOW + timedelta(hours=1))
    [wang] = [m for m in list_staff(engine, ADMIN) if m.email == "wang.fang@buyer.cn"]
    assert report.removed == 1 and wang.disabled and wang.removed
    with engine.begin() as conn:
        assert notify(conn, "change_submitted", "role:purchasing_supervisor", _hello) == 0


def test_a_role_taken_away_in_keycloak_stops_the_messages(engine: Engine, audit: AuditLog) -> None:
    source = InMemoryPeopleSource(entries=list(REALM_PEOPLE))
    pull_directory(engine, audit, source, now=NOW)
    source.entries = [replace(p, roles=(Role.FINANCE,)) if p.user_name == "wang.fang" else p
                      for p in REALM_PEOPLE]  # fmt: skip
    assert pull_directory(engine, audit, source, now=NOW).updated == 1
    with engine.begin() as conn:
        assert notify(conn, "change_submitted", "role:purchasing_supervisor", _hello) == 0


def test_a_manual_entry_is_not_overwritten_and_the_refusal_is_shown_in_words(
    engine: Engine, audit: AuditLog
) -> None:
    add_staff(engine, audit, CTX, ADMIN, name="王芳（手工）", email="wang.fang@buyer.cn",
              roles=["finance"], now=NOW)  # fmt: skip
    report = pull_directory(engine, audit, InMemoryPeopleSource(entries=list(REALM_PEOPLE)),
                            now=NOW)  # fmt: skip
    [manual] = [m for m in list_staff(engine, ADMIN) if m.email == "wang.fang@buyer.cn"]
    assert (manual.display_name, manual.source, manual.roles) == (
        "王芳（手工）", "manual", (Role.FINANCE,),
    )  # fmt: skip
    assert report.created == 2 and len(report.refused) == 1
    [status] = sync_status(engine)
    assert status.error is not None and "不会覆盖" in status.error


def test_a_manual_entry_linked_by_its_subject_is_kept_up_to_date(
    engine: Engine, audit: AuditLog
) -> None:
    wang = REALM_PEOPLE[0]
    add_staff(engine, audit, CTX, ADMIN, name="王芳（手工）", email="wang.fang@buyer.cn",
              roles=["finance"], oidc_subject=wang.external_id, now=NOW)  # fmt: skip
    report = pull_directory(engine, audit, InMemoryPeopleSource(entries=[wang]), now=NOW)
    [member] = list_staff(engine, ADMIN)
    assert report.updated == 1
    assert (member.display_name, member.source, member.roles) == (
        "王芳", "keycloak", (Role.PURCHASING_SUPERVISOR,),
    )  # fmt: skip


def test_an_outage_deactivates_nobody_and_is_reported(engine: Engine, audit: AuditLog) -> None:
    source = InMemoryPeopleSource(entries=list(REALM_PEOPLE))
    pull_directory(engine, audit, source, now=NOW)
    source.failure = DirectoryUnavailableError(
        "Keycloak: could not be reached", message_zh="Keycloak：无法连接"
    )
    report = pull_directory(engine, audit, source, now=NOW + timedelta(hours=1))
    assert report.error is not None and report.removed == 0
    assert sum(not m.disabled for m in list_staff(engine, ADMIN)) == 2
    [status] = sync_status(engine)
    assert status.last_ok_at == NOW.replace(tzinfo=status.last_ok_at.tzinfo)
    assert status.error is not None and "无法连接" in status.error


def test_one_worker_claims_the_pull_per_period(engine: Engine) -> None:
    hour = timedelta(hours=1)
    assert claim_pull(engine, "keycloak", hour, now=NOW)
    assert not claim_pull(engine, "keycloak", hour, now=NOW + timedelta(minutes=1))
    assert claim_pull(engine, "keycloak", hour, now=NOW + hour)


def test_an_admin_cannot_disable_a_person_the_provider_keeps(
    engine: Engine, audit: AuditLog
) -> None:
    from portal.staff_directory import StaffDirectoryError, disable_staff

    pull_directory(engine, audit, InMemoryPeopleSource(entries=list(REALM_PEOPLE)), now=NOW)
    with pytest.raises(StaffDirectoryError) as refused:
        disable_staff(engine, audit, CTX, ADMIN, "wang.fang@buyer.cn", now=NOW)
    assert "disable them there" in str(refused.value) and "请在那里停用" in refused.value.message_zh
