"""The body of one OCR worker process (see :mod:`ocr.sandbox`); imported only in the child.

Protocol on the pipe: the child sends ``("ready", rss)`` once warm, or
``("failed", message)``; then for each job ``(data, filename, limits)`` it sends
any number of ``("progress", stage, fraction)`` and one ``("done", reading, rss)``
or ``("error", OcrError)``. ``None`` asks it to exit.
"""

from __future__ import annotations

import contextlib
import os
import resource
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes() -> int:
    """This process's resident memory now (Linux ``/proc``; the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _limit_memory(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core dump of an upload


def serve(conn: Connection, memory_bytes: int, engines_factory: Callable[[], Any]) -> None:
    """Limit this process, load and warm the engines, then read jobs until told to stop."""
    _limit_memory(memory_bytes)
    try:
        engines = engines_factory()
        _warm(engines)
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", resident_bytes()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if job is None:
            return
        conn.send(_read(conn, engines, *job))


def _warm(engines: Any) -> None:
    import numpy as np

    blank = np.full((64, 256, 3), 255, np.uint8)
    engines.page.read_page(blank)


def _read(conn: Connection, engines: Any, data: bytes, filename: str | None, limits: Any) -> Any:
    from ocr.errors import EngineUnavailableError, OcrError, OcrResourceError
    from ocr.service import read_licence

    def progress(stage: str, fraction: float) -> None:
        conn.send(("progress", stage, fraction))

    try:
        reading = read_licence(
            data, filename=filename, engines=engines, limits=limits, progress=progress
        )
    except OcrError as exc:
        return ("error", exc)
    except MemoryError:
        return ("error", OcrResourceError(_NO_MEMORY))
    except Exception as exc:
        if "alloc" in str(exc).lower():  # onnxruntime and OpenCV say so in their own words
            return ("error", OcrResourceError(_NO_MEMORY))
        traceback.print_exc()
        return ("error", EngineUnavailableError(f"unexpected error ({type(exc).__name__}: {exc})"))
    return ("done", reading, resident_bytes())


_NO_MEMORY = "内存不足 / reading this file needed more memory than allowed and was stopped"
