"""Fixtures for the change-request use cases: two suppliers, people, a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from portal.audit.log import AuditContext, AuditLog
from portal.changes import ChangeDeps
from portal.db.supplier_store import RowBatch, SupplierStore
from portal.domain.principal import Principal
from portal.domain.supplier import Supplier
from portal.domain.uscc_factory import make_uscc
from portal.notifications.messages import RecordingNotifier
from tests.support import Clock
from tests.support.builders import licensed_supplier
from tests.support.personas import STAFF, supplier_user

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@dataclass
class World:
    a: Supplier
    b: Supplier
    user_a: Principal
    user_b: Principal
    alice: Principal
    bob: Principal
    carol: Principal
    clerk: Principal


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def deps(
    engine: Engine, store: SupplierStore, clock: Clock, notifier: RecordingNotifier
) -> ChangeDeps:
    return ChangeDeps(
        engine=engine,
        suppliers=store,
        audit=AuditLog(store.sealer),
        notifier=notifier,
        clock=clock,
    )


@pytest.fixture
def world(engine: Engine, store: SupplierStore) -> World:
    batch = RowBatch()
    ids = [
        store.add_to_batch(
            batch,
            licensed_supplier(
                make_uscc(1),
                "上海甲贸易有限公司",
                "6222021234567891234",
                "13812345678",
                "wang@jia.cn",
            ),
            T0,
        ),
        store.add_to_batch(
            batch,
            licensed_supplier(
                make_uscc(2), "北京乙科技有限公司", "6222029876543210987", "13987654321", "li@yi.cn"
            ),
            T0,
        ),
    ]
    with engine.begin() as conn:
        store.insert_batch(conn, batch)
        a, b = (store.get(conn, sid) for sid in ids)
    assert a is not None and b is not None
    return World(
        a=a,
        b=b,
        user_a=supplier_user("u-supplier-a", a.id),
        user_b=supplier_user("u-supplier-b", b.id),
        alice=STAFF["alice"],
        bob=STAFF["bob"],
        carol=STAFF["carol"],
        clerk=STAFF["clerk"],
    )


@pytest.fixture
def ctx() -> object:
    """``ctx(principal)``: the audit context of an act by ``principal``."""

    def make(principal: Principal) -> AuditContext:
        return AuditContext(actor=principal.subject, actor_role=principal.role.value, ip="10.0.0.1")

    return make
