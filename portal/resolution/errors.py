"""Errors of duplicate handling.

::

    DedupError
    ├── MergeRefusedError (ValueError)        the merge makes no sense as asked
    └── DismissRefusedError (PermissionError) the caller may not decide this pair

A supplier that does not exist is :class:`portal.domain.errors.SupplierNotFoundError`
(one class for every context).
"""

from __future__ import annotations

from portal.domain.errors import SupplierNotFoundError

__all__ = ["DedupError", "DismissRefusedError", "MergeRefusedError", "SupplierNotFoundError"]


class DedupError(Exception):
    """Base of duplicate-handling errors."""


class MergeRefusedError(DedupError, ValueError):
    """A merge that cannot be done (same supplier twice, an archived survivor ...)."""


class DismissRefusedError(DedupError, PermissionError):
    """The caller's role may not decide that these two suppliers are different companies."""
