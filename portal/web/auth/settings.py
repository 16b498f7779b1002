"""Settings of login, sessions, invitations and rate limits, read from the environment.

One secret (``PORTAL_SESSION_SECRET``) is the root of the CSRF signing key and
the invitation HMAC key; each is derived from it with its own label, so one
never serves as the other. In demo mode a secret is made once and kept in the
data folder; in production a missing or short secret stops the start.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from portal.config import ConfigError, Settings
from portal.notifications.outbox import SmtpSettings, load_smtp_settings

DEMO_ISSUER_PATH = "/dev-oidc"
DEMO_CLIENT_ID = "supplier-portal-demo"
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` hits per ``seconds`` for one key (client address)."""

    limit: int
    seconds: int


@dataclass(frozen=True)
class AuthSettings:
    """Everything the auth area needs besides the services."""

    public_url: str
    secret: bytes
    issuer: str | None = None
    client_id: str = ""
    client_secret: str = ""
    role_claim: str = "roles"
    scopes: str = "openid profile email"
    demo: bool = False
    secure_cookies: bool = True
    session_max_age: int = 8 * 3600
    session_idle: int = 30 * 60
    session_redis_url: str | None = None
    invitation_ttl: timedelta = timedelta(days=7)
    login_rate: RateLimit = RateLimit(20, 60)
    accept_rate: RateLimit = RateLimit(10, 60)
    upload_rate: RateLimit = RateLimit(30, 60)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    @property
    def redirect_uri(self) -> str:
        """Where the provider sends the browser back."""
        return self.public_url.rstrip("/") + "/auth/callback"

    @property
    def oidc_configured(self) -> bool:
        """Whether a provider is configured at all."""
        return bool(self.issuer and self.client_id)

    def derived_key(self, label: str) -> bytes:
        """A key for one purpose, derived from the root secret."""
        return hmac.new(self.secret, label.encode(), hashlib.sha256).digest()


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name) or ""
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name} must be a positive whole number, not {value!r}")
    return int(value)


def _rate(env: Mapping[str, str], name: str, default: RateLimit) -> RateLimit:
    """``PORTAL_RATE_LOGIN=20/60`` means 20 requests per 60 seconds."""
    value = env.get(name) or ""
    if not value:
        return default
    limit, _, seconds = value.partition("/")
    if not (limit.isdigit() and seconds.isdigit() and int(limit) > 0 and int(seconds) > 0):
        raise ConfigError(f"{name} must look like 20/60 (requests/seconds), not {value!r}")
    return RateLimit(int(limit), int(seconds))


def _demo_secret(data_dir: Path) -> bytes:
    path = data_dir / "demo-session-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip().encode()


def load_auth_settings(settings: Settings, env: Mapping[str, str] | None = None) -> AuthSettings:
    """Read PORTAL_OIDC_*, PORTAL_SESSION_*, PORTAL_INVITATION_*, PORTAL_RATE_*, PORTAL_SMTP_*."""
    env = os.environ if env is None else env
    web = settings.web
    raw_secret = env.get("PORTAL_SESSION_SECRET") or web.session_secret
    if raw_secret:
        if len(raw_secret) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"PORTAL_SESSION_SECRET must be at least {MIN_SECRET_LENGTH} characters"
            )
        secret = raw_secret.encode()
    elif web.demo:
        secret = _demo_secret(settings.data_dir)
    else:
        raise ConfigError(
            "PORTAL_SESSION_SECRET is not set: it signs CSRF tokens and invitation links "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    issuer = env.get("PORTAL_OIDC_ISSUER") or None
    client_id = env.get("PORTAL_OIDC_CLIENT_ID", "")
    client_secret = env.get("PORTAL_OIDC_CLIENT_SECRET", "")
    if web.demo and issuer is None:
        issuer = web.public_url.rstrip("/") + DEMO_ISSUER_PATH
        client_id = DEMO_CLIENT_ID
        client_secret = hmac.new(secret, b"devoidc-client", hashlib.sha256).hexdigest()
    if issuer and not client_id:
        raise ConfigError("PORTAL_OIDC_CLIENT_ID must be set with PORTAL_OIDC_ISSUER")
    try:
        smtp = load_smtp_settings(env)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return AuthSettings(
        public_url=web.public_url,
        secret=secret,
        issuer=issuer,  # compared verbatim with the tokens' iss: no normalising
        client_id=client_id,
        client_secret=client_secret,
        role_claim=env.get("PORTAL_OIDC_ROLE_CLAIM") or "roles",
        scopes=env.get("PORTAL_OIDC_SCOPES") or "openid profile email",
        demo=web.demo,
        secure_cookies=web.secure_cookies,
        session_max_age=_int(env, "PORTAL_SESSION_MAX_AGE", 8 * 3600),
        session_idle=_int(env, "PORTAL_SESSION_IDLE_SECONDS", 30 * 60),
        session_redis_url=env.get("PORTAL_SESSION_REDIS_URL") or None,
        invitation_ttl=timedelta(days=_int(env, "PORTAL_INVITATION_TTL_DAYS", 7)),
        login_rate=_rate(env, "PORTAL_RATE_LOGIN", RateLimit(20, 60)),
        accept_rate=_rate(env, "PORTAL_RATE_INVITATION", RateLimit(10, 60)),
        upload_rate=_rate(env, "PORTAL_RATE_UPLOAD", RateLimit(30, 60)),
        smtp=smtp,
    )
