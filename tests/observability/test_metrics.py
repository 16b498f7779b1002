"""``/metrics``: requests by route template, the queues, behind a token."""

from __future__ import annotations

import socket
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from portal.config import ObservabilitySettings
from portal.db.engine import make_engine
from portal.notifications import outbox
from portal.notifications.messages import OutboxNotifier
from portal.observability.metrics import PortalMetrics

TOKEN = "metrics-token-0123456789abcdef"


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _with_token(site: Any) -> None:
    settings = site.services.settings
    site.services.settings = settings.model_copy(
        update={"observability": ObservabilitySettings(metrics_token=SecretStr(TOKEN))}
    )


async def test_metrics_are_not_served_without_a_configured_token(client: Any) -> None:
    answer = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 404


async def test_metrics_need_the_token_and_count_requests_by_route_template_and_the_queues(
    site: Any, as_user: Any, client: Any
) -> None:
    _with_token(site)
    refused = await client.get("/metrics")
    assert refused.status_code == 401
    assert "PORTAL_METRICS_TOKEN" in refused.json()["error"]["message"]
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-the-token-at-all"})
    assert wrong.status_code == 401

    site.deps.notifier = OutboxNotifier(outbox.enqueue, public_url="http://x", webhook=True)
    account = site.a.bank_accounts[0].id
    form = f"/portal/bank-accounts/{account}/edit"
    submit = await as_user("a").post(
        f"/portal/bank-accounts/{account}",
        {"account_number": "6217000011112222333"},
        form_page=form,
    )
    assert submit.status_code == 303
    await client.get("/no-such-page")

    answer = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = _samples(answer.text)

    def value(name: str, **labels: str) -> float:
        return samples[(name, frozenset(labels.items()))]

    route = "/portal/bank-accounts/{account_id}"
    assert value("portal_http_requests_total", method="POST", route=route, status="303") == 1
    assert value("portal_http_requests_total", method="GET", route=f"{route}/edit", status="200")
    assert value("portal_http_requests_total", method="GET", route="(unmatched)", status="404")
    assert value("portal_http_request_duration_seconds_count", method="POST", route=route) == 1
    assert account not in answer.text  # templates only: an id never becomes a label

    assert value("portal_database_up") == 1
    assert value("portal_approvals_pending") == 1
    assert value("portal_approvals_oldest_pending_age_seconds") >= 0
    assert value("portal_outbox_backlog", channel="webhook") >= 1
    assert value("portal_outbox_given_up") == 0
    assert value("portal_audit_head_seq") >= 1
    assert value("portal_audit_head_age_seconds") >= 0
    assert value("portal_monitoring_due") >= 0
    assert value("portal_ocr_oldest_queued_age_seconds") == 0
    assert value("portal_http_requests_in_flight") == 1  # this scrape


def test_a_database_that_does_not_answer_is_a_gauge_not_a_failed_scrape() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = make_engine(f"postgresql+psycopg://portal@127.0.0.1:{port}/portal")
    try:
        samples = _samples(PortalMetrics(dead).exposition().decode())
    finally:
        dead.dispose()
    assert samples[("portal_database_up", frozenset())] == 0
    assert not any(name.startswith("portal_outbox") for name, _ in samples)
    assert samples[("portal_db_pool_checked_out", frozenset())] == 0
