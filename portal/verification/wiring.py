"""Which registry and tax sources verification uses, built from the portal's settings.

Three modes, decided once by :func:`verification_settings`:

``live``  credentials for 企查查 / 天眼查 / 启信宝 are configured: the real adapters, in
          the fallback order of ``PORTAL_REGISTRY_PROVIDERS``, behind
          :class:`~registry.resilience.ResilientBusinessRegistry` and
          :class:`~tax_bureau.resilience.ResilientTaxBureau` (one daily cache shared by
          every session; with ``PORTAL_SESSION_REDIS_URL`` the cache, the daily quota and
          the monitoring's call pacing live in Redis, shared by every instance, see
          :mod:`providers.redis_state`);
``demo``  ``PORTAL_DEMO=1`` or ``PORTAL_REGISTRY_DEMO=1``: the demo data set;
``off``   neither: :meth:`VerificationWiring.ports` raises
          :class:`VerificationNotConfiguredError`. Nothing is marked verified, every
          page and command says so.

The real adapters take an ``httpx.AsyncClient``, which belongs to one event loop, so
ports are opened per session (``async with wiring.ports() as ports``): the web app
keeps one session from start-up to shut-down, a CLI pass opens its own.

>>> from portal.config import load_settings
>>> s = verification_settings(load_settings({}))
>>> s.mode, s.cadence_days, s.calls_per_minute
('off', 30, 30)
>>> verification_settings(load_settings({'PORTAL_REGISTRY_DEMO': '1'})).mode
'demo'
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr

from portal.config import Settings
from portal.domain.amounts import Money
from portal.domain.status import RegistryStatus, TaxpayerQualification, TaxStatus
from providers.cache import InMemoryLookupCache, LookupCache
from providers.codec import ValueCodec
from providers.dates import utc_now
from providers.observer import NO_OBSERVER, ProviderCallObserver
from providers.quota import CallPacer, InMemoryQuotaBook, QuotaBook
from providers.resilience import ResiliencePolicy
from providers.settings import (
    QichachaCredentials,
    QixinCredentials,
    RegistrySettings,
    TianyanchaCredentials,
)
from registry.model import EnterpriseRecord, ThreeElementOutcome, ThreeElementResult
from registry.ports import BusinessRegistry
from registry.resilience import ResilientBusinessRegistry
from tax_bureau.model import InvoicingDetails, TaxpayerStatus
from tax_bureau.ports import TaxBureau, VatNumberChecker
from tax_bureau.resilience import ResilientTaxBureau

__all__ = [
    "ANSWERS",
    "VerificationNotConfiguredError",
    "VerificationPorts",
    "VerificationSettings",
    "VerificationWiring",
    "build_verification",
    "registry_settings",
    "verification_settings",
]

#: Seconds a demo waits for VIES (a member state that does not answer is "unknown").
VIES_TIMEOUT = 10.0

NOT_CONFIGURED = (
    "verification is not configured: set PORTAL_QICHACHA_KEY/SECRET, PORTAL_TIANYANCHA_TOKEN "
    "or PORTAL_QIXIN_APPKEY/SECRET (see docs/verification.md), or PORTAL_REGISTRY_DEMO=1 "
    "for the demo data set"
)


class VerificationNotConfiguredError(RuntimeError):
    """No registry source is configured: nothing can be verified (never a silent pass)."""

    def __init__(self, message: str = NOT_CONFIGURED) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class VerificationSettings:
    """Sources and the monitoring job's knobs (PORTAL_VERIFY_*)."""

    mode: str  # live, demo, off
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    cadence_days: int = 30
    calls_per_minute: int = 30
    retry_minutes: int = 60
    lease_minutes: int = 15
    batch_limit: int = 100
    alert_recipients: tuple[str, ...] = ("role:purchasing_supervisor",)
    confirmation_days: int = 365
    confirmation_ttl_days: int = 30
    in_process_minutes: int = 0  # 0: no periodic task inside the web process
    public_url: str = "http://127.0.0.1:8000"
    redis_url: str | None = None  # shared cache, quota and pacing (PORTAL_SESSION_REDIS_URL)

    @property
    def configured(self) -> bool:
        return self.mode != "off"


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def registry_settings(settings: Settings) -> RegistrySettings:
    """The registry adapters' settings: credentials, fallback order, resilience knobs."""
    r = settings.registry
    qcc_secret, qixin_secret = _secret(r.qichacha_secret), _secret(r.qixin_secret)
    tyc_token = _secret(r.tianyancha_token)
    return RegistrySettings(
        qichacha=QichachaCredentials(r.qichacha_key, qcc_secret)
        if r.qichacha_key and qcc_secret
        else None,
        tianyancha=TianyanchaCredentials(tyc_token) if tyc_token else None,
        qixin=QixinCredentials(r.qixin_appkey, qixin_secret)
        if r.qixin_appkey and qixin_secret
        else None,
        provider_order=tuple(p.strip() for p in r.providers.split(",") if p.strip()),
        timeout_seconds=r.timeout_seconds,
        cache_ttl_hours=r.cache_ttl_hours,
        demo=r.demo,
    )


