"""The change feed of the change acts: every applied change numbered in commit order, read as
an ERP reads it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from approvals import CallBackOutcome, Entity
from portal.audit.log import ENTRY, AuditContext
from portal.changes import CallBackInput, ChangeDeps, Proposal, approve_change, submit_change
from portal.changes.merge import propose_merge
from portal.domain.principal import Principal, Role
from portal.domain.uscc_factory import make_uscc
from portal.feed import (
    EVENT,
    EventType,
    FeedReadNotAllowedError,
    FeedRequestError,
    PendingEvent,
    read_events,
    record_events,
    snapshot_existing,
)
from portal.finance import RevealNotAllowedError
from portal.onboarding.registration import register_suppliers
from tests.support.builders import licensed_supplier
from tests.support.personas import STAFF

FINANCE = STAFF["finance"]
NEW_NUMBER = "6217000011112222333"


def _apply_bank_change(deps: ChangeDeps, world: Any, ctx: Any) -> str:
    account = world.a.bank_accounts[0]
    proposal = Proposal(Entity.BANK_ACCOUNT, account.id, {"account_number": NEW_NUMBER})
    request = submit_change(deps, ctx(world.user_a), world.user_a, world.a.id, [proposal])
    call_back = CallBackInput(world.a.contacts[0].id, CallBackOutcome.CONFIRMED, "王经理确认")
    approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=call_back)
    approve_change(deps, ctx(world.bob), world.bob, request.id)
    return request.id


def test_an_applied_bank_change_is_one_event_with_fields_approvers_masked_state_and_hash(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    request_id = _apply_bank_change(deps, world, ctx)
    page = read_events(engine, deps.sealer, FINANCE, after=0, limit=10)
    assert [e["type"] for e in page.events] == ["supplier.changed"]
    event = page.events[0]
    assert (event["seq"], event["supplier_id"], event["request_id"]) == (1, world.a.id, request_id)
    assert event["changed_fields"] == [
        {"entity": "bank_account", "entity_id": world.a.bank_accounts[0].id,
         "field": "account_number"}
    ]  # fmt: skip
    assert [a["approver"] for a in event["approvers"]] == ["u-alice", "u-bob"]
    account = event["supplier"]["bank_accounts"][0]["account_number"]
    assert NEW_NUMBER not in account and account.endswith("2333")  # masked, last digits shown
    assert event["supplier"]["version"] == world.a.version + 1
    with engine.connect() as conn:
        applied = conn.execute(
            select(ENTRY.c.id, ENTRY.c.hash).where(ENTRY.c.action == "change.applied")
        ).one()
    assert (event["audit_entry_id"], event["audit_hash"]) == (applied.id, applied.hash)
    assert page.next_after == 1


def test_a_caller_who_may_reveal_sees_clear_values_and_each_is_reported_first(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    _apply_bank_change(deps, world, ctx)
    shown: list[tuple[str, str, str]] = []
    page = read_events(
        engine, deps.sealer, FINANCE, after=0, limit=10,
        reveal=lambda t, c, r: shown.append((t, c, r)),
    )  # fmt: skip
    assert page.events[0]["supplier"]["bank_accounts"][0]["account_number"] == NEW_NUMBER
    assert ("bank_account", "account_number", world.a.bank_accounts[0].id) in shown
    with pytest.raises(RevealNotAllowedError):
        read_events(engine, deps.sealer, STAFF["clerk"], after=0, limit=10,
                    reveal=lambda t, c, r: None)  # fmt: skip


def test_suppliers_may_not_read_the_feed_and_bad_paging_is_a_clear_error(
    deps: ChangeDeps, world: Any, engine: Engine
) -> None:
    with pytest.raises(FeedReadNotAllowedError, match="may not read the change feed"):
        read_events(engine, deps.sealer, world.user_a, after=0, limit=10)
    with pytest.raises(FeedRequestError, match="limit must be between 1 and 1000"):
        read_events(engine, deps.sealer, FINANCE, after=0, limit=5000)
    with pytest.raises(FeedRequestError, match="after must be 0"):
        read_events(engine, deps.sealer, FINANCE, after=-1, limit=10)


def test_a_merge_is_two_events_survivor_merged_then_absorbed_archived(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    request = propose_merge(deps, ctx(world.clerk), world.clerk, world.a.id, world.b.id)
    call_back = CallBackInput(world.a.contacts[0].id, CallBackOutcome.CONFIRMED, "确认合并")
    approve_change(deps, ctx(world.alice), world.alice, request.id, call_back=call_back)
    approve_change(deps, ctx(world.bob), world.bob, request.id)
    events = read_events(engine, deps.sealer, FINANCE, after=0, limit=10).events
    assert [(e["type"], e["supplier_id"]) for e in events] == [
        (EventType.MERGED.value, world.a.id),
        (EventType.ARCHIVED.value, world.b.id),
    ]
    assert events[0]["supplier"]["event_detail"] == {"merged_from": world.b.id}
    assert "北京乙科技有限公司" in events[0]["supplier"]["aliases"]
    assert events[1]["supplier"]["lifecycle_state"] == "archived"
    assert events[0]["audit_hash"] == events[1]["audit_hash"]  # one act, one last entry


def test_created_suppliers_are_events_and_an_erp_resumes_after_the_last_seq_it_kept(
    deps: ChangeDeps, engine: Engine, ctx: Any, world: Any
) -> None:
    candidates = [
        (i, licensed_supplier(make_uscc(100 + i), f"杭州丙{i}号有限公司",
                              f"62220200000000{i:05d}", f"1390000{i:04d}", f"c{i}@bing.cn"), [])
        for i in range(3)
    ]  # fmt: skip
    outcomes = register_suppliers(engine, deps.suppliers, candidates, now=deps.clock())
    first = read_events(engine, deps.sealer, FINANCE, after=0, limit=2)
    assert [e["type"] for e in first.events] == ["supplier.created"] * 2
    _apply_bank_change(deps, world, ctx)
    rest = read_events(engine, deps.sealer, FINANCE, after=first.next_after, limit=100)
    assert [e["seq"] for e in rest.events] == [3, 4]
    created = [e["supplier_id"] for e in first.events + rest.events[:1]]
    assert created == [o.supplier_id for o in outcomes]
    assert read_events(engine, deps.sealer, FINANCE, after=4, limit=10).events == []


def test_an_act_that_rolls_back_leaves_no_event_and_no_gap(
    deps: ChangeDeps, world: Any, engine: Engine
) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        record_events(conn, deps.suppliers, [PendingEvent(EventType.CHANGED, world.a.id)],
                      now=deps.clock())  # fmt: skip
        raise RuntimeError("the act failed after recording its event")
    with engine.begin() as conn:
        seqs = record_events(conn, deps.suppliers, [PendingEvent(EventType.CHANGED, world.b.id)],
                             now=deps.clock())  # fmt: skip
    assert seqs == [1]


def test_the_snapshot_gives_each_supplier_without_an_event_one_and_only_once(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    _apply_bank_change(deps, world, ctx)  # supplier a is in the feed already
    admin = Principal("u-admin", Role.ADMIN)
    actx = AuditContext(actor="u-admin", actor_role="admin")
    written = snapshot_existing(engine, deps.suppliers, deps.audit, actx, admin, now=deps.clock())
    again = snapshot_existing(engine, deps.suppliers, deps.audit, actx, admin, now=deps.clock())
    events = read_events(engine, deps.sealer, FINANCE, after=0, limit=10).events
    assert (written, again) == (1, 0)
    assert [(e["type"], e["supplier_id"]) for e in events][1:] == [
        ("supplier.snapshot", world.b.id)
    ]
    with pytest.raises(FeedReadNotAllowedError):
        snapshot_existing(engine, deps.suppliers, deps.audit, actx, FINANCE, now=deps.clock())


def test_on_postgresql_a_second_writer_waits_so_sequence_order_is_commit_order(
    deps: ChangeDeps, world: Any, engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    now = deps.clock()
    first = engine.connect()
    tx = first.begin()
    [seq_a] = record_events(first, deps.suppliers, [PendingEvent(EventType.CHANGED, world.a.id)],
                            now=now)  # fmt: skip
    pid = first.execute(text("SELECT pg_backend_pid()")).scalar()
    second: list[int] = []

    def write_b() -> None:
        with engine.begin() as conn:
            second.extend(record_events(conn, deps.suppliers,
                                        [PendingEvent(EventType.CHANGED, world.b.id)], now=now))  # fmt: skip

    worker = threading.Thread(target=write_b)
    worker.start()
    with engine.connect() as watcher:  # wait until b is blocked on a's lock (no sleeping)
        blocked = text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND :pid = ANY(pg_blocking_pids(pid))"
        )
        while not watcher.execute(blocked, {"pid": pid}).scalar():
            watcher.rollback()
        with engine.connect() as reader:  # nothing committed yet: a reader sees no event
            assert reader.execute(select(func.count()).select_from(EVENT)).scalar() == 0
    tx.commit()
    first.close()
    worker.join()
    assert (seq_a, second) == (1, [2])
