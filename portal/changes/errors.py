"""The errors of the change use cases (the approval rules raise :mod:`approvals` errors).

::

    LookupError
      ChangeNotFoundError       404: no such request, or not one this caller may see
      SupplierNotFoundError     404: no such supplier, or not one this caller may see
    PermissionError
      NotAllowedError           403: this role may not do this at all
    RuntimeError
      ConcurrentReviewError     409: someone else acted at the same moment
    ValueError
      InvalidProposalError      422: values that do not validate or change nothing
        UnknownEntityError      404: an account, contact or id not of this supplier
        SupplierArchivedError   422: an archived (or merged) supplier takes no changes
"""

from __future__ import annotations

from approvals.proposals import InvalidProposalError, UnknownEntityError
from portal.domain.errors import SupplierNotFoundError
from portal.domain.findings import finding

__all__ = [
    "ChangeNotFoundError",
    "ConcurrentReviewError",
    "InvalidProposalError",
    "NotAllowedError",
    "SupplierArchivedError",
    "SupplierNotFoundError",
    "UnknownEntityError",
]


class ChangeNotFoundError(LookupError):
    """No such change request, or none this caller may see (same answer on purpose)."""

    def __init__(self, request_id: str) -> None:
        super().__init__(f"no change request {request_id}")
        self.request_id = request_id


class NotAllowedError(PermissionError):
    """The caller's role may not do this at all (not a rule of the approval policy)."""


class ConcurrentReviewError(RuntimeError):
    """Someone else acted on the request at the same moment; reload and look again."""

    def __init__(self, request_id: str) -> None:
        super().__init__(
            f"change request {request_id} was changed by someone else at the same moment; "
            "reload it and decide again"
        )


class SupplierArchivedError(InvalidProposalError):
    """The supplier is archived (retired, or merged into another): its record is closed."""

    def __init__(self, supplier_id: str) -> None:
        super().__init__(
            f"supplier {supplier_id} is archived (retired or merged into another record) "
            "and takes no more changes",
            [finding("input.rejected", "supplier", detail="archived")],
        )
        self.supplier_id = supplier_id
