"""Every setting of the product, declared once per concern and read once by :func:`load_settings`.

Each concern is a pydantic-settings class whose fields carry the environment variable
they come from (``validation_alias``). :func:`load_settings` reads the environment once
(the process's, or the mapping it is given), drops empty values (an empty variable means
"not set"), validates every concern and turns whatever is wrong into ONE
:class:`ConfigError` that names the variables. A ``PORTAL_*`` variable that no concern
declares is an error too (a misspelt name would otherwise be ignored), with a "did you
mean" when a declared name is close.

Nothing here runs at import time, and nothing else in the product reads the environment:
the composition root (:mod:`portal.bootstrap`) builds every collaborator from the
:class:`Settings` this returns. ``portal config check`` prints them with secrets masked
(:func:`describe`).

>>> s = load_settings({"PORTAL_DATA_DIR": "/srv/portal", "PORTAL_OUTBOX_INTERVAL_SECONDS": "5"})
>>> s.database.url, s.outbox.interval_seconds, s.web.public_url
('sqlite:////srv/portal/portal.db', 5.0, 'http://127.0.0.1:8000')
>>> load_settings({"PORTAL_OUTBOX_INTERVAL_SECONDS": "abc"})
Traceback (most recent call last):
    ...
portal.config.ConfigError: PORTAL_OUTBOX_INTERVAL_SECONDS must be a number, not 'abc'
>>> try:
...     load_settings({"PORTAL_OCR_WORKERS": "0"})
... except ConfigError as exc:
...     print(exc)
PORTAL_OCR_WORKERS is not a setting of the portal (did you mean PORTAL_OCR_WORKER?)
"""

from __future__ import annotations

import difflib
import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

__all__ = [
    "AuthConfig",
    "ChangeSettings",
    "ConfigError",
    "CryptoSettings",
    "DatabaseSettings",
    "DirectorySettings",
    "ObservabilitySettings",
    "OcrSettings",
    "OutboxSettings",
    "OwnershipConfig",
    "RegistryConfig",
    "Settings",
    "SmtpConfig",
    "VerificationConfig",
    "WebSettings",
    "declared_variables",
    "describe",
    "load_settings",
]

#: Variables of the test suite and of live checks; never settings of the product.
IGNORED_PREFIXES = ("PORTAL_TEST_", "PORTAL_LIVE_")
MIN_SECRET_LENGTH = 32


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class _FedOnce(BaseSettings):
    """Settings built only from the values handed in (never a second read of the env)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment is read once, by load_settings, and handed in: no second read.
        return (init_settings,)


class _Concern(_FedOnce):
    """One concern's settings: frozen, fed only the values :func:`load_settings` read."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _env(name: str, default: Any = ..., **kwargs: Any) -> Any:
    return Field(default, validation_alias=AliasChoices(name), **kwargs)


Positive = Annotated[int, Field(ge=1)]
NonNegative = Annotated[int, Field(ge=0)]


