"""The finance API as a finance system uses it: tokens, search, pages, masking, exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook

from portal.bootstrap import Services, build_collaborators
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, Contact, LifecycleState, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.identity.api_clients import create_client, revoke_client
from portal.onboarding.registration import register_suppliers
from portal.web.app import create_app

ACCOUNT = "6222021234567891234"


def _supplier(i: int, *, validated: bool = True, name: str | None = None) -> Supplier:
    name = name or f"示例{i:02d}科技有限公司"
    return Supplier(
        uscc=make_uscc(500 + i),
        name=name,
        validated=validated,
        lifecycle_state=LifecycleState.ACTIVE,
        bank_accounts=(
            BankAccount(
                bank_name="招商银行上海分行",
                account_number=f"62220212345678{i:05d}",
                holder_name=name,
            ),
        ),
        contacts=(Contact(name="张三", phone="13812345678"),),
    )


@pytest.fixture
def client(services: Services) -> TestClient:  # type: ignore[type-arg]
    suppliers = [_supplier(i, validated=i % 2 == 0) for i in range(7)]
    suppliers.append(_supplier(99, name="=HYPERLINK(1)公司"))
    # the formula-looking name cannot come in through validation; write it as a stored legacy value
    register_suppliers(
        services.engine,
        services.suppliers,
        [(i, s, []) for i, s in enumerate(suppliers)],
        now=datetime.now(UTC),
    )
    with TestClient(app=create_app(build_collaborators(services))) as test_client:
        yield test_client  # type: ignore[misc]


def _token(
    services: Services, role: Role = Role.FINANCE, *, reveal: bool = False
) -> dict[str, str]:
    token = create_client(
        services.engine, f"c-{role}-{reveal}", role, can_reveal=reveal, now=datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {token}"}


def test_health_check_reports_the_database(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_api_refuses_callers_without_a_token(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/api/v1/suppliers/")
    assert response.status_code == 401
    assert "API token" in response.json()["error"]["message"]


def test_revoked_and_unknown_tokens_are_refused(client: TestClient, services: Services) -> None:  # type: ignore[type-arg]
    headers = _token(services)
    assert client.get("/api/v1/suppliers/", headers=headers).status_code == 200
    revoke_client(services.engine, f"c-{Role.FINANCE}-False", now=datetime.now(UTC))
    assert client.get("/api/v1/suppliers/", headers=headers).status_code == 401
    bogus = {"Authorization": "Bearer spk_not-a-real-token"}
    assert client.get("/api/v1/suppliers/", headers=bogus).status_code == 401


def test_validated_only_search_pages_with_a_cursor(client: TestClient, services: Services) -> None:  # type: ignore[type-arg]
    headers = _token(services)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"validated": "true", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/suppliers/", params=params, headers=headers).json()
        seen += [item["uscc"] for item in page["items"]]
        assert all(item["validated"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5  # 0, 2, 4, 6 and 99


def test_name_fragment_and_credit_code_filters(client: TestClient, services: Services) -> None:  # type: ignore[type-arg]
    headers = _token(services)
    found = client.get("/api/v1/suppliers/", params={"q": "示例03"}, headers=headers).json()
    assert [i["name"] for i in found["items"]] == ["示例03科技有限公司"]
    spaced = " ".join(make_uscc(501)[i : i + 6] for i in range(0, 18, 6)).lower()
    by_code = client.get("/api/v1/suppliers/", params={"uscc": spaced}, headers=headers).json()
    assert [i["uscc"] for i in by_code["items"]] == [make_uscc(501)]


def test_a_tampered_cursor_is_a_clear_400(client: TestClient, services: Services) -> None:  # type: ignore[type-arg]
    response = client.get("/api/v1/suppliers/", params={"cursor": "!!!"}, headers=_token(services))
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["message"]


def test_one_supplier_by_credit_code_with_accounts_masked(
    client: TestClient,
    services: Services,  # type: ignore[type-arg]
) -> None:
    body = client.get(f"/api/v1/suppliers/{make_uscc(502)}", headers=_token(services)).json()
    assert body["name"] == "示例02科技有限公司"
    assert body["bank_accounts"][0]["account_number"] == "6222 **** **** 0002"
    assert body["contacts"][0]["phone"] == "138****5678"


def test_invalid_and_unknown_credit_codes(client: TestClient, services: Services) -> None:  # type: ignore[type-arg]
    headers = _token(services)
    bad = client.get("/api/v1/suppliers/91310000123", headers=headers)
    assert bad.status_code == 422 and "18 characters" in bad.json()["error"]["message"]
    missing = client.get(f"/api/v1/suppliers/{make_uscc(12345)}", headers=headers)
    assert missing.status_code == 404


def test_reveal_needs_the_right(client: TestClient, services: Services) -> None:  # type: ignore[type-arg]
    code = make_uscc(502)
    denied = client.get(
        f"/api/v1/suppliers/{code}", params={"reveal": "true"}, headers=_token(services)
    )
    assert denied.status_code == 403
    allowed = client.get(
        f"/api/v1/suppliers/{code}",
        params={"reveal": "true"},
        headers=_token(services, reveal=True),
    )
    assert allowed.json()["bank_accounts"][0]["account_number"] == "6222021234567800002"


def test_csv_export_neutralises_formula_cells_and_masks(
    client: TestClient,
    services: Services,  # type: ignore[type-arg]
) -> None:
    response = client.get("/api/v1/suppliers/export.csv", headers=_token(services))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = [row[1] for row in rows[1:]]
    assert "'=HYPERLINK(1)公司" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert all("****" in row[8] for row in rows[1:])


def test_xlsx_export_opens_in_a_spreadsheet(client: TestClient, services: Services) -> None:  # type: ignore[type-arg]
    response = client.get("/api/v1/suppliers/export.xlsx", headers=_token(services))
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + 5
    assert any(r[1] == "'=HYPERLINK(1)公司" for r in rows[1:])


def test_openapi_schema_is_served(client: TestClient) -> None:  # type: ignore[type-arg]
    schema = client.get("/schema/openapi.json").json()
    assert "/api/v1/suppliers/{uscc}" in schema["paths"]


def test_a_nul_character_in_the_address_is_refused_in_words_on_both_databases(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    supervisor = _token(services, Role.PURCHASING_SUPERVISOR)
    for path in ("/api/v1/suppliers/?q=%00", "/api/v1/suppliers/?q=a%00b&limit=5"):
        answer = client.get(path, headers=supervisor)
        assert answer.status_code == 400, (path, answer.text)
        assert "NUL" in answer.json()["error"]["message"]


def test_a_value_the_database_cannot_store_is_a_400_that_quotes_no_sql(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    from sqlalchemy.exc import DataError

    from portal.web.errors import error_body, rule_for

    driver = DataError("INSERT INTO supplier (name) VALUES (%(name)s)", {"name": "x"}, ValueError())
    rule = rule_for(driver)
    assert rule is not None and rule.http_status == 400
    body = error_body(driver, rule)["error"]
    assert body["code"] == "request.unstorable_value"
    assert "INSERT" not in body["message"] + body["message_zh"]


def test_a_connection_the_database_dropped_costs_no_answer(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    """No pre-ping on checkout: a pooled connection PostgreSQL closed (a restart, an idle
    timeout) is met by the read itself, which runs once more on a fresh connection."""
    from sqlalchemy import create_engine, text

    if services.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    headers = _token(services)
    assert client.get(f"/api/v1/suppliers/{make_uscc(502)}", headers=headers).status_code == 200
    pooled = [services.engine.connect() for _ in range(services.engine.pool.checkedin())]
    pids = [conn.execute(text("SELECT pg_backend_pid()")).scalar_one() for conn in pooled]
    for conn in pooled:
        conn.close()
    admin = create_engine(services.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    for _ in range(3):
        answer = client.get(f"/api/v1/suppliers/{make_uscc(502)}", headers=headers)
        assert answer.status_code == 200, answer.text
