"""The cyclic garbage collector, paced for a bulk import.

An import allocates a few hundred container objects per row (drafts, findings, row
dicts, posting lists) and frees nearly all of them by reference counting. With
CPython's default pace (a young collection every 700 net allocations) the collector
ran about ten thousand times per 10,000 rows and each older collection walked the
whole loaded portal: 13-15% of the import's CPU time (``bench/import_steps.py``).
:func:`fewer_collections` raises the young generation's threshold for the duration
of an import and restores the process's own pace afterwards; cycles are still
collected, only less often, so memory stays bounded by the batch.

Imports may run in threads of one process: the first to enter sets the pace and the
last to leave restores it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["IMPORT_THRESHOLDS", "fewer_collections"]

#: young, middle and old generation thresholds while an import runs
IMPORT_THRESHOLDS = (20_000, 20, 20)

_lock = threading.Lock()
_running = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with the import's collector pace, the previous one restored after."""
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*IMPORT_THRESHOLDS)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.set_threshold(*_saved)
