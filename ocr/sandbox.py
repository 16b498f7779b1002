"""Read uploads in warm worker processes that are killed when a file goes past its limits.

A hostile file must not freeze OCR for everyone: a 2 KB PDF of nested form
XObjects renders for minutes, and in the web process it held every other read.
:class:`LicenceReaderPool` reads each upload in a child process started with
``spawn`` (the web process never loads the engines):

- the child sets its own address-space limit (``RLIMIT_AS``) before it loads
  anything, loads the engines once and reads a blank page to warm them, then
  says it is ready and reads one job at a time for as long as it lives;
- the parent waits for the answer at most ``timeout_seconds``; past that it kills
  the child (``SIGKILL``) and raises :class:`~ocr.errors.OcrTimeoutError`; a child
  that runs out of memory answers :class:`~ocr.errors.OcrResourceError` (or dies,
  and is replaced);
- every job goes to a child of its own (``workers`` of them), so one bad upload
  holds one child while the others keep reading; a killed child is replaced in
  the background, and a child is retired after ``max_jobs`` reads or when its
  resident memory passes ``recycle_rss_bytes``;
- the whole file's structure is checked in the parent first
  (:func:`ocr.filetype.detect`), so a disguised or polyglot file costs no child.

The pool has ``read_licence``'s signature, so the portal's job worker and the
CLI call it where they called the function::

    pool = LicenceReaderPool(SandboxSettings(timeout_seconds=60))
    pool.start()  # optional: warm the children now rather than on the first read
    reading = pool(data, filename="licence.pdf", progress=report)
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from ocr.errors import (
    EngineUnavailableError,
    OcrError,
    OcrInputError,
    OcrResourceError,
    OcrTimeoutError,
    OcrWorkerCrashedError,
)
from ocr.filetype import detect
from ocr.limits import InputLimits
from ocr.model import LicenceReading

__all__ = ["LicenceReaderPool", "SandboxSettings", "WorkerInfo"]

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]
EnginesFactory = Callable[[], Any]  # returns ocr.service.Engines; importable by name (spawn)
_MB = 1024 * 1024
# How a child dies at its address-space limit: C++ code (pdfium, onnxruntime) aborts on
# std::bad_alloc (SIGABRT); the kernel's OOM killer sends SIGKILL.
_OUT_OF_MEMORY = frozenset({-signal.SIGABRT, -signal.SIGKILL})
_NO_MEMORY = "内存不足 / reading this file needed more memory than allowed and was stopped"


@dataclass(frozen=True)
class SandboxSettings:
    """Limits of the OCR worker processes (environment variables in brackets).

    ``workers`` [``OCR_WORKERS``]: children reading at once; ``timeout_seconds``
    [``OCR_TIMEOUT_SECONDS``]: the longest one read may take; ``memory_bytes``
    [``OCR_MEMORY_MB``]: a child's address-space limit; ``max_jobs``
    [``OCR_RECYCLE_JOBS``] and ``recycle_rss_bytes`` [``OCR_RECYCLE_RSS_MB``]: when a
    child is replaced by a fresh one; ``start_timeout_seconds``
    [``OCR_START_TIMEOUT_SECONDS``]: how long a cold start (models loaded) may take.

    >>> SandboxSettings.from_env({"OCR_TIMEOUT_SECONDS": "5", "OCR_MEMORY_MB": "2048"})
    ... # doctest: +ELLIPSIS
    SandboxSettings(workers=2, timeout_seconds=5.0, memory_bytes=2147483648, ...)
    """

    workers: int = 2
    timeout_seconds: float = 60.0  # a read takes 2-3 s; 20 s on this machine under load
    memory_bytes: int = 3072 * _MB
    max_jobs: int = 200
    recycle_rss_bytes: int = 1536 * _MB
    start_timeout_seconds: float = 120.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SandboxSettings:
        d = cls()
        return cls(
            workers=max(1, int(env.get("OCR_WORKERS", d.workers))),
            timeout_seconds=float(env.get("OCR_TIMEOUT_SECONDS", d.timeout_seconds)),
            memory_bytes=int(env.get("OCR_MEMORY_MB", d.memory_bytes // _MB)) * _MB,
            max_jobs=max(1, int(env.get("OCR_RECYCLE_JOBS", d.max_jobs))),
            recycle_rss_bytes=int(env.get("OCR_RECYCLE_RSS_MB", d.recycle_rss_bytes // _MB)) * _MB,
            start_timeout_seconds=float(
                env.get("OCR_START_TIMEOUT_SECONDS", d.start_timeout_seconds)
            ),
        )


@dataclass(frozen=True)
class WorkerInfo:
    """What ``/readyz`` and the CLI say about one child."""

    pid: int
    jobs: int
    busy: bool
    warm_seconds: float
    rss_bytes: int


@dataclass(eq=False)
class _Child:
    process: BaseProcess
    conn: Connection
    warm_seconds: float = 0.0
    jobs: int = 0
    rss_bytes: int = 0
    busy: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid or 0

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.process.join(5)
        with contextlib.suppress(OSError):
            self.conn.close()

    def retire(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(5)
        if self.process.is_alive():
            self.kill()
        with contextlib.suppress(OSError):
            self.conn.close()


def default_engines_factory() -> Any:
    from ocr.service import default_engines

    return default_engines()


@dataclass(eq=False)
class LicenceReaderPool:
    """``read_licence`` in sandboxed, warm, recycled worker processes (see the module)."""

    settings: SandboxSettings = field(default_factory=SandboxSettings)
    limits: InputLimits = field(default_factory=InputLimits)
    engines: EnginesFactory = default_engines_factory
    _idle: list[_Child] = field(default_factory=list, init=False)
    _all: list[_Child] = field(default_factory=list, init=False)
    _starting: int = field(default=0, init=False)
    _launching: list[_Child] = field(default_factory=list, init=False)
    _lock: threading.Condition = field(default_factory=threading.Condition, init=False)
    _closed: bool = field(default=False, init=False)

    # -- the reader -------------------------------------------------------------------

    def __call__(
        self, data: bytes, *, filename: str | None = None, progress: Progress | None = None
    ) -> LicenceReading:
        """Read ``data`` in a child; raise what ``read_licence`` raises, or a limit error."""
        if len(data) <= self.limits.max_upload_bytes:
            detect(data)  # a disguised or polyglot file never reaches a child
        child = self._acquire()
        try:
            outcome = self._run(child, data, filename, progress)
        except BaseException:
            self._discard(child)  # killed, or its heap is suspect: a fresh one replaces it
            raise
        self._release(child)
        if isinstance(outcome, OcrError):
            raise outcome
        return outcome

    def _run(
        self, child: _Child, data: bytes, filename: str | None, progress: Progress | None
    ) -> LicenceReading | OcrError:
        child.conn.send((data, filename, self.limits))
        deadline = time.monotonic() + self.settings.timeout_seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not child.conn.poll(left):
                log.warning("ocr worker %s killed: read over %ss", child.pid, self._timeout)
                raise OcrTimeoutError(
                    f"读取超时 / reading this file took longer than {self._timeout} s and was "
                    "stopped; upload a plain photo or scan of the licence instead"
                )
            try:
                message = child.conn.recv()
            except (EOFError, OSError) as exc:
                raise self._died(child) from exc
            kind = message[0]
            if kind == "progress" and progress is not None:
                progress(message[1], message[2])
            elif kind == "done":
                child.jobs += 1
                child.rss_bytes = message[2]
                reading: LicenceReading = message[1]
                return reading
            elif kind == "error":
                child.jobs += 1
                error: OcrError = message[1]
                if isinstance(error, OcrResourceError):
                    raise error
                if not isinstance(error, OcrInputError):
                    log.error("ocr worker %s could not read a file: %s", child.pid, error.message)
                return error

    @property
    def _timeout(self) -> str:
        return f"{self.settings.timeout_seconds:g}"

    def _died(self, child: _Child) -> OcrError:
        child.process.join(5)
        code = child.process.exitcode
        log.error("ocr worker %s died while reading (exit code %s)", child.pid, code)
        if code in _OUT_OF_MEMORY:
            return OcrResourceError(_NO_MEMORY)
        return OcrWorkerCrashedError(
            f"OCR 进程意外退出 / the OCR worker stopped while reading (exit code {code}); "
            "it has been restarted, try again"
        )

    # -- children ---------------------------------------------------------------------

    def start(self) -> None:
        """Start and warm every child now (the web process's start-up, ``portal ocr work``)."""
        with self._lock:
            missing = self.settings.workers - len(self._all) - self._starting
            self._starting += max(0, missing)
        errors = []
        threads = [threading.Thread(target=self._spawn_into_pool) for _ in range(missing)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with self._lock:
            if not self._all:
                errors.append("no OCR worker could be started")
        if errors:
            raise EngineUnavailableError(errors[0])

    def workers(self) -> list[WorkerInfo]:
        with self._lock:
            return [
                WorkerInfo(c.pid, c.jobs, c.busy, round(c.warm_seconds, 2), c.rss_bytes)
                for c in self._all
            ]

    def close(self) -> None:
        """Stop every child (idle ones politely, busy ones are killed)."""
        with self._lock:
            self._closed = True
            children, self._all, self._idle = list(self._all), [], []
            launching = list(self._launching)
            self._lock.notify_all()
        for child in launching:
            child.kill()
        for child in children:
            if child.busy:
                child.kill()
            else:
                child.retire()

    def _acquire(self) -> _Child:
        deadline = time.monotonic() + self.settings.start_timeout_seconds
        with self._lock:
            while True:
                if self._closed:
                    raise EngineUnavailableError("the OCR worker pool is shut down")
                if self._idle:
                    child = self._idle.pop()
                    child.busy = True
                    return child
                if len(self._all) + self._starting < self.settings.workers:
                    self._starting += 1
                    self._lock.release()
                    try:
                        fresh = self._spawn()
                    finally:
                        self._lock.acquire()
                        self._starting -= 1
                    fresh.busy = True
                    self._all.append(fresh)
                    return fresh
                left = deadline - time.monotonic()
                if left <= 0:
                    raise EngineUnavailableError(
                        "every OCR worker stayed busy; try again in a moment"
                    )
                self._lock.wait(left)

    def _release(self, child: _Child) -> None:
        if not child.busy:
            return
        recycle = (
            child.jobs >= self.settings.max_jobs
            or child.rss_bytes > self.settings.recycle_rss_bytes
        )
        with self._lock:
            child.busy = False
            if recycle or self._closed:
                self._remove(child)
            else:
                self._idle.append(child)
            self._lock.notify_all()
        if recycle:
            log.info("ocr worker %s recycled after %s jobs", child.pid, child.jobs)
            child.retire()
            self._replace()

    def _discard(self, child: _Child) -> None:
        if not child.busy:
            return  # already released (a reading error that left the child healthy)
        with self._lock:
            child.busy = False
            self._remove(child)
            self._lock.notify_all()
        child.kill()
        self._replace()

    def _remove(self, child: _Child) -> None:
        if child in self._all:
            self._all.remove(child)

    def _replace(self) -> None:
        with self._lock:
            if self._closed or len(self._all) + self._starting >= self.settings.workers:
                return
            self._starting += 1
        threading.Thread(target=self._spawn_into_pool, daemon=True).start()

    def _spawn_into_pool(self) -> None:
        try:
            child = self._spawn()
        except OcrError:
            if not self._closed:
                log.exception("an OCR worker could not be started")
            with self._lock:
                self._starting -= 1
                self._lock.notify_all()
            return
        with self._lock:
            self._starting -= 1
            if self._closed:
                child.retire()
                return
            self._all.append(child)
            self._idle.append(child)
            self._lock.notify_all()

    def _spawn(self) -> _Child:
        from ocr._sandbox_child import serve

        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        process = ctx.Process(
            target=serve,
            args=(theirs, self.settings.memory_bytes, self.engines),
            name="ocr-worker",
            daemon=True,
        )
        started = time.monotonic()
        process.start()
        theirs.close()
        child = _Child(process, ours)
        with self._lock:
            self._launching.append(child)
        try:
            message = self._await_ready(child)
        finally:
            with self._lock:
                self._launching.remove(child)
        if message[0] != "ready":
            child.kill()
            raise EngineUnavailableError(f"the OCR worker could not load its models: {message[1]}")
        child.warm_seconds = time.monotonic() - started
        child.rss_bytes = message[1]
        log.info("ocr worker %s warm in %.1f s", child.pid, child.warm_seconds)
        return child

    def _await_ready(self, child: _Child) -> Any:
        if not child.conn.poll(self.settings.start_timeout_seconds):
            child.kill()
            raise EngineUnavailableError(
                f"the OCR worker did not start within {self.settings.start_timeout_seconds:g} s"
            )
        try:
            return child.conn.recv()
        except (EOFError, OSError) as exc:
            child.kill()
            raise EngineUnavailableError("the OCR worker stopped while loading its models") from exc
