"""Errors of duplicate handling.

::

    DedupError
    ├── MergeRefusedError (ValueError)      the merge makes no sense as asked
    ├── DismissRefusedError (PermissionError) the caller may not decide this pair
    └── SupplierNotFoundError (LookupError) one of the suppliers does not exist
"""

from __future__ import annotations


class DedupError(Exception):
    """Base of duplicate-handling errors."""


class MergeRefusedError(DedupError, ValueError):
    """A merge that cannot be done (same supplier twice, an archived survivor ...)."""


class DismissRefusedError(DedupError, PermissionError):
    """The caller's role may not decide that these two suppliers are different companies."""


class SupplierNotFoundError(DedupError, LookupError):
    """A supplier named in a decision or merge does not exist."""
