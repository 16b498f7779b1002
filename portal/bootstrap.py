"""The composition root: every collaborator built from the one :class:`~portal.config.Settings`.

Starting fails closed: without the customer's key, or when the cipher self-test fails,
nothing is served and the message says which key is missing and how to provide it; a
collaborator that cannot be built (an unreadable approval policy, a malformed sender)
stops the start with a message naming it. Nothing below reads the environment: the
settings were read once, by :func:`portal.config.load_settings`.

Use cases never import this module; they take their collaborators as arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta

import httpx
from sqlalchemy import Engine

from approvals import DEFAULT_POLICY, ApprovalPolicy, PolicyConfigError, StepUpRule
from crypto import Algorithm, KeyProvider, Keyring, run_self_test
from crypto.adapters.local import LocalKeyProvider
from crypto.errors import KeyUnavailableError
from ocr.limits import InputLimits
from ocr.sandbox import SandboxSettings
from payments.ports import OwnershipVerifier, SmallAmountTransfer
from portal.audit.log import AuditLog
from portal.changes import ChangeDeps
from portal.changes.policy import policy_from_file
from portal.changes.step_up import StepUpSettings
from portal.config import ConfigError, CryptoSettings, Settings
from portal.core import MissingCollaboratorError, Services
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.document_store import DocumentStoreSettings, blob_storage_from_settings
from portal.finance.ports import (
    AuditedExports,
    AuditedReveals,
    ChangePaymentHolds,
    ExportAudit,
    PaymentHoldView,
    RevealAudit,
)
from portal.notifications import outbox
from portal.notifications.messages import OutboxNotifier, RobotWebhookSender
from portal.notifications.outbox import Channel, Sender, SmtpEmailSender, SmtpSettings
from portal.notifications.personal import DingTalkWorkSender, WeComAppSender
from portal.observability.providers import ProviderCallMetrics
from portal.ocr_jobs import OcrJobSettings
from portal.payments import PaymentDeps
from portal.payments.attestation import AttestationKeys
from portal.staff_directory.keycloak import KeycloakPeople
from portal.staff_directory.pull import PeopleSource
from portal.staff_directory.sync import RoleMap
from portal.verification.wiring import (
    VerificationWiring,
    build_verification,
    verification_settings,
)
from providers.observer import ProviderCallObserver

__all__ = [
    "Collaborators",
    "MissingCollaboratorError",
    "Services",
    "approval_policy",
    "build_change_deps",
    "build_collaborators",
    "build_services",
    "cooling_off",
    "key_provider",
    "ocr_job_settings",
    "ocr_limits",
    "ocr_sandbox",
    "outbox_senders",
    "people_source",
    "require_collaborators",
    "smtp_settings",
]


def key_provider(crypto: CryptoSettings) -> KeyProvider:
    """The customer's KEK: an HSM through PKCS#11 when configured, else a local key."""
    if crypto.pkcs11_module:
        from crypto.adapters.pkcs11 import Pkcs11KeyProvider

        return Pkcs11KeyProvider(
            crypto.pkcs11_module,
            crypto.pkcs11_token or "",
            crypto.pkcs11_pin.get_secret_value() if crypto.pkcs11_pin else "",
            crypto.pkcs11_key_label,
        )
    if crypto.kek_file is not None:
        return LocalKeyProvider.from_file(crypto.kek_file)
    if crypto.kek is None:
        raise KeyUnavailableError(
            "no KEK is configured: set PORTAL_KEK_FILE (a file readable by this user only), "
            "PORTAL_KEK (base64) or PORTAL_PKCS11_MODULE (an HSM)"
        )
    return LocalKeyProvider.from_base64(crypto.kek.get_secret_value(), "$PORTAL_KEK")


def build_services(
    settings: Settings, *, engine: Engine | None = None, initialise_keys: bool = False
) -> Services:
    """Connect to the database and unlock the keyring (fail closed)."""
    algorithm = Algorithm(settings.crypto.algorithm)
    run_self_test(algorithm)
    engine = engine or make_engine(settings.database.url)
    store = SqlDataKeyStore(engine)
    provider = key_provider(settings.crypto)
    keyring = (
        Keyring.initialise(store, provider, algorithm)
        if initialise_keys
        else Keyring.load(store, provider)
    )
    sealer = Sealer(keyring.field_cipher(), keyring.blind_indexer())
    # Documents: a folder under the data dir, or a shared S3 bucket (portal.document_store).
    blobs = blob_storage_from_settings(
        document_store_settings(settings),
        documents_dir=settings.documents_dir,
    )
    return Services(
        settings=settings,
        engine=engine,
        keyring=keyring,
        sealer=sealer,
        suppliers=SupplierStore(sealer),
        documents=keyring.document_vault(blobs),
    )


