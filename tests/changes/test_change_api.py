"""Changes proposed by API go through the same approval flow as portal changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient

from portal.bootstrap import Services, build_collaborators
from portal.config import load_settings
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, Contact, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.identity.api_clients import create_client
from portal.onboarding.registration import register_suppliers
from portal.web.site import build_site

CODE = make_uscc(4242)
NAME = "苏州示例精密机械有限公司"


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:  # type: ignore[type-arg]
    supplier = Supplier(
        uscc=CODE, name=NAME,
        bank_accounts=(BankAccount(bank_name="中国银行苏州分行", account_number="6217000011112222",
                                   holder_name=NAME),),
        contacts=(Contact(name="周经理", phone="13912345678"),),
    )  # fmt: skip
    register_suppliers(services.engine, services.suppliers, [(0, supplier, [])],
                       now=datetime.now(UTC))  # fmt: skip
    # the portal area's upload routes need the auth area's rate limiters: compose both
    env = {"PORTAL_DATA_DIR": str(services.settings.data_dir), "PORTAL_SECURE_COOKIES": "0",
           "PORTAL_SESSION_SECRET": "s" * 40}  # fmt: skip
    with_auth = replace(services, settings=load_settings(env))
    areas = ("portal.web.auth:auth_area", "portal.web.portal_area:portal_area")
    app = build_site(build_collaborators(with_auth), areas=areas)
    with TestClient(app=app) as test_client:
        yield test_client


def _auth(services: Services, role: Role) -> dict[str, str]:
    token = create_client(services.engine, f"erp-{role.value}", role, can_reveal=False,
                          now=datetime.now(UTC))  # fmt: skip
    return {"Authorization": f"Bearer {token}"}


def test_an_erp_proposes_a_new_bank_account_and_follows_it(
    client: TestClient,
    services: Services,  # type: ignore[type-arg]
) -> None:
    headers = _auth(services, Role.PURCHASING_CLERK)
    body = {
        "supplier_uscc": CODE,
        "proposals": [{"entity": "bank_account", "entity_id": None, "values": {
            "bank_name": "招商银行苏州分行", "account_number": "6214830012345678",
            "holder_name": NAME}}],
    }  # fmt: skip
    created = client.post("/api/v1/changes", json=body, headers=headers)
    assert created.status_code == 201, created.text
    change = created.json()
    assert (change["channel"], change["kind"], change["status"]) == (
        "api",
        "bank_account_add",
        "pending",
    )
    assert "bank_account.changed" in {f["code"] for f in change["risk_flags"]}
    account = next(c for c in change["changes"] if c["field"] == "account_number")
    assert account["sensitive"] and account["after"] is None  # never echoed in clear
    followed = client.get(f"/api/v1/changes/{change['id']}", headers=headers).json()
    assert followed["status"] == "pending"


def test_finance_may_not_propose_changes(client: TestClient, services: Services) -> None:  # type: ignore[type-arg]
    body = {"supplier_uscc": CODE, "proposals": [{"entity": "contact", "values": {"name": "x"}}]}
    assert (
        client.post("/api/v1/changes", json=body, headers=_auth(services, Role.FINANCE)).status_code
        == 403
    )


def test_bad_proposals_get_a_clear_422_and_unknown_suppliers_404(
    client: TestClient,
    services: Services,  # type: ignore[type-arg]
) -> None:
    headers = _auth(services, Role.PURCHASING_SUPERVISOR)
    bad = client.post("/api/v1/changes", json={"supplier_uscc": CODE, "proposals": [
        {"entity": "spaceship", "values": {}}]}, headers=headers)  # fmt: skip
    assert bad.status_code == 422 and "entity must be one of" in bad.json()["error"]["message"]
    unknown = client.post("/api/v1/changes", json={"supplier_uscc": make_uscc(999),
                          "proposals": [{"entity": "contact", "values": {"name": "x"}}]},
                          headers=headers)  # fmt: skip
    assert unknown.status_code == 404
    invalid_code = client.post("/api/v1/changes", json={"supplier_uscc": "123", "proposals": []},
                               headers=headers)  # fmt: skip
    assert invalid_code.status_code == 422


def _archive(services: Services) -> None:
    from sqlalchemy import update

    from portal.db.supplier_store import SUPPLIER

    with services.engine.begin() as conn:
        conn.execute(
            update(SUPPLIER).where(SUPPLIER.c.uscc == CODE).values(lifecycle_state="archived")
        )


def test_an_archived_supplier_takes_no_change_by_api(
    client: TestClient, services: Services
) -> None:  # type: ignore[type-arg]
    _archive(services)
    body = {"supplier_uscc": CODE,
            "proposals": [{"entity": "contact", "entity_id": None, "values": {"name": "新联系人"}}]}  # fmt: skip
    refused = client.post("/api/v1/changes", json=body, headers=_auth(services, Role.ADMIN))
    assert refused.status_code == 422 and "archived" in refused.json()["error"]["message"]


def test_a_body_naming_another_suppliers_record_is_refused(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    other = Supplier(uscc=make_uscc(4243), name="无锡另一家有限公司")
    register_suppliers(services.engine, services.suppliers, [(0, other, [])], now=datetime.now(UTC))
    with services.engine.connect() as conn:
        found = services.suppliers.get_by_uscc(conn, make_uscc(4243))
    assert found is not None
    headers = _auth(services, Role.PURCHASING_CLERK)
    for entity in ("supplier", "invoicing_profile"):
        body = {"supplier_uscc": CODE, "proposals": [
            {"entity": entity, "entity_id": found.id, "values": {"address": "无锡市某路1号"}}]}  # fmt: skip
        refused = client.post("/api/v1/changes", json=body, headers=headers)
        assert refused.status_code == 404, (entity, refused.text)
