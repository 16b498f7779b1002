"""The finance API never shows a clear value without its audit entry, on every reveal path."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from portal.audit.log import AuditLog
from portal.bootstrap import Services, build_collaborators
from portal.db.engine import make_engine
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, Contact, LifecycleState, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.finance.ports import AuditedReveals
from portal.identity.api_clients import create_client
from portal.onboarding.registration import register_suppliers
from portal.web.app import create_app

#: Every way the finance API reveals: (path, query) with ``{code}`` for a credit code.
REVEAL_PATHS = (
    ("/api/v1/suppliers/", {"reveal": "true"}),
    ("/api/v1/suppliers/", {"reveal": "true", "validated": "true", "limit": "2"}),
    ("/api/v1/suppliers/{code}", {"reveal": "true"}),
)


def _supplier(i: int) -> Supplier:
    return Supplier(
        uscc=make_uscc(700 + i),
        name=f"揭示{i:02d}科技有限公司",
        validated=True,
        lifecycle_state=LifecycleState.ACTIVE,
        legal_rep_id_number="11010519491231002X",
        bank_accounts=(
            BankAccount(
                bank_name="招商银行上海分行",
                account_number=f"62220212345678{i:05d}",
                holder_name=f"揭示{i:02d}科技有限公司",
            ),
        ),
        contacts=(Contact(name="张三", phone=f"138123456{i:02d}"),),
    )


def _stored(services: Services) -> None:
    register_suppliers(
        services.engine,
        services.suppliers,
        [(i, _supplier(i), []) for i in range(3)],
        now=datetime.now(UTC),
    )


def _revealer(services: Services) -> dict[str, str]:
    token = create_client(
        services.engine, "revealer", Role.FINANCE, can_reveal=True, now=datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {token}"}


def _clear_values(item: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(table, column, row id) of every sensitive value the item shows in clear."""
    shown: set[tuple[str, str, str]] = set()
    if item["legal_rep_id_number"] and "*" not in item["legal_rep_id_number"]:
        shown.add(("supplier", "legal_rep_id_number", item["id"]))
    for account in item["bank_accounts"]:
        if "*" not in account["account_number"]:
            shown.add(("bank_account", "account_number", account["id"]))
    for contact in item["contacts"]:
        if contact["phone"] and "*" not in contact["phone"]:
            shown.add(("contact", "phone", contact["id"]))
    return shown


def _reveal_entries(services: Services) -> list[tuple[str, str, str]]:
    with services.engine.connect() as conn:
        return [
            (e.subject_type or "", e.field_name or "", e.subject_id or "")
            for e in AuditLog(services.sealer).entries(conn)
            if e.action == "value.revealed"
        ]


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:  # type: ignore[type-arg]
    _stored(services)
    with TestClient(app=create_app(build_collaborators(services))) as test_client:
        yield test_client


@pytest.mark.parametrize(("path", "query"), REVEAL_PATHS)
def test_every_clear_value_the_api_shows_has_exactly_one_audit_entry(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    path: str,
    query: dict[str, str],
) -> None:
    response = client.get(
        path.format(code=make_uscc(701)), params=query, headers=_revealer(services)
    )
    assert response.status_code == 200
    body = response.json()
    items = body.get("items", [body])
    shown = [value for item in items for value in sorted(_clear_values(item))]
    assert shown, "the path revealed nothing"
    assert sorted(_reveal_entries(services)) == sorted(shown)


def test_an_audit_that_cannot_be_written_means_no_clear_value(
    services: Services, tmp_path: Path
) -> None:
    _stored(services)
    headers = _revealer(services)
    # the audit goes to a database without the audit table: every write fails for real
    broken = make_engine(f"sqlite:///{tmp_path / 'no-audit.db'}")
    collaborators = build_collaborators(services)
    failing = replace(
        collaborators,
        reveal_audit=AuditedReveals(broken, AuditLog(services.sealer), collaborators.changes.clock),
    )
    clear = {_supplier(i).bank_accounts[0].account_number for i in range(3)}
    with TestClient(app=create_app(failing)) as client:
        for path, query in REVEAL_PATHS:
            response = client.get(path.format(code=make_uscc(701)), params=query, headers=headers)
            assert response.status_code == 500
            assert not any(number in response.text for number in clear)
    broken.dispose()
    assert _reveal_entries(services) == []
