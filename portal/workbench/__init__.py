"""The staff workbench: lists that hold tens of thousands of rows.

Every list is read one page at a time with its total count, filtered and sorted in SQL;
controllers only translate query strings into the frozen query values defined here.
"""

from portal.workbench.errors import StaffOnlyError
from portal.workbench.paging import Page
from portal.workbench.queue import QueueQuery, QueueRow, list_queue
from portal.workbench.suppliers import (
    SupplierListRow,
    SupplierQuery,
    list_suppliers,
)

__all__ = [
    "Page",
    "QueueQuery",
    "QueueRow",
    "StaffOnlyError",
    "SupplierListRow",
    "SupplierQuery",
    "list_queue",
    "list_suppliers",
]
