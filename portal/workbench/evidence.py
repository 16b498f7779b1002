"""What an approver decides on: the evidence file of one change request.

:func:`change_evidence` gathers, for a staff reader, what the approval page shows beside
the field-by-field diff:

- the licence the request was filled from (``licence.attached``, see
  :mod:`portal.ocr_jobs.evidence`): per field the value typed (requested, or on file),
  the value read from the licence with its confidence, and the registry's value, marked
  match / mismatch / unknown (:class:`verification.licence.ComparisonRow`);
- the red flag when the licence's credit code, as read or as registered, is not the
  supplier's ("another company's licence"), and the red line when the licence's QR code
  names another credit code than the one printed (with that code's supplier, if on file);
- the registry's facts with provider, time and request id (looked up by the caller, who
  owns the provider's client; an unreachable registry is "unknown, retry later"), and the
  supplier's stored verification states with the time each was checked;
- the supplier's other requests, with requesters by name.

Reading is not audited here: the page shows no clear sensitive value and the image is
fetched through the audited document route.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, func, select

from approvals import ChangeRequest, Entity
from approvals.proposals import supplier_values
from portal.changes import ChangeDeps
from portal.db.supplier_store import BANK, SUPPLIER
from portal.db.tables import table_of
from portal.db.verification_tables import FieldStateRow
from portal.domain import uscc
from portal.domain.principal import Principal
from portal.domain.supplier import Supplier
from portal.ocr_jobs import FORM_FIELDS, JobState, OcrJobNotFoundError, get_job, prefill
from portal.ocr_jobs.evidence import attached_reading
from portal.ocr_jobs.prefill import registry_values
from portal.workbench.errors import StaffOnlyError
from portal.workbench.people import display_names
from registry.model import EnterpriseRecord
from verification.licence import ComparisonRow

__all__ = [
    "ChangeEvidence",
    "EvidenceRow",
    "FieldCheck",
    "LicenceEvidence",
    "RegistryFacts",
    "change_evidence",
    "licence_code_of",
]

STATE = table_of(FieldStateRow)


@dataclass(frozen=True)
class EvidenceRow:
    """One field: typed (requested or on file), read from the licence, registered."""

    name: str
    typed: str | None
    requested: bool  # the request changes this field
    licence: str | None
    confidence: float | None
    registry: str | None

    @property
    def mark(self) -> str:
        """``match``, ``mismatch`` or ``unknown`` (fewer than two values to compare)."""
        agrees = ComparisonRow(self.name, self.typed, self.licence, self.registry).agrees
        return "unknown" if agrees is None else "match" if agrees else "mismatch"


@dataclass(frozen=True)
class LicenceEvidence:
    """The licence a request rests on, as read."""

    job_id: str
    document_id: str
    read_at: datetime | None
    uscc_read: str | None
    uscc_confidence: float
    rows: tuple[EvidenceRow, ...]
    done: bool  # the reading finished (else only the image is there)
    printed_uscc: str | None = None  # the code printed on the licence, as read
    qr_uscc: str | None = None  # the code its QR code carries
    qr_agrees: bool | None = None  # False: a red line naming both codes
    qr_owner: tuple[str, str] | None = None  # (id, name) of a supplier on file with the QR's code


@dataclass(frozen=True)
class RegistryFacts:
    """The registry's answer about the supplier's code, with where and when it came from."""

    name: str
    uscc: str
    status: str
    legal_representative: str
    registered_capital: str | None
    address: str
    established_on: str | None
    term_to: str | None
    former_names: tuple[str, ...]
    provider: str
    request_id: str | None
    fetched_at: datetime | None


@dataclass(frozen=True)
class FieldCheck:
    """A field's stored verification state: verified / mismatch / unknown, and when."""

    field: str
    state: str
    checked_at: datetime | None
    against: str | None
    request_id: str | None