def approval_policy(settings: Settings) -> ApprovalPolicy:
    """The policy of ``PORTAL_APPROVAL_POLICY_FILE``, else the default policy."""
    path = settings.changes.approval_policy_file
    if path is None:
        return DEFAULT_POLICY
    try:
        return policy_from_file(path)
    except PolicyConfigError as exc:
        raise ConfigError(f"PORTAL_APPROVAL_POLICY_FILE: {exc}") from exc


def cooling_off(settings: Settings) -> timedelta:
    """Between an approved bank change and the first payment: the seconds when given (demos,
    end-to-end tests), else the hours."""
    changes = settings.changes
    if changes.payment_cooling_off_seconds is not None:
        return timedelta(seconds=changes.payment_cooling_off_seconds)
    return timedelta(hours=changes.payment_cooling_off_hours)


def document_store_settings(settings: Settings) -> DocumentStoreSettings:
    """Where documents live: the folder under the data dir, or a shared S3 bucket."""
    store = settings.documents
    secret = store.s3_secret_access_key
    return DocumentStoreSettings(
        kind=store.kind,
        endpoint_url=store.s3_endpoint_url or None,
        bucket=store.s3_bucket,
        region=store.s3_region,
        access_key_id=store.s3_access_key_id or None,
        secret_access_key=(secret.get_secret_value() or None) if secret else None,
        prefix=store.s3_prefix,
        create_bucket=store.s3_create_bucket,
    )


def build_change_deps(services: Services) -> ChangeDeps:
    """The change-request collaborators as ``portal serve``, ``demo`` and the CLI use them."""
    return ChangeDeps(
        engine=services.engine,
        suppliers=services.suppliers,
        audit=AuditLog(services.sealer),
        notifier=OutboxNotifier(
            outbox.enqueue,
            public_url=services.settings.web.public_url.rstrip("/"),
            webhook=services.settings.outbox.webhook_url is not None,
            webhook_language=services.settings.outbox.webhook_language,
        ),
        policy=approval_policy(services.settings),
        cooling_off=cooling_off(services.settings),
        step_up=step_up_rule(services.settings),
    )


def build_payment_deps(
    changes: ChangeDeps, settings: Settings | None = None, *, provider: KeyProvider | None = None
) -> PaymentDeps:
    """The payment use cases' collaborators: the change flow's engine, sealer, audit log,
    clock and cooling-off (one cooling-off for the hold and the account versions); with
    ``settings`` (or a ``provider``), attestations signed by a key the customer's key
    provider wraps, opened when the first line passes."""
    base = PaymentDeps(
        engine=changes.engine,
        sealer=changes.sealer,
        audit=changes.audit,
        cooling_off=changes.cooling_off,
        clock=changes.clock,
    )
    if provider is not None:
        return replace(base, attestation=AttestationKeys(changes.engine, lambda: provider))
    if settings is not None:
        return replace(base, attestation=attestation_keys(changes.engine, settings))
    return base


def attestation_keys(
    engine: Engine, settings: Settings, provider: KeyProvider | None = None
) -> AttestationKeys:
    """The attestation key, wrapped by the customer's key provider (``provider``, or the
    one the settings name, opened when first needed): SM2 under the SM4/国密 profile,
    Ed25519 otherwise."""
    crypto = settings.crypto
    algorithm = "SM2" if crypto.algorithm == "SM4GCM" else "Ed25519"
    opened = (lambda: provider) if provider is not None else (lambda: key_provider(crypto))
    return AttestationKeys(engine, opened, algorithm)


def ownership_verifier(
    settings: Settings, client: httpx.AsyncClient, observer: ProviderCallObserver | None = None
) -> OwnershipVerifier | None:
    """The bank-account ownership service: the demo's offline adapter in the demo, jumdata
    when ``PORTAL_JUMDATA_APP_ID`` and ``_SECRET`` are set (``client`` is the caller's),
    else None (then only the small amount proves an account)."""
    from payments.adapters.demo import DemoOwnershipVerifier
    from payments.adapters.jumdata import JumdataCredentials, JumdataOwnershipVerifier
    from portal.observability.providers import ObservedOwnershipVerifier

    config = settings.ownership
    verifier: OwnershipVerifier
    if settings.web.demo:
        verifier = DemoOwnershipVerifier()
    elif config.jumdata_app_id and config.jumdata_app_secret:
        credentials = JumdataCredentials(
            config.jumdata_app_id, config.jumdata_app_secret.get_secret_value()
        )
        verifier = JumdataOwnershipVerifier(client, credentials, timeout=config.timeout_seconds)
    else:
        return None
    return verifier if observer is None else ObservedOwnershipVerifier(verifier, observer)


