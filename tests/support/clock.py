"""A clock the test moves by hand (pass it wherever the code takes ``clock``/``now``).

>>> from datetime import UTC, datetime
>>> clock = Clock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
>>> clock.advance(hours=1)
>>> clock().hour
9
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["Clock"]


class Clock:
    """Returns ``now`` until moved with :meth:`advance` (or by setting ``now``)."""

    __test__ = False

    def __init__(self, now: datetime = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