def verification_settings(settings: Settings) -> VerificationSettings:
    """The mode (``live`` with credentials, ``demo``, else ``off``) and the monitoring knobs."""
    registry = registry_settings(settings)
    demo = settings.web.demo
    if registry.configured_providers():
        mode = "live"
    elif demo or registry.demo:
        mode = "demo"
    else:
        mode = "off"
    v = settings.verification
    recipients = tuple(r.strip() for r in v.alert_to.split(",") if r.strip())
    in_process = v.in_process_minutes
    return VerificationSettings(
        mode=mode,
        registry=registry,
        cadence_days=v.cadence_days,
        calls_per_minute=v.calls_per_minute,
        retry_minutes=v.retry_minutes,
        lease_minutes=v.lease_minutes,
        batch_limit=v.batch_limit,
        alert_recipients=recipients or ("role:purchasing_supervisor",),
        confirmation_days=v.confirm_days,
        confirmation_ttl_days=v.confirm_ttl_days,
        in_process_minutes=(5 if demo else 0) if in_process is None else in_process,
        public_url=settings.web.public_url,
        redis_url=settings.auth.session_redis_url,
    )


@dataclass(frozen=True)
class VerificationPorts:
    """The registry, tax and VIES ports of one session, and what they are."""

    registry: BusinessRegistry
    tax: TaxBureau
    providers: tuple[str, ...]
    pacer: CallPacer | None = None  # shared by every instance (Redis); None: a pass's own
    vat: VatNumberChecker | None = None  # EU VAT numbers of foreign suppliers (VIES)


PortsFactory = Callable[[], AbstractAsyncContextManager[VerificationPorts]]


@dataclass
class VerificationWiring:
    """Settings plus a way to open ports; tests build it with :meth:`fixed`."""

    settings: VerificationSettings
    open_ports: PortsFactory | None
    clock: Callable[[], datetime] = utc_now

    def ports(self) -> AbstractAsyncContextManager[VerificationPorts]:
        """Open a session's ports; raises VerificationNotConfiguredError in ``off`` mode."""
        if self.open_ports is None:
            raise VerificationNotConfiguredError()
        return self.open_ports()

    @property
    def configured(self) -> bool:
        return self.open_ports is not None

    @classmethod
    def fixed(
        cls,
        registry: BusinessRegistry,
        tax: TaxBureau,
        settings: VerificationSettings | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        vat: VatNumberChecker | None = None,
    ) -> VerificationWiring:
        """Always the same ports (fakes, the demo adapters)."""
        provider = str(getattr(registry, "provider", type(registry).__name__))
        ports = VerificationPorts(registry, tax, (provider,), vat=vat)

        @asynccontextmanager
        async def open_ports() -> AsyncIterator[VerificationPorts]:
            yield ports

        return cls(settings or VerificationSettings(mode="demo"), open_ports, clock)


def _demo_ports(
    clock: Callable[[], datetime], transport: httpx.AsyncBaseTransport | None = None
) -> PortsFactory:
    from registry.adapters.demo import DemoBusinessRegistry
    from tax_bureau.adapters.demo import DemoTaxBureau
    from tax_bureau.adapters.vies import ViesVatChecker

    registry, tax = DemoBusinessRegistry(clock=clock), DemoTaxBureau(clock=clock)

    @asynccontextmanager
    async def open_ports() -> AsyncIterator[VerificationPorts]:
        # VIES is public and free: the demo asks the real one (no answer: unknown, retried)
        async with httpx.AsyncClient(timeout=VIES_TIMEOUT, transport=transport) as client:
            yield VerificationPorts(
                registry, tax, ("demo",), vat=ViesVatChecker(client, clock=clock)
            )

    return open_ports


