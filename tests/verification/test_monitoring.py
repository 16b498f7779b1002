"""The monitoring job: cadence, claims, quotas, alerts once, yearly confirmations."""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from portal.audit.log import AuditContext, AuditLog
from portal.bootstrap import Services
from portal.notifications.outbox import OutboxMessage, recent
from portal.notifications.recipients import STAFF_MEMBER, open_undeliverable
from portal.verification import confirmations, monitoring, schedule
from portal.verification.records import RUN
from providers.quota import TokenBucket
from registry.model import RegistryStatus
from tax_bureau.model import TaxStatus
from tests.verification.conftest import TODAY, Authorities, days, registered, store_suppliers, typed
from tests.verification.test_verify_supplier import verify

OTHERS = ("北京启衡数据服务有限公司", "深圳市鹏远电子元件有限公司", "杭州禾木包装材料有限公司")


def run_pass(services: Services, authorities: Authorities, **kw: object) -> monitoring.PassReport:
    return asyncio.run(monitoring.run_due(services, authorities.wiring, **kw))  # type: ignore[arg-type]


@pytest.fixture
def supervisor(services: Services) -> str:
    """A purchasing supervisor in the staff directory (never logged in): alerts reach her."""
    with services.engine.begin() as conn:
        conn.execute(
            insert(STAFF_MEMBER).values(
                id="staff-zhu", display_name="朱主管", email="zhu@buyer.cn",
                roles="purchasing_supervisor", language="zh", channels="email",
                muted_events="", digest=False, created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )  # fmt: skip
    return "zhu@buyer.cn"


def outbox(services: Services) -> list[OutboxMessage]:
    with services.engine.connect() as conn:
        return recent(conn, sealer=services.sealer)


def alerts(services: Services) -> list[OutboxMessage]:
    """The messages to staff (the supplier's own contact is asked to confirm the new facts,
    tests/verification/test_registry_events.py)."""
    return [m for m in outbox(services) if m.recipient != "sales@example.cn"]


def test_due_selection_respects_the_cadence(services: Services, authorities: Authorities) -> None:
    for name in OTHERS[:2]:
        authorities.know(registered(name))
    store_suppliers(services, *(typed(name) for name in OTHERS[:2]))

    assert run_pass(services, authorities).verified == 2  # new suppliers are due at once
    authorities.clock.advance(days=29, hours=23)
    assert run_pass(services, authorities).due == 0
    authorities.clock.advance(hours=1, minutes=1)
    assert run_pass(services, authorities).verified == 2


def test_blocked_suppliers_are_not_monitored(services: Services, authorities: Authorities) -> None:
    authorities.know(registered())
    store_suppliers(services, typed(lifecycle_state=typed().lifecycle_state.BLOCKED))

    assert run_pass(services, authorities).due == 0


def test_a_claimed_supplier_cannot_be_claimed_again_until_its_lease_ends(
    services: Services, authorities: Authorities
) -> None:
    [sid] = store_suppliers(services, typed())
    now, lease = authorities.clock(), timedelta(minutes=15)
    with services.engine.begin() as conn:
        schedule.ensure_schedule(conn, now)

    first = schedule.claim(services.engine, sid, now, lease)
    second = schedule.claim(services.engine, sid, now, lease)
    after_lease = schedule.claim(services.engine, sid, now + lease + timedelta(seconds=1), lease)

    assert first is not None and second is None and after_lease not in (None, first)


def test_two_concurrent_workers_never_verify_the_same_supplier_twice(
    services: Services, authorities: Authorities
) -> None:
    names = ("上海澜川智能科技有限公司", *OTHERS)
    for name in names:
        authorities.know(registered(name))
    store_suppliers(services, *(typed(name) for name in names))
    with services.engine.begin() as conn:
        schedule.ensure_schedule(conn, authorities.clock())
        # The audit log's very first append races on creating its head row (reported to
        # its owner); a portal in use has a head row long before monitoring runs.
        AuditLog(services.sealer).record(conn, AuditContext(actor="setup"), "test.setup")
    barrier = threading.Barrier(2)
    reports: list[monitoring.PassReport] = []

    def worker() -> None:
        barrier.wait()
        reports.append(run_pass(services, authorities))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(r.verified for r in reports) == len(names)
    assert all(not r.errors for r in reports)
    with services.engine.connect() as conn:
        per_supplier = Counter(r.supplier_id for r in conn.execute(select(RUN.c.supplier_id)))
    assert set(per_supplier.values()) == {1}
    lookups = Counter(args[0] for op, args in authorities.registry.calls if op == "lookup")
    assert set(lookups.values()) == {1}


def test_a_registry_status_change_raises_one_alert(
    services: Services, authorities: Authorities, supervisor: str
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed())
    verify(services, authorities, sid)
    assert alerts(services) == []  # active on first sight: nothing to say

    authorities.know(registered(status=RegistryStatus.DEREGISTERED, status_text="注销"))
    authorities.clock.advance(days=31)
    run_pass(services, authorities)
    authorities.clock.advance(days=31)
    run_pass(services, authorities)
    verify(services, authorities, sid)

    [alert] = alerts(services)
    assert "存续 → 注销" in alert.subject and alert.recipient == supervisor
    assert f"/staff/suppliers/{sid}/verification" in alert.body and "朱主管" in alert.body


def test_an_alert_nobody_can_receive_is_kept_for_the_admin_not_dropped(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed())
    verify(services, authorities, sid)
    authorities.know(registered(), status=TaxStatus.ABNORMAL)
    verify(services, authorities, sid)

    assert alerts(services) == []
    with services.engine.connect() as conn:
        [missed] = open_undeliverable(conn)
    assert missed.audience == "role:purchasing_supervisor" and "非正常户" in missed.subject


def test_a_taxpayer_turning_abnormal_raises_one_alert(
    services: Services, authorities: Authorities, supervisor: str
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed())
    verify(services, authorities, sid)
    authorities.know(registered(), status=TaxStatus.ABNORMAL)

    verify(services, authorities, sid)
    verify(services, authorities, sid)

    [alert] = alerts(services)
    assert "非正常户" in alert.subject


def test_an_expiring_licence_alerts_once_per_threshold(
    services: Services, authorities: Authorities, supervisor: str
) -> None:
    term_end = TODAY + days(85)
    authorities.know(registered(term_to=term_end))
    [sid] = store_suppliers(services, typed(term_to=term_end))

    sent = []
    for _ in range(4):  # 85, 55, 25 and -5 days left, each verified twice
        sent.append(verify(services, authorities, sid).alerts)
        sent.append(verify(services, authorities, sid).alerts)
        authorities.clock.advance(days=30)

    assert sent == [
        ("licence.90",), (), ("licence.60",), (), ("licence.30",), (), ("licence.expired",), (),
    ]  # fmt: skip
    assert len(alerts(services)) == 4


def test_a_renewed_licence_starts_its_thresholds_again(
    services: Services, authorities: Authorities
) -> None:
    term_end = TODAY + days(25)
    authorities.know(registered(term_to=term_end))
    [sid] = store_suppliers(services, typed(term_to=term_end))
    assert verify(services, authorities, sid).alerts == ("licence.30",)

    renewed = TODAY + days(80)
    authorities.know(registered(term_to=renewed))

    assert verify(services, authorities, sid).alerts == ("licence.90",)


def test_the_rate_limiter_spreads_verifications_over_time(
    services: Services, authorities: Authorities
) -> None:
    names = ("上海澜川智能科技有限公司", *OTHERS)
    for name in names:
        authorities.know(registered(name))
    store_suppliers(services, *(typed(name) for name in names))
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        authorities.clock.advance(seconds=seconds)

    # 6 provider calls a minute, 3 per supplier: one supplier every 30 s after the first.
    bucket = TokenBucket(6, capacity=3, clock=authorities.clock, sleep=sleep)
    report = run_pass(services, authorities, limiter=bucket)

    assert report.verified == 4
    with services.engine.connect() as conn:
        started = [r.started_at for r in conn.execute(select(RUN).order_by(RUN.c.started_at))]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(started)]
    assert gaps == pytest.approx([30.0, 30.0, 30.0])


