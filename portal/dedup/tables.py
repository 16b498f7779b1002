"""The tables duplicate handling reads and writes, and batching helpers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from portal.db.dedup_tables import DedupKeyRow, DuplicateDecisionRow, DuplicatePairRow
from portal.db.tables import (
    BankAccountRow,
    ContactRow,
    ContractRow,
    InvoiceRow,
    InvoicingProfileRow,
    JobStateRow,
    StoreSupplierRow,
    SupplierRow,
    table_of,
)

SUPPLIER = table_of(SupplierRow)
BANK = table_of(BankAccountRow)
CONTACT = table_of(ContactRow)
INVOICING = table_of(InvoicingProfileRow)
CONTRACT = table_of(ContractRow)
INVOICE = table_of(InvoiceRow)
STORE_SUPPLIER = table_of(StoreSupplierRow)
KEY = table_of(DedupKeyRow)
PAIR = table_of(DuplicatePairRow)
DECISION = table_of(DuplicateDecisionRow)
JOB = table_of(JobStateRow)
ARCHIVED = "archived"
CHUNK = 500


def chunks(values: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    """Sorted distinct values, ``size`` at a time (bounded ``IN`` lists)."""
    items = sorted(set(values))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ordered_pair(a: str, b: str) -> tuple[str, str]:
    """A pair of supplier ids in the order the pair tables store it."""
    return (a, b) if a < b else (b, a)
