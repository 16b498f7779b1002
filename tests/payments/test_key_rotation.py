"""A blind-index key rotation (``portal keys rotate``) keeps versions and challenges found."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import Engine, select

from crypto import Keyring, Purpose
from payments import Verdict
from portal.audit.log import AuditContext
from portal.db.keystore import SqlDataKeyStore
from portal.keys.rotation import VERSION, run_rotation, start_or_resume
from portal.payments import PaymentDeps, check_payment_file
from portal.payments.proving import confirm_small_amount, send_small_amount
from tests.payments.conftest import NEW
from tests.support.personas import STAFF

CTX = AuditContext(actor="u-finance", actor_role="finance")
A = "6222021234567891234"  # supplier A's account on file in the change-flow world


def rotate_blind_index(engine: Engine, keyring: Keyring, pay: PaymentDeps) -> None:
    progress = start_or_resume(engine, keyring, SqlDataKeyStore(engine), Purpose.BLIND_INDEX)
    run_rotation(engine, pay.sealer, progress, batch_size=2)


def verdict_paying(pay: PaymentDeps, supplier: Any, account: str) -> Verdict:
    out = io.StringIO()
    csv.writer(out).writerows([["收款方", "统一社会信用代码", "开户行", "账号", "金额"],
                               [supplier.name, supplier.uscc, "工行", account, "10.00"]])  # fmt: skip
    result = check_payment_file(pay, CTX, STAFF["finance"], "run.csv", out.getvalue().encode())
    return result.lines[0].result.verdict


def test_an_active_version_is_still_found_and_paid_after_a_blind_index_rotation(
    pay: PaymentDeps, world: Any, new_version: str, engine: Engine, keyring: Keyring
) -> None:
    assert verdict_paying(pay, world.a, A) is Verdict.HOLD  # a bank change to NEW is applied
    assert verdict_paying(pay, world.b, "6222029876543210987") is Verdict.PASS
    with engine.connect() as conn:
        before = set(conn.execute(select(VERSION.c.account_bidx)).scalars())
    rotate_blind_index(engine, keyring, pay)
    with engine.connect() as conn:
        after = set(conn.execute(select(VERSION.c.account_bidx)).scalars())
    assert verdict_paying(pay, world.b, "6222029876543210987") is Verdict.PASS
    reindexed = pay.sealer.index("bank_account", NEW)  # the new version, under the new key
    assert reindexed in after and reindexed not in before


def test_a_small_amount_sent_before_a_rotation_is_still_recognised_after_it(
    pay: PaymentDeps, world: Any, new_version: str, engine: Engine, keyring: Keyring
) -> None:
    amount = send_small_amount(pay, CTX, STAFF["finance"], new_version)
    rotate_blind_index(engine, keyring, pay)
    assert confirm_small_amount(pay, CTX, world.user_a, new_version, str(amount))
