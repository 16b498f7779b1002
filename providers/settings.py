"""Provider credentials and registry settings, read from the environment.

Nothing is read at import time: the composition root calls
:meth:`RegistrySettings.from_env`. Secrets never appear in ``repr``.

>>> s = RegistrySettings.from_env({'PORTAL_QICHACHA_KEY': 'k', 'PORTAL_QICHACHA_SECRET': 's'})
>>> s.qichacha
QichachaCredentials(key='k', secret=<hidden>)
>>> s.configured_providers(), s.tianyancha is None
(('qichacha',), True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class QichachaCredentials:
    """企查查 AppKey and SecretKey (PORTAL_QICHACHA_KEY, PORTAL_QICHACHA_SECRET)."""

    key: str
    secret: str = field(repr=False)

    def __repr__(self) -> str:
        return f"QichachaCredentials(key={self.key!r}, secret=<hidden>)"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> QichachaCredentials | None:
        key, secret = env.get("PORTAL_QICHACHA_KEY"), env.get("PORTAL_QICHACHA_SECRET")
        return cls(key, secret) if key and secret else None


@dataclass(frozen=True)
class TianyanchaCredentials:
    """天眼查 token (PORTAL_TIANYANCHA_TOKEN)."""

    token: str = field(repr=False)

    def __repr__(self) -> str:
        return "TianyanchaCredentials(token=<hidden>)"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TianyanchaCredentials | None:
        token = env.get("PORTAL_TIANYANCHA_TOKEN")
        return cls(token) if token else None


@dataclass(frozen=True)
class QixinCredentials:
    """启信宝 appkey and secret key (PORTAL_QIXIN_APPKEY, PORTAL_QIXIN_SECRET)."""

    app_key: str
    secret: str = field(repr=False)

    def __repr__(self) -> str:
        return f"QixinCredentials(app_key={self.app_key!r}, secret=<hidden>)"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> QixinCredentials | None:
        key, secret = env.get("PORTAL_QIXIN_APPKEY"), env.get("PORTAL_QIXIN_SECRET")
        return cls(key, secret) if key and secret else None


@dataclass(frozen=True)
class RegistrySettings:
    """Which providers are configured, in which fallback order, and resilience knobs."""

    qichacha: QichachaCredentials | None = None
    tianyancha: TianyanchaCredentials | None = None
    qixin: QixinCredentials | None = None
    provider_order: tuple[str, ...] = ("qichacha", "tianyancha", "qixin")
    timeout_seconds: float = 10.0
    cache_ttl_hours: float = 24.0
    demo: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RegistrySettings:
        """Read PORTAL_* variables from ``env`` (see docs/verification.md); the product passes
        the values :mod:`portal.config` read, the live tests the process environment."""
        order = tuple(
            p.strip() for p in env.get("PORTAL_REGISTRY_PROVIDERS", "").split(",") if p.strip()
        )
        return cls(
            qichacha=QichachaCredentials.from_env(env),
            tianyancha=TianyanchaCredentials.from_env(env),
            qixin=QixinCredentials.from_env(env),
            provider_order=order or cls.provider_order,
            timeout_seconds=float(env.get("PORTAL_REGISTRY_TIMEOUT_SECONDS", "10")),
            cache_ttl_hours=float(env.get("PORTAL_REGISTRY_CACHE_TTL_HOURS", "24")),
            demo=env.get("PORTAL_REGISTRY_DEMO", "").lower() in ("1", "true", "yes"),
        )

    def configured_providers(self) -> tuple[str, ...]:
        """Providers with credentials, in the configured fallback order."""
        have = {
            "qichacha": self.qichacha,
            "tianyancha": self.tianyancha,
            "qixin": self.qixin,
        }
        return tuple(p for p in self.provider_order if have.get(p) is not None)


__all__ = ["QichachaCredentials", "QixinCredentials", "RegistrySettings", "TianyanchaCredentials"]
