"""Provider calls by provider and outcome: an outage shows in the counter, on the web
app's ``/metrics`` registry and on the worker's ``--metrics-port``."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client.parser import text_string_to_metric_families

from payments.adapters.demo import DemoOwnershipVerifier
from payments.ports import OwnershipQuery
from portal.config import load_settings
from portal.observability.metrics import MetricsServer, PortalMetrics
from portal.observability.providers import ObservedOwnershipVerifier, ProviderCallMetrics
from portal.verification.wiring import build_verification, verification_settings
from registry.testing import TestClock
from verification import SupplierClaims, VerificationService

QCC = {"PORTAL_QICHACHA_KEY": "k", "PORTAL_QICHACHA_SECRET": "s", "PORTAL_DEMO": "0"}
CLAIMS = SupplierClaims("上海澜川智能科技有限公司", "91310115MAFE1KM15M")


def _calls(text: str) -> dict[tuple[str, str, str], float]:
    return {
        (s.labels["service"], s.labels["provider"], s.labels["outcome"]): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "portal_provider_calls_total"
    }


def _verify_with(handler: httpx.MockTransport, metrics: ProviderCallMetrics) -> list[str]:
    settings = verification_settings(load_settings(QCC))
    wiring = build_verification(settings, clock=TestClock(), transport=handler, observer=metrics)

    async def verify() -> list[str]:
        async with wiring.ports() as ports:
            service = VerificationService(ports.registry, ports.tax, clock=wiring.clock)
            return list((await service.verify(CLAIMS)).codes)

    return asyncio.run(verify())


def test_a_provider_outage_shows_as_unknown_calls_of_that_provider_in_metrics() -> None:
    metrics = ProviderCallMetrics()
    down = httpx.MockTransport(lambda request: httpx.Response(503, text="maintenance"))

    codes = _verify_with(down, metrics)

    assert codes == ["registry.unavailable", "tax.unavailable"]  # unknown, never invalid
    text = PortalMetrics(collectors=[metrics]).exposition().decode()
    calls = _calls(text)
    # every attempt (3 retries each) reached qichacha and failed temporarily
    assert calls[("registry", "qichacha", "unknown")] >= 1
    assert calls[("tax", "qichacha", "unknown")] >= 1
    assert not any(outcome == "ok" for _, _, outcome in calls)
    assert (
        'portal_provider_call_duration_seconds_count{provider="qichacha",service="registry"}'
        in (text)
    )


def test_refused_credentials_count_as_errors_not_as_unknown() -> None:
    metrics = ProviderCallMetrics()
    refused = httpx.MockTransport(
        lambda request: httpx.Response(200, json={"Status": "101", "Message": "签名错误"})
    )

    _verify_with(refused, metrics)

    assert metrics.count("registry", "qichacha", "error") >= 1
    assert metrics.count("registry", "qichacha", "unknown") == 0


def test_the_worker_metrics_port_serves_the_provider_calls() -> None:
    metrics = ProviderCallMetrics()
    metrics.observe("registry", "tianyancha", "unknown", 10.0)
    server = MetricsServer(0, "127.0.0.1", [metrics])
    try:
        answer = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5)
    finally:
        server.close()

    assert answer.status_code == 200
    assert _calls(answer.text) == {("registry", "tianyancha", "unknown"): 1.0}
    assert "process_resident_memory_bytes" in answer.text


def test_account_ownership_answers_are_counted_by_outcome() -> None:
    metrics = ProviderCallMetrics()
    verifier = ObservedOwnershipVerifier(DemoOwnershipVerifier(), metrics)
    query = OwnershipQuery("91310115MAFE1KM15M", "上海澜川", "张三", "招商银行", "6217000011112222")

    answer = asyncio.run(verifier.verify(query))

    assert answer.provider == "demo"
    assert metrics.count("ownership", "demo", "ok") == 1
