"""What finance sees: validated master data, masked by default (:mod:`.reads`), exports
(:mod:`.export`), and the one use case that shows a sensitive value in clear (:mod:`.reveal`).
"""

from portal.finance.reads import BadCursorError, Page, search_suppliers, supplier_view
from portal.finance.reveal import (
    NothingToRevealError,
    RevealCallback,
    RevealDeps,
    RevealNotAllowedError,
    may_reveal,
    reveal_value,
    revealer,
)

__all__ = [
    "BadCursorError",
    "NothingToRevealError",
    "Page",
    "RevealCallback",
    "RevealDeps",
    "RevealNotAllowedError",
    "may_reveal",
    "reveal_value",
    "revealer",
    "search_suppliers",
    "supplier_view",
]
