"""Which registry and tax sources verification uses, built from the environment.

Three modes, decided once by :func:`load_verification_settings`:

``live``  credentials for 企查查 / 天眼查 / 启信宝 are configured: the real adapters, in
          the fallback order of ``PORTAL_REGISTRY_PROVIDERS``, behind
          :class:`~registry.resilience.ResilientBusinessRegistry` and
          :class:`~tax_bureau.resilience.ResilientTaxBureau` (one daily cache shared by
          every session);
``demo``  ``PORTAL_DEMO=1`` or ``PORTAL_REGISTRY_DEMO=1``: the demo data set;
``off``   neither: :meth:`VerificationWiring.ports` raises
          :class:`VerificationNotConfiguredError`. Nothing is marked verified, every
          page and command says so.

The real adapters take an ``httpx.AsyncClient``, which belongs to one event loop, so
ports are opened per session (``async with wiring.ports() as ports``): the web app
keeps one session from start-up to shut-down, a CLI pass opens its own.

>>> s = load_verification_settings({}, demo=False)
>>> s.mode, s.cadence_days, s.calls_per_minute
('off', 30, 30)
>>> load_verification_settings({'PORTAL_REGISTRY_DEMO': '1'}, demo=False).mode
'demo'
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from portal.bootstrap import Services
from portal.config import ConfigError
from providers.cache import InMemoryLookupCache
from providers.dates import utc_now
from providers.resilience import ResiliencePolicy
from providers.settings import RegistrySettings
from registry.ports import BusinessRegistry
from registry.resilience import ResilientBusinessRegistry
from tax_bureau.ports import TaxBureau
from tax_bureau.resilience import ResilientTaxBureau

__all__ = [
    "VerificationNotConfiguredError",
    "VerificationPorts",
    "VerificationSettings",
    "VerificationWiring",
    "build_verification",
    "load_verification_settings",
    "wiring_for",
]

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

    @property
    def configured(self) -> bool:
        return self.mode != "off"


def _positive(env: Mapping[str, str], name: str, default: int, *, zero: bool = False) -> int:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or (int(value) < 1 and not zero):
        raise ConfigError(f"{name} must be a positive whole number, not {value!r}")
    return int(value)


def load_verification_settings(
    env: Mapping[str, str] | None = None, *, demo: bool, public_url: str | None = None
) -> VerificationSettings:
    """Read PORTAL_VERIFY_* and the registry variables; ``demo`` is PORTAL_DEMO."""
    env = os.environ if env is None else env
    registry = RegistrySettings.from_env(env)
    if registry.configured_providers():
        mode = "live"
    elif demo or registry.demo:
        mode = "demo"
    else:
        mode = "off"
    recipients = tuple(
        r.strip() for r in (env.get("PORTAL_VERIFY_ALERT_TO") or "").split(",") if r.strip()
    )
    return VerificationSettings(
        mode=mode,
        registry=registry,
        cadence_days=_positive(env, "PORTAL_VERIFY_CADENCE_DAYS", 30),
        calls_per_minute=_positive(env, "PORTAL_VERIFY_CALLS_PER_MINUTE", 30),
        retry_minutes=_positive(env, "PORTAL_VERIFY_RETRY_MINUTES", 60),
        lease_minutes=_positive(env, "PORTAL_VERIFY_LEASE_MINUTES", 15),
        batch_limit=_positive(env, "PORTAL_VERIFY_BATCH_LIMIT", 100),
        alert_recipients=recipients or ("role:purchasing_supervisor",),
        confirmation_days=_positive(env, "PORTAL_VERIFY_CONFIRM_DAYS", 365),
        confirmation_ttl_days=_positive(env, "PORTAL_VERIFY_CONFIRM_TTL_DAYS", 30),
        in_process_minutes=_positive(
            env, "PORTAL_VERIFY_IN_PROCESS_MINUTES", 5 if demo else 0, zero=True
        ),
        public_url=public_url or env.get("PORTAL_PUBLIC_URL") or "http://127.0.0.1:8000",
    )


@dataclass(frozen=True)
class VerificationPorts:
    """The registry and tax ports of one session, and what they are."""

    registry: BusinessRegistry
    tax: TaxBureau
    providers: tuple[str, ...]


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
    ) -> VerificationWiring:
        """Always the same ports (fakes, the demo adapters)."""
        provider = str(getattr(registry, "provider", type(registry).__name__))
        ports = VerificationPorts(registry, tax, (provider,))

        @asynccontextmanager
        async def open_ports() -> AsyncIterator[VerificationPorts]:
            yield ports

        return cls(settings or VerificationSettings(mode="demo"), open_ports, clock)


def _demo_ports(clock: Callable[[], datetime]) -> PortsFactory:
    from registry.adapters.demo import DemoBusinessRegistry
    from tax_bureau.adapters.demo import DemoTaxBureau

    ports = VerificationPorts(
        DemoBusinessRegistry(clock=clock), DemoTaxBureau(clock=clock), ("demo",)
    )

    @asynccontextmanager
    async def open_ports() -> AsyncIterator[VerificationPorts]:
        yield ports

    return open_ports


def _live_ports(
    settings: RegistrySettings,
    clock: Callable[[], datetime],
    transport: httpx.AsyncBaseTransport | None = None,
) -> PortsFactory:
    from registry.adapters.qichacha import QichachaBusinessRegistry
    from registry.adapters.qixin import QixinBusinessRegistry
    from registry.adapters.tianyancha import TianyanchaBusinessRegistry
    from tax_bureau.adapters.qichacha import QichachaTaxBureau
    from tax_bureau.adapters.tianyancha import TianyanchaTaxBureau

    cache = InMemoryLookupCache(clock)  # shared by sessions: one paid lookup a day
    policy = ResiliencePolicy(
        timeout_seconds=settings.timeout_seconds,
        cache_ttl=timedelta(hours=settings.cache_ttl_hours),
        not_found_ttl=timedelta(hours=settings.cache_ttl_hours),
    )
    order = settings.configured_providers()

    @asynccontextmanager
    async def open_ports() -> AsyncIterator[VerificationPorts]:
        async with httpx.AsyncClient(
            timeout=settings.timeout_seconds, transport=transport
        ) as client:
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
                ResilientBusinessRegistry(registries, policy=policy, cache=cache, clock=clock),
                ResilientTaxBureau(taxes, policy=policy, cache=cache, clock=clock),
                order,
            )

    return open_ports


def build_verification(
    settings: VerificationSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    transport: httpx.AsyncBaseTransport | None = None,
) -> VerificationWiring:
    """The wiring for these settings (real adapters, demo data set, or not configured);
    ``transport`` is the test seam of the real adapters' HTTP client."""
    if settings.mode == "live":
        return VerificationWiring(settings, _live_ports(settings.registry, clock, transport), clock)
    if settings.mode == "demo":
        return VerificationWiring(settings, _demo_ports(clock), clock)
    return VerificationWiring(settings, None, clock)


_BUILT: dict[VerificationSettings, VerificationWiring] = {}


def wiring_for(services: Services, env: Mapping[str, str] | None = None) -> VerificationWiring:
    """The wiring for the portal's services (``PORTAL_DEMO`` comes from their settings).

    One wiring per distinct settings in a process, so the live mode's daily cache is shared
    by every caller (web handlers, ``verify_after_write``, the periodic task).
    """
    web = services.settings.web
    merged = {**(os.environ if env is None else env), **services.settings.extra}
    settings = load_verification_settings(merged, demo=web.demo, public_url=web.public_url)
    if settings not in _BUILT:
        _BUILT[settings] = build_verification(settings)
    return _BUILT[settings]
