"""Change requests on the database: rows to :class:`approvals.ChangeRequest` and back.

Callers own the transaction. Sensitive ``before``/``after`` values are sealed here,
bound to the ``change_field`` row, and opened on the way back, so the domain objects the
use cases handle carry plaintext and nothing else in the service layer touches tokens.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from approvals import (
    Approval,
    CallBack,
    CallBackOutcome,
    ChangeKind,
    ChangeRequest,
    Channel,
    FieldChange,
    FieldDecision,
    RiskFlag,
    Status,
    Verdict,
)
from portal.db.approval_tables import (
    ChangeApprovalRow,
    ChangeDecisionRow,
    ChangeFieldRow,
    ChangeRequestRow,
)
from portal.db.sealing import Sealer
from portal.db.tables import table_of
from portal.domain.findings import Finding, Severity

REQUEST = table_of(ChangeRequestRow)
FIELD = table_of(ChangeFieldRow)
DECISION = table_of(ChangeDecisionRow)
APPROVAL = table_of(ChangeApprovalRow)

#: Statuses in which a request still waits for a decision (or for being applied).
OPEN = (Status.PENDING, Status.PARTIALLY_APPROVED, Status.APPROVED)


def _finding_dict(item: object) -> dict[str, Any]:
    if isinstance(item, Finding):
        return item.as_dict()
    return {"code": getattr(item, "code", "unknown")}


def _finding(data: dict[str, Any]) -> Finding:
    return Finding(
        code=data["code"],
        severity=Severity(data.get("severity", "info")),
        field_name=data.get("field"),
        message_en=data.get("message_en", data["code"]),
        message_zh=data.get("message_zh", data["code"]),
        source=data.get("source", "validation"),
        evidence=data.get("evidence") or {},
    )


def _flag_dict(flag: RiskFlag) -> dict[str, Any]:
    return {
        "code": flag.code,
        "message_en": flag.message_en,
        "message_zh": flag.message_zh,
        "evidence": dict(flag.evidence),
    }


class ChangeRecords:
    """Stores and loads change requests; knows the sealer, nothing about the web."""

    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer

    # -- writing ----------------------------------------------------------------

    def insert(self, conn: Connection, request: ChangeRequest, approvals_required: int) -> None:
        """Insert a newly submitted request with its fields and pending decisions."""
        conn.execute(
            insert(REQUEST).values(
                id=request.id,
                supplier_id=request.supplier_id,
                kind=str(request.kind),
                channel=str(request.channel),
                requested_by=request.requested_by,
                requester_role=request.requester_role,
                requested_at=request.requested_at,
                base_version=request.base_version,
                status=request.status.value,
                touches_bank=request.touches_bank_details,
                approvals_given=0,
                approvals_required=approvals_required,
                revision=1,
                findings=json.dumps(
                    [_finding_dict(f) for f in request.findings], ensure_ascii=False
                ),
                risk_flags=json.dumps(
                    [_flag_dict(f) for f in request.risk_flags], ensure_ascii=False
                ),
                submitted_at=request.submitted_at,
                closed_at=request.closed_at,
            )
        )
        field_rows = []
        for position, change in enumerate(request.changes):
            row_id = str(uuid.uuid4())
            before, after = change.before, change.after
            if change.sensitive:
                before = self.sealer.seal("change_field", "before", row_id, before)
                after = self.sealer.seal("change_field", "after", row_id, after)
            field_rows.append(
                {
                    "id": row_id,
                    "request_id": request.id,
                    "position": position,
                    "entity": change.entity,
                    "entity_id": change.entity_id,
                    "field_name": change.field_name,
                    "sensitive": change.sensitive,
                    "before": before,
                    "after": after,
                }
            )
        conn.execute(insert(FIELD), field_rows)
        conn.execute(
            insert(DECISION),
            [
                {
                    "request_id": request.id,
                    "position": i,
                    "field_key": d.field_key,
                    "verdict": d.verdict.value,
                }
                for i, d in enumerate(request.decisions)
            ],
        )

    @staticmethod
    def lock(conn: Connection, request_id: str) -> bool:
        """Take the write lock on the request row (SQLite: the database) before reading.

        A no-op UPDATE: PostgreSQL locks the row until commit, SQLite takes its write
        lock, so a concurrent reviewer waits here and then reads the committed state.
        """
        result = conn.execute(
            update(REQUEST).where(REQUEST.c.id == request_id).values(revision=REQUEST.c.revision)
        )
        return result.rowcount == 1

    @staticmethod
    def revision(conn: Connection, request_id: str) -> int | None:
        value = conn.execute(
            select(REQUEST.c.revision).where(REQUEST.c.id == request_id)
        ).scalar_one_or_none()
        return int(value) if value is not None else None

    @staticmethod
    def save_transition(
        conn: Connection,
        before: ChangeRequest,
        after: ChangeRequest,
        revision: int,
    ) -> bool:
        """Store a review act, only if nobody acted since ``revision`` was read.

        Returns False (and writes nothing) when the request moved on meanwhile.
        """
        result = conn.execute(
            update(REQUEST)
            .where(
                REQUEST.c.id == before.id,
                REQUEST.c.revision == revision,
                REQUEST.c.status == before.status.value,
                REQUEST.c.approvals_given == len(before.approvals),
            )
            .values(
                status=after.status.value,
                approvals_given=len(after.approvals),
                revision=revision + 1,
                closed_at=after.closed_at,
                base_version=after.base_version,
            )
        )
        if result.rowcount != 1:
            return False
        for position, (old, new) in enumerate(zip(before.decisions, after.decisions, strict=True)):
            if old != new:
                conn.execute(
                    update(DECISION)
                    .where(DECISION.c.request_id == before.id, DECISION.c.position == position)
                    .values(
                        verdict=new.verdict.value,
                        reason=new.reason,
                        decided_by=new.decided_by,
                        decided_at=new.decided_at,
                    )
                )
        for position in range(len(before.approvals), len(after.approvals)):
            approval = after.approvals[position]
            cb = approval.call_back
            conn.execute(
                insert(APPROVAL).values(
                    id=str(uuid.uuid4()),
                    request_id=before.id,
                    position=position,
                    approver_id=approval.approver_id,
                    role=approval.role,
                    at=approval.at,
                    call_back_contact_id=cb.contact_id if cb else None,
                    call_back_phone_masked=cb.phone_masked if cb else None,
                    call_back_at=cb.called_at if cb else None,
                    call_back_outcome=cb.outcome.value if cb else None,
                    call_back_note=cb.note if cb else None,
                )
            )
        return True

    @staticmethod
    def close(conn: Connection, request: ChangeRequest, *, from_status: Status) -> bool:
        """Move an approved request to applied/conflict, only if it is still ``from_status``."""
        result = conn.execute(
            update(REQUEST)
            .where(REQUEST.c.id == request.id, REQUEST.c.status == from_status.value)
            .values(
                status=request.status.value,
                closed_at=request.closed_at,
                revision=REQUEST.c.revision + 1,
            )
        )
        return result.rowcount == 1

    # -- reading ----------------------------------------------------------------

    def get(self, conn: Connection, request_id: str) -> ChangeRequest | None:
        found = self.load(conn, [request_id])
        return found[0] if found else None

    def load(self, conn: Connection, ids: Sequence[str]) -> list[ChangeRequest]:
        """Requests by id, in the order given (missing ids are left out)."""
        if not ids:
            return []
        rows = {r.id: r for r in conn.execute(select(REQUEST).where(REQUEST.c.id.in_(ids)))}
        fields: dict[str, list[Any]] = {}
        for r in conn.execute(
            select(FIELD).where(FIELD.c.request_id.in_(ids)).order_by(FIELD.c.position)
        ):
            fields.setdefault(r.request_id, []).append(r)
        decisions: dict[str, list[Any]] = {}
        for r in conn.execute(
            select(DECISION).where(DECISION.c.request_id.in_(ids)).order_by(DECISION.c.position)
        ):
            decisions.setdefault(r.request_id, []).append(r)
        approvals: dict[str, list[Any]] = {}
        for r in conn.execute(
            select(APPROVAL).where(APPROVAL.c.request_id.in_(ids)).order_by(APPROVAL.c.position)
        ):
            approvals.setdefault(r.request_id, []).append(r)
        return [
            self._to_domain(rows[i], fields.get(i, []), decisions.get(i, []), approvals.get(i, []))
            for i in ids
            if i in rows
        ]

    def ids(
        self,
        conn: Connection,
        *,
        supplier_id: str | None = None,
        statuses: Iterable[Status] | None = None,
        bank_only: bool = False,
        limit: int = 200,
    ) -> list[str]:
        """Ids of requests, newest first."""
        query = select(REQUEST.c.id).order_by(REQUEST.c.requested_at.desc(), REQUEST.c.id)
        if supplier_id is not None:
            query = query.where(REQUEST.c.supplier_id == supplier_id)
        if statuses is not None:
            query = query.where(REQUEST.c.status.in_([s.value for s in statuses]))
        if bank_only:
            query = query.where(REQUEST.c.touches_bank.is_(True))
        return [r.id for r in conn.execute(query.limit(limit))]

    @staticmethod
    def request_times(conn: Connection, supplier_id: str, since: datetime) -> list[datetime]:
        """When the supplier's recent requests were made (for the frequency flag)."""
        return list(
            conn.execute(
                select(REQUEST.c.requested_at).where(
                    REQUEST.c.supplier_id == supplier_id, REQUEST.c.requested_at >= since
                )
            ).scalars()
        )

    def _opened(self, row: Any, column: str) -> str | None:
        value: str | None = getattr(row, column)
        if not row.sensitive:
            return value
        opened = self.sealer.open("change_field", column, row.id, value)
        return opened.value if opened.error is None else "(unreadable)"

    def _to_domain(
        self, row: Any, fields: list[Any], decisions: list[Any], approvals: list[Any]
    ) -> ChangeRequest:
        changes = tuple(
            FieldChange(
                f.entity,
                f.entity_id,
                f.field_name,
                self._opened(f, "before"),
                self._opened(f, "after"),
                sensitive=f.sensitive,
            )
            for f in fields
        )
        return ChangeRequest(
            id=row.id,
            supplier_id=row.supplier_id,
            kind=ChangeKind(row.kind),
            channel=Channel(row.channel),
            requested_by=row.requested_by,
            requester_role=row.requester_role,
            requested_at=row.requested_at,
            base_version=row.base_version,
            changes=changes,
            findings=tuple(_finding(d) for d in json.loads(row.findings)),
            risk_flags=tuple(RiskFlag(**d) for d in json.loads(row.risk_flags)),
            approvals=tuple(_approval(a) for a in approvals),
            decisions=tuple(
                FieldDecision(d.field_key, Verdict(d.verdict), d.reason, d.decided_by, d.decided_at)
                for d in decisions
            ),
            status=Status(row.status),
            submitted_at=row.submitted_at,
            closed_at=row.closed_at,
        )


def _approval(row: Any) -> Approval:
    call_back = None
    if row.call_back_contact_id is not None:
        call_back = CallBack(
            contact_id=row.call_back_contact_id,
            phone_masked=row.call_back_phone_masked or "",
            called_at=row.call_back_at,
            outcome=CallBackOutcome(row.call_back_outcome),
            note=row.call_back_note or "",
        )
    return Approval(row.approver_id, row.role, row.at, call_back)
