"""Encrypted document blobs as files under a root directory.

File names are a SHA-256 of the document id (no path traversal, any id allowed),
fanned out over 256 sub-directories. Writes go to a temporary file that is
fsync'ed and renamed, so a reader never sees a partial blob. Folders are created
0700 and blobs 0600 whatever the process's umask: only the service's own user
reads them (the blobs are encrypted, but their sizes and times are facts too).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from crypto.errors import DocumentNotFoundError

__all__ = ["FilesystemBlobStorage"]


def _private_dir(folder: Path) -> None:
    """``folder`` exists with mode 0700 (mkdir's mode is masked by the umask; chmod is not)."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o777 != 0o700:
        folder.chmod(0o700)


class FilesystemBlobStorage:
    """Implements :class:`~crypto.ports.BlobStorage` on a local or mounted filesystem."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._root = Path(root)

    def path_for(self, doc_id: str) -> Path:
        digest = hashlib.sha256(doc_id.encode()).hexdigest()
        return self._root / digest[:2] / f"{digest}.blob"

    def put(self, doc_id: str, chunks: Iterable[bytes]) -> None:
        target = self.path_for(doc_id)
        _private_dir(self._root)
        _private_dir(target.parent)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".blob")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def open(self, doc_id: str) -> BinaryIO:
        try:
            return self.path_for(doc_id).open("rb")
        except FileNotFoundError:
            raise DocumentNotFoundError(f"no document blob stored for {doc_id!r}") from None

    def delete(self, doc_id: str) -> None:
        self.path_for(doc_id).unlink(missing_ok=True)
