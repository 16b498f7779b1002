"""Long commands say how far they are: a bar on a terminal, periodic lines in a log."""

from __future__ import annotations

import io

from portal.commands.progress import CommandProgress


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_a_line_comes_at_most_every_interval_and_once_at_the_end() -> None:
    log, clock = io.StringIO(), _Clock()
    with CommandProgress("list.csv", 50_000, stream=log, interval=5, clock=clock) as bar:
        for done in range(5_000, 50_001, 5_000):
            clock.now += 2
            bar.update(done)
    lines = log.getvalue().splitlines()
    assert len(lines) == 4  # at 6 s, 12 s, 18 s, then the final line (20 s)
    assert lines[0] == "list.csv: 15,000/50,000 (2,500/s, about 14 s left, 6 s)"
    assert lines[-1] == "list.csv: 50,000/50,000 (2,500/s, 20 s) done"


def test_on_a_terminal_a_bar_shows_done_of_total() -> None:
    screen = _Terminal()
    with CommandProgress("list.csv", 200, stream=screen) as bar:
        bar.update(200)
    assert "list.csv" in screen.getvalue() and "200/200" in screen.getvalue()
