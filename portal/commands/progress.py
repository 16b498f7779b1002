"""Progress of long commands: a bar on a terminal (rich), plain periodic lines otherwise.

Import, key rotation and the duplicate sweep report how far they are with one call,
:meth:`CommandProgress.update` (rows or values done so far). On a terminal a rich bar
shows done / total, rate and time left; in a log or a pipe a line is written at most
every ``interval`` seconds and once at the end, so a two-minute import is never silent
and a log is never flooded.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["CommandProgress"]


class CommandProgress:
    """``with CommandProgress("importing", total) as bar: bar.update(done)``."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.interval, self.clock = label, total, interval, clock
        self.stream = stream or sys.stderr
        self.done = 0
        self._started = self._said = clock()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> CommandProgress:
        if self.stream.isatty():
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, rate="")
        return self

    def update(self, done: int) -> None:
        """``done`` so far (absolute, not an increment)."""
        self.done = done
        if self._bar is not None and self._task is not None:
            rate = done / max(self.clock() - self._started, 1e-9)
            self._bar.update(self._task, completed=done, rate=f"{rate:,.0f}/s")
            return
        now = self.clock()
        if now - self._said >= self.interval:
            self._said = now
            self._line()

    def _line(self, final: bool = False) -> None:
        elapsed = max(self.clock() - self._started, 1e-9)
        rate = self.done / elapsed
        of = f"/{self.total:,}" if self.total else ""
        text = f"{self.label}: {self.done:,}{of} ({rate:,.0f}/s"
        if self.total and rate > 0 and not final:
            text += f", about {max(self.total - self.done, 0) / rate:,.0f} s left"
        text += f", {elapsed:,.0f} s)" + (" done" if final else "")
        print(text, file=self.stream, flush=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif exc is None:
            self._line(final=True)
