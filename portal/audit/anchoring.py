"""Taking signed checkpoints of the chain's head (``portal audit checkpoint``).

:func:`take_checkpoint` first checks the entries added since the newest checkpoint (an
incremental verify, well under a second for a day of entries), so a tampered head is never
signed. It is idempotent (nothing is written when the head has not moved) and safe to run
twice at once (the store serialises appends and the second run sees the first's line).
:func:`checkpoint_if_due` is the call for the outbox/scheduler loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from cryptography import x509
from sqlalchemy import Engine, select

from approvals.audit import Anchor
from portal.audit.adapters.append_only_file import AppendOnlyFileCheckpointStore
from portal.audit.adapters.rfc3161 import Rfc3161Timestamper
from portal.audit.checkpoints import (
    ArchiveSeal,
    Checkpoint,
    CheckpointFormatError,
    CheckpointSigner,
    SignedCheckpoint,
    line_digest,
)
from portal.audit.errors import AuditConfigError, ChainTamperedError
from portal.audit.log import ENTRY
from portal.audit.ports import CheckpointStore
from portal.audit.settings import AuditSettings
from portal.audit.timestamps import Timestamps
from portal.audit.verify import CheckpointLog, read_checkpoints, verify_live

__all__ = ["Anchoring", "CheckpointTaken", "checkpoint_if_due", "take_checkpoint"]


@dataclass(frozen=True)
class Anchoring:
    """The two collaborators every anchoring act needs, built by the composition root."""

    signer: CheckpointSigner
    store: CheckpointStore
    timestamps: Timestamps | None = None

    @classmethod
    def from_settings(cls, settings: AuditSettings) -> Anchoring | None:
        """The signer and the append-only file store, or None when not configured."""
        if settings.checkpoint_file is None or settings.signing_key_file is None:
            return None
        signer = CheckpointSigner.from_file(settings.signing_key_file)
        store = AppendOnlyFileCheckpointStore(settings.checkpoint_file)
        return cls(signer, store, _timestamps(settings))

    def log(self) -> CheckpointLog:
        """The checkpoints as read and checked now."""
        return read_checkpoints(self.store, self.signer.keys)


@dataclass(frozen=True)
class CheckpointTaken:
    """The newest checkpoint after the act, and whether this call wrote it."""

    checkpoint: SignedCheckpoint | None
    written: bool
    timestamp_error: str | None = None  # the TSA's failure; the checkpoint stands


def take_checkpoint(
    engine: Engine,
    anchoring: Anchoring,
    *,
    now: datetime | None = None,
    archive: ArchiveSeal | None = None,
    head: Anchor | None = None,
) -> CheckpointTaken:
    """Sign the live chain's head into the store, unless the newest checkpoint already has it.

    Raises :class:`ChainTamperedError` when the entries since the newest checkpoint do not
    verify against it: that head must not be signed. ``archive``/``head`` are for
    :mod:`portal.audit.archive`, which seals an archive file at a given entry.
    """
    log = anchoring.log()
    if head is None:
        check = verify_live(engine, log, incremental=True)
        if not check.ok:
            raise ChainTamperedError(
                "the audit chain does not verify since the last checkpoint; not signing it: "
                + "; ".join(str(problem) for problem in check.problems[:5]),
                check.problems,
            )
        head = check.head
    if head is None or head.seq == 0:
        return CheckpointTaken(log.latest, written=False)
    at = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    signer = anchoring.signer

    def build(last_line: str | None) -> str | None:
        last = _parse_or_none(last_line, log.lines)
        if last is not None and archive is None:
            seen = last.checkpoint
            if (seen.seq, seen.hash) == (head.seq, head.hash):
                return None  # already anchored (perhaps by a run at the same moment)
            if seen.seq > head.seq:
                if _entry_hash(engine, seen.seq) == seen.hash:
                    return None  # a run that started later saw a newer head and signed it
                raise ChainTamperedError(
                    f"the chain's head is entry {head.seq} but {last.label} sealed entry "
                    f"{seen.seq}, which is no longer in the log; newer entries were removed"
                )
        prev = line_digest(last_line) if last_line else ""
        checkpoint = Checkpoint(seq=head.seq, hash=head.hash, at=at, prev=prev, archive=archive)
        return signer.sign(checkpoint)

    line = anchoring.store.append(build)
    if line is None:
        latest = anchoring.log().latest
        return CheckpointTaken(latest, written=False, timestamp_error=_stamp(anchoring, latest))
    taken = SignedCheckpoint.parse(line, len(anchoring.store.lines()))
    return CheckpointTaken(taken, written=True, timestamp_error=_stamp(anchoring, taken))


def _stamp(anchoring: Anchoring, signed: SignedCheckpoint | None) -> str | None:
    if anchoring.timestamps is None or signed is None:
        return None
    return anchoring.timestamps.stamp(signed.line)


def checkpoint_if_due(
    engine: Engine,
    anchoring: Anchoring,
    every: timedelta,
    *,
    now: datetime | None = None,
) -> CheckpointTaken | None:
    """For the scheduler loop: take a checkpoint when the newest is older than ``every``.

    Returns None when none was due. Cheap when not due: it reads the store only.
    """
    now = now or datetime.now(UTC)
    latest = anchoring.log().latest
    if latest is not None and now - latest.checkpoint.at < every:
        return None
    return take_checkpoint(engine, anchoring, now=now)


def _parse_or_none(line: str | None, number: int) -> SignedCheckpoint | None:
    if not line:
        return None
    try:
        return SignedCheckpoint.parse(line, number)
    except CheckpointFormatError:
        return None  # reported by verify; the next line still links to it


def _entry_hash(engine: Engine, seq: int) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(ENTRY.c.hash).where(ENTRY.c.seq == seq)).scalar()


def _timestamps(settings: AuditSettings) -> Timestamps | None:
    if settings.tsa_url is None or settings.tsa_chain_file is None:
        return None
    try:
        chain = x509.load_pem_x509_certificates(settings.tsa_chain_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise AuditConfigError(
            f"PORTAL_AUDIT_TSA_CHAIN_FILE {settings.tsa_chain_file} is not a PEM chain: {exc}"
        ) from exc
    folder = settings.token_dir
    assert folder is not None
    timestamper = Rfc3161Timestamper(settings.tsa_url, chain, httpx.Client())
    return Timestamps(timestamper, folder)
