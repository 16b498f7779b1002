"""The invitation use cases: each act is one transaction with its audit entry."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.db.supplier_store import RowBatch, SupplierStore
from portal.domain.errors import DomainValidationError
from portal.domain.principal import Role
from portal.domain.uscc_factory import make_uscc
from portal.identity.users import record_login
from portal.notifications import outbox
from portal.onboarding.invitations import Invitation, InvitationSigner, InvitationUsedError
from portal.onboarding.invite import accept_invited, invite_supplier
from tests.support import Clock
from tests.support.builders import licensed_supplier

CLERK = AuditContext(actor="u-clerk", actor_role="purchasing_clerk")
SIGNER = InvitationSigner(b"k" * 32)


def _link(token: str) -> str:
    return f"https://portal.example/invite/{token}"


def _actions(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(ENTRY.c.action, ENTRY.c.actor, ENTRY.c.actor_role)).all()
    return [(r.action, r.actor, r.actor_role) for r in rows]


@pytest.fixture
def supplier_id(engine: Engine, store: SupplierStore) -> str:
    batch = RowBatch()
    sid = store.add_to_batch(
        batch,
        licensed_supplier(
            make_uscc(5), "上海丙物流有限公司", "6222021111222233334", "1381", "a@b.cn"
        ),
        Clock()(),
    )
    with engine.begin() as conn:
        store.insert_batch(conn, batch)
    return str(sid)


def _invite(engine: Engine, store: SupplierStore, **form: str) -> Invitation:
    fields = {"uscc": make_uscc(5), "email": "zhang@bing.cn", "name": ""} | form
    return invite_supplier(
        engine, store, SIGNER, AuditLog(store.sealer), CLERK, link_for=_link, now=Clock()(),
        **fields,
    )  # fmt: skip


def test_an_invitation_is_mailed_and_audited_in_one_act(
    engine: Engine, store: SupplierStore, supplier_id: str
) -> None:
    invitation = _invite(engine, store)
    with engine.connect() as conn:
        [message] = outbox.recent(conn, sealer=store.sealer)
    assert invitation.supplier_id == supplier_id
    assert message.recipient == "zhang@bing.cn" and "https://portal.example/invite/" in message.body
    assert _actions(engine) == [("invitation.created", "u-clerk", "purchasing_clerk")]


def test_an_unknown_code_without_a_name_invites_nobody(
    engine: Engine, store: SupplierStore, supplier_id: str
) -> None:
    with pytest.raises(DomainValidationError, match="give a name"):
        _invite(engine, store, uscc=make_uscc(6))
    with engine.connect() as conn:
        assert outbox.recent(conn) == []
    assert _actions(engine) == []


def test_accepting_binds_the_login_and_is_audited_as_the_supplier_once(
    engine: Engine, store: SupplierStore, supplier_id: str
) -> None:
    _invite(engine, store)
    with engine.connect() as conn:
        [message] = outbox.recent(conn, sealer=store.sealer)
    token = message.body.split("/invite/")[1].split()[0]
    with engine.begin() as conn:
        login = record_login(conn, issuer="https://idp", subject="zhang", email=None,
                             display_name="张", staff_role=None, now=Clock()())  # fmt: skip
    ctx = AuditContext(actor=login.id)
    audit = AuditLog(store.sealer)
    _, account = accept_invited(
        engine, SIGNER, audit, ctx, token, account_id=login.id, verified_email="ZHANG@bing.cn",
        now=Clock()(),
    )  # fmt: skip
    assert (account.role, account.supplier_id) == (Role.SUPPLIER, supplier_id)
    assert _actions(engine)[-1] == ("invitation.accepted", login.id, "supplier")
    with pytest.raises(InvitationUsedError):
        accept_invited(engine, SIGNER, audit, ctx, token, account_id=login.id,
                       verified_email="zhang@bing.cn", now=Clock()())  # fmt: skip
