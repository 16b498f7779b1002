"""Checkpoints in a local file opened ``O_APPEND``, one signed line each.

The file is created with mode 0600 and refused when group or others may write it, when it is
a symbolic link or not a plain file. Appends hold ``flock(LOCK_EX)`` while reading the last
line and writing the new one, then ``fsync``: two ``portal audit checkpoint`` runs at once
are serialised. The process cannot stop its own user from rewriting the file; the operator's
hardening is ``chattr +a`` (root: the file may only grow), a separate Unix user for the
checkpoint writer, or a WORM object store (S3 Object Lock) fed from this file.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from portal.audit.errors import CheckpointFileInsecureError, CheckpointStoreError

__all__ = ["AppendOnlyFileCheckpointStore"]

_TAIL_CHUNK = 8192


class AppendOnlyFileCheckpointStore:
    """A :class:`~portal.audit.ports.CheckpointStore` in an append-only local file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._open(os.O_RDONLY | os.O_CREAT):
            pass  # refuse an unsafe file when the store is built, not at the first append

    @contextmanager
    def _open(self, flags: int) -> Iterator[int]:
        try:
            fd = os.open(self.path, flags | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise CheckpointFileInsecureError(
                    f"checkpoint file {self.path} is a symbolic link; name the file itself"
                ) from exc
            raise CheckpointStoreError(
                f"checkpoint file {self.path} cannot be opened: {exc}", permanent=False
            ) from exc
        try:
            info = os.fstat(fd)
            mode = stat.S_IMODE(info.st_mode)
            if not stat.S_ISREG(info.st_mode):
                raise CheckpointFileInsecureError(f"checkpoint file {self.path} is not a file")
            if mode & 0o022:
                raise CheckpointFileInsecureError(
                    f"checkpoint file {self.path} is writable by group/others (mode "
                    f"{mode:04o}); run `chmod 600 {self.path}` and check its lines"
                )
            yield fd
        finally:
            os.close(fd)

    def lines(self) -> list[str]:
        with self._open(os.O_RDONLY) as fd, os.fdopen(os.dup(fd), "rb") as handle:
            fcntl.flock(fd, fcntl.LOCK_SH)
            data = handle.read()
        return [line for line in data.decode().split("\n") if line]

    def append(self, build: Callable[[str | None], str | None]) -> str | None:
        with self._open(os.O_RDWR | os.O_APPEND) as fd:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when the descriptor is closed
            line = build(_last_line(fd))
            if line is None:
                return None
            if "\n" in line:
                raise ValueError("a checkpoint line cannot hold a newline")
            end = os.lseek(fd, 0, os.SEEK_END)
            # a line torn by a crash stays a line of its own (read back as unreadable)
            torn = end > 0 and os.pread(fd, 1, end - 1) != b"\n"
            try:
                os.write(fd, (b"\n" if torn else b"") + line.encode() + b"\n")
                os.fsync(fd)
            except OSError as exc:
                raise CheckpointStoreError(
                    f"checkpoint file {self.path} cannot be written: {exc}", permanent=False
                ) from exc
            return line


def _last_line(fd: int) -> str | None:
    end = os.lseek(fd, 0, os.SEEK_END)
    tail = b""
    position = end
    while position > 0:
        step = min(_TAIL_CHUNK, position)
        position -= step
        tail = os.pread(fd, step, position) + tail
        lines = tail.rstrip(b"\n").split(b"\n")
        if len(lines) > 1 or position == 0:
            last = lines[-1]
            return last.decode() if last else None
    return None
