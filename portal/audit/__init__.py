"""The audit chain kept honest over time: signed checkpoints outside the database, fast
verification from rows, ten-year archives, and the audited acts of the portal.

The hash chain itself is :mod:`approvals.audit` (pure); appends are
:class:`portal.audit.log.AuditLog`. Settings: :class:`AuditSettings`.
"""

from portal.audit.anchoring import Anchoring, CheckpointTaken, checkpoint_if_due, take_checkpoint
from portal.audit.checkpoints import (
    ArchiveSeal,
    Checkpoint,
    CheckpointSigner,
    SignedCheckpoint,
    generate_signing_key_file,
)
from portal.audit.errors import (
    ArchiveError,
    AuditConfigError,
    AuditError,
    ChainTamperedError,
    CheckpointFileInsecureError,
    CheckpointStoreError,
    SigningKeyError,
    SigningKeyInsecureError,
    TimestampError,
)
from portal.audit.ports import CheckpointStore
from portal.audit.settings import AuditSettings
from portal.audit.verify import ChainCheck, CheckpointLog, read_checkpoints, verify_live

__all__ = [
    "Anchoring",
    "ArchiveError",
    "ArchiveSeal",
    "AuditConfigError",
    "AuditError",
    "AuditSettings",
    "ChainCheck",
    "ChainTamperedError",
    "Checkpoint",
    "CheckpointFileInsecureError",
    "CheckpointLog",
    "CheckpointSigner",
    "CheckpointStore",
    "CheckpointStoreError",
    "CheckpointTaken",
    "SignedCheckpoint",
    "SigningKeyError",
    "SigningKeyInsecureError",
    "TimestampError",
    "checkpoint_if_due",
    "generate_signing_key_file",
    "read_checkpoints",
    "take_checkpoint",
    "verify_live",
]
