"""Import every module that defines tables, so the metadata is complete."""

import portal.db.import_tables
import portal.db.ocr_tables  # noqa: F401 (the OCR job table)
from portal.db import (
    approval_tables,
    auth_tables,
    dedup_tables,
    feed_tables,
    hold_tables,
    payment_tables,
    staff_tables,
    tables,
    verification_tables,
)

__all__ = [
    "approval_tables",
    "auth_tables",
    "dedup_tables",
    "feed_tables",
    "hold_tables",
    "payment_tables",
    "staff_tables",
    "tables",
    "verification_tables",
]
