"""Shared test support: builders, personas and a hand-moved clock.

- :mod:`tests.support.clock`: :class:`~tests.support.clock.Clock`;
- :mod:`tests.support.approvals`: change requests and the people who act on them;
- :mod:`tests.support.suppliers`: generated suppliers with planted duplicates (also used
  by ``bench/dedup_bench.py``).

Shipped packages keep only what shipped code needs (fakes such as ``crypto.fakes``).
"""

from tests.support.clock import Clock

__all__ = ["Clock"]
