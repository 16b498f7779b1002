"""Errors of duplicate handling.

::

    DedupError
    └── MergeRefusedError (ValueError)     the merge makes no sense as asked

A supplier that does not exist is :class:`portal.domain.errors.SupplierNotFoundError`
(one class for every context).
"""

from __future__ import annotations

from portal.domain.errors import SupplierNotFoundError

__all__ = ["DedupError", "MergeRefusedError", "SupplierNotFoundError"]


class DedupError(Exception):
    """Base of duplicate-handling errors."""


class MergeRefusedError(DedupError, ValueError):
    """A merge that cannot be done (same supplier twice, an archived survivor ...)."""
