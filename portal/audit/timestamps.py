"""RFC 3161 tokens for checkpoint lines, kept one file each beside the checkpoint file.

``take_checkpoint`` asks the TSA for a token after it appends a line; a TSA that is down
does not stop the checkpoint (the line is already signed and appended) and the next run
asks again for the newest line. ``portal audit verify`` checks every token it finds
with :func:`check_timestamps` and says when the newest checkpoint has none.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from approvals.audit import Problem, TamperKind
from portal.audit.adapters.rfc3161 import Rfc3161Timestamper
from portal.audit.checkpoints import line_digest
from portal.audit.errors import TimestampError
from portal.audit.verify import CheckpointLog

__all__ = ["Timestamps", "check_timestamps"]


@dataclass(frozen=True)
class Timestamps:
    """The TSA and the folder of its tokens (``<sha256 of the line>.tsr``, mode 0600)."""

    timestamper: Rfc3161Timestamper
    folder: Path

    def path_for(self, line: str) -> Path:
        return self.folder / f"{line_digest(line)}.tsr"

    def token_for(self, line: str) -> bytes | None:
        path = self.path_for(line)
        return path.read_bytes() if path.exists() else None

    def stamp(self, line: str) -> str | None:
        """Get and keep a token for ``line`` unless it has one; the error text, else None."""
        path = self.path_for(line)
        if path.exists():
            return None
        try:
            token = self.timestamper.stamp(line)
        except TimestampError as exc:
            return str(exc)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return None  # a run at the same moment kept one
        with os.fdopen(fd, "wb") as handle:
            handle.write(token)
            handle.flush()
            os.fsync(handle.fileno())
        return None


def check_timestamps(log: CheckpointLog, timestamps: Timestamps) -> tuple[list[Problem], int]:
    """Problems with the tokens found for the valid checkpoints, and how many verified."""
    problems: list[Problem] = []
    verified = 0
    for signed in log.valid:
        token = timestamps.token_for(signed.line)
        if token is None:
            continue
        try:
            timestamps.timestamper.verify(signed.line, token)
        except TimestampError as exc:
            problems.append(
                Problem(
                    signed.checkpoint.seq,
                    TamperKind.CHECKPOINT,
                    f"the timestamp of {signed.label} does not verify: {exc}",
                )
            )
        else:
            verified += 1
    return problems, verified
