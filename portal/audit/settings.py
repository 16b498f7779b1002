"""Audit settings, read from the environment by :meth:`AuditSettings.from_env`.

``PORTAL_AUDIT_CHECKPOINT_FILE``     append-only file of signed checkpoints (outside the DB)
``PORTAL_AUDIT_SIGNING_KEY_FILE``    Ed25519 private key (PEM, PKCS#8), mode 0600/0400
``PORTAL_AUDIT_ARCHIVE_DIR``         where ``portal audit archive`` writes archive files
``PORTAL_AUDIT_RETENTION_YEARS``     how long entries are kept, at least 10 (default 10)
``PORTAL_AUDIT_CHECKPOINT_MINUTES``  how often the scheduler takes a checkpoint (default 60)
``PORTAL_AUDIT_TSA_URL``             an RFC 3161 timestamp authority (optional)
``PORTAL_AUDIT_TSA_CHAIN_FILE``      its certificate chain, PEM, root last (with the URL)
``PORTAL_AUDIT_TSA_TOKEN_DIR``       where tokens are kept (default: beside the checkpoints)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portal.audit.errors import AuditConfigError

__all__ = ["MIN_RETENTION_YEARS", "AuditSettings"]

#: The floor: ten years for audit trails of payment master data; longer is allowed.
MIN_RETENTION_YEARS = 10


@dataclass(frozen=True)
class AuditSettings:
    """Where the audit chain's anchors and archives live, and how long entries are kept.

    >>> s = AuditSettings.from_env({"PORTAL_AUDIT_CHECKPOINT_FILE": "/var/lib/a/cp.log"})
    >>> s.checkpoint_file, s.signing_key_file, s.retention_years
    (PosixPath('/var/lib/a/cp.log'), None, 10)
    """

    checkpoint_file: Path | None = None
    signing_key_file: Path | None = None
    archive_dir: Path | None = None
    retention_years: int = MIN_RETENTION_YEARS
    checkpoint_minutes: int = 60
    tsa_url: str | None = None
    tsa_chain_file: Path | None = None
    tsa_token_dir: Path | None = None

    @property
    def token_dir(self) -> Path | None:
        """Where TSA tokens go: the setting, else ``<checkpoint file>.tsr`` beside it."""
        if self.tsa_token_dir is not None or self.checkpoint_file is None:
            return self.tsa_token_dir
        return self.checkpoint_file.with_name(self.checkpoint_file.name + ".tsr")

    @property
    def anchoring(self) -> bool:
        """Whether checkpoints can be taken and checked (both files are configured)."""
        return self.checkpoint_file is not None and self.signing_key_file is not None

    @classmethod
    def from_config(cls, config: Any) -> AuditSettings:
        """From the one settings object's ``audit`` concern (:class:`portal.config.AuditConfig`,
        which reads the same variables)."""
        settings = cls(
            checkpoint_file=config.checkpoint_file,
            signing_key_file=config.signing_key_file,
            archive_dir=config.archive_dir,
            retention_years=config.retention_years,
            checkpoint_minutes=config.checkpoint_minutes,
            tsa_url=config.tsa_url,
            tsa_chain_file=config.tsa_chain_file,
            tsa_token_dir=config.tsa_token_dir,
        )
        if settings.tsa_url and settings.tsa_chain_file is None:
            raise AuditConfigError(
                "PORTAL_AUDIT_TSA_URL needs PORTAL_AUDIT_TSA_CHAIN_FILE (the TSA's certificates)"
            )
        return settings

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuditSettings:
        """Read the ``PORTAL_AUDIT_*`` variables; raises :class:`AuditConfigError`."""

        def path(name: str) -> Path | None:
            value = env.get(name, "").strip()
            return Path(value) if value else None

        retention = _int(env, "PORTAL_AUDIT_RETENTION_YEARS", MIN_RETENTION_YEARS)
        if retention < MIN_RETENTION_YEARS:
            raise AuditConfigError(
                f"PORTAL_AUDIT_RETENTION_YEARS must be at least {MIN_RETENTION_YEARS}, "
                f"not {retention}"
            )
        minutes = _int(env, "PORTAL_AUDIT_CHECKPOINT_MINUTES", 60)
        if minutes < 1:
            raise AuditConfigError("PORTAL_AUDIT_CHECKPOINT_MINUTES must be at least 1")
        tsa_url = env.get("PORTAL_AUDIT_TSA_URL", "").strip() or None
        tsa_chain = path("PORTAL_AUDIT_TSA_CHAIN_FILE")
        if tsa_url is not None and tsa_chain is None:
            raise AuditConfigError(
                "PORTAL_AUDIT_TSA_URL needs PORTAL_AUDIT_TSA_CHAIN_FILE (the TSA's certificates)"
            )
        return cls(
            tsa_url=tsa_url,
            tsa_chain_file=tsa_chain,
            tsa_token_dir=path("PORTAL_AUDIT_TSA_TOKEN_DIR"),
            checkpoint_file=path("PORTAL_AUDIT_CHECKPOINT_FILE"),
            signing_key_file=path("PORTAL_AUDIT_SIGNING_KEY_FILE"),
            archive_dir=path("PORTAL_AUDIT_ARCHIVE_DIR"),
            retention_years=retention,
            checkpoint_minutes=minutes,
        )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise AuditConfigError(f"{name} must be a whole number, not {value!r}") from exc
