"""Escalation as a chain (``PORTAL_ESCALATION_CHAIN``): a request left waiting reminds its
approvers, then goes up the chain one step after another, each after its time; the clock is
moved and who was told when is printed (docs/notifications.md quotes it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.config import ConfigError, load_settings
from portal.domain.principal import Role
from portal.notifications.reminders import ReminderSettings, run_reminders
from tests.web_portal.conftest import BASE_URL
from tests.web_portal.test_messages_reach_people import _leaks, _links_open, _messages, directory
from tests.web_portal.test_portal_flow import propose_bank_change

__all__ = ["directory"]

CHAIN = "purchasing_supervisor:48,admin:96"


def _settings() -> ReminderSettings:
    return ReminderSettings.from_config(
        load_settings(
            {
                "PORTAL_PUBLIC_URL": BASE_URL,
                "PORTAL_REMIND_AFTER_HOURS": "24",
                "PORTAL_ESCALATION_CHAIN": CHAIN,
            }
        )
    )


def test_the_chain_is_read_from_the_settings_in_order() -> None:
    settings = _settings()
    assert settings.escalation() == (
        (Role.PURCHASING_SUPERVISOR, timedelta(hours=48)),
        (Role.ADMIN, timedelta(hours=96)),
    )
    one_step = ReminderSettings.from_config(load_settings({"PORTAL_ESCALATE_TO": "finance"}))
    assert one_step.escalation() == ((Role.FINANCE, timedelta(hours=72)),)


@pytest.mark.parametrize(
    "chain", ["admin:96,purchasing_supervisor:48", "boss:48", "admin", "admin:soon"]
)
def test_a_chain_out_of_order_or_with_an_unknown_role_is_refused_at_start(chain: str) -> None:
    with pytest.raises(ConfigError, match="PORTAL_ESCALATION_CHAIN"):
        load_settings({"PORTAL_ESCALATION_CHAIN": chain})


async def test_a_waiting_request_goes_up_the_chain_step_by_step_and_stops_once_decided(
    site: Any, as_user: Any, clock: Any, directory: dict[str, str], capsys: Any
) -> None:
    settings = _settings()
    request_id = await propose_bank_change(site, as_user)
    start = clock()
    told: list[tuple[str, str, str]] = []
    seen: set[str] = set()

    def note() -> None:
        for m in _messages(site):
            if m.id not in seen:
                seen.add(m.id)
                waited = int((clock() - start).total_seconds() // 3600)
                told.append((f"{waited} h", m.recipient, m.subject))

    def run() -> list[tuple[str, int]]:
        sent = run_reminders(site.services.engine, settings, now=clock()).sent
        note()
        return [(event, count) for event, _, count in sent]

    note()
    steps: list[list[tuple[str, int]]] = []
    for hours in (23, 2, 0, 23, 2, 47, 2, 1):  # 23, 25, 25, 48, 50, 97, 99, 100
        clock.advance(hours=hours)
        steps.append(run())
    assert steps == [
        [],
        [("approval_reminder", 2)],  # the approvers (zh and en)
        [],  # each step once
        [("approval_escalated", 2)],  # step 1: the purchasing supervisors as a role
        [],
        [("approval_escalated", 1)],  # step 2: the administrator
        [],
        [],
    ]
    by_time = {(when, who) for when, who, _ in told}
    assert {("25 h", "alice@buyer.cn"), ("25 h", "bob@buyer.cn")} <= by_time
    assert {
        ("48 h", "alice@buyer.cn"),
        ("48 h", "bob@buyer.cn"),
        ("97 h", "ada@buyer.cn"),
    } <= by_time
    [to_admin] = [m for m in _messages(site) if m.recipient == "ada@buyer.cn"]
    assert "It was escalated before to: purchasing supervisors." in to_admin.body  # Ada reads en
    [to_bob] = [
        m
        for m in _messages(site)
        if m.subject.startswith("[Overdue]") and m.recipient == "bob@buyer.cn"
    ]
    assert "After 4 days 0 hours waiting it goes up to the administrators." in to_bob.body

    page = f"/staff/changes/{request_id}"
    rejected = await as_user("alice").post(
        f"{page}/reject", {"reason_for_all": "请附开户许可证"}, form_page=page
    )
    assert rejected.status_code == 303, rejected.text
    note()
    clock.advance(hours=200)
    assert run() == []  # decided: no one is reminded any more
    with capsys.disabled():
        print(f"\nwho was told when (PORTAL_ESCALATION_CHAIN={CHAIN}, reminder after 24 h):")
        for when, who, subject in told:
            print(f"  {when:>5}  {who:16} {subject}")
    for m in _messages(site):
        assert _leaks(f"{m.subject}\n{m.body}") == [], m.body
        for path, status in await _links_open(as_user, directory[m.recipient], m.body):
            assert status == 200, (path, directory[m.recipient])