@dataclass(frozen=True)
class ChangeEvidence:
    licence: LicenceEvidence | None
    registry: RegistryFacts | None
    registry_note: str | None
    other_company: tuple[str, ...]  # where the foreign credit code was seen: "ocr", "registry"
    foreign_code: str | None
    checks: tuple[FieldCheck, ...]
    history: tuple[ChangeRequest, ...]
    names: Mapping[str, str]
    shared_with: tuple[tuple[str, str], ...] = ()  # (id, name) of suppliers using the account
    #: new account numbers of the request (masked later) -> when first seen on file, or None
    first_seen: Mapping[str, datetime | None] = field(default_factory=dict)

    @property
    def mismatches(self) -> int:
        return sum(1 for r in self.licence.rows if r.mark == "mismatch") if self.licence else 0


def licence_code_of(deps: ChangeDeps, viewer: Principal, request: ChangeRequest) -> str | None:
    """The credit code read from the request's licence (to look it up as well), if any."""
    attached = attached_reading(request.findings)
    if attached is None:
        return None
    try:
        job = get_job(deps.engine, viewer, attached[0])
    except OcrJobNotFoundError:
        return None
    code = ((job.result or {}).get("fields", {}) or {}).get("uscc", {}) or {}
    value = code.get("value")
    return value if isinstance(value, str) and value else None


def _typed(supplier: Supplier, request: ChangeRequest) -> tuple[dict[str, str | None], set[str]]:
    typed: dict[str, str | None] = {**supplier_values(supplier), "uscc": supplier.uscc}
    requested: set[str] = set()
    for change in request.changes:
        if change.entity == Entity.SUPPLIER.value and change.entity_id == supplier.id:
            typed[change.field_name] = change.after
            requested.add(change.field_name)
    return typed, requested


def _licence(
    deps: ChangeDeps,
    viewer: Principal,
    request: ChangeRequest,
    supplier: Supplier,
    registered: Mapping[str, str | None],
    min_confidence: float,
) -> LicenceEvidence | None:
    attached = attached_reading(request.findings)
    if attached is None:
        return None
    job_id, document_id = attached
    try:
        job = get_job(deps.engine, viewer, job_id)
    except OcrJobNotFoundError:
        job = None  # the reading is gone: the image is still shown, nothing compared
    typed, requested = _typed(supplier, request)
    if job is None or job.state is not JobState.DONE or job.result is None:
        return LicenceEvidence(job_id, document_id, None, None, 0.0, (), done=False)
    pre = prefill(supplier, job.result, min_confidence=min_confidence)
    read: dict[str, tuple[str | None, float | None]] = {
        f.name: (f.read, f.confidence) for f in pre.fields
    }
    read["uscc"] = (pre.uscc_read, pre.uscc_confidence)
    rows = tuple(
        EvidenceRow(
            name,
            typed.get(name),
            name in requested,
            read.get(name, (None, None))[0],
            read.get(name, (None, None))[1],
            registered.get(name),
        )
        for name in ("uscc", *FORM_FIELDS)
    )
    return LicenceEvidence(
        job_id,
        document_id,
        job.finished_at,
        pre.uscc_read if pre.uscc_status in ("read", "repaired") else None,
        pre.uscc_confidence,
        rows,
        done=True,
        printed_uscc=pre.uscc_read,
        qr_uscc=pre.qr_uscc,
        qr_agrees=pre.qr_agrees,
        qr_owner=_holder(deps, pre.qr_uscc) if pre.qr_agrees is False else None,
    )


def _holder(deps: ChangeDeps, code: str | None) -> tuple[str, str] | None:
    """The supplier on file with this credit code, as (id, name), if any."""
    if not code:
        return None
    with deps.engine.connect() as conn:
        row = conn.execute(
            select(SUPPLIER.c.id, SUPPLIER.c.name).where(SUPPLIER.c.uscc == uscc.compact(code))
        ).first()
    return (row.id, row.name) if row is not None else None