def small_amount_transfer(
    settings: Settings, client: httpx.AsyncClient
) -> SmallAmountTransfer | None:
    """The provider that sends the small amount itself: e签宝 when ``PORTAL_ESIGN_APP_ID``
    and ``_SECRET`` are set (``client`` is the caller's), else None (then the customer's
    payment system sends it)."""
    from payments.adapters.esign import EsignCredentials, EsignSmallAmountTransfer

    config = settings.ownership
    if not (config.esign_app_id and config.esign_app_secret):
        return None
    credentials = EsignCredentials(config.esign_app_id, config.esign_app_secret.get_secret_value())
    return EsignSmallAmountTransfer(
        client, credentials, timeout=config.timeout_seconds, base_url=config.esign_url
    )


def step_up_rule(settings: Settings) -> StepUpRule | None:
    """The fresh two-factor login that approving a bank change asks for (None: off)."""
    changes = settings.changes
    return StepUpSettings(
        enabled=changes.step_up,
        max_age_minutes=changes.step_up_max_age_minutes,
        multi_factor_acr=frozenset(changes.step_up_mfa_acr.split()),
    ).rule()


def smtp_settings(settings: Settings) -> SmtpSettings:
    """The SMTP server of outgoing e-mail (``configured`` is false without a host)."""
    smtp = settings.smtp
    return SmtpSettings(
        host=smtp.host,
        port=smtp.port,
        user=smtp.user,
        password=smtp.password.get_secret_value() if smtp.password else None,
        sender=smtp.sender,
        starttls=smtp.starttls,
    )


def outbox_senders(settings: Settings) -> dict[str, Sender]:
    """The senders whose settings are present: e-mail with an SMTP host, the group robot
    with a webhook URL."""
    senders: dict[str, Sender] = {}
    smtp = smtp_settings(settings)
    if smtp.configured:
        senders[Channel.EMAIL.value] = SmtpEmailSender(smtp)
    url = settings.outbox.webhook_url
    if url is not None:
        flavour = settings.outbox.webhook_flavour
        client = httpx.Client(timeout=10.0)
        senders[Channel.WEBHOOK.value] = RobotWebhookSender(
            url.get_secret_value(), client, flavour=flavour
        )
    box = settings.outbox
    if box.wecom_corp_id and box.wecom_secret is not None:
        senders[Channel.WECOM.value] = WeComAppSender(
            httpx.Client(timeout=10.0),
            corp_id=box.wecom_corp_id,
            secret=box.wecom_secret.get_secret_value(),
            agent_id=box.wecom_agent_id,
        )
    if box.dingtalk_app_key and box.dingtalk_app_secret is not None:
        senders[Channel.DINGTALK.value] = DingTalkWorkSender(
            httpx.Client(timeout=10.0),
            app_key=box.dingtalk_app_key,
            app_secret=box.dingtalk_app_secret.get_secret_value(),
            agent_id=box.dingtalk_agent_id,
        )
    return senders


def people_source(settings: Settings) -> PeopleSource | None:
    """The Keycloak pull when its URL, realm and client credentials are set, else None
    (SCIM needs no setting: a SCIM token turns it on)."""
    directory = settings.directory
    if not directory.keycloak_configured:
        return None
    assert directory.keycloak_url and directory.keycloak_realm and directory.keycloak_client_id
    assert directory.keycloak_client_secret is not None
    return KeycloakPeople(
        httpx.Client(timeout=20.0),
        base_url=directory.keycloak_url,
        realm=directory.keycloak_realm,
        client_id=directory.keycloak_client_id,
        client_secret=directory.keycloak_client_secret.get_secret_value(),
        role_map=RoleMap.parse(directory.role_map),
        roles_client_id=directory.keycloak_roles_client,
    )


