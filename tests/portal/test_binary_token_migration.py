"""Migration 0009 turns text field tokens into binary ones and back, without a key,
and every sealed value stays readable either way."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, select, text

from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import alembic_config, upgrade
from portal.db.sealing import Sealer
from portal.db.supplier_store import BANK, SupplierStore
from portal.domain.supplier import BankAccount, Contact, InvoicingProfile, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.onboarding.registration import register_suppliers

ACCOUNT = "6222021234567891234"
PHONE = "13812345678"
RIC = "11010519491231002X"


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _supplier() -> Supplier:
    name = "上海示例令牌科技有限公司"
    return Supplier(
        uscc=make_uscc(960),
        name=name,
        legal_rep_id_number=RIC,
        bank_accounts=(
            BankAccount(bank_name="招商银行", account_number=ACCOUNT, holder_name=name),
        ),
        contacts=(Contact(name="李四", phone=PHONE),),
        invoicing_profile=InvoicingProfile(
            title=name, tax_number=make_uscc(960), phone=PHONE, account_number=ACCOUNT
        ),
    )


def _read(engine: Engine, store: SupplierStore) -> Supplier:
    with engine.connect() as conn:
        found = store.get_by_uscc(conn, make_uscc(960))
    assert found is not None
    return found


def test_tokens_convert_both_ways_and_stay_readable(
    empty_engine: Engine, key_provider: InMemoryKeyProvider
) -> None:
    upgrade(empty_engine)
    keyring = Keyring.initialise(SqlDataKeyStore(empty_engine), key_provider, Algorithm.AES_256_GCM)
    sealer = Sealer(keyring.field_cipher(), keyring.blind_indexer())
    store = SupplierStore(sealer)
    [outcome] = register_suppliers(
        empty_engine, store, [(0, _supplier(), [])], now=datetime.now(UTC)
    )
    assert outcome.supplier_id
    with empty_engine.connect() as conn:
        binary = conn.execute(select(BANK.c.id, BANK.c.account_number_enc)).one()
    assert isinstance(binary[1], bytes) and binary[1][:2] == bytes((1, 1))

    _downgrade(empty_engine, "0008")
    with empty_engine.connect() as conn:
        row_id, token = conn.execute(text("SELECT id, account_number_enc FROM bank_account")).one()
    assert isinstance(token, str) and token.startswith("v1:A256GCM:1:")
    opened = sealer.cipher.decrypt(
        token, table="bank_account", column="account_number", row_id=row_id
    )
    assert opened == ACCOUNT

    upgrade(empty_engine)
    again = _read(empty_engine, store)
    assert again.bank_accounts[0].account_number == ACCOUNT
    assert again.contacts[0].phone == PHONE
    assert again.legal_rep_id_number == RIC
    assert again.invoicing_profile is not None
    assert again.invoicing_profile.phone == PHONE
    assert again.invoicing_profile.account_number == ACCOUNT
    assert not again.unreadable
