"""Use case: create or update one contract, invoice or store sent to the API."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine

from portal.domain.errors import DomainValidationError
from portal.domain.findings import Finding
from portal.graph.matching import SupplierMatcher
from portal.graph.rows import UPSERT, RowOutcome

__all__ = ["KINDS", "RelationRejectedError", "upsert_relation"]

#: What the relations API accepts, in URL order.
KINDS = ("contracts", "invoices", "stores")


class RelationRejectedError(DomainValidationError):
    """The row was refused (a required value missing, no supplier matches, a bad date or
    amount); ``findings`` say why, nothing was written."""

    code = "relation.rejected"

    def __init__(self, kind: str, findings: list[Finding]) -> None:
        super().__init__(
            f"the {kind[:-1]} was not stored: " + "; ".join(f.message_en for f in findings),
            zh="未保存：" + "；".join(f.message_zh for f in findings),
        )
        self.findings = findings


def upsert_relation(engine: Engine, kind: str, raw: Mapping[str, object]) -> RowOutcome:
    """Match the row's supplier and create or update the row, in one transaction; a
    rejected row writes nothing and raises :class:`RelationRejectedError` with its findings."""
    if kind not in UPSERT:
        raise ValueError(f"no relation kind {kind!r}; choose one of {', '.join(KINDS)}")
    with engine.begin() as conn:
        outcome = UPSERT[kind](conn, SupplierMatcher(conn), raw)
        if outcome.status == "rejected":
            raise RelationRejectedError(kind, outcome.findings)
        return outcome
