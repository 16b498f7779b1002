"""What the payment use cases share: their collaborators and their errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from approvals.payment_hold import DEFAULT_COOLING_OFF
from portal.audit.log import AuditLog
from portal.db.sealing import Sealer
from portal.domain.errors import ErrorKind, PortalError
from portal.payments.attestation import AttestationKeys
from portal.payments.versions import VersionStore

__all__ = ["AccountVersionNotFoundError", "PaymentDeps", "PaymentForbiddenError", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PaymentDeps:
    """The collaborators of the payment use cases (built by the composition root)."""

    engine: Engine
    sealer: Sealer
    audit: AuditLog
    cooling_off: timedelta = DEFAULT_COOLING_OFF
    clock: Callable[[], datetime] = utc_now
    versions: VersionStore = field(default_factory=VersionStore)
    #: signs the passing lines; None: no attestations (then the column stays empty)
    attestation: AttestationKeys | None = None


class PaymentForbiddenError(PortalError):
    """The caller's role may not do this payment act (deny by default)."""

    kind = ErrorKind.FORBIDDEN
    code = "payments.forbidden"

    def __init__(self, act_en: str, act_zh: str) -> None:
        super().__init__(f"your role may not {act_en}", message_zh=f"您的角色不能{act_zh}")


class AccountVersionNotFoundError(PortalError, LookupError):
    kind = ErrorKind.NOT_FOUND
    code = "account_version.not_found"

    def __init__(self, version_id: str) -> None:
        super().__init__(
            f"no account version {version_id}", message_zh=f"找不到账户版本 {version_id}"
        )
