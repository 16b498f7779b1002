"""Signed checkpoints of the audit chain's head, one JSON line each.

A checkpoint says "on ``at``, entry ``seq`` of the chain had hash ``hash``", signed with an
Ed25519 key that lives in a file outside the database. Each line also carries the SHA-256 of
the line before it, so the checkpoints form a chain of their own: a line removed or changed
in the middle of the file is noticed. An archive checkpoint also seals an archive file
(:class:`ArchiveSeal`), so that the live chain may start where the archive ends.

Ed25519 is used under both crypto profiles: the ``cryptography`` package has no SM2
signatures, and a pure-Python SM2 would be slow and one more dependency to trust.

>>> from datetime import UTC, datetime
>>> signer = CheckpointSigner.generate()
>>> cp = Checkpoint(seq=5, hash="sha256:ab", at=datetime(2026, 12, 1, tzinfo=UTC), prev="")
>>> line = signer.sign(cp)
>>> read = SignedCheckpoint.parse(line, number=1)
>>> read.checkpoint == cp, read.verify({signer.key_id: signer.public_key})
(True, True)
>>> SignedCheckpoint.parse(line.replace('"seq":5', '"seq":6'), 1).verify(
...     {signer.key_id: signer.public_key})
False
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from portal.audit.errors import SigningKeyError, SigningKeyInsecureError

__all__ = [
    "ArchiveSeal",
    "Checkpoint",
    "CheckpointFormatError",
    "CheckpointSigner",
    "SignedCheckpoint",
    "generate_signing_key_file",
    "key_id_of",
    "line_digest",
]

_CONTEXT = b"supplier-portal audit checkpoint v1\n"


class CheckpointFormatError(ValueError):
    """A line of the checkpoint store is not a signed checkpoint (read as a problem)."""


@dataclass(frozen=True, kw_only=True)
class ArchiveSeal:
    """An archive file holding entries ``first_seq``..the checkpoint's ``seq``."""

    first_seq: int
    start_hash: str  # prev_hash of the first archived entry
    count: int
    file: str  # name inside the archive folder
    file_sha256: str
    first_at: str
    last_at: str


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    """The chain's head (``seq``, ``hash``) at ``at``; ``prev`` is the previous line's digest."""

    seq: int
    hash: str
    at: datetime
    prev: str
    archive: ArchiveSeal | None = None

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "prev": self.prev,
        }
        if self.archive is not None:
            data["archive"] = asdict(self.archive)
        return data

    @property
    def when(self) -> str:
        return str(self.body()["at"])


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def line_digest(line: str) -> str:
    """What the next checkpoint records as ``prev``."""
    return hashlib.sha256(line.encode()).hexdigest()


@dataclass(frozen=True)
class SignedCheckpoint:
    """One line of the store, as read: its place (``number``, from 1) and its signature."""

    checkpoint: Checkpoint
    key_id: str
    signature: bytes
    number: int
    line: str

    @property
    def label(self) -> str:
        """How messages name it: ``checkpoint #3 of 2026-12-01T08:00:00Z``."""
        return f"checkpoint #{self.number} of {self.checkpoint.when}"

    def verify(self, keys: dict[str, Ed25519PublicKey]) -> bool:
        key = keys.get(self.key_id)
        if key is None:
            return False
        try:
            key.verify(self.signature, _CONTEXT + _canonical(self.checkpoint.body()))
        except InvalidSignature:
            return False
        return True

    @classmethod
    def parse(cls, line: str, number: int) -> SignedCheckpoint:
        try:
            data = json.loads(line)
            body = data["checkpoint"]
            archive = body.get("archive")
            checkpoint = Checkpoint(
                seq=int(body["seq"]),
                hash=str(body["hash"]),
                at=datetime.fromisoformat(body["at"]),
                prev=str(body["prev"]),
                archive=ArchiveSeal(**archive) if archive is not None else None,
            )
            signature = base64.b64decode(data["sig"], validate=True)
            key_id = str(data["key"])
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise CheckpointFormatError(f"line {number} is not a signed checkpoint") from exc
        return cls(checkpoint, key_id, signature, number, line)


class CheckpointSigner:
    """Signs checkpoints with an Ed25519 private key held outside the database."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id_of(self.public_key)

    @classmethod
    def generate(cls) -> CheckpointSigner:
        """A fresh key held in memory (tests, demos)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_file(cls, path: Path) -> CheckpointSigner:
        """Read a PEM Ed25519 key; refuses a file that group or others may read or write."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError as exc:
            raise SigningKeyError(
                f"audit signing key {path} not found: create it with `portal audit keygen`"
            ) from exc
        except OSError as exc:
            raise SigningKeyError(f"audit signing key {path} cannot be opened: {exc}") from exc
        with os.fdopen(fd, "rb") as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
            if mode & 0o077:
                raise SigningKeyInsecureError(
                    f"audit signing key {path} is readable or writable by group/others (mode "
                    f"{mode:04o}); run `chmod 600 {path}` and replace the key if others may "
                    "have read it"
                )
            pem = handle.read()
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"audit signing key {path} is not a PEM private key") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"audit signing key {path} is not an Ed25519 key")
        return cls(key)

    @property
    def keys(self) -> dict[str, Ed25519PublicKey]:
        """The public keys a verifier trusts, by id."""
        return {self.key_id: self.public_key}

    def sign(self, checkpoint: Checkpoint) -> str:
        """The checkpoint as one signed JSON line (no newline)."""
        body = checkpoint.body()
        signature = self._key.sign(_CONTEXT + _canonical(body))
        line = {
            "checkpoint": body,
            "key": self.key_id,
            "sig": base64.b64encode(signature).decode(),
        }
        return json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def generate_signing_key_file(path: Path) -> CheckpointSigner:
    """Create a new Ed25519 key file (mode 0600); refuses to overwrite an existing one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise SigningKeyError(f"{path} already exists; not overwriting a signing key") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    return CheckpointSigner(key)
