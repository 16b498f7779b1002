"""Findings that hold payments until their cause is gone: a registry event seen by
monitoring (deregistered, another legal representative, abnormal at the tax bureau) or
an invoice whose seller differs from the approved master record.

One open row per (supplier, code, subject); ``subject_id`` is the invoice for an invoice
finding, empty for a registry event. ``change_request_id`` is the draft change request
asking the supplier to confirm the registry's new facts. A row is resolved (never
deleted) when the facts agree again or the invoice is corrected or rejected.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class HoldFindingRow(SQLModel, table=True):
    __tablename__ = "hold_finding"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    code: str = Field(max_length=60)
    subject_id: str = Field(default="", max_length=36)
    message_en: str = Field(sa_column=Column(Text, nullable=False))
    message_zh: str = Field(sa_column=Column(Text, nullable=False))
    evidence: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    opened_at: datetime = Field(index=True)
    resolved_at: datetime | None = None
    status: str = Field(default="open", max_length=10, index=True)  # open, resolved
    change_request_id: str | None = Field(default=None, max_length=36)
