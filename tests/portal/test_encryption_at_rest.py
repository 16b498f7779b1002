"""Sensitive values at rest: what a stolen database file or dump reveals (nothing)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.engine import make_url

from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import BANK, SupplierStore
from portal.domain.supplier import BankAccount, Contact, InvoicingProfile, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.keys.rotation import remaining_on_old_keys, run_rotation, start_or_resume
from portal.onboarding.registration import register_suppliers

ACCOUNTS = ["6222021234567891234", "31050161393600000123", "110061386018800012345"]
PHONES = ["13812345678", "15987654321", "021-68881234"]
ID_NUMBER = "11010519491231002X"


def _suppliers() -> list[Supplier]:
    out = []
    for i, (account, phone) in enumerate(zip(ACCOUNTS, PHONES, strict=True)):
        name = f"测试供应商{i}有限公司"
        out.append(
            Supplier(
                uscc=make_uscc(1000 + i),
                name=name,
                legal_rep_id_number=ID_NUMBER if i == 0 else None,
                bank_accounts=(
                    BankAccount(bank_name="招商银行", account_number=account, holder_name=name),
                ),
                contacts=(Contact(name="张三", phone=phone),),
                invoicing_profile=InvoicingProfile(
                    title=name, tax_number=make_uscc(1000 + i), phone=phone, account_number=account
                ),
            )
        )
    return out


def _write(engine: Engine, store: SupplierStore) -> None:
    now = datetime.now(UTC)
    outcomes = register_suppliers(
        engine, store, [(i, s, []) for i, s in enumerate(_suppliers())], now=now
    )
    assert all(o.status.value == "created" for o in outcomes)


def _encodings(value: str) -> list[bytes]:
    spaced = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    forms = {value, spaced, value.replace("-", ""), "-".join([value[:3], value[3:7], value[7:]])}
    out: list[bytes] = []
    for form in forms:
        out += [form.encode("utf-8"), form.encode("utf-16-le"), form.encode("utf-16-be")]
    return out


def _assert_no_plaintext(blob: bytes) -> None:
    for value in [*ACCOUNTS, *PHONES, ID_NUMBER]:
        for needle in _encodings(value):
            assert needle not in blob, f"{value!r} found in clear ({needle[:12]!r}...)"


def test_raw_database_bytes_contain_no_sensitive_plaintext(
    engine: Engine, store: SupplierStore, db_url: str, tmp_path: Path
) -> None:
    _write(engine, store)
    with engine.connect() as conn:
        loaded = store.get_by_uscc(conn, make_uscc(1000))
    assert loaded is not None and loaded.bank_accounts[0].account_number == ACCOUNTS[0]
    if db_url.startswith("sqlite"):
        with engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(FULL)"))
        engine.dispose()
        path = Path(make_url(db_url).database or "")
        blob = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert len(blob) > 10_000
    else:
        pg_dump = shutil.which("pg_dump")
        assert pg_dump, "pg_dump is needed for this test (Debian package postgresql-client)"
        url = make_url(db_url)
        schema = dict(url.query)["options"].split("=", 1)[1]
        blob = subprocess.run(
            [
                pg_dump,
                "-h",
                url.host or "127.0.0.1",
                "-p",
                str(url.port or 5432),
                "-U",
                url.username or "postgres",
                "-n",
                schema,
                url.database or "test",
            ],
            check=True,
            capture_output=True,
        ).stdout
        assert b"COPY" in blob and b"bank_account" in blob
    _assert_no_plaintext(blob)


def test_ciphertext_moved_to_another_row_does_not_decrypt(
    engine: Engine, store: SupplierStore
) -> None:
    _write(engine, store)
    with engine.begin() as conn:
        rows = conn.execute(select(BANK.c.id, BANK.c.account_number_enc).order_by(BANK.c.id)).all()
        conn.execute(
            update(BANK).where(BANK.c.id == rows[1].id).values(account_number_enc=rows[0][1])
        )
    with engine.connect() as conn:
        sid = conn.execute(select(BANK.c.supplier_id).where(BANK.c.id == rows[1].id)).scalar_one()
        victim = store.get(conn, sid)
    assert victim is not None
    assert victim.bank_accounts[0].account_number == ""
    assert "bank_accounts[0].account_number" in victim.unreadable
    assert victim.name.startswith("测试供应商")  # the rest of the record stays readable
    assert victim.contacts[0].phone in PHONES


def test_kek_rotation_rewraps_keys_and_everything_stays_readable(
    engine: Engine, store: SupplierStore, key_provider: InMemoryKeyProvider
) -> None:
    _write(engine, store)
    keys = SqlDataKeyStore(engine)
    new = InMemoryKeyProvider()
    keyring = Keyring.load(keys, [key_provider, new])
    assert keyring.rotate_kek(keys, new) == len(keys.list_keys())
    assert {k.kek_id for k in keys.list_keys()} == {new.kek_id}
    reloaded = Keyring.load(keys, new)  # the old KEK is no longer needed
    fresh = SupplierStore(Sealer(reloaded.field_cipher(), reloaded.blind_indexer()))
    with engine.connect() as conn:
        for i, account in enumerate(ACCOUNTS):
            supplier = fresh.get_by_uscc(conn, make_uscc(1000 + i))
            assert supplier is not None and supplier.bank_accounts[0].account_number == account
    key_provider.revoked = True
    with pytest.raises(Exception, match="KEK"):
        Keyring.load(SqlDataKeyStore(engine), key_provider)


class Killed(Exception):
    pass


def test_dek_rotation_killed_halfway_resumes_and_finishes(
    engine: Engine, keyring: Keyring, store: SupplierStore
) -> None:
    _write(engine, store)
    keys = SqlDataKeyStore(engine)
    progress = start_or_resume(engine, keyring, keys, __import__("crypto").Purpose.FIELD)
    batches = 0

    def die_after_two(_: object) -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise Killed

    with pytest.raises(Killed):
        run_rotation(engine, store.sealer, progress, batch_size=1, after_batch=die_after_two)
    assert remaining_on_old_keys(engine, store.sealer) > 0
    resumed = start_or_resume(engine, keyring, keys, __import__("crypto").Purpose.FIELD)
    assert resumed.version == progress.version and resumed.after != ""
    done = run_rotation(engine, store.sealer, resumed, batch_size=2)
    assert done.done
    assert remaining_on_old_keys(engine, store.sealer) == 0
    with engine.connect() as conn:
        for i, account in enumerate(ACCOUNTS):
            supplier = store.get_by_uscc(conn, make_uscc(1000 + i))
            assert supplier is not None and supplier.bank_accounts[0].account_number == account
            assert supplier.unreadable == {}


def test_blind_index_rotation_keeps_duplicate_lookups_working(
    engine: Engine, keyring: Keyring, store: SupplierStore
) -> None:
    from crypto import Purpose

    _write(engine, store)
    keys = SqlDataKeyStore(engine)
    progress = start_or_resume(engine, keyring, keys, Purpose.BLIND_INDEX)
    run_rotation(engine, store.sealer, progress, batch_size=2)
    index = store.sealer.index("bank_account", ACCOUNTS[1])
    assert index is not None
    with engine.connect() as conn:
        owners = store.bank_account_owners(conn, [index])
    assert len(owners[index]) == 1


def test_sm4_deployment_round_trips_through_the_store(engine: Engine) -> None:
    keyring = Keyring.initialise(SqlDataKeyStore(engine), InMemoryKeyProvider(), Algorithm.SM4_GCM)
    store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
    _write(engine, store)
    with engine.connect() as conn:
        token = conn.execute(select(BANK.c.account_number_enc)).first()
        supplier = store.get_by_uscc(conn, make_uscc(1001))
    assert token is not None and token[0][:2] == bytes((1, 2))  # binary v1, SM4GCM
    assert supplier is not None and supplier.bank_accounts[0].account_number == ACCOUNTS[1]