def test_a_failing_verification_does_not_stop_the_pass_and_is_retried_later(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    store_suppliers(services, typed())

    async def broken(code: str) -> object:
        raise RuntimeError("bug")

    original = authorities.registry.lookup
    authorities.registry.lookup = broken  # type: ignore[method-assign,assignment]
    report = run_pass(services, authorities)
    assert report.errors and report.verified == 0

    authorities.registry.lookup = original  # type: ignore[method-assign]
    assert run_pass(services, authorities).verified == 0  # not before the retry delay
    authorities.clock.advance(minutes=61)
    assert run_pass(services, authorities).verified == 1


def _link(message: OutboxMessage) -> tuple[str, str]:
    match = re.search(r"/confirm/([0-9a-f-]+)\?token=([\w-]+)", message.body)
    assert match, message.body
    return match.group(1), match.group(2)


def test_suppliers_are_asked_once_a_year_to_confirm_their_data(
    services: Services, authorities: Authorities
) -> None:
    year_ago = authorities.clock() - days(400)
    [old] = store_suppliers(services, typed(), now=year_ago)
    [new] = store_suppliers(services, typed(OTHERS[0]))  # new this year: not asked yet
    now = authorities.clock()

    assert confirmations.send_confirmation_requests(services.engine, authorities.settings, sealer=services.sealer,
                                                 now=now) == [old]  # fmt: skip
    assert confirmations.send_confirmation_requests(services.engine, authorities.settings, sealer=services.sealer,
                                                 now=now + days(30)) == []  # fmt: skip
    [message] = outbox(services)
    assert message.recipient == "sales@example.cn"
    request_id, token = _link(message)
    assert confirmations.confirmation_supplier(services.engine, request_id, token, now=now) == old

    ctx = AuditContext(actor="supplier-link", ip="203.0.113.9")
    audit = AuditLog(services.sealer)
    assert confirmations.confirm_data(services.engine, audit, request_id, token, now=now,
                                   ctx=ctx) == old  # fmt: skip
    with pytest.raises(confirmations.ConfirmationError, match="already been used"):
        confirmations.confirm_data(services.engine, audit, request_id, token, now=now, ctx=ctx)
    with pytest.raises(confirmations.ConfirmationError, match="not valid"):
        confirmations.confirmation_supplier(services.engine, request_id, "forged", now=now)
    with services.engine.connect() as conn:
        assert (old, "confirmation") in schedule.due_suppliers(conn, now, 10)
        actions = [e.action for e in audit.entries(conn)]
    assert "supplier.data_confirmed" in actions
    a_year_later = confirmations.send_confirmation_requests(
        services.engine, authorities.settings, sealer=services.sealer, now=now + days(366)
    )
    assert a_year_later == [old, new]


def test_an_expired_confirmation_link_is_refused(
    services: Services, authorities: Authorities
) -> None:
    store_suppliers(services, typed(), now=authorities.clock() - days(400))
    now = authorities.clock()
    confirmations.send_confirmation_requests(
        services.engine, authorities.settings, sealer=services.sealer, now=now
    )
    request_id, token = _link(outbox(services)[0])

    with pytest.raises(confirmations.ConfirmationError, match="expired"):
        confirmations.confirmation_supplier(services.engine, request_id, token, now=now + days(31))
