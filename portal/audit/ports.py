"""Where signed checkpoints are kept: somewhere the database's writer cannot rewrite."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["CheckpointStore"]


@runtime_checkable
class CheckpointStore(Protocol):
    """An append-only sequence of signed checkpoint lines.

    The store knows nothing of what a line means; :mod:`portal.audit.anchoring` builds them.
    """

    def lines(self) -> list[str]:
        """Every line, oldest first, without newlines."""
        ...

    def append(self, build: Callable[[str | None], str | None]) -> str | None:
        """Under the store's exclusive lock, call ``build(last_line)`` and append the line it
        returns (``None``: append nothing). Returns what was appended.

        Two processes appending at once are serialised, so ``build`` sees the other's line.
        """
        ...
