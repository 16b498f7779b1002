"""In-memory stand-ins for the audit ports, for tests and demos."""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["InMemoryCheckpointStore"]


class InMemoryCheckpointStore:
    """A :class:`~portal.audit.ports.CheckpointStore` in a list; ``saved`` is what was asked."""

    def __init__(self) -> None:
        self.saved: list[str] = []
        self._lock = threading.Lock()

    def lines(self) -> list[str]:
        with self._lock:
            return list(self.saved)

    def append(self, build: Callable[[str | None], str | None]) -> str | None:
        with self._lock:
            line = build(self.saved[-1] if self.saved else None)
            if line is not None:
                if "\n" in line:
                    raise ValueError("a checkpoint line cannot hold a newline")
                self.saved.append(line)
            return line
