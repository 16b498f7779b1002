"""Use case: create or update one contract, invoice or store sent to the API."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine

from portal.graph.matching import SupplierMatcher
from portal.graph.rows import UPSERT, RowOutcome

__all__ = ["KINDS", "upsert_relation"]

#: What the relations API accepts, in URL order.
KINDS = ("contracts", "invoices", "stores")


def upsert_relation(engine: Engine, kind: str, raw: Mapping[str, object]) -> RowOutcome:
    """Match the row's supplier and create or update the row, in one transaction (a
    rejected row writes nothing and says why in its findings)."""
    if kind not in UPSERT:
        raise ValueError(f"no relation kind {kind!r}; choose one of {', '.join(KINDS)}")
    with engine.begin() as conn:
        return UPSERT[kind](conn, SupplierMatcher(conn), raw)