class DatabaseSettings(_Concern):
    """Where the master data lives (default: ``portal.db`` in the data folder)."""

    url: str = _env("PORTAL_DATABASE_URL", "")

    @field_validator("url")
    @classmethod
    def _known_driver(cls, url: str) -> str:
        if url and not url.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "must be sqlite:///PATH or postgresql+psycopg://..., "
                f"not {url.split(':', 1)[0]}:..."
            )
        return url

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded database."""
        return self.url.startswith("sqlite")


class CryptoSettings(_Concern):
    """Customer-held key material: never in the database or the repository."""

    algorithm: Literal["A256GCM", "SM4GCM"] = _env("PORTAL_CRYPTO_ALGORITHM", "A256GCM")
    kek_file: Path | None = _env("PORTAL_KEK_FILE", None)
    kek: SecretStr | None = _env("PORTAL_KEK", None)
    pkcs11_module: str | None = _env("PORTAL_PKCS11_MODULE", None)
    pkcs11_token: str | None = _env("PORTAL_PKCS11_TOKEN", None)
    pkcs11_pin: SecretStr | None = _env("PORTAL_PKCS11_PIN", None)
    pkcs11_key_label: str = _env("PORTAL_PKCS11_KEY_LABEL", "portal-kek")


class WebSettings(_Concern):
    """The HTTP side."""

    host: str = _env("PORTAL_HOST", "127.0.0.1")
    port: int = _env("PORTAL_PORT", 8000, ge=1, le=65535)
    public_url: str = _env("PORTAL_PUBLIC_URL", "")
    session_secret: SecretStr | None = _env("PORTAL_SESSION_SECRET", None)
    secure_cookies: bool = _env("PORTAL_SECURE_COOKIES", True)
    max_upload_bytes: Positive = _env("PORTAL_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    demo: bool = _env("PORTAL_DEMO", False)
    #: Reverse proxies whose X-Forwarded-For/-Proto are believed (IPs or CIDRs, comma-
    #: separated). None by default: a client cannot choose the address it is counted under.
    trusted_proxies: str = _env("PORTAL_TRUSTED_PROXIES", "")
    #: The zone pages show times in (stored times are UTC); an IANA name.
    display_timezone: str = _env("PORTAL_DISPLAY_TIMEZONE", "Asia/Shanghai")

    @field_validator("display_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"must be an IANA time zone (e.g. Asia/Shanghai), not {value!r}"
            ) from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for item in _split(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"must be IP addresses or networks (e.g. 10.0.0.5,10.1.0.0/16), not {item!r}"
                ) from exc
        return ",".join(_split(value))

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The trusted proxies, one address or network each (empty: trust none).

        >>> WebSettings(trusted_proxies=" 10.0.0.5, 10.1.0.0/16 ").trusted_proxy_list
        ['10.0.0.5', '10.1.0.0/16']
        """
        return _split(self.trusted_proxies)

    @field_validator("session_secret")
    @classmethod
    def _long_enough(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and len(secret.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        return secret


class AuthConfig(_Concern):
    """Login (OIDC), sessions, invitations and rate limits (``20/60``: 20 per 60 seconds)."""

    oidc_issuer: str | None = _env("PORTAL_OIDC_ISSUER", None)
    oidc_client_id: str = _env("PORTAL_OIDC_CLIENT_ID", "")
    oidc_client_secret: SecretStr = _env("PORTAL_OIDC_CLIENT_SECRET", SecretStr(""))
    oidc_role_claim: str = _env("PORTAL_OIDC_ROLE_CLAIM", "roles")
    oidc_scopes: str = _env("PORTAL_OIDC_SCOPES", "openid profile email")
    session_max_age: Positive = _env("PORTAL_SESSION_MAX_AGE", 8 * 3600)
    session_idle: Positive = _env("PORTAL_SESSION_IDLE_SECONDS", 30 * 60)
    session_redis_url: str | None = _env("PORTAL_SESSION_REDIS_URL", None)
    invitation_ttl_days: Positive = _env("PORTAL_INVITATION_TTL_DAYS", 7)
    rate_login: str = _env("PORTAL_RATE_LOGIN", "20/60", pattern=r"^[1-9]\d*/[1-9]\d*$")
    rate_invitation: str = _env("PORTAL_RATE_INVITATION", "10/60", pattern=r"^[1-9]\d*/[1-9]\d*$")
    rate_upload: str = _env("PORTAL_RATE_UPLOAD", "30/60", pattern=r"^[1-9]\d*/[1-9]\d*$")


class SmtpConfig(_Concern):
    """Where e-mail goes out; nothing is sent by e-mail without ``PORTAL_SMTP_HOST``."""

    host: str | None = _env("PORTAL_SMTP_HOST", None)
    port: int = _env("PORTAL_SMTP_PORT", 587, ge=1, le=65535)
    user: str | None = _env("PORTAL_SMTP_USER", None)
    password: SecretStr | None = _env("PORTAL_SMTP_PASSWORD", None)
    sender: str = _env("PORTAL_SMTP_FROM", "supplier-portal@localhost")
    starttls: bool = _env("PORTAL_SMTP_STARTTLS", True)


class OutboxSettings(_Concern):
    """The in-process send loop and the group robot (WeCom or DingTalk)."""

    interval_seconds: float = _env("PORTAL_OUTBOX_INTERVAL_SECONDS", 30.0, ge=0)
    webhook_url: SecretStr | None = _env("PORTAL_WEBHOOK_URL", None)
    webhook_flavour: Literal["wecom", "dingtalk"] = _env("PORTAL_WEBHOOK_FLAVOUR", "wecom")
    # the language of the group robot's messages (a group has no one reader's language)
    webhook_language: Literal["zh", "en"] = _env("PORTAL_WEBHOOK_LANGUAGE", "zh")
    # personal work notifications (portal/notifications/personal.py): a WeCom application
    # and a DingTalk application, each turned on by its credentials
    wecom_corp_id: str | None = _env("PORTAL_WECOM_CORP_ID", None)
    wecom_secret: SecretStr | None = _env("PORTAL_WECOM_SECRET", None)
    wecom_agent_id: int = _env("PORTAL_WECOM_AGENT_ID", 0)
    dingtalk_app_key: str | None = _env("PORTAL_DINGTALK_APP_KEY", None)
    dingtalk_app_secret: SecretStr | None = _env("PORTAL_DINGTALK_APP_SECRET", None)
    dingtalk_agent_id: int = _env("PORTAL_DINGTALK_AGENT_ID", 0)
    # reminders (portal/notifications/reminders.py): a request waiting longer than this
    # reminds its approvers, then goes up to the escalation role
    remind_after_hours: Positive = _env("PORTAL_REMIND_AFTER_HOURS", 24)
    escalate_after_hours: Positive = _env("PORTAL_ESCALATE_AFTER_HOURS", 72)
    escalate_to: Literal["admin", "purchasing_supervisor", "purchasing_clerk", "finance"] = _env(
        "PORTAL_ESCALATE_TO", "admin"
    )
    # the escalation as a chain, each step a role and the hours waited before it is told:
    # "purchasing_supervisor:48,admin:96"; empty: the one step PORTAL_ESCALATE_TO after
    # PORTAL_ESCALATE_AFTER_HOURS
    escalation_chain: str = _env("PORTAL_ESCALATION_CHAIN", "")

    @field_validator("escalation_chain")
    @classmethod
    def _chain(cls, value: str) -> str:
        roles = ("admin", "purchasing_supervisor", "purchasing_clerk", "finance")
        last = 0
        for item in _split(value):
            role, _, hours = item.partition(":")
            if role.strip() not in roles or not hours.strip().isdigit():
                raise ValueError(
                    "must be role:hours steps (e.g. purchasing_supervisor:48,admin:96) with "
                    f"roles among {', '.join(roles)}, not {item!r}"
                )
            if int(hours) <= last:
                raise ValueError(f"each step must come later than the one before, not {item!r}")
            last = int(hours)
        return value


class DirectorySettings(_Concern):
    """Staff directory sync from the identity provider (portal/staff_directory): the role
    map for SCIM and the pull, and the Keycloak pull (on when its URL, realm and client
    credentials are set)."""

    # provider group/role names to staff roles: "Purchasing Leads=purchasing_supervisor;…"
    role_map: str = _env("PORTAL_DIRECTORY_ROLE_MAP", "")
    keycloak_url: str | None = _env("PORTAL_KEYCLOAK_URL", None)
    keycloak_realm: str | None = _env("PORTAL_KEYCLOAK_REALM", None)
    keycloak_client_id: str | None = _env("PORTAL_KEYCLOAK_CLIENT_ID", None)
    keycloak_client_secret: SecretStr | None = _env("PORTAL_KEYCLOAK_CLIENT_SECRET", None)
    # whose client roles count besides realm roles (the portal's client id in Keycloak)
    keycloak_roles_client: str | None = _env("PORTAL_KEYCLOAK_ROLES_CLIENT", None)
    sync_minutes: Positive = _env("PORTAL_DIRECTORY_SYNC_MINUTES", 60)

    @field_validator("role_map")
    @classmethod
    def _role_map(cls, value: str) -> str:
        roles = ("admin", "purchasing_supervisor", "purchasing_clerk", "finance")
        for pair in (p for p in value.split(";") if p.strip()):
            name, sep, role = pair.rpartition("=")
            if not sep or not name.strip() or role.strip() not in roles:
                raise ValueError(
                    "must be 'group name=role' pairs separated by ';' with roles among "
                    f"{', '.join(roles)}"
                )
        return value

    @property
    def keycloak_configured(self) -> bool:
        """Whether the Keycloak pull has everything it needs."""
        return bool(
            self.keycloak_url
            and self.keycloak_realm
            and self.keycloak_client_id
            and self.keycloak_client_secret
        )


class ChangeSettings(_Concern):
    """The approval policy file and the cooling-off period of bank changes."""

    approval_policy_file: Path | None = _env("PORTAL_APPROVAL_POLICY_FILE", None)
    payment_cooling_off_hours: NonNegative = _env("PORTAL_PAYMENT_COOLING_OFF_HOURS", 48)
    payment_cooling_off_seconds: NonNegative | None = _env(
        "PORTAL_PAYMENT_COOLING_OFF_SECONDS", None
    )
    # approving a bank change asks for a fresh login with a second factor (step-up)
    step_up: bool = _env("PORTAL_STEP_UP", True)
    step_up_max_age_minutes: Positive = _env("PORTAL_STEP_UP_MAX_AGE_MINUTES", 15)
    step_up_mfa_acr: str = _env("PORTAL_STEP_UP_MFA_ACR", "")


class RegistryConfig(_Concern):
    """Provider credentials (企查查, 天眼查, 启信宝) and the registry's resilience knobs."""

    qichacha_key: str | None = _env("PORTAL_QICHACHA_KEY", None)
    qichacha_secret: SecretStr | None = _env("PORTAL_QICHACHA_SECRET", None)
    tianyancha_token: SecretStr | None = _env("PORTAL_TIANYANCHA_TOKEN", None)
    qixin_appkey: str | None = _env("PORTAL_QIXIN_APPKEY", None)
    qixin_secret: SecretStr | None = _env("PORTAL_QIXIN_SECRET", None)
    providers: str = _env(
        "PORTAL_REGISTRY_PROVIDERS",
        "qichacha,tianyancha,qixin",
        pattern=r"^\s*(qichacha|tianyancha|qixin)(\s*,\s*(qichacha|tianyancha|qixin))*\s*$",
    )
    timeout_seconds: float = _env("PORTAL_REGISTRY_TIMEOUT_SECONDS", 10.0, gt=0)
    cache_ttl_hours: float = _env("PORTAL_REGISTRY_CACHE_TTL_HOURS", 24.0, ge=0)
    demo: bool = _env("PORTAL_REGISTRY_DEMO", False)


class OwnershipConfig(_Concern):
    """The bank-account ownership service (对公账户核验) and its retries (``PORTAL_OWNERSHIP_*``,
    ``PORTAL_JUMDATA_*``) and the small-amount provider (e签宝 对公打款, ``PORTAL_ESIGN_*``).
    The secrets are read here only: never logged, never stored."""

    jumdata_app_id: str | None = _env("PORTAL_JUMDATA_APP_ID", None)
    jumdata_app_secret: SecretStr | None = _env("PORTAL_JUMDATA_APP_SECRET", None)
    esign_app_id: str | None = _env("PORTAL_ESIGN_APP_ID", None)
    esign_app_secret: SecretStr | None = _env("PORTAL_ESIGN_APP_SECRET", None)
    #: e签宝's API host: production, or the sandbox https://smlopenapi.esign.cn
    esign_url: str = _env("PORTAL_ESIGN_URL", "https://openapi.esign.cn", pattern=r"^https://\S+$")
    timeout_seconds: float = _env("PORTAL_OWNERSHIP_TIMEOUT_SECONDS", 15.0, gt=0)
    #: minutes between the worker's passes over unknown answers that are due again
    retry_pass_minutes: Positive = _env("PORTAL_OWNERSHIP_RETRY_PASS_MINUTES", 10)


class VerificationConfig(_Concern):
    """The monitoring job's knobs (``PORTAL_VERIFY_*``)."""

    cadence_days: Positive = _env("PORTAL_VERIFY_CADENCE_DAYS", 30)
    calls_per_minute: Positive = _env("PORTAL_VERIFY_CALLS_PER_MINUTE", 30)
    retry_minutes: Positive = _env("PORTAL_VERIFY_RETRY_MINUTES", 60)
    lease_minutes: Positive = _env("PORTAL_VERIFY_LEASE_MINUTES", 15)
    batch_limit: Positive = _env("PORTAL_VERIFY_BATCH_LIMIT", 100)
    alert_to: str = _env("PORTAL_VERIFY_ALERT_TO", "role:purchasing_supervisor")
    confirm_days: Positive = _env("PORTAL_VERIFY_CONFIRM_DAYS", 365)
    confirm_ttl_days: Positive = _env("PORTAL_VERIFY_CONFIRM_TTL_DAYS", 30)
    #: minutes between in-process monitoring passes; unset: 5 in the demo, else 0 (off)
    in_process_minutes: NonNegative | None = _env("PORTAL_VERIFY_IN_PROCESS_MINUTES", None)


class OcrSettings(_Concern):
    """The licence-reading queue (``PORTAL_OCR_*``) and the reader's input bounds."""

    worker: bool = _env("PORTAL_OCR_WORKER", True)
    lease_seconds: Positive = _env("PORTAL_OCR_LEASE_SECONDS", 300)
    max_attempts: Positive = _env("PORTAL_OCR_MAX_ATTEMPTS", 4)
    backoff_seconds: NonNegative = _env("PORTAL_OCR_BACKOFF_SECONDS", 30)
    max_upload_bytes: Positive | None = _env("OCR_MAX_UPLOAD_BYTES", None)
    max_pixels: Positive = _env("OCR_MAX_PIXELS", 60_000_000)
    # the sandboxed reader processes (ocr.sandbox): how many, and their time and memory limits
    workers: Positive = _env("OCR_WORKERS", 2)
    timeout_seconds: float = _env("OCR_TIMEOUT_SECONDS", 60.0, gt=0)
    memory_mb: Positive = _env("OCR_MEMORY_MB", 3072)
    recycle_jobs: Positive = _env("OCR_RECYCLE_JOBS", 200)
    recycle_rss_mb: Positive = _env("OCR_RECYCLE_RSS_MB", 1536)
    start_timeout_seconds: float = _env("OCR_START_TIMEOUT_SECONDS", 120.0, gt=0)


class DocumentStoreConfig(_Concern):
    """Where encrypted documents are kept: a local folder, or an S3-compatible bucket that
    every instance shares (see docs/operations.md)."""

    kind: str = _env("PORTAL_DOCUMENTS_STORE", "filesystem", pattern=r"^(filesystem|s3)$")
    s3_endpoint_url: str | None = _env("PORTAL_S3_ENDPOINT_URL", None)
    s3_bucket: str = _env("PORTAL_S3_BUCKET", "")
    s3_region: str = _env("PORTAL_S3_REGION", "us-east-1")
    s3_access_key_id: str | None = _env("PORTAL_S3_ACCESS_KEY_ID", None)
    s3_secret_access_key: SecretStr | None = _env("PORTAL_S3_SECRET_ACCESS_KEY", None)
    s3_prefix: str = _env("PORTAL_S3_PREFIX", "documents/")
    s3_create_bucket: bool = _env("PORTAL_S3_CREATE_BUCKET", False)


class AuditConfig(_Concern):
    """The audit chain's anchors outside the database, its archives and their retention."""

    checkpoint_file: Path | None = _env("PORTAL_AUDIT_CHECKPOINT_FILE", None)
    signing_key_file: Path | None = _env("PORTAL_AUDIT_SIGNING_KEY_FILE", None)
    archive_dir: Path | None = _env("PORTAL_AUDIT_ARCHIVE_DIR", None)
    retention_years: int = _env("PORTAL_AUDIT_RETENTION_YEARS", 10, ge=10)
    checkpoint_minutes: Positive = _env("PORTAL_AUDIT_CHECKPOINT_MINUTES", 60)
    tsa_url: str | None = _env("PORTAL_AUDIT_TSA_URL", None)
    tsa_chain_file: Path | None = _env("PORTAL_AUDIT_TSA_CHAIN_FILE", None)
    tsa_token_dir: Path | None = _env("PORTAL_AUDIT_TSA_TOKEN_DIR", None)


class ObservabilitySettings(_Concern):
    """Logs, metrics and traces (see docs/operations.md, "Logs, metrics and probes")."""

    #: ``json``: one JSON object per line (for a log shipper); ``text``: for a terminal
    log_format: Literal["json", "text"] = _env("PORTAL_LOG_FORMAT", "json")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = _env("PORTAL_LOG_LEVEL", "INFO")
    #: the bearer token Prometheus sends to ``/metrics``; unset: ``/metrics`` answers 404
    metrics_token: SecretStr | None = _env("PORTAL_METRICS_TOKEN", None)
    #: an OTLP/HTTP endpoint (e.g. http://otel-collector:4318); unset: no traces
    otel_endpoint: str | None = _env("PORTAL_OTEL_ENDPOINT", None)
    otel_service_name: str = _env("PORTAL_OTEL_SERVICE_NAME", "supplier-portal")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("metrics_token")
    @classmethod
    def _long_token(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and len(secret.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return secret


_CONCERNS: dict[str, type[_Concern]] = {
    "database": DatabaseSettings,
    "crypto": CryptoSettings,
    "web": WebSettings,
    "auth": AuthConfig,
    "smtp": SmtpConfig,
    "outbox": OutboxSettings,
    "directory": DirectorySettings,
    "changes": ChangeSettings,
    "registry": RegistryConfig,
    "verification": VerificationConfig,
    "ownership": OwnershipConfig,
    "ocr": OcrSettings,
    "audit": AuditConfig,
    "documents": DocumentStoreConfig,
    "observability": ObservabilitySettings,
}


class Settings(_FedOnce):
    """Everything the composition root needs, one attribute per concern."""

    model_config = SettingsConfigDict(frozen=True, arbitrary_types_allowed=True)
    concerns: ClassVar[tuple[str, ...]] = tuple(_CONCERNS)

    data_dir: Path
    database: DatabaseSettings
    crypto: CryptoSettings
    web: WebSettings
    auth: AuthConfig = Field(default_factory=AuthConfig)
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    directory: DirectorySettings = Field(default_factory=DirectorySettings)
    changes: ChangeSettings = Field(default_factory=ChangeSettings)
    registry: RegistryConfig = Field(default_factory=RegistryConfig)
    verification: VerificationConfig = Field(default_factory=VerificationConfig)
    ownership: OwnershipConfig = Field(default_factory=OwnershipConfig)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    documents: DocumentStoreConfig = Field(default_factory=DocumentStoreConfig)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)

    @property
    def documents_dir(self) -> Path:
        """Where encrypted documents are stored by the filesystem adapter."""
        return self.data_dir / "documents"

    @property
    def payment_cooling_off_hours(self) -> int:
        """Hours between an approved bank change and the first payment to it."""
        return self.changes.payment_cooling_off_hours


def declared_variables() -> dict[str, tuple[str, str]]:
    """Every variable the product reads: name -> (concern, field)."""
    names = {"PORTAL_DATA_DIR": ("", "data_dir")}
    for concern, model in _CONCERNS.items():
        for name, info in model.model_fields.items():
            alias = info.validation_alias
            assert isinstance(alias, AliasChoices)
            names[str(alias.choices[0])] = (concern, name)
    return names


_PLAIN = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be 1 or 0",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "literal_error": "must be one of {expected}",
    "string_pattern_mismatch": "does not have the expected form",
}
_SECRET = {"secret_str_type"}


def _message(error: Any, env: Mapping[str, str]) -> str:
    name = str(error["loc"][0]) if error["loc"] else "?"
    template = _PLAIN.get(error["type"])
    text = template.format(**error.get("ctx", {})) if template else error["msg"]
    if error["type"] == "string_pattern_mismatch":
        text = {
            "PORTAL_REGISTRY_PROVIDERS": "must list qichacha, tianyancha and/or qixin, "
            "separated by commas",
        }.get(name, "must look like 20/60 (requests/seconds)")
    if error["type"] == "value_error":
        text = str(error["ctx"]["error"])
    sensitive = any(word in name for word in ("SECRET", "PIN", "KEK", "TOKEN", "PASSWORD", "URL"))
    shown = "" if sensitive or name not in env else f", not {env[name]!r}"
    return f"{name} {text}{shown}"


def _unknown(env: Mapping[str, str], declared: Mapping[str, Any]) -> list[str]:
    problems = []
    for name in sorted(env):
        if not name.startswith("PORTAL_") or name in declared or name.startswith(IGNORED_PREFIXES):
            continue
        close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(f"{name} is not a setting of the portal{hint}")
    return problems


def load_settings(
    env: Mapping[str, str] | None = None, *, overrides: Mapping[str, str] | None = None
) -> Settings:
    """Read and validate every setting from ``env`` (the process environment by default),
    with ``overrides`` (command-line options) on top.

    Raises :class:`ConfigError` naming every variable that is wrong or unknown.
    """
    env = {**(os.environ if env is None else env), **(overrides or {})}
    declared = declared_variables()
    given = {k: v for k, v in env.items() if v.strip() != ""}
    problems = _unknown(given, declared)
    values: dict[str, _Concern] = {}
    for concern, model in _CONCERNS.items():
        wanted = {k: v for k, v in given.items() if declared.get(k, ("",))[0] == concern}
        try:
            values[concern] = model(**wanted)
        except ValidationError as exc:
            problems += [_message(error, given) for error in exc.errors()]
    if problems:
        raise ConfigError("; ".join(problems))
    data_dir = Path(given.get("PORTAL_DATA_DIR", "var")).resolve()
    database = values["database"]
    assert isinstance(database, DatabaseSettings)
    if not database.url:
        database = DatabaseSettings(url=f"sqlite:///{data_dir / 'portal.db'}")
    web = values["web"]
    assert isinstance(web, WebSettings)
    if not web.public_url:
        web = web.model_copy(update={"public_url": f"http://{web.host}:{web.port}"})
    auth = values["auth"]
    assert isinstance(auth, AuthConfig)
    if auth.oidc_issuer and not auth.oidc_client_id:
        raise ConfigError("PORTAL_OIDC_CLIENT_ID must be set with PORTAL_OIDC_ISSUER")
    return Settings.model_validate(
        {**values, "data_dir": data_dir, "database": database, "web": web}
    )


MASK = "********"


def _shown(name: str, value: Any) -> str:
    """A value as ``portal config check`` prints it: secrets masked, URLs without tokens."""
    if value is None:
        return "(not set)"
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        if not secret:
            return "(not set)"
        if name.endswith("_URL"):
            parts = urlsplit(secret)
            masked = "&".join(
                f"{p.partition('=')[0]}={MASK}" if "=" in p else p for p in parts.query.split("&")
            )
            return urlunsplit(parts._replace(query=masked if parts.query else ""))
        return MASK
    if isinstance(value, str) and "://" in value and "@" in value:
        parts = urlsplit(value)  # a password in a database or Redis URL
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@")
            return urlunsplit(parts._replace(netloc=netloc))
    return str(value)


def describe(settings: Settings) -> list[tuple[str, str]]:
    """Every variable with its effective value (defaults included), secrets masked.

    >>> dict(describe(load_settings({"PORTAL_KEK": "c2VjcmV0", "PORTAL_OCR_WORKER": "0"})))[
    ...     "PORTAL_KEK"]
    '********'
    """
    rows = [("PORTAL_DATA_DIR", str(settings.data_dir))]
    for name, (concern, attribute) in declared_variables().items():
        if concern:
            rows.append((name, _shown(name, getattr(getattr(settings, concern), attribute))))
    return rows
