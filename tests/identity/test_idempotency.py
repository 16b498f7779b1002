"""Idempotency-Key on the API's POSTs: the same key and body give the first answer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from portal.bootstrap import Services, build_collaborators
from portal.config import load_settings
from portal.db.approval_tables import ChangeRequestRow
from portal.db.tables import table_of
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, Contact, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.identity.api_clients import create_client
from portal.identity.idempotency import (
    KEYS,
    StoredAnswer,
    claim_key,
    purge_expired_keys,
    request_hash,
    store_answer,
)
from portal.onboarding.registration import register_suppliers
from portal.web.site import build_site

CODE = make_uscc(4343)
NAME = "无锡示例电子有限公司"
BODY = {
    "supplier_uscc": CODE,
    "proposals": [{"entity": "contact", "entity_id": None, "values": {"name": "钱经理"}}],
}


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:  # type: ignore[type-arg]
    supplier = Supplier(
        uscc=CODE, name=NAME,
        bank_accounts=(BankAccount(bank_name="中国银行无锡分行", account_number="6217000011113333",
                                   holder_name=NAME),),
        contacts=(Contact(name="周经理", phone="13912345670"),),
    )  # fmt: skip
    register_suppliers(services.engine, services.suppliers, [(0, supplier, [])],
                       now=datetime.now(UTC))  # fmt: skip
    env = {"PORTAL_DATA_DIR": str(services.settings.data_dir), "PORTAL_SECURE_COOKIES": "0",
           "PORTAL_SESSION_SECRET": "s" * 40}  # fmt: skip
    with_auth = replace(services, settings=load_settings(env))
    areas = ("portal.web.auth:auth_area", "portal.web.portal_area:portal_area")
    with TestClient(app=build_site(build_collaborators(with_auth), areas=areas)) as test_client:
        yield test_client


def _auth(services: Services, name: str) -> dict[str, str]:
    token = create_client(services.engine, name, Role.PURCHASING_CLERK, can_reveal=False,
                          now=datetime.now(UTC))  # fmt: skip
    return {"Authorization": f"Bearer {token}"}


def _requests(services: Services) -> int:
    with services.engine.connect() as conn:
        count = select(func.count()).select_from(table_of(ChangeRequestRow))
        return int(conn.execute(count).scalar_one())


def test_two_identical_posts_with_one_key_create_one_change_request(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    headers = _auth(services, "erp-a") | {"Idempotency-Key": "4b0c2a1e-0001"}
    first = client.post("/api/v1/changes", json=BODY, headers=headers)
    again = client.post("/api/v1/changes", json=BODY, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert _requests(services) == 1
    without_key = client.post("/api/v1/changes", json=BODY, headers=_auth(services, "erp-c"))
    assert without_key.status_code == 201 and _requests(services) == 2  # no key: a new request


def test_the_same_key_with_another_body_is_refused_with_a_clear_422(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    headers = _auth(services, "erp-a") | {"Idempotency-Key": "key-1"}
    assert client.post("/api/v1/changes", json=BODY, headers=headers).status_code == 201
    other = {**BODY, "proposals": [{"entity": "contact", "values": {"name": "孙经理"}}]}
    refused = client.post("/api/v1/changes", json=other, headers=headers)
    error = refused.json()["error"]
    assert refused.status_code == 422 and error["code"] == "idempotency.key_reused"
    assert "different request" in error["message"] and "新请求请使用新的键" in error["message_zh"]
    assert _requests(services) == 1


def test_keys_belong_to_one_client_and_a_bad_key_is_refused(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    a = client.post("/api/v1/changes", json=BODY, headers=_auth(services, "erp-a") | key)
    b = client.post("/api/v1/changes", json=BODY, headers=_auth(services, "erp-b") | key)
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]  # erp-b's key is its own: a second request
    bad = client.post(
        "/api/v1/changes", json=BODY, headers=_auth(services, "erp-c") | {"Idempotency-Key": "x y"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "idempotency.key_invalid"


def test_an_error_answer_is_kept_too_and_an_expired_key_is_new_again(services: Services) -> None:
    now = datetime.now(UTC)
    digest = request_hash("POST /api/v1/changes", b'{"a": 1}')
    assert (
        claim_key(services.engine, "api:erp", "k", "POST /api/v1/changes", digest, now=now) is None
    )
    store_answer(
        services.engine, "api:erp", "k", StoredAnswer(404, b'{"error":{}}', "application/json")
    )
    spaced = request_hash("POST /api/v1/changes", b'{ "a" : 1 }')  # same JSON, other spacing
    first = claim_key(services.engine, "api:erp", "k", "POST /api/v1/changes", spaced, now=now)
    assert first is not None and first.status == 404
    later = now + timedelta(hours=25)
    assert (
        claim_key(services.engine, "api:erp", "k", "POST /api/v1/changes", digest, now=later)
        is None
    )


def test_answers_past_their_retention_are_deleted_in_batches_and_the_rest_kept(
    services: Services,
) -> None:
    engine, start = services.engine, datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for i in range(5):  # kept 24 h: these expire at 08:00 on the 2nd, the last one later
        claimed_at = start + timedelta(hours=30) if i == 4 else start
        assert (
            claim_key(engine, "erp", f"k-{i}", "POST /api/v1/changes", "h", now=claimed_at) is None
        )
        store_answer(engine, "erp", f"k-{i}", StoredAnswer(201, b"{}", "application/json"))
    later = start + timedelta(hours=25)
    assert purge_expired_keys(engine, now=later, batch=2) == 4
    assert purge_expired_keys(engine, now=later) == 0
    with engine.connect() as conn:
        assert list(conn.scalars(select(KEYS.c.key))) == ["k-4"]
    # a purged key is new again: the same key with another body is not refused
    assert claim_key(engine, "erp", "k-0", "POST /api/v1/changes", "other", now=later) is None
