"""Provider calls as Prometheus metrics: the real :class:`providers.observer.ProviderCallObserver`.

- ``portal_provider_calls_total{service,provider,outcome}``: every call that reached a
  registry, tax or account-ownership provider (cache hits and calls skipped by an open
  breaker or a spent quota are not calls); ``outcome`` is ``ok``, ``not_found``,
  ``unknown`` (timeout, 5xx, rate limited, out of quota: retry later) or ``error``;
- ``portal_provider_call_duration_seconds{service,provider}``: how long each call took.

One :class:`ProviderCallMetrics` lives per process (built in :mod:`portal.bootstrap`, handed
to the verification wiring); it is a collector, registered in the web app's registry
(``/metrics``) and in the worker's (``portal worker --metrics-port``). The metric objects
are unregistered so several registries (tests build many apps) can show the same counts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

from prometheus_client import Counter, Histogram
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from payments.ports import OwnershipAnswer, OwnershipOutcome, OwnershipQuery, OwnershipVerifier
from providers.observer import OUTCOMES, ProviderCallObserver, outcome_of

__all__ = ["PROVIDER_BUCKETS", "ObservedOwnershipVerifier", "ProviderCallMetrics"]

log = logging.getLogger(__name__)
#: provider latency buckets (seconds): a paid API answers in 0.1-2 s, times out at 10 s
PROVIDER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class ProviderCallMetrics(Collector):
    """Counts provider calls by service, provider and outcome, and their latency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = Counter(
            "portal_provider_calls",
            "calls to registry, tax and account-ownership providers, by outcome "
            "(unknown: timeout, 5xx, rate limited or out of quota; retry later)",
            ["service", "provider", "outcome"],
            registry=None,
        )
        self.latency = Histogram(
            "portal_provider_call_duration_seconds",
            "time a provider took to answer or fail, by service and provider",
            ["service", "provider"],
            buckets=PROVIDER_BUCKETS,
            registry=None,
        )

    def observe(self, service: str, provider: str, outcome: str, seconds: float) -> None:
        """Count one call (the :class:`~providers.observer.ProviderCallObserver` method)."""
        if outcome not in OUTCOMES:
            outcome = "error"
        with self._lock:
            self.calls.labels(service, provider, outcome).inc()
            self.latency.labels(service, provider).observe(max(0.0, seconds))

    def count(self, service: str, provider: str, outcome: str) -> float:
        """The counter's value (0 when never observed)."""
        for metric in self.calls.collect():
            for sample in metric.samples:
                labels = sample.labels
                if (
                    sample.name.endswith("_total")
                    and labels.get("service") == service
                    and labels.get("provider") == provider
                    and labels.get("outcome") == outcome
                ):
                    return float(sample.value)
        return 0.0

    def collect(self) -> Iterator[Metric]:
        yield from self.calls.collect()
        yield from self.latency.collect()


_OWNERSHIP_OUTCOME = {
    OwnershipOutcome.MATCH: "ok",
    OwnershipOutcome.NO_MATCH: "ok",  # an answer: the account is not the company's
    OwnershipOutcome.NOT_FOUND: "not_found",
    OwnershipOutcome.UNKNOWN: "unknown",
}


class ObservedOwnershipVerifier:
    """An :class:`~payments.ports.OwnershipVerifier` whose every call is reported."""

    def __init__(self, inner: OwnershipVerifier, observer: ProviderCallObserver) -> None:
        self.inner = inner
        self.observer = observer
        self.name = inner.name

    async def verify(self, query: OwnershipQuery) -> OwnershipAnswer:
        started = time.monotonic()
        try:
            answer = await self.inner.verify(query)
        except Exception as exc:
            self._report(outcome_of(exc), started)
            raise
        self._report(_OWNERSHIP_OUTCOME.get(answer.outcome, "error"), started)
        return answer

    def _report(self, outcome: str, started: float) -> None:
        try:
            self.observer.observe("ownership", self.name, outcome, time.monotonic() - started)
        except Exception:  # a broken metric never breaks a verification
            log.debug("provider metrics: report failed", exc_info=True)
