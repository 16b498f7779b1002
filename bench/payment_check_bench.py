"""The payment-file check on a planted file, next to a bare blind-index lookup.

    PYTHONPATH=. .venv/bin/python bench/payment_check_bench.py --db sqlite
    PYTHONPATH=. .venv/bin/python bench/payment_check_bench.py --db postgresql \
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Seeds ``--suppliers`` suppliers with one account each, every account adopted as an active
version, then plants the hold causes by supplier (blocked, registry deregistered, tax
abnormal, cooling off, unverified, pending, retired) and by line (another supplier's
account, an account not on file, an unknown payee). The expected verdict of each line is
worked out here from what was planted, not by the rule. Prints:

- wrongly passed (expected hold or unknown payee, got pass; goal 0) and wrongly held
  (expected pass, got anything else; goal 0), and lines whose first reason differs;
- the time of ``check_payment_file`` on the CSV bytes (parse, lookups, rule, an Ed25519
  attestation on every passing line, the audit entry);
- baseline ``bare lookup``: the blind index of each line's account and
  ``SELECT id, supplier_id FROM bank_account WHERE account_number_bidx IN (...)`` in
  chunks of 500, nothing else.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text, update
from sqlmodel import SQLModel

import portal.db.all_tables  # noqa: F401
from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.audit.log import AuditContext, AuditLog
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import BANK, SUPPLIER, RowBatch, SupplierStore
from portal.domain.principal import Principal, Role
from portal.domain.supplier import BankAccount, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.payments import PaymentDeps, adopt_accounts, check_payment_file
from portal.payments.attestation import AttestationKeys
from portal.payments.versions import VERSION

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
#: supplier index % 20 -> what is planted on it (the rest stay payable)
PLANTED = {
    0: "supplier_blocked", 1: "tax_abnormal", 2: "registry_inactive", 3: "cooling_off",
    4: "unverified", 5: "pending", 6: "retired",
}  # fmt: skip


def account_of(i: int) -> str:
    return f"6222{i:015d}"


def seed(engine: Engine, store: SupplierStore, n: int) -> None:
    batch = RowBatch()
    for i in range(n):
        name = f"示例{i:05d}贸易有限公司"
        account = BankAccount(bank_name="工商银行", account_number=account_of(i), holder_name=name)
        store.add_to_batch(batch, Supplier(uscc=make_uscc(10_000 + i), name=name,
                                           bank_accounts=(account,)), NOW)  # fmt: skip
    with engine.begin() as conn:
        store.insert_batch(conn, batch)


def plant(engine: Engine, deps: PaymentDeps, n: int) -> None:
    adopt_accounts(deps, AuditContext(actor="bench"), Principal("bench", Role.ADMIN))
    with engine.begin() as conn:
        ids = {r.uscc: r.id for r in conn.execute(select(SUPPLIER.c.id, SUPPLIER.c.uscc))}
        for i in range(n):
            cause = PLANTED.get(i % 20)
            sid = ids[make_uscc(10_000 + i)]
            where_s, where_v = SUPPLIER.c.id == sid, VERSION.c.supplier_id == sid
            if cause == "supplier_blocked":
                conn.execute(update(SUPPLIER).where(where_s).values(lifecycle_state="blocked"))
            elif cause == "tax_abnormal":
                conn.execute(update(SUPPLIER).where(where_s).values(tax_status="非正常户"))
            elif cause == "registry_inactive":
                conn.execute(update(SUPPLIER).where(where_s).values(registry_status="注销"))
            elif cause == "cooling_off":
                until = NOW + timedelta(hours=30)
                conn.execute(update(VERSION).where(where_v).values(cooling_until=until))
            elif cause == "unverified":
                values = {"verified_at": None, "cooling_until": None}
                conn.execute(update(VERSION).where(where_v).values(**values))
            elif cause == "pending":
                values = {"verified_at": None, "approved_at": None, "cooling_until": None}
                conn.execute(update(VERSION).where(where_v).values(**values))
            elif cause == "retired":
                retired = NOW - timedelta(hours=1)
                conn.execute(update(VERSION).where(where_v).values(retired_at=retired))


def planted_file(n_suppliers: int, lines: int) -> tuple[bytes, list[str]]:
    rnd = random.Random(15)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["收款方", "统一社会信用代码", "开户行", "账号", "金额"])
    expected = []
    for j in range(lines):
        i = rnd.randrange(n_suppliers)
        payee = [f"示例{i:05d}贸易有限公司", make_uscc(10_000 + i), "工商银行"]
        account, want = account_of(i), PLANTED.get(i % 20, "pass")
        if j % 50 == 7:  # another payable supplier's account
            other = (i + 10) % n_suppliers if (i + 10) % 20 >= 7 else (i + 17) % n_suppliers
            account = account_of(other)
            want = want if want in ("supplier_blocked", "tax_abnormal", "registry_inactive") \
                else "other_supplier"  # fmt: skip
        elif j % 89 == 3:
            account = f"9555{j:015d}"
            want = want if want in ("supplier_blocked", "tax_abnormal", "registry_inactive") \
                else "not_on_file"  # fmt: skip
        elif j % 97 == 5:
            payee = ["不存在的公司", make_uscc(900_000 + j), "工商银行"]
            want = "unknown_payee"
        writer.writerow([*payee, account, f"{rnd.randrange(100, 10**6) / 100:.2f}"])
        expected.append(want)
    return out.getvalue().encode(), expected


def bare_lookup(engine: Engine, sealer: Sealer, accounts: list[str]) -> float:
    start = time.perf_counter()
    indexes = [sealer.index("bank_account", a) for a in accounts]
    with engine.connect() as conn:
        for k in range(0, len(indexes), 500):
            chunk = indexes[k : k + 500]
            conn.execute(
                select(BANK.c.id, BANK.c.supplier_id).where(BANK.c.account_number_bidx.in_(chunk))
            ).all()
    return time.perf_counter() - start


def run(url: str, suppliers: int, lines: int, profile: str = "default") -> None:
    """``profile``: ``default`` (AES-256-GCM, Ed25519) or ``sm`` (SM4-GCM, SM2, SM3 indexes)."""
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    provider = InMemoryKeyProvider()
    cipher = Algorithm.SM4_GCM if profile == "sm" else Algorithm.AES_256_GCM
    keyring = Keyring.initialise(SqlDataKeyStore(engine), provider, cipher)
    sealer = Sealer(keyring.field_cipher(), keyring.blind_indexer())
    store = SupplierStore(sealer)
    deps = PaymentDeps(
        engine=engine,
        sealer=sealer,
        audit=AuditLog(sealer),
        clock=lambda: NOW,
        attestation=AttestationKeys(
            engine, lambda: provider, "SM2" if profile == "sm" else "Ed25519"
        ),
    )
    seed(engine, store, suppliers)
    plant(engine, deps, suppliers)
    content, expected = planted_file(suppliers, lines)
    me = Principal("bench", Role.FINANCE)
    check_payment_file(deps, AuditContext(actor="bench"), me, "warm.csv", content[:2000])
    start = time.perf_counter()
    result = check_payment_file(deps, AuditContext(actor="bench"), me, "run.csv", content)
    took = time.perf_counter() - start
    got = [
        c.result.verdict.value if c.result.verdict.value != "hold"
        else c.result.reasons[0].code.value
        for c in result.lines
    ]  # fmt: skip
    wrongly_passed = sum(
        1 for e, g in zip(expected, got, strict=True) if e != "pass" and g == "pass"
    )
    wrongly_held = sum(1 for e, g in zip(expected, got, strict=True) if e == "pass" and g != "pass")
    other_reason = sum(1 for e, g in zip(expected, got, strict=True) if e != g) - wrongly_passed \
        - wrongly_held  # fmt: skip
    accounts = [c.line.account for c in result.lines]
    bare = min(bare_lookup(engine, sealer, accounts) for _ in range(3))
    held: dict[str, int] = {}
    for g in got:
        held[g] = held.get(g, 0) + 1
    print(f"database: {engine.dialect.name}; profile {profile}; suppliers {suppliers}; "
          f"lines {len(result.lines)}")  # fmt: skip
    print(f"  verdicts: {dict(sorted(held.items()))}")
    print(f"  wrongly passed: {wrongly_passed} (goal 0); wrongly held: {wrongly_held} (goal 0); "
          f"held for another first reason than planted: {other_reason}")  # fmt: skip
    signed = sum(1 for c in result.lines if c.attestation)
    print(f"  check_payment_file: {took:.2f} s (goal under 5 s), {signed} lines attested")
    print(f"  baseline bare blind-index lookup of the same accounts: {bare:.2f} s")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--suppliers", type=int, default=3000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument(
        "--profile", choices=("default", "sm"), default="default",
        help="default: AES-256-GCM and Ed25519; sm: the SM4/国密 profile (SM4-GCM, SM2)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.suppliers, args.lines, args.profile)
        return
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = f"{args.pg_url}?options=-csearch_path%3D{schema}"
        run(url, args.suppliers, args.lines, args.profile)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
