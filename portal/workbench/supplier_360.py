"""Everything staff know about one supplier, on one page: :func:`supplier_360`.

Registration facts (the registry's and tax bureau's answers as last kept, each field's
verification state and when it was checked), invoicing details (开票信息), aliases and
former names, bank accounts and contacts (masked; clear values only through the audited
reveal), documents (opened through the audited staff route), open and past change
requests, likely-duplicate pairs, the payment hold with its reason, and the latest audit
entries about the supplier, its requests and its rows. People are named, never shown as
account ids.

Reading the page is not audited (it shows nothing in clear); what it links to is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, or_, select

from approvals import ChangeRequest, PaymentHold
from approvals.proposals import supplier_values
from portal.audit.log import ENTRY
from portal.changes import ChangeDeps, SupplierNotFoundError, payment_hold
from portal.changes.records import OPEN
from portal.db.tables import table_of
from portal.db.verification_tables import FieldStateRow, VerificationRunRow
from portal.dedup.tables import PAIR, SUPPLIER
from portal.documents.store import DocumentInfo, list_documents
from portal.domain.principal import Principal
from portal.domain.supplier import Supplier
from portal.verification.view import last_vies
from portal.workbench.errors import StaffOnlyError
from portal.workbench.people import display_names

__all__ = ["AuditLine", "DuplicateLine", "StateLine", "Supplier360", "supplier_360"]

STATE = table_of(FieldStateRow)
RUN = table_of(VerificationRunRow)


@dataclass(frozen=True)
class StateLine:
    field: str
    state: str  # verified, mismatch, unknown
    checked_at: datetime | None
    against: str | None


@dataclass(frozen=True)
class DuplicateLine:
    other_id: str
    other_name: str
    codes: tuple[str, ...]
    score: float
    found_at: datetime


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str  # a name, or "" when the actor has no account (system, import)
    actor_role: str | None
    action: str
    subject_type: str | None
    field_name: str | None


@dataclass(frozen=True)
class Supplier360:
    supplier: Supplier
    values: Mapping[str, str | None]  # the licence fields as text (capital, dates, 长期)
    states: tuple[StateLine, ...]
    last_checked: datetime | None
    last_outcome: str | None
    documents: tuple[DocumentInfo, ...]
    open_requests: tuple[ChangeRequest, ...]
    past_requests: tuple[ChangeRequest, ...]
    duplicates: tuple[DuplicateLine, ...]
    hold: PaymentHold
    audit: tuple[AuditLine, ...]
    names: Mapping[str, str]
    #: A foreign supplier's last VIES answer (state, name, address ...; None: never asked)
    vies: Mapping[str, str | None] | None = None

    def name_of(self, subject: str | None) -> str:
        """A person's name; a neutral word for ids without an account."""
        if not subject:
            return "—"
        return self.names.get(subject) or ("接口 / API" if subject.startswith("api:") else "—")


def _duplicates(conn: Connection, sid: str) -> tuple[DuplicateLine, ...]:
    rows = conn.execute(
        select(PAIR).where(or_(PAIR.c.a_id == sid, PAIR.c.b_id == sid)).limit(200)
    ).all()
    grouped: dict[str, list[object]] = {}
    for r in rows:
        grouped.setdefault(r.b_id if r.a_id == sid else r.a_id, []).append(r)
    names: dict[str, str] = {
        r.id: r.name
        for r in conn.execute(
            select(SUPPLIER.c.id, SUPPLIER.c.name).where(SUPPLIER.c.id.in_(grouped))
        )
    }
    lines = [
        DuplicateLine(
            other,
            names.get(other, ""),
            tuple(sorted({p.code for p in pairs})),  # type: ignore[attr-defined]
            max(p.score for p in pairs),  # type: ignore[attr-defined]
            min(p.found_at for p in pairs),  # type: ignore[attr-defined]
        )
        for other, pairs in grouped.items()
    ]
    return tuple(sorted(lines, key=lambda d: (-d.score, d.other_name)))


def _recent_entries(conn: Connection, supplier: Supplier, request_ids: list[str]) -> list[object]:
    subjects = {
        supplier.id or "",
        *request_ids,
        *(a.id for a in supplier.bank_accounts if a.id),
        *(c.id for c in supplier.contacts if c.id),
    }
    return list(
        conn.execute(
            select(
                ENTRY.c.at,
                ENTRY.c.actor,
                ENTRY.c.actor_role,
                ENTRY.c.action,
                ENTRY.c.subject_type,
                ENTRY.c.field_name,
            )
            .where(ENTRY.c.subject_id.in_(sorted(subjects)))
            .order_by(ENTRY.c.seq.desc())
            .limit(20)
        ).all()
    )


def supplier_360(deps: ChangeDeps, viewer: Principal, supplier_id: str) -> Supplier360:
    """The supplier's page for a staff ``viewer``."""
    if not viewer.is_staff:
        raise StaffOnlyError()
    with deps.engine.connect() as conn:
        supplier = deps.suppliers.get(conn, supplier_id)
        if supplier is None:
            raise SupplierNotFoundError(supplier_id)
        states = conn.execute(select(STATE).where(STATE.c.supplier_id == supplier_id)).all()
        conn_runs = conn.execute(
            select(RUN.c.finished_at, RUN.c.outcome, RUN.c.summary)
            .where(RUN.c.supplier_id == supplier_id)
            .order_by(RUN.c.started_at.desc())
            .limit(5)
        ).all()
        last = conn_runs[0] if conn_runs else None
        ids = deps.records.ids(conn, supplier_id=supplier_id, limit=50)
        requests = deps.records.load(conn, ids)
        duplicates = _duplicates(conn, supplier_id)
        hold = payment_hold(deps, conn, supplier_id)
        audit = _recent_entries(conn, supplier, ids)
        people: set[str | None] = {r.requested_by for r in requests}
        people |= {a.approver_id for r in requests for a in r.approvals}
        people |= {getattr(a, "actor", None) for a in audit}
        names = display_names(conn, people)
    documents = tuple(list_documents(deps.engine, viewer, supplier_id))
    open_states = {*OPEN}
    return Supplier360(
        supplier=supplier,
        values=supplier_values(supplier),
        states=tuple(
            StateLine(s.field_path, s.state, s.checked_at, s.against)
            for s in sorted(states, key=lambda s: str(s.field_path))
        ),
        last_checked=last.finished_at if last else None,
        last_outcome=(json.loads(last.summary or "{}").get("outcome") or last.outcome)
        if last
        else None,
        documents=documents,
        open_requests=tuple(r for r in requests if r.status in open_states),
        past_requests=tuple(r for r in requests if r.status not in open_states),
        duplicates=duplicates,
        hold=hold,
        audit=tuple(
            AuditLine(
                a.at,  # type: ignore[attr-defined]
                names.get(a.actor.removeprefix("api:"), ""),  # type: ignore[attr-defined]
                a.actor_role,  # type: ignore[attr-defined]
                a.action,  # type: ignore[attr-defined]
                a.subject_type,  # type: ignore[attr-defined]
                a.field_name,  # type: ignore[attr-defined]
            )
            for a in audit
        ),
        names=names,
        vies=last_vies(conn_runs) if supplier.foreign_tax_id else None,
    )
