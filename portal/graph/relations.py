"""Use case: create or update one contract, invoice or store sent to the API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import Engine

from portal.audit.log import AuditContext, AuditLog
from portal.domain.errors import DomainValidationError
from portal.domain.findings import Finding
from portal.graph.matching import SupplierMatcher
from portal.graph.rows import UPSERT, RowOutcome
from portal.payments.hold_findings import review_invoices

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


def upsert_relation(
    engine: Engine,
    kind: str,
    raw: Mapping[str, object],
    *,
    audit: AuditLog,
    ctx: AuditContext,
    now: datetime | None = None,
) -> RowOutcome:
    """Match the row's supplier and create or update the row, in one transaction; a
    rejected row writes nothing and raises :class:`RelationRejectedError` with its findings.
    An invoice is checked against the supplier's record there
    (:func:`portal.payments.hold_findings.review_invoices`)."""
    if kind not in UPSERT:
        raise ValueError(f"no relation kind {kind!r}; choose one of {', '.join(KINDS)}")
    with engine.begin() as conn:
        outcome = UPSERT[kind](conn, SupplierMatcher(conn), raw)
        if outcome.status == "rejected":
            raise RelationRejectedError(kind, outcome.findings)
        if kind == "invoices" and outcome.row_id:
            review_invoices(
                conn, audit, ctx, [outcome.row_id], now=now or datetime.now(UTC),
                printed_accounts={outcome.row_id: raw.get("seller_bank_account")},
            )  # fmt: skip
        return outcome
