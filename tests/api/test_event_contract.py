"""The change feed and the webhooks keep the contract the OpenAPI document states: real feed
pages validate against ``listEvents``' answer, and real deliveries (the worker's own bytes,
caught at the transport) validate against the document's ``webhooks`` entry, headers included.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from litestar.testing import TestClient

from approvals import Approval, FieldChange
from portal.audit.log import AuditContext, AuditLog
from portal.bootstrap import Services
from portal.domain.principal import Principal, Role
from portal.domain.supplier import BankAccount, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.feed import EventType, PendingEvent, record_events
from portal.identity.api_clients import create_client
from portal.onboarding.registration import register_suppliers
from portal.web.api_models import FeedEvent, typed
from portal.webhooks import WebhookWorker, add_subscription, verify
from tests.api.conftest import site_app

ADMIN = Principal("u-admin", Role.ADMIN)
CTX = AuditContext(actor="u-admin", actor_role="admin")


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(app=site_app(services)) as test_client:
        yield test_client


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator of ``schema`` whose ``#/components/...`` references reach the document."""
    return Draft202012Validator({**schema, "components": document["components"]})


def _every_kind_of_event(services: Services) -> list[str]:
    """A supplier created by registration, then changed with approvers, then the survivor of
    a merge (``event_detail``): what an ERP meets."""
    now = datetime.now(UTC)
    names = [f"宁波示例{i}号贸易有限公司" for i in range(2)]
    suppliers = [
        Supplier(uscc=make_uscc(9100 + i), name=name, bank_accounts=(
            BankAccount(bank_name="宁波银行", account_number="6222000011112222", holder_name=name),
        ))
        for i, name in enumerate(names)
    ]  # fmt: skip
    outcomes = register_suppliers(
        services.engine, services.suppliers, [(i, s, []) for i, s in enumerate(suppliers)], now=now
    )
    survivor, absorbed = (o.supplier_id or "" for o in outcomes)
    change = FieldChange("supplier", survivor, "address", None, "宁波市鄞州区示例路1号")
    approvals = [Approval("u-boss", "purchasing_supervisor", now)]
    with services.engine.begin() as conn:
        record_events(
            conn,
            services.suppliers,
            [
                PendingEvent(EventType.CHANGED, survivor, "req-1", [change], approvals),
                PendingEvent(EventType.MERGED, survivor, extra={"merged_from": absorbed}),
            ],
            now=now,
            audited=False,
        )
    return [survivor, absorbed]


def test_feed_pages_and_webhook_deliveries_validate_against_the_document(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    document = client.get("/schema/openapi.json").json()
    _, secret = add_subscription(
        services.engine, services.sealer, AuditLog(services.sealer), CTX, ADMIN,
        name="erp-contract", url="https://erp.example.com/hook", event_types=["*"],
        now=datetime.now(UTC),
    )  # fmt: skip
    _every_kind_of_event(services)  # a delivery is written with each event

    token = create_client(
        services.engine, "erp-feed", Role.FINANCE, can_reveal=False, now=datetime.now(UTC)
    )
    page = client.get("/api/v1/events?after=0", headers={"Authorization": f"Bearer {token}"})
    answer = document["paths"]["/api/v1/events"]["get"]["responses"]["200"]
    feed_schema = answer["content"]["application/json"]["schema"]
    feed_errors = list(_validator(document, feed_schema).iter_errors(page.json()))
    assert page.status_code == 200 and feed_errors == []
    events = page.json()["events"]
    assert [e["type"] for e in events] == [
        "supplier.created", "supplier.created", "supplier.changed", "supplier.merged",
    ]  # fmt: skip

    sent: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    with httpx.Client(transport=httpx.MockTransport(receiver)) as http:
        worker = WebhookWorker(services.engine, services.sealer, http, backoff=timedelta(0))
        # one run sends each supplier's next event: a later one waits for the earlier
        delivered = [worker.run_once().delivered for _ in range(4)]
    assert delivered == [2, 1, 1, 0]

    hook = document["webhooks"]["supplierEvent"]["post"]
    body_schema = hook["requestBody"]["content"]["application/json"]["schema"]
    validator = _validator(document, body_schema)
    required = {p["name"].lower() for p in hook["parameters"] if p["required"]}
    for request in sent:
        body = json.loads(request.content)
        assert list(validator.iter_errors(body)) == [], body["type"]
        assert required <= set(request.headers), required - set(request.headers)
        assert verify(
            secret.encode(), int(request.headers["x-portal-timestamp"]), request.content,
            request.headers["x-portal-signature"], request.headers["x-portal-signature-algorithm"],
            now=int(datetime.now(UTC).timestamp()),
        )  # fmt: skip
    # the webhook sends what the feed shows (both masked; the feed spells out empty fields)
    delivered_events = sorted((json.loads(r.content) for r in sent), key=lambda e: e["seq"])
    assert [typed(e, FeedEvent) for e in delivered_events] == [typed(e, FeedEvent) for e in events]