#: The provider answers a shared cache may hold (and read back: nothing else, never pickle).
ANSWERS = ValueCodec(
    [
        EnterpriseRecord, ThreeElementResult, ThreeElementOutcome, Money, RegistryStatus,
        InvoicingDetails, TaxpayerStatus, TaxStatus, TaxpayerQualification,
    ]
)  # fmt: skip


def _live_ports(
    settings: RegistrySettings,
    clock: Callable[[], datetime],
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    redis_url: str | None = None,
    calls_per_minute: int = 30,
    observer: ProviderCallObserver = NO_OBSERVER,
) -> PortsFactory:
    from registry.adapters.qichacha import QichachaBusinessRegistry
    from registry.adapters.qixin import QixinBusinessRegistry
    from registry.adapters.tianyancha import TianyanchaBusinessRegistry
    from tax_bureau.adapters.qichacha import QichachaTaxBureau
    from tax_bureau.adapters.tianyancha import TianyanchaTaxBureau
    from tax_bureau.adapters.vies import ViesVatChecker

    memory_cache = InMemoryLookupCache(clock)  # shared by sessions: one paid lookup a day
    memory_quota = InMemoryQuotaBook()
    policy = ResiliencePolicy(
        timeout_seconds=settings.timeout_seconds,
        cache_ttl=timedelta(hours=settings.cache_ttl_hours),
        not_found_ttl=timedelta(hours=settings.cache_ttl_hours),
    )
    order = settings.configured_providers()

    @asynccontextmanager
    async def shared_state() -> AsyncIterator[tuple[LookupCache, QuotaBook, CallPacer | None]]:
        if not redis_url:
            yield memory_cache, memory_quota, None
            return
        from redis.asyncio import Redis

        from providers.redis_state import RedisLookupCache, RedisQuotaBook, RedisTokenBucket

        redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            yield (
                RedisLookupCache(redis, ANSWERS),
                RedisQuotaBook(redis),
                RedisTokenBucket(redis, calls_per_minute, clock=clock),
            )
        finally:
            await redis.aclose()

    @asynccontextmanager
    async def open_ports() -> AsyncIterator[VerificationPorts]:
        async with (
            httpx.AsyncClient(timeout=settings.timeout_seconds, transport=transport) as client,
            shared_state() as (cache, quota, pacer),
        ):
            registries: list[tuple[str, BusinessRegistry]] = []
            taxes: list[tuple[str, TaxBureau]] = []
            for name in order:
                if name == "qichacha" and settings.qichacha is not None:
                    registries.append((name, QichachaBusinessRegistry(client, settings.qichacha)))
                    taxes.append((name, QichachaTaxBureau(client, settings.qichacha)))
                elif name == "tianyancha" and settings.tianyancha is not None:
                    creds = settings.tianyancha
                    registries.append((name, TianyanchaBusinessRegistry(client, creds)))
                    taxes.append((name, TianyanchaTaxBureau(client, creds)))
                elif name == "qixin" and settings.qixin is not None:
                    registries.append((name, QixinBusinessRegistry(client, settings.qixin)))
            yield VerificationPorts(
                vat=ViesVatChecker(client, clock=clock),
                registry=ResilientBusinessRegistry(
                    registries,
                    policy=policy,
                    cache=cache,
                    clock=clock,
                    quota=quota,
                    observer=observer,
                ),
                tax=ResilientTaxBureau(
                    taxes, policy=policy, cache=cache, clock=clock, quota=quota, observer=observer
                ),
                providers=order,
                pacer=pacer,
            )

    return open_ports


def build_verification(
    settings: VerificationSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    transport: httpx.AsyncBaseTransport | None = None,
    observer: ProviderCallObserver = NO_OBSERVER,
) -> VerificationWiring:
    """The wiring for these settings (real adapters, demo data set, or not configured);
    ``transport`` is the test seam of the real adapters' HTTP client; ``observer`` is told
    of every call the real adapters make (the process's provider metrics)."""
    if settings.mode == "live":
        ports = _live_ports(
            settings.registry,
            clock,
            transport,
            redis_url=settings.redis_url,
            calls_per_minute=settings.calls_per_minute,
            observer=observer,
        )
        return VerificationWiring(settings, ports, clock)
    if settings.mode == "demo":
        return VerificationWiring(settings, _demo_ports(clock, transport), clock)
    return VerificationWiring(settings, None, clock)
