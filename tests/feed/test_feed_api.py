"""GET /api/v1/events: the feed as an ERP reads it over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from portal.audit.log import ENTRY
from portal.bootstrap import Services, build_collaborators
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.identity.api_clients import create_client
from portal.onboarding.registration import register_suppliers
from portal.web.site import build_site

NUMBER = "6217000011114444"


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:  # type: ignore[type-arg]
    suppliers = [
        (i, Supplier(uscc=make_uscc(500 + i), name=f"常州示例{i}号有限公司",
                     bank_accounts=(BankAccount(bank_name="中国银行常州分行",
                                                account_number=f"62170000111{i}4444",
                                                holder_name=f"常州示例{i}号有限公司"),)), [])
        for i in range(3)
    ]  # fmt: skip
    register_suppliers(services.engine, services.suppliers, suppliers, now=datetime.now(UTC))
    with TestClient(app=build_site(build_collaborators(services), areas=())) as test_client:
        yield test_client


def _auth(services: Services, name: str, role: Role, *, reveal: bool = False) -> dict[str, str]:
    token = create_client(services.engine, name, role, can_reveal=reveal, now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token}"}


def test_an_erp_pages_through_the_feed_with_after_and_next_after(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    headers = _auth(services, "erp", Role.FINANCE)
    first = client.get("/api/v1/events", params={"after": 0, "limit": 2}, headers=headers).json()
    assert [e["seq"] for e in first["events"]] == [1, 2] and first["next_after"] == 2
    rest = client.get("/api/v1/events", params={"after": 2}, headers=headers).json()
    assert [e["seq"] for e in rest["events"]] == [3] and rest["next_after"] == 3
    event = rest["events"][0]
    assert (
        event["type"] == "supplier.created" and event["supplier"]["name"] == "常州示例2号有限公司"
    )
    assert event["supplier"]["bank_accounts"][0]["account_number"] != "6217000011124444"
    empty = client.get("/api/v1/events", params={"after": 3}, headers=headers).json()
    assert empty == {"events": [], "next_after": 3}


def test_reveal_shows_clear_numbers_to_a_token_that_may_and_audits_each(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    may = _auth(services, "erp-reveal", Role.FINANCE, reveal=True)
    page = client.get("/api/v1/events", params={"reveal": "true", "limit": 1}, headers=may)
    assert page.json()["events"][0]["supplier"]["bank_accounts"][0]["account_number"] == (
        "6217000011104444"
    )
    with services.engine.connect() as conn:
        actions = list(conn.execute(select(ENTRY.c.action)).scalars())
    assert actions.count("value.revealed") == 1
    may_not = _auth(services, "erp-plain", Role.FINANCE)
    refused = client.get("/api/v1/events", params={"reveal": "true"}, headers=may_not)
    assert refused.status_code == 403


def test_bad_paging_is_a_400_in_both_languages_and_no_token_is_a_401(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    headers = _auth(services, "erp", Role.FINANCE)
    bad = client.get("/api/v1/events", params={"limit": 5000}, headers=headers)
    assert bad.status_code == 400  # a refused parameter, as the document says of every route
    assert bad.json()["error"]["message"] == "limit must be at most 1000"
    assert bad.json()["error"]["message_zh"] == "参数 limit 须不大于 1000"
    assert client.get("/api/v1/events").status_code == 401
