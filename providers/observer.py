"""A port through which every provider call is reported (count, outcome, latency).

The adapters and :class:`~providers.resilience.Failover` know nothing of Prometheus: they
call a :class:`ProviderCallObserver` that the composition root hands them.
:class:`portal.observability.providers.ProviderCallMetrics` is the real one (counters and a
latency histogram); :class:`RecordingObserver` keeps the calls in a list (tests, benches);
:data:`NO_OBSERVER` drops them.

Outcomes are few and fixed, so the number of series stays bounded:

``ok``         the provider answered;
``not_found``  the provider answered that it has no such entry (an answer, not a failure);
``unknown``    temporary: timeout, 5xx, rate limited, out of quota, busy (retry later);
``error``      anything else: credentials refused, a query it rejects, a body we cannot read.

>>> from providers.errors import ProviderUnavailableBase
>>> outcome_of(None), outcome_of(ProviderUnavailableBase('down', provider='qichacha'))
('ok', 'unknown')
>>> r = RecordingObserver(); r.observe('registry', 'qichacha', 'ok', 0.2); r.calls
[ProviderCall(service='registry', provider='qichacha', outcome='ok', seconds=0.2)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

from providers.errors import ProviderError

__all__ = [
    "NO_OBSERVER",
    "OUTCOMES",
    "NullObserver",
    "ProviderCall",
    "ProviderCallObserver",
    "RecordingObserver",
    "outcome_of",
]

#: every outcome a call may be reported with
OUTCOMES: Final = ("ok", "not_found", "unknown", "error")
_TEMPORARY: Final = frozenset({"unavailable", "quota"})


def outcome_of(error: BaseException | None) -> str:
    """The outcome label of a call that raised ``error`` (``None``: it answered)."""
    if error is None:
        return "ok"
    if isinstance(error, TimeoutError):
        return "unknown"
    if isinstance(error, ProviderError):
        if error.kind == "not_found":
            return "not_found"
        if error.kind in _TEMPORARY:
            return "unknown"
    return "error"


@runtime_checkable
class ProviderCallObserver(Protocol):
    """Told of every call to a provider, after it ended."""

    def observe(self, service: str, provider: str, outcome: str, seconds: float) -> None:
        """``service``: registry, tax or ownership; ``outcome``: one of :data:`OUTCOMES`.

        Must not raise and must be quick: it runs on the caller's event loop.
        """
        ...


class NullObserver:
    """Drops every report."""

    def observe(self, service: str, provider: str, outcome: str, seconds: float) -> None:
        return None


NO_OBSERVER: Final = NullObserver()


@dataclass(frozen=True)
class ProviderCall:
    service: str
    provider: str
    outcome: str
    seconds: float


@dataclass
class RecordingObserver:
    """Keeps every report in :attr:`calls`."""

    calls: list[ProviderCall] = field(default_factory=list)

    def observe(self, service: str, provider: str, outcome: str, seconds: float) -> None:
        self.calls.append(ProviderCall(service, provider, outcome, seconds))
