"""An invitation link opens nothing by itself: the link is sealed in the outbox, and the
login that accepts must be the invited address's (vouched for by the provider, or proven
with a one-time code e-mailed to that address)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.db.supplier_store import RowBatch, SupplierStore
from portal.domain.principal import Role
from portal.domain.uscc_factory import make_uscc
from portal.identity.users import UserAccount, get_account, record_login
from portal.notifications import outbox
from portal.onboarding.invitations import (
    MAX_CODE_ATTEMPTS,
    InvitationCodeError,
    InvitationCodeRequiredError,
    InvitationEmailMismatchError,
    InvitationSigner,
)
from portal.onboarding.invite import accept_invited, invite_supplier, send_acceptance_code
from tests.support import Clock
from tests.support.builders import licensed_supplier

CLERK = AuditContext(actor="u-clerk", actor_role="purchasing_clerk")
SIGNER = InvitationSigner(b"k" * 32)
INVITED = "Zhang.Wei@Bing.cn"
CLOCK = Clock()
START = CLOCK.now


@pytest.fixture(autouse=True)
def _fresh_clock() -> None:
    CLOCK.now = START


@pytest.fixture
def link_token(engine: Engine, store: SupplierStore) -> str:
    batch = RowBatch()
    store.add_to_batch(
        batch,
        licensed_supplier(
            make_uscc(5), "上海丙物流有限公司", "6222021111222233334", "1381", "a@b.cn"
        ),
        CLOCK(),
    )
    with engine.begin() as conn:
        store.insert_batch(conn, batch)
    tokens: list[str] = []

    def link_for(token: str) -> str:
        tokens.append(token)
        return f"https://portal.example/invite/{token}"

    invite_supplier(
        engine, store, SIGNER, AuditLog(store.sealer), CLERK, uscc=make_uscc(5), email=INVITED,
        name="", link_for=link_for, now=CLOCK(),
    )  # fmt: skip
    return tokens[0]


@pytest.fixture
def login(engine: Engine) -> UserAccount:
    with engine.begin() as conn:
        return record_login(conn, issuer="https://idp", subject="zw", email=None,
                            display_name="张伟", staff_role=None, now=CLOCK())  # fmt: skip


def _accept(
    engine: Engine, store: SupplierStore, token: str, login: UserAccount, **proof: str | None
) -> None:
    accept_invited(
        engine, SIGNER, AuditLog(store.sealer), AuditContext(actor=login.id), token,
        account_id=login.id, now=CLOCK(), **{"verified_email": None, **proof},  # type: ignore[arg-type]
    )  # fmt: skip


def _role(engine: Engine, login: UserAccount) -> Role | None:
    with engine.connect() as conn:
        account = get_account(conn, login.id)
    assert account is not None
    return account.role


def _send_code(engine: Engine, store: SupplierStore, token: str, login: UserAccount) -> str:
    send_acceptance_code(
        engine, SIGNER, store.sealer, AuditLog(store.sealer), AuditContext(actor=login.id), token,
        account_id=login.id, now=CLOCK(),
    )  # fmt: skip
    with engine.connect() as conn:
        newest = outbox.recent(conn, limit=1, sealer=store.sealer)[0]
    assert newest.recipient == INVITED
    match = re.search(r"\n(\d{6})\n", newest.body)
    assert match
    return match.group(1)


def test_the_invitation_link_is_nowhere_in_the_outbox_rows_or_the_database_file(
    engine: Engine, store: SupplierStore, link_token: str
) -> None:
    secret = link_token.split(".")[1]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM outbox_message")).all()
        [sealed] = conn.execute(select(outbox.OUTBOX.c.sealed)).scalars().all()
        [message] = outbox.recent(conn, sealer=store.sealer)
    assert sealed and rows and all(secret not in str(tuple(row)) for row in rows)
    assert secret in message.body  # the worker, holding the key, still sends the link
    if engine.dialect.name == "sqlite":
        database = Path(str(engine.url.database))
        engine.dispose()  # every page on disk: the file and what is left in the WAL
        files = [database, *database.parent.glob(database.name + "-*")]
        assert not any(secret.encode() in path.read_bytes() for path in files)


def test_a_login_vouched_for_the_invited_address_in_any_case_accepts(
    engine: Engine, store: SupplierStore, link_token: str, login: UserAccount
) -> None:
    _accept(engine, store, link_token, login, verified_email="zhang.wei@BING.CN")
    assert _role(engine, login) is Role.SUPPLIER


def test_a_login_vouched_for_another_address_cannot_accept(
    engine: Engine, store: SupplierStore, link_token: str, login: UserAccount
) -> None:
    with pytest.raises(InvitationEmailMismatchError):
        _accept(engine, store, link_token, login, verified_email="someone@else.cn")
    assert _role(engine, login) is None


def test_without_a_verified_address_the_link_alone_does_not_bind(
    engine: Engine, store: SupplierStore, link_token: str, login: UserAccount
) -> None:
    with pytest.raises(InvitationCodeRequiredError):
        _accept(engine, store, link_token, login)
    assert _role(engine, login) is None


def test_the_code_mailed_to_the_invited_address_binds_the_login(
    engine: Engine, store: SupplierStore, link_token: str, login: UserAccount
) -> None:
    code = _send_code(engine, store, link_token, login)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM outbox_message")).all()
        actions = conn.execute(select(ENTRY.c.action)).scalars().all()
    assert all(code not in str(tuple(row)) for row in rows)  # sealed too
    assert "invitation.code_sent" in actions
    _accept(engine, store, link_token, login, code=code)
    assert _role(engine, login) is Role.SUPPLIER


def test_wrong_codes_use_up_the_tries_even_the_right_one_then_fails(
    engine: Engine, store: SupplierStore, link_token: str, login: UserAccount
) -> None:
    code = _send_code(engine, store, link_token, login)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(MAX_CODE_ATTEMPTS):
        with pytest.raises(InvitationCodeError):
            _accept(engine, store, link_token, login, code=wrong)
    with pytest.raises(InvitationCodeError):
        _accept(engine, store, link_token, login, code=code)
    assert _role(engine, login) is None


def test_a_code_expires_and_serves_only_the_login_that_asked(
    engine: Engine, store: SupplierStore, link_token: str, login: UserAccount
) -> None:
    code = _send_code(engine, store, link_token, login)
    with engine.begin() as conn:
        other = record_login(conn, issuer="https://idp", subject="x", email=None,
                             display_name="某人", staff_role=None, now=CLOCK())  # fmt: skip
    with pytest.raises(InvitationCodeError):
        _accept(engine, store, link_token, other, code=code)
    CLOCK.advance(minutes=16)
    with pytest.raises(InvitationCodeError):
        _accept(engine, store, link_token, login, code=code)
    assert _role(engine, login) is None and _role(engine, other) is None
