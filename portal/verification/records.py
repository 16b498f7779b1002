"""Where verification outcomes are kept: runs, open findings, field states.

A new run resolves the supplier's open findings except those of a source that
did not answer this time (they stay open until it answers), and replaces the
field states.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from portal.db.tables import table_of
from portal.db.verification_tables import (
    FieldStateRow,
    VerificationFindingRow,
    VerificationRunRow,
)
from portal.domain.errors import SupplierNotFoundError
from portal.domain.findings import Finding, Severity
from portal.domain.supplier import Supplier
from verification.model import VerificationResult

RUN = table_of(VerificationRunRow)
STATE = table_of(FieldStateRow)
FINDING = table_of(VerificationFindingRow)

__all__ = [
    "FINDING",
    "RUN",
    "STATE",
    "SupplierNotFoundError",
    "open_findings",
    "replace_findings",
    "replace_states",
    "run_row",
]


def open_findings(
    conn: Connection, sid: str, *, exclude_codes: set[str], sources: set[str]
) -> list[tuple[str, Finding]]:
    """Open findings (row id, finding) from sources that did not answer now: they stay open."""
    if not sources:
        return []
    rows = conn.execute(
        select(FINDING).where(
            FINDING.c.supplier_id == sid,
            FINDING.c.status == "open",
            FINDING.c.source.in_(sorted(sources)),
            FINDING.c.code.not_in(sorted(exclude_codes)),
        )
    ).all()
    return [
        (
            r.id,
            Finding(
                r.code,
                Severity(r.severity),
                r.field_path,
                r.message_en,
                r.message_zh,
                r.source,
                json.loads(r.evidence),
                r.observed_at,
                r.request_id,
            ),
        )
        for r in rows
    ]


def run_row(
    conn: Connection,
    run_id: str,
    supplier: Supplier,
    trigger: str,
    now: datetime,
    outcome: str,
    needs_retry: bool,
    retry_after: datetime | None,
    summary: dict[str, object],
) -> None:
    conn.execute(
        insert(RUN).values(
            id=run_id,
            supplier_id=supplier.id,
            trigger=trigger,
            started_at=now,
            finished_at=now,
            outcome=outcome,
            needs_retry=needs_retry,
            retry_after=retry_after,
            supplier_version=supplier.version,
            summary=json.dumps(summary, ensure_ascii=False),
        )
    )


def replace_findings(
    conn: Connection,
    sid: str,
    run_id: str,
    findings: Sequence[Finding],
    *,
    keep: list[str],
    now: datetime,
) -> None:
    conn.execute(
        update(FINDING)
        .where(FINDING.c.supplier_id == sid, FINDING.c.status == "open", FINDING.c.id.not_in(keep))
        .values(status="resolved", resolved_at=now)
    )
    rows = [
        {
            "id": str(uuid.uuid4()),
            "supplier_id": sid,
            "run_id": run_id,
            "code": f.code,
            "severity": f.severity.value,
            "field_path": f.field_name,
            "message_en": f.message_en,
            "message_zh": f.message_zh,
            "source": f.source,
            "evidence": json.dumps(dict(f.evidence), ensure_ascii=False, sort_keys=True),
            "observed_at": f.observed_at,
            "request_id": f.request_id,
            "status": "open",
            "resolved_at": None,
        }
        for f in findings
    ]
    if rows:
        conn.execute(insert(FINDING), rows)


def replace_states(conn: Connection, sid: str, run_id: str, result: VerificationResult) -> None:
    conn.execute(delete(STATE).where(STATE.c.supplier_id == sid))
    rows = [
        {
            "supplier_id": sid,
            "field_path": name,
            "state": s.state.value,
            "checked_at": s.checked_at,
            "against": s.against,
            "request_id": s.request_id,
            "run_id": run_id,
        }
        for name, s in result.fields.items()
    ]
    if rows:
        conn.execute(insert(STATE), rows)
