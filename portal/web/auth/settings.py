"""Settings of login, sessions, invitations and rate limits, derived from the portal's settings.

One secret (``PORTAL_SESSION_SECRET``) is the root of the CSRF signing key and
the invitation HMAC key; each is derived from it with its own label, so one
never serves as the other. In demo mode a secret is made once and kept in the
data folder; in production a missing or short secret stops the start.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from portal.bootstrap import smtp_settings
from portal.config import ConfigError, Settings
from portal.notifications.outbox import SmtpSettings

DEMO_ISSUER_PATH = "/dev-oidc"
DEMO_CLIENT_ID = "supplier-portal-demo"


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


def _rate(value: str) -> RateLimit:
    """``20/60`` means 20 requests per 60 seconds (the form is checked by the settings)."""
    limit, _, seconds = value.partition("/")
    return RateLimit(int(limit), int(seconds))


def _demo_secret(data_dir: Path) -> bytes:
    path = data_dir / "demo-session-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip().encode()


def load_auth_settings(settings: Settings) -> AuthSettings:
    """The auth area's settings from the portal's (OIDC, sessions, invitations, rates, SMTP).

    In production a missing session secret stops the start; the demo makes one and keeps it
    in the data folder.
    """
    web, auth = settings.web, settings.auth
    if web.session_secret is not None:
        secret = web.session_secret.get_secret_value().encode()
    elif web.demo:
        secret = _demo_secret(settings.data_dir)
    else:
        raise ConfigError(
            "PORTAL_SESSION_SECRET is not set: it signs CSRF tokens and invitation links "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    issuer = auth.oidc_issuer
    client_id = auth.oidc_client_id
    client_secret = auth.oidc_client_secret.get_secret_value()
    if web.demo and issuer is None:
        issuer = web.public_url.rstrip("/") + DEMO_ISSUER_PATH
        client_id = DEMO_CLIENT_ID
        client_secret = hmac.new(secret, b"devoidc-client", hashlib.sha256).hexdigest()
    return AuthSettings(
        public_url=web.public_url,
        secret=secret,
        issuer=issuer,  # compared verbatim with the tokens' iss: no normalising
        client_id=client_id,
        client_secret=client_secret,
        role_claim=auth.oidc_role_claim,
        scopes=auth.oidc_scopes,
        demo=web.demo,
        secure_cookies=web.secure_cookies,
        session_max_age=auth.session_max_age,
        session_idle=auth.session_idle,
        session_redis_url=auth.session_redis_url,
        invitation_ttl=timedelta(days=auth.invitation_ttl_days),
        login_rate=_rate(auth.rate_login),
        accept_rate=_rate(auth.rate_invitation),
        upload_rate=_rate(auth.rate_upload),
        smtp=smtp_settings(settings),
    )
