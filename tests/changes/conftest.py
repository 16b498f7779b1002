"""Fixtures for the change-request use cases: two suppliers, people, a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from portal.audit.log import AuditContext, AuditLog
from portal.changes import ChangeDeps
from portal.db.supplier_store import RowBatch, SupplierStore
from portal.domain.principal import Principal, Role
from portal.domain.supplier import BankAccount, Contact, InvoicingProfile, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.notifications.messages import RecordingNotifier

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


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


def supplier(uscc: str, name: str, account: str, phone: str, email: str) -> Supplier:
    return Supplier(
        uscc=uscc,
        name=name,
        address="上海市浦东新区示例路1号",
        bank_accounts=(
            BankAccount(
                bank_name="中国工商银行上海分行",
                account_number=account,
                holder_name=name,
                cnaps_code="102290000012",
                is_default=True,
            ),
        ),
        contacts=(Contact(name="王经理", role="财务", phone=phone, email=email),),
        invoicing_profile=InvoicingProfile(title=name, tax_number=uscc),
    )


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
            supplier(
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
            supplier(
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
        user_a=Principal("u-supplier-a", Role.SUPPLIER, supplier_id=a.id),
        user_b=Principal("u-supplier-b", Role.SUPPLIER, supplier_id=b.id),
        alice=Principal("u-alice", Role.PURCHASING_SUPERVISOR),
        bob=Principal("u-bob", Role.PURCHASING_SUPERVISOR),
        carol=Principal("u-carol", Role.PURCHASING_SUPERVISOR),
        clerk=Principal("u-clerk", Role.PURCHASING_CLERK),
    )


@pytest.fixture
def ctx() -> object:
    """``ctx(principal)``: the audit context of an act by ``principal``."""

    def make(principal: Principal) -> AuditContext:
        return AuditContext(actor=principal.subject, actor_role=principal.role.value, ip="10.0.0.1")

    return make
