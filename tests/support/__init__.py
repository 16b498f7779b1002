"""Shared test support: builders, personas and a hand-moved clock.

- :mod:`tests.support.clock`: :class:`~tests.support.clock.Clock`;
- :mod:`tests.support.personas`: the staff and supplier users of the portal tests;
- :mod:`tests.support.builders`: a licensed supplier with an account and a contact;
- :mod:`tests.support.approvals`: change requests and the people who act on them;
- :mod:`tests.support.suppliers`: generated suppliers with planted duplicates (also used
  by ``bench/dedup_bench.py``);
- :mod:`tests.support.licences`: a scripted licence reader and drawn licences.

Shipped packages keep only what shipped code needs (fakes such as ``crypto.fakes``).
"""

from tests.support.clock import Clock

__all__ = ["Clock"]
