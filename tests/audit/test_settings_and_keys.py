"""Audit settings and the checkpoint signing key: refused when unsafe, explained when wrong."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from portal.audit import (
    Anchoring,
    AuditConfigError,
    AuditSettings,
    CheckpointSigner,
    SigningKeyError,
    SigningKeyInsecureError,
    checkpoint_if_due,
    generate_signing_key_file,
)


def test_settings_are_read_from_the_environment() -> None:
    settings = AuditSettings.from_env(
        {
            "PORTAL_AUDIT_CHECKPOINT_FILE": "/srv/anchor/cp.log",
            "PORTAL_AUDIT_SIGNING_KEY_FILE": "/etc/portal/audit.pem",
            "PORTAL_AUDIT_ARCHIVE_DIR": "/srv/archive",
            "PORTAL_AUDIT_RETENTION_YEARS": "30",
            "PORTAL_AUDIT_CHECKPOINT_MINUTES": "15",
        }
    )
    assert settings.anchoring and settings.retention_years == 30
    assert settings.archive_dir == Path("/srv/archive") and settings.checkpoint_minutes == 15


def test_nothing_configured_means_no_anchoring() -> None:
    settings = AuditSettings.from_env({})
    assert not settings.anchoring and Anchoring.from_settings(settings) is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORTAL_AUDIT_RETENTION_YEARS", "5", "at least 10"),
        ("PORTAL_AUDIT_RETENTION_YEARS", "ten", "whole number"),
        ("PORTAL_AUDIT_CHECKPOINT_MINUTES", "0", "at least 1"),
    ],
)
def test_bad_settings_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(AuditConfigError, match=message) as caught:
        AuditSettings.from_env({name: value})
    assert name in str(caught.value)


def test_a_generated_key_is_owner_only_and_signs_what_it_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "audit.pem"
    made = generate_signing_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert CheckpointSigner.from_file(path).key_id == made.key_id


def test_an_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "audit.pem"
    generate_signing_key_file(path)
    with pytest.raises(SigningKeyError, match="already exists"):
        generate_signing_key_file(path)


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.pem"
    generate_signing_key_file(path)
    os.chmod(path, 0o640)
    with pytest.raises(SigningKeyInsecureError, match="chmod 600"):
        CheckpointSigner.from_file(path)


def test_a_missing_or_foreign_key_is_explained(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="portal audit keygen"):
        CheckpointSigner.from_file(tmp_path / "none.pem")
    rsa = tmp_path / "rsa.pem"
    rsa.write_text("not a key")
    os.chmod(rsa, 0o600)
    with pytest.raises(SigningKeyError, match="not a PEM private key"):
        CheckpointSigner.from_file(rsa)


def test_the_scheduler_checkpoints_only_when_one_is_due(
    engine: Engine, anchoring: Anchoring, write: Callable[..., None]
) -> None:
    hour = timedelta(hours=1)
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    write(2)
    assert checkpoint_if_due(engine, anchoring, hour, now=now) is not None
    write(1)
    assert checkpoint_if_due(engine, anchoring, hour, now=now + hour / 2) is None
    taken = checkpoint_if_due(engine, anchoring, hour, now=now + hour)
    assert taken is not None and taken.written and taken.checkpoint is not None
    assert taken.checkpoint.checkpoint.seq == 3


def test_a_tsa_needs_its_certificate_chain_and_keeps_tokens_beside_the_checkpoints() -> None:
    with pytest.raises(AuditConfigError, match="PORTAL_AUDIT_TSA_CHAIN_FILE"):
        AuditSettings.from_env({"PORTAL_AUDIT_TSA_URL": "https://tsa.example/"})
    settings = AuditSettings.from_env(
        {
            "PORTAL_AUDIT_CHECKPOINT_FILE": "/srv/anchor/cp.log",
            "PORTAL_AUDIT_TSA_URL": "https://tsa.example/",
            "PORTAL_AUDIT_TSA_CHAIN_FILE": "/etc/portal/tsa.pem",
        }
    )
    assert settings.token_dir == Path("/srv/anchor/cp.log.tsr")
