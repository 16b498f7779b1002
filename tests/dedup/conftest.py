"""Helpers for dedup tests: store generated suppliers the way registration does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from portal.db.supplier_store import RowBatch, SupplierStore
from portal.dedup import index_suppliers
from portal.domain.supplier import Supplier

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

Seed = Callable[[Sequence[Supplier]], list[str]]


@pytest.fixture
def seed(engine: Engine, store: SupplierStore) -> Seed:
    """Insert suppliers (executemany) and file them under their blocking keys."""

    def insert(suppliers: Sequence[Supplier]) -> list[str]:
        batch = RowBatch()
        ids = [store.add_to_batch(batch, s, NOW) for s in suppliers]
        with engine.begin() as conn:
            store.insert_batch(conn, batch)
            index_suppliers(conn, ids)
        return ids

    return insert
