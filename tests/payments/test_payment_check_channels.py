"""The payment check through the API and the command line: the same verdicts, audited."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar.testing import TestClient

from payments.attestation import load_public_key, verify_line
from portal.audit.log import AuditContext
from portal.bootstrap import Services, build_collaborators, build_payment_deps
from portal.cli import main
from portal.db.supplier_store import RowBatch
from portal.domain.principal import Principal, Role
from portal.domain.supplier import BankAccount, LifecycleState, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.identity.api_clients import create_client
from portal.payments import adopt_accounts
from portal.web.app import create_app
from portal.web.payment_pages import payment_contribution

ACCOUNT = "6222021234567800001"
NAME = "示例科技有限公司"


def payment_file(*rows: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["收款方", "统一社会信用代码", "开户行", "账号", "金额"], *rows])
    return out.getvalue().encode()


GOOD = [NAME, make_uscc(601), "招商银行", ACCOUNT, "10.00"]
STRANGER = ["某某公司", make_uscc(602), "招商银行", ACCOUNT, "10.00"]


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:  # type: ignore[type-arg]
    supplier = Supplier(
        uscc=make_uscc(601), name=NAME, validated=True, lifecycle_state=LifecycleState.ACTIVE,
        bank_accounts=(BankAccount(bank_name="招商银行", account_number=ACCOUNT,
                                   holder_name=NAME),),
    )  # fmt: skip
    # on file before account versions existed (a registration now files a proposed
    # version, tests/payments/test_filed_and_merged_accounts.py): adopted below
    batch = RowBatch()
    services.suppliers.add_to_batch(batch, supplier, datetime.now(UTC))
    with services.engine.begin() as conn:
        services.suppliers.insert_batch(conn, batch)
    collaborators = build_collaborators(services)
    adopt_accounts(
        build_payment_deps(collaborators.changes),
        AuditContext(actor="u-admin", actor_role="admin"),
        Principal("u-admin", Role.ADMIN),
    )
    deps = replace(build_payment_deps(collaborators.changes), attestation=collaborators.attestation)
    routes = payment_contribution(deps).route_handlers
    app = create_app(collaborators, route_handlers=routes)
    with TestClient(app=app) as test_client:
        yield test_client


def token(
    services: Services, role: Role = Role.FINANCE, *, can_reveal: bool = False
) -> dict[str, str]:
    secret = create_client(
        services.engine,
        f"c-{role}-{uuid.uuid4().hex[:6]}",
        role,
        can_reveal=can_reveal,
        now=datetime.now(UTC),
    )
    return {"Authorization": f"Bearer {secret}"}


def post(client: TestClient, services: Services, content: bytes, **kw: object) -> object:  # type: ignore[type-arg]
    return client.post(
        "/api/v1/payment-checks",
        files={"file": ("run.csv", content, "text/csv")},
        headers=token(services, **kw),  # type: ignore[arg-type]
    )


def test_the_api_answers_each_lines_verdict_with_reasons_in_both_languages(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    response = post(client, services, payment_file(GOOD, STRANGER))
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["counts"] == {"pass": 1, "hold": 0, "unknown_payee": 1}
    assert body["lines"][0]["supplier"]["name"] == NAME
    assert body["lines"][0]["account_version_id"] and body["lines"][0]["attestation"]
    assert body["lines"][1]["attestation"] is None
    assert body["lines"][1]["verdict_zh"] == "未知收款方"


def test_the_api_answers_the_checked_sheet_when_asked(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    response = client.post(
        "/api/v1/payment-checks?format=csv",
        files={"file": ("run.csv", payment_file(GOOD), "text/csv")},
        headers=token(services),
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][5] == "核对结果 Verdict" and rows[1][5] == "通过 / pass"


def test_the_api_refuses_roles_that_do_not_pay_and_unreadable_files_clearly(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    refused = post(client, services, payment_file(GOOD), role=Role.PURCHASING_CLERK)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    bad = post(client, services, b"a,b\n1,2\n")
    error = bad.json()["error"]  # type: ignore[attr-defined]
    assert bad.status_code == 422 and "收款方" in error["message_zh"]  # type: ignore[attr-defined]


def test_the_command_exits_1_on_held_lines_and_writes_the_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("PORTAL_DATA_DIR", "PORTAL_DATABASE_URL", "PORTAL_KEK_FILE", "PORTAL_DEMO"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "demo"
    assert main(["demo", "--dir", str(folder), "--no-serve"]) == 0
    monkeypatch.setenv("PORTAL_KEK_FILE", str(folder / "keys" / "kek.key"))
    run = tmp_path / "run.csv"
    run.write_bytes(payment_file(STRANGER))
    out = tmp_path / "checked.xlsx"
    args = ["payments", "check", str(run), "--data-dir", str(folder), "--out", str(out)]
    assert main(args) == 1
    printed = capsys.readouterr().out
    assert "unknown payee 1" in printed and "未知收款方" in printed and out.stat().st_size > 0


def test_the_finance_api_names_each_accounts_version_and_state(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    view = client.get(f"/api/v1/suppliers/{make_uscc(601)}", headers=token(services)).json()
    account = view["bank_accounts"][0]
    checked = post(client, services, payment_file(GOOD)).json()  # type: ignore[attr-defined]
    assert account["version_state"] == "active" and account["approvers"] == ["u-admin"]
    assert account["version_id"] == checked["lines"][0]["account_version_id"]


def test_a_revealed_active_version_carries_the_attestation_a_passing_line_carries(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    headers = token(services, can_reveal=True)
    url = f"/api/v1/suppliers/{make_uscc(601)}?reveal=true"
    account = client.get(url, headers=headers).json()["bank_accounts"][0]
    pem = build_collaborators(services).attestation.public_pem(datetime.now(UTC))
    key = load_public_key(pem.encode())
    verified = verify_line(key, account["attestation"], ACCOUNT, make_uscc(601))
    assert verified.ok and verified.statement["version"] == account["version_id"]  # type: ignore[index]
    assert not verify_line(key, account["attestation"], ACCOUNT[:-1] + "9").ok


def test_a_masked_account_carries_no_attestation(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    view = client.get(f"/api/v1/suppliers/{make_uscc(601)}", headers=token(services)).json()
    assert view["bank_accounts"][0]["version_state"] == "active"
    assert view["bank_accounts"][0]["attestation"] is None


def test_the_export_names_each_accounts_version(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    view = client.get(f"/api/v1/suppliers/{make_uscc(601)}", headers=token(services)).json()
    sheet = client.get("/api/v1/suppliers/export.csv", headers=token(services)).content
    rows = list(csv.reader(io.StringIO(sheet.decode("utf-8-sig"))))
    column = rows[0].index("账户版本 account_version")
    assert rows[1][column] == view["bank_accounts"][0]["version_id"]