def _facts(record: EnterpriseRecord) -> RegistryFacts:
    values = registry_values(record)
    return RegistryFacts(
        name=record.name,
        uscc=record.uscc,
        status=record.status.value,
        legal_representative=record.legal_representative,
        registered_capital=values["registered_capital"],
        address=record.address,
        established_on=values["established_on"],
        term_to=values["term_to"],
        former_names=record.former_names,
        provider=record.provider,
        request_id=record.request_id,
        fetched_at=record.fetched_at,
    )


def _other_company(
    supplier: Supplier, licence: LicenceEvidence | None, record: EnterpriseRecord | None
) -> tuple[tuple[str, ...], str | None]:
    own = uscc.compact(supplier.uscc or "")
    seen: list[str] = []
    foreign = None
    if licence is not None and licence.uscc_read and uscc.compact(licence.uscc_read) != own:
        seen.append("ocr")
        foreign = licence.uscc_read
    if record is not None and record.uscc and uscc.compact(record.uscc) != own:
        seen.append("registry")
        foreign = foreign or record.uscc
    return tuple(seen), foreign


def change_evidence(
    deps: ChangeDeps,
    viewer: Principal,
    request: ChangeRequest,
    supplier: Supplier,
    *,
    record: EnterpriseRecord | None,
    registry_note: str | None = None,
    min_confidence: float = 0.8,
) -> ChangeEvidence:
    """The evidence file of ``request`` for a staff ``viewer`` (``record``: the registry's
    answer about the supplier's code, or None with ``registry_note`` saying why)."""
    if not viewer.is_staff:
        raise StaffOnlyError()
    registered: dict[str, str | None] = registry_values(record) if record is not None else {}
    licence = _licence(deps, viewer, request, supplier, registered, min_confidence)
    seen, foreign = _other_company(supplier, licence, record)
    with deps.engine.connect() as conn:
        states = conn.execute(select(STATE).where(STATE.c.supplier_id == request.supplier_id)).all()
        ids = deps.records.ids(conn, supplier_id=request.supplier_id, limit=11)
        history = tuple(r for r in deps.records.load(conn, ids) if r.id != request.id)[:10]
        people: set[str | None] = {request.requested_by}
        people |= {a.approver_id for a in request.approvals}
        people |= {r.requested_by for r in history}
        names = display_names(conn, people)
        others = sorted(
            {
                str(other)
                for flag in request.risk_flags
                if flag.code == "bank_account.shared"
                for other in (flag.evidence.get("other_supplier_ids") or ())  # type: ignore[attr-defined]
            }
        )
        shared_with = tuple(
            (r.id, r.name)
            for r in conn.execute(
                select(SUPPLIER.c.id, SUPPLIER.c.name).where(SUPPLIER.c.id.in_(others))
            )
        )
        first_seen = _first_seen(deps, conn, request)
    checks = tuple(
        FieldCheck(s.field_path, s.state, s.checked_at, s.against, s.request_id)
        for s in sorted(states, key=lambda s: str(s.field_path))
    )
    return ChangeEvidence(
        licence=licence,
        registry=_facts(record) if record is not None else None,
        registry_note=registry_note,
        other_company=seen,
        foreign_code=foreign,
        checks=checks,
        history=history,
        names=names,
        shared_with=shared_with,
        first_seen=first_seen,
    )


def _first_seen(
    deps: ChangeDeps, conn: Connection, request: ChangeRequest
) -> dict[str, datetime | None]:
    """For each account number the request brings in: when any supplier's record first held
    it (looked up by its blind index; None: never seen before)."""
    out: dict[str, datetime | None] = {}
    for change in request.changes:
        if change.entity != Entity.BANK_ACCOUNT.value or change.field_name != "account_number":
            continue
        if not change.after:
            continue
        index = deps.sealer.index("bank_account", change.after)
        out[change.after] = conn.scalar(
            select(func.min(BANK.c.created_at)).where(BANK.c.account_number_bidx == index)
        )
    return out
