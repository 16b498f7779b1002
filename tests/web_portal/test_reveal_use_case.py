"""The reveal use case on its own: the permission and the audit entry come before the value."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal.audit.log import AuditContext
from portal.domain.principal import Principal, Role
from portal.finance.reveal import (
    NothingToRevealError,
    RevealDeps,
    RevealNotAllowedError,
    reveal_value,
)


def _deps(site: Any) -> RevealDeps:
    return RevealDeps(
        site.services.engine, site.services.suppliers, site.deps.audit, site.deps.clock
    )


def test_without_an_audit_entry_no_value_is_revealed(site: Any) -> None:
    deps = _deps(site)
    finance = site.people["finance"]
    account = site.a.bank_accounts[0]
    with site.services.engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_entry"))
    with pytest.raises(DBAPIError) as raised:
        reveal_value(deps, AuditContext("u-finance"), finance, site.a.id or "",
                     "bank_account", "account_number", account.id or "")  # fmt: skip
    assert account.account_number not in str(raised.value)


def test_a_token_without_reveal_is_refused_by_the_use_case_itself(site: Any) -> None:
    deps = _deps(site)
    token = Principal("erp", Role.FINANCE, kind="api", can_reveal=False)
    account = site.a.bank_accounts[0]
    with pytest.raises(RevealNotAllowedError):
        reveal_value(deps, AuditContext("api:erp"), token, site.a.id or "",
                     "bank_account", "account_number", account.id or "")  # fmt: skip


def test_only_revealable_fields_of_that_supplier_can_be_shown(site: Any) -> None:
    finance = site.people["finance"]
    theirs = site.b.bank_accounts[0].id or ""
    for table, column, row_id in (
        ("bank_account", "account_number", theirs),  # supplier b's account, asked under a
        ("bank_account", "holder_name", site.a.bank_accounts[0].id or ""),  # not sensitive
        ("audit_entry", "after", "1"),
    ):
        with pytest.raises(NothingToRevealError):
            reveal_value(_deps(site), AuditContext("u-finance"), finance, site.a.id or "",
                         table, column, row_id)  # fmt: skip