def ocr_job_settings(settings: Settings) -> OcrJobSettings:
    """The licence-reading queue's settings."""
    ocr = settings.ocr
    return OcrJobSettings(
        worker=ocr.worker,
        lease_seconds=ocr.lease_seconds,
        max_attempts=ocr.max_attempts,
        backoff_seconds=ocr.backoff_seconds,
    )


def ocr_sandbox(settings: Settings) -> SandboxSettings:
    """The licence reader's worker processes: how many, and their time and memory limits."""
    ocr = settings.ocr
    return SandboxSettings(
        workers=ocr.workers,
        timeout_seconds=ocr.timeout_seconds,
        memory_bytes=ocr.memory_mb * 1024 * 1024,
        max_jobs=ocr.recycle_jobs,
        recycle_rss_bytes=ocr.recycle_rss_mb * 1024 * 1024,
        start_timeout_seconds=ocr.start_timeout_seconds,
    )


def ocr_limits(settings: Settings) -> InputLimits:
    """What the licence reader accepts (uploads are bounded by the web limit by default)."""
    return InputLimits(
        max_upload_bytes=settings.ocr.max_upload_bytes or settings.web.max_upload_bytes,
        max_pixels=settings.ocr.max_pixels,
    )


@dataclass(frozen=True)
class Collaborators:
    """Everything the web areas and the workers are built from; every field is required."""

    services: Services
    changes: ChangeDeps
    verification: VerificationWiring
    ocr: OcrJobSettings
    ocr_limits: InputLimits
    ocr_sandbox: SandboxSettings
    senders: Mapping[str, Sender]
    reveal_audit: RevealAudit
    export_audit: ExportAudit
    payment_holds: PaymentHoldView
    #: signs what says a payment may go to an account (the check's pass lines, the API's
    #: active versions); one per process, so the key is made once
    attestation: AttestationKeys
    #: every provider call of this process, counted (``/metrics``, ``worker --metrics-port``)
    provider_calls: ProviderCallMetrics = field(default_factory=ProviderCallMetrics)

    def __post_init__(self) -> None:
        require_collaborators(self)

    @property
    def settings(self) -> Settings:
        return self.services.settings


#: What each collaborator must be; a value that is not refuses the start, naming it.
REQUIRED: dict[str, tuple[type, str]] = {
    "services": (Services, "the engine, keyring and stores"),
    "changes": (ChangeDeps, "the change-request collaborators"),
    "verification": (VerificationWiring, "the registry and tax sources (or 'off')"),
    "ocr": (OcrJobSettings, "the licence-reading queue's settings"),
    "ocr_limits": (InputLimits, "what the licence reader accepts"),
    "ocr_sandbox": (SandboxSettings, "the licence reader's worker processes and their limits"),
    "reveal_audit": (RevealAudit, "clear values cannot be shown without their audit entry"),
    "export_audit": (ExportAudit, "bulk exports cannot leave without their audit entry"),
    "payment_holds": (PaymentHoldView, "payments cannot be read as held or not held"),
    "attestation": (AttestationKeys, "nothing could be signed as payable"),
}


def require_collaborators(collaborators: object) -> None:
    """Raise :class:`MissingCollaboratorError` naming the first collaborator that is missing."""
    for name, (kind, why) in REQUIRED.items():
        if not isinstance(getattr(collaborators, name, None), kind):
            raise MissingCollaboratorError(name, why)


def build_collaborators(
    services: Services,
    *,
    changes: ChangeDeps | None = None,
    verification: VerificationWiring | None = None,
) -> Collaborators:
    """Build every collaborator from the services' settings, or refuse with a ConfigError.

    Tests pass their own ``changes`` (clock, notifier) or ``verification`` (fakes); the
    reveal audit and the payment-hold view follow the change collaborators.
    """
    settings = services.settings
    changes = changes or build_change_deps(services)
    provider_calls = ProviderCallMetrics()
    try:
        senders = outbox_senders(settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return Collaborators(
        services=services,
        changes=changes,
        verification=verification
        or build_verification(verification_settings(settings), observer=provider_calls),
        ocr=ocr_job_settings(settings),
        ocr_limits=ocr_limits(settings),
        ocr_sandbox=ocr_sandbox(settings),
        senders=senders,
        reveal_audit=AuditedReveals(services.engine, changes.audit, changes.clock),
        export_audit=AuditedExports(services.engine, changes.audit, changes.clock),
        payment_holds=ChangePaymentHolds(changes),
        attestation=attestation_keys(services.engine, settings, services.keyring.wrapping_provider),
        provider_calls=provider_calls,
    )
