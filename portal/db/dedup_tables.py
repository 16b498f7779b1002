"""Tables of duplicate prevention: blocking keys, found pairs and people's decisions.

``dedup_key`` files every supplier under its blocking keys (see
:mod:`portal.resolution.keys`); its primary key (key, supplier_id) is the
index a screening looks up. ``duplicate_pair`` holds pairs found by a sweep
or at registration and not yet decided; ``duplicate_decision`` remembers that
a pair was merged or is "not the same", so it is never raised again. Pairs are
stored with the smaller id first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class DedupKeyRow(SQLModel, table=True):
    """One blocking key of one supplier."""

    __tablename__ = "dedup_key"

    key: str = Field(primary_key=True, max_length=120)
    supplier_id: str = Field(primary_key=True, foreign_key="supplier.id", index=True, max_length=36)
    #: comparable cores of the supplier's names, newline-separated: lets a screening
    #: rule out a name candidate without loading it ("" on rows filed before 0008)
    cores: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class DuplicatePairRow(SQLModel, table=True):
    """A likely duplicate waiting for a decision (one row per finding code)."""

    __tablename__ = "duplicate_pair"

    a_id: str = Field(primary_key=True, foreign_key="supplier.id", max_length=36)
    b_id: str = Field(primary_key=True, foreign_key="supplier.id", index=True, max_length=36)
    code: str = Field(primary_key=True, max_length=40)
    matched: str = Field(max_length=40)
    score: float
    evidence: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    found_at: datetime


class DuplicateDecisionRow(SQLModel, table=True):
    """A person's decision about a pair: merged, or not the same company."""

    __tablename__ = "duplicate_decision"

    a_id: str = Field(primary_key=True, foreign_key="supplier.id", max_length=36)
    b_id: str = Field(primary_key=True, foreign_key="supplier.id", index=True, max_length=36)
    decision: str = Field(max_length=20)
    decided_by: str = Field(max_length=200)
    decided_at: datetime
    note: str | None = Field(default=None, max_length=500)
