"""API tokens are checked against the database once per 30 s, and a revocation still holds:
at once in the process that revoked, within the 30 s in any other."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, update

from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import SupplierStore
from portal.db.tables import ApiClientRow, table_of
from portal.domain.principal import Role
from portal.identity.admin import revoke_api_token
from portal.identity.api_clients import TokenVerifier, create_client, revoke_client
from tests.support.personas import staff_member

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
CLIENT = table_of(ApiClientRow)


class Seconds:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Seconds:
    return Seconds()


@pytest.fixture
def verifier(engine: Engine, clock: Seconds) -> TokenVerifier:
    return TokenVerifier(engine, ttl=30, clock=clock)


def _queries(engine: Engine) -> list[str]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    return seen


def _revoked_elsewhere(engine: Engine, name: str) -> None:
    """What another process (a second instance, the CLI) does: the row only."""
    with engine.begin() as conn:
        conn.execute(update(CLIENT).where(CLIENT.c.name == name).values(revoked_at=NOW))


def test_a_valid_token_asks_the_database_once_per_thirty_seconds(
    engine: Engine, verifier: TokenVerifier, clock: Seconds
) -> None:
    token = create_client(engine, "erp", Role.FINANCE, can_reveal=False, now=NOW)
    queries = _queries(engine)
    assert all(verifier.principal(token) is not None for _ in range(5))
    assert len(queries) == 1
    clock.now += 31
    assert verifier.principal(token) is not None and len(queries) == 2


def _revoke_from_the_command_line(engine: Engine, store: SupplierStore) -> None:
    revoke_client(engine, "erp", now=NOW)


def _revoke_on_the_tokens_page(engine: Engine, store: SupplierStore) -> None:
    with engine.connect() as conn:
        client_id = conn.execute(select(CLIENT.c.id)).scalar_one()
    admin = staff_member("u-admin", Role.ADMIN)
    ctx = AuditContext(actor="u-admin", actor_role="admin")
    revoke_api_token(engine, AuditLog(store.sealer), ctx, admin, client_id, now=NOW)


@pytest.mark.parametrize("revoke", [_revoke_from_the_command_line, _revoke_on_the_tokens_page])
def test_a_token_revoked_in_this_process_is_refused_at_once(
    engine: Engine,
    verifier: TokenVerifier,
    store: SupplierStore,
    revoke: Callable[[Engine, SupplierStore], None],
) -> None:
    token = create_client(engine, "erp", Role.FINANCE, can_reveal=False, now=NOW)
    assert verifier.principal(token) is not None
    revoke(engine, store)
    assert verifier.principal(token) is None


def test_a_token_revoked_by_another_process_is_refused_within_thirty_seconds(
    engine: Engine, verifier: TokenVerifier, clock: Seconds
) -> None:
    token = create_client(engine, "erp", Role.FINANCE, can_reveal=False, now=NOW)
    assert verifier.principal(token) is not None
    _revoked_elsewhere(engine, "erp")
    clock.now += 29
    assert verifier.principal(token) is not None  # the window this cache allows
    clock.now += 2
    assert verifier.principal(token) is None


def test_an_unknown_token_is_asked_again_so_a_new_token_works_at_once(
    engine: Engine, verifier: TokenVerifier
) -> None:
    assert verifier.principal("spk_made-up") is None
    token = create_client(engine, "erp", Role.FINANCE, can_reveal=True, now=NOW)
    principal = verifier.principal(token)
    assert principal is not None and principal.can_reveal and principal.role is Role.FINANCE
