"""Settings, one dataclass per concern, read from the environment in the factory.

Nothing here runs at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the master data lives."""

    url: str

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded database."""
        return self.url.startswith("sqlite")


@dataclass(frozen=True)
class CryptoSettings:
    """Customer-held key material: never in the database or the repository."""

    algorithm: str = "A256GCM"
    kek_file: Path | None = None
    kek_env: str = "PORTAL_KEK"
    pkcs11_module: str | None = None
    pkcs11_token: str | None = None
    pkcs11_pin: str | None = None
    pkcs11_key_label: str = "portal-kek"


@dataclass(frozen=True)
class WebSettings:
    """The HTTP side."""

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    session_secret: str = ""
    secure_cookies: bool = False
    max_upload_bytes: int = 20 * 1024 * 1024
    demo: bool = False


@dataclass(frozen=True)
class Settings:
    """Everything the app factory needs."""

    data_dir: Path
    database: DatabaseSettings
    crypto: CryptoSettings
    web: WebSettings
    payment_cooling_off_hours: int = 48
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def documents_dir(self) -> Path:
        """Where encrypted documents are stored by the filesystem adapter."""
        return self.data_dir / "documents"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (the process environment by default)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("PORTAL_DATA_DIR", "var")).resolve()
    url = env.get("PORTAL_DATABASE_URL") or f"sqlite:///{data_dir / 'portal.db'}"
    if not url.startswith(("sqlite", "postgresql")):
        raise ConfigError(
            "PORTAL_DATABASE_URL must be sqlite:///PATH or postgresql+psycopg://..., "
            f"not {url.split(':', 1)[0]}:..."
        )
    algorithm = env.get("PORTAL_CRYPTO_ALGORITHM", "A256GCM")
    if algorithm not in ("A256GCM", "SM4GCM"):
        raise ConfigError("PORTAL_CRYPTO_ALGORITHM must be A256GCM or SM4GCM")
    kek_file = env.get("PORTAL_KEK_FILE")
    port = _int(env, "PORTAL_PORT", 8000)
    host = env.get("PORTAL_HOST", "127.0.0.1")
    return Settings(
        data_dir=data_dir,
        database=DatabaseSettings(url=url),
        crypto=CryptoSettings(
            algorithm=algorithm,
            kek_file=Path(kek_file) if kek_file else None,
            pkcs11_module=env.get("PORTAL_PKCS11_MODULE"),
            pkcs11_token=env.get("PORTAL_PKCS11_TOKEN"),
            pkcs11_pin=env.get("PORTAL_PKCS11_PIN"),
            pkcs11_key_label=env.get("PORTAL_PKCS11_KEY_LABEL", "portal-kek"),
        ),
        web=WebSettings(
            host=host,
            port=port,
            public_url=env.get("PORTAL_PUBLIC_URL", f"http://{host}:{port}"),
            session_secret=env.get("PORTAL_SESSION_SECRET", ""),
            secure_cookies=env.get("PORTAL_SECURE_COOKIES", "1") == "1",
            max_upload_bytes=_int(env, "PORTAL_MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
            demo=env.get("PORTAL_DEMO", "0") == "1",
        ),
        payment_cooling_off_hours=_int(env, "PORTAL_PAYMENT_COOLING_OFF_HOURS", 48),
    )
