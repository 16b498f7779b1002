"""Verifying a stored supplier now, and keeping what was found.

:func:`verify_supplier_now` loads the supplier, asks the registry and the tax
bureau through :class:`~registry.verification.VerificationService`, and in one
transaction: replaces the supplier's open findings and field states, records
the run, sets ``validated`` (only when every key field is verified and no error
is open), updates the monitoring schedule, raises alerts through the outbox and
writes ``verification.completed`` to the audit log.

A source that does not answer leaves its fields *unknown*, keeps that source's
previous findings open, and marks the run ``needs_retry`` with ``retry_after``;
the supplier is then due again at that time and the monitoring job retries by
itself. Should the supplier change while its sources are asked (its ``version``
moved), nothing is kept and it is due again at once: a verdict about data that is
no longer there must not set ``validated``.

:func:`verify_after_write` is what registration and change requests call after
their transaction committed.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from portal.audit.log import AuditContext, AuditLog
from portal.core import Services
from portal.db.supplier_store import SUPPLIER, SupplierStore
from portal.db.tables import table_of
from portal.db.verification_tables import (
    FieldStateRow,
    VerificationFindingRow,
    VerificationRunRow,
)
from portal.domain.errors import SupplierNotFoundError
from portal.domain.findings import Finding, Severity
from portal.domain.supplier import RegistryStatus as SupplierRegistryStatus
from portal.domain.supplier import Supplier
from portal.domain.supplier import TaxStatus as SupplierTaxStatus
from portal.verification import monitoring
from portal.verification.wiring import (
    VerificationNotConfiguredError,
    VerificationPorts,
    VerificationSettings,
    VerificationWiring,
)
from registry.model import EnterpriseRecord, ThreeElementResult
from registry.verification import (
    InvoicingProfile,
    State,
    SupplierClaims,
    VerificationResult,
    VerificationService,
)
from tax_bureau.model import InvoicingDetails, TaxpayerStatus, TaxStatus

RUN = table_of(VerificationRunRow)
STATE = table_of(FieldStateRow)
FINDING = table_of(VerificationFindingRow)

SYSTEM = AuditContext(actor="system:verification")
#: Fields that must all be verified before a supplier is ``validated`` (plus every
#: bank-account holder, and at least one account).
KEY_FIELDS = (
    "name",
    "uscc",
    "legal_representative",
    "registration_status",
    "tax_status",
    "invoicing.title",
    "invoicing.tax_number",
)
_UNAVAILABLE = {"registry.unavailable": "registry", "tax.unavailable": "tax_bureau"}

__all__ = [
    "KEY_FIELDS",
    "SupplierNotFoundError",
    "SupplierVerification",
    "VerificationDeps",
    "averify_after_write",
    "claims_of",
    "is_validated",
    "verification_view",
    "verify_after_write",
    "verify_supplier_now",
]


@dataclass(frozen=True)
class VerificationDeps:
    """What a verification needs besides the database: store, audit log, ports, settings."""

    suppliers: SupplierStore
    audit: AuditLog
    ports: VerificationPorts
    settings: VerificationSettings


@dataclass(frozen=True)
class SupplierVerification:
    """The outcome of one verification of one stored supplier."""

    supplier_id: str
    run_id: str
    outcome: str  # validated, findings, unavailable, stale
    validated: bool
    result: VerificationResult | None
    retry_at: datetime | None = None
    alerts: tuple[str, ...] = ()


def claims_of(supplier: Supplier) -> SupplierClaims:
    """What the supplier typed, as the verification compares it."""
    profile = supplier.invoicing_profile
    invoicing = None
    if profile is not None:
        invoicing = InvoicingProfile(
            title=profile.title,
            tax_number=profile.tax_number,
            address=profile.address or "",
            phone=profile.phone or "",
            bank_name=profile.bank_name or "",
            bank_account=profile.account_number or "",
        )
    return SupplierClaims(
        name=supplier.name,
        uscc=supplier.uscc,
        legal_representative=supplier.legal_representative,
        business_term_end=supplier.term_to,
        business_term_open_ended=supplier.term_to is None and supplier.term_from is not None,
        invoicing=invoicing,
        bank_account_holders=tuple(a.holder_name for a in supplier.bank_accounts if not a.retired),
    )


def is_validated(states: dict[str, State], findings: Sequence[Finding]) -> bool:
    """Every key field and every account holder verified, and no error finding open."""
    holders = [name for name in states if name.startswith("bank_accounts[")]
    wanted = [*KEY_FIELDS, *holders]
    return (
        bool(holders)
        and all(states.get(name) is State.VERIFIED for name in wanted)
        and not any(f.severity is Severity.ERROR for f in findings)
    )


class _Witness:
    """Keeps what the ports answered, so alerts can name the status the registry gave."""

    def __init__(self, ports: VerificationPorts) -> None:
        self._ports = ports
        self.record: EnterpriseRecord | None = None
        self.tax_status: TaxpayerStatus | None = None

    async def lookup(self, uscc_or_name: str) -> EnterpriseRecord:
        self.record = await self._ports.registry.lookup(uscc_or_name)
        return self.record

    async def verify_three_elements(
        self, uscc: str, name: str, legal_rep: str
    ) -> ThreeElementResult:
        return await self._ports.registry.verify_three_elements(uscc, name, legal_rep)

    async def invoicing_details(self, tax_number: str) -> InvoicingDetails:
        return await self._ports.tax.invoicing_details(tax_number)

    async def taxpayer_status(self, tax_number: str) -> TaxpayerStatus:
        self.tax_status = await self._ports.tax.taxpayer_status(tax_number)
        return self.tax_status


async def verify_supplier_now(
    engine: Engine,
    deps: VerificationDeps,
    supplier_id: str,
    *,
    now: datetime,
    trigger: str = "manual",
    ctx: AuditContext = SYSTEM,
    claim_token: str | None = None,
) -> SupplierVerification:
    """Verify one stored supplier against the authorities and keep the outcome."""

    def load() -> Supplier | None:
        with engine.connect() as conn:
            return deps.suppliers.get(conn, supplier_id)

    supplier = await asyncio.to_thread(load)
    if supplier is None:
        raise SupplierNotFoundError(supplier_id)
    witness = _Witness(deps.ports)
    service = VerificationService(witness, witness, clock=lambda: now)
    result = await service.verify(claims_of(supplier))

    def keep() -> SupplierVerification:
        with engine.begin() as conn:
            return _persist(conn, deps, supplier, result, witness, now, trigger, ctx, claim_token)

    return await asyncio.to_thread(keep)


def _persist(
    conn: Connection,
    deps: VerificationDeps,
    supplier: Supplier,
    result: VerificationResult,
    witness: _Witness,
    now: datetime,
    trigger: str,
    ctx: AuditContext,
    claim_token: str | None,
) -> SupplierVerification:
    sid, run_id = supplier.id or "", str(uuid.uuid4())
    down = {source for code, source in _UNAVAILABLE.items() if code in result.codes}
    carried = _open_findings(conn, sid, exclude_codes=set(_UNAVAILABLE), sources=down)
    states = {name: s.state for name, s in result.fields.items()}
    validated = is_validated(states, [*result.findings, *(f for _, f in carried)])
    values: dict[str, object] = {"validated": validated}
    if witness.record is not None:
        values["registry_status"] = _registry_status(witness.record).value
    if witness.tax_status is not None and witness.tax_status.status in _TAX:
        values["tax_status"] = _TAX[witness.tax_status.status].value
    fresh = conn.execute(
        update(SUPPLIER)
        .where(SUPPLIER.c.id == sid, SUPPLIER.c.version == supplier.version)
        .values(**values)
    )
    if fresh.rowcount != 1:
        # The supplier changed while the sources were asked: verify the new data instead.
        _run_row(conn, run_id, supplier, trigger, now, "stale", True, now, {})
        monitoring.reschedule(conn, sid, now, reason="change", token=claim_token)
        return SupplierVerification(sid, run_id, "stale", False, result, now)
    retry_at = now + (result.retry_after or timedelta(minutes=deps.settings.retry_minutes))
    outcome = "unavailable" if result.needs_retry else "validated" if validated else "findings"
    summary = {
        "outcome": outcome,
        "validated": validated,
        "codes": list(result.codes),
        "unknown": sorted(n for n, s in states.items() if s is State.UNKNOWN),
        "mismatch": sorted(n for n, s in states.items() if s is State.MISMATCH),
        "providers": list(deps.ports.providers),
    }
    _run_row(
        conn,
        run_id,
        supplier,
        trigger,
        now,
        outcome,
        result.needs_retry,
        retry_at if result.needs_retry else None,
        summary,
    )
    _replace_findings(
        conn, sid, run_id, result.findings, keep=[row_id for row_id, _ in carried], now=now
    )
    _replace_states(conn, sid, run_id, result)
    due = retry_at if result.needs_retry else now + timedelta(days=deps.settings.cadence_days)
    monitoring.reschedule(
        conn,
        sid,
        due,
        reason="retry" if result.needs_retry else "schedule",
        token=claim_token,
        ran_at=now,
    )
    alerts = monitoring.raise_alerts(
        conn, deps.settings, supplier, result, witness.record, witness.tax_status, now=now
    )
    deps.audit.record(
        conn,
        ctx,
        "verification.completed",
        subject_type="supplier",
        subject_id=sid,
        before=json.dumps({"validated": supplier.validated}),
        after=json.dumps({**summary, "run_id": run_id, "trigger": trigger}, ensure_ascii=False),
        now=now,
    )
    return SupplierVerification(
        sid,
        run_id,
        outcome,
        validated,
        result,
        retry_at if result.needs_retry else None,
        tuple(alerts),
    )


_TAX = {TaxStatus.NORMAL: SupplierTaxStatus.NORMAL, TaxStatus.ABNORMAL: SupplierTaxStatus.ABNORMAL}


def _registry_status(record: EnterpriseRecord) -> SupplierRegistryStatus:
    try:
        return SupplierRegistryStatus(record.status.value)
    except ValueError:
        return SupplierRegistryStatus.UNKNOWN


def _open_findings(
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


def _run_row(
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


def _replace_findings(
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


def _replace_states(conn: Connection, sid: str, run_id: str, result: VerificationResult) -> None:
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


def _wiring(services: Services, wiring: VerificationWiring | None) -> VerificationWiring:
    if wiring is None:  # built by the composition root; never guessed here
        raise VerificationNotConfiguredError("no verification wiring was given")
    return wiring


async def averify_after_write(
    services: Services,
    supplier_ids: Sequence[str],
    *,
    reason: str,
    now: datetime | None = None,
    ctx: AuditContext = SYSTEM,
    wiring: VerificationWiring | None = None,
) -> list[SupplierVerification]:
    """Mark the suppliers due, then verify them now (async variant of verify_after_write)."""
    wiring = _wiring(services, wiring)
    now = now or wiring.clock()

    def mark() -> None:
        with services.engine.begin() as conn:
            monitoring.request_verification(conn, supplier_ids, now=now, reason=reason)

    await asyncio.to_thread(mark)
    if not wiring.configured:
        return []  # they stay due and unvalidated; pages and commands say "not configured"
    out: list[SupplierVerification] = []
    async with wiring.ports() as ports:
        deps = VerificationDeps(
            services.suppliers, AuditLog(services.sealer), ports, wiring.settings
        )
        for sid in supplier_ids:
            out.append(
                await verify_supplier_now(
                    services.engine, deps, sid, now=now, trigger=reason, ctx=ctx
                )
            )
    return out


def verify_after_write(
    services: Services,
    supplier_ids: Sequence[str],
    *,
    reason: str,
    now: datetime | None = None,
    ctx: AuditContext = SYSTEM,
    wiring: VerificationWiring | None = None,
) -> list[SupplierVerification]:
    """Verify suppliers right after they were created (``reason="creation"``) or changed
    (``reason="change"``); call it after the write committed, from synchronous code.

    The suppliers are first marked due in a transaction of their own, so should the
    providers not answer (or verification not be configured) the monitoring job
    verifies them later by itself. From async code use :func:`averify_after_write`.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(
            averify_after_write(
                services, supplier_ids, reason=reason, now=now, ctx=ctx, wiring=wiring
            )
        )
    raise RuntimeError("verify_after_write is synchronous: await averify_after_write instead")


# -- reading ------------------------------------------------------------------------

SCHEDULE = monitoring.SCHEDULE


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _field_order(path: str) -> tuple[int, str]:
    order = {
        name: i
        for i, name in enumerate(
            (*KEY_FIELDS[:4], "business_term_end", "licence_validity", "tax_status")
        )
    }
    return (order.get(path, 50 if path.startswith("bank_") else 40), path)


def verification_view(conn: Connection, supplier_id: str, *, runs: int = 5) -> dict[str, Any]:
    """What the panel and its JSON twin show: field states, open findings, recent runs."""
    supplier = conn.execute(
        select(
            SUPPLIER.c.id,
            SUPPLIER.c.name,
            SUPPLIER.c.uscc,
            SUPPLIER.c.validated,
            SUPPLIER.c.lifecycle_state,
            SUPPLIER.c.version,
        ).where(SUPPLIER.c.id == supplier_id)
    ).first()
    if supplier is None:
        raise SupplierNotFoundError(supplier_id)
    states = conn.execute(select(STATE).where(STATE.c.supplier_id == supplier_id)).all()
    findings = conn.execute(
        select(FINDING)
        .where(FINDING.c.supplier_id == supplier_id, FINDING.c.status == "open")
        .order_by(FINDING.c.severity, FINDING.c.code, FINDING.c.field_path)
    ).all()
    recent = conn.execute(
        select(RUN)
        .where(RUN.c.supplier_id == supplier_id)
        .order_by(RUN.c.started_at.desc(), RUN.c.id)
        .limit(runs)
    ).all()
    schedule = conn.execute(select(SCHEDULE).where(SCHEDULE.c.supplier_id == supplier_id)).first()
    return {
        "supplier": {
            "id": supplier.id,
            "name": supplier.name,
            "uscc": supplier.uscc,
            "validated": supplier.validated,
            "lifecycle_state": supplier.lifecycle_state,
            "version": supplier.version,
        },
        "fields": [
            {
                "field": s.field_path,
                "state": s.state,
                "checked_at": _iso(s.checked_at),
                "against": s.against,
                "request_id": s.request_id,
            }
            for s in sorted(states, key=lambda s: _field_order(s.field_path))
        ],
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "field": f.field_path,
                "message_en": f.message_en,
                "message_zh": f.message_zh,
                "source": f.source,
                "evidence": json.loads(f.evidence),
                "observed_at": _iso(f.observed_at),
                "request_id": f.request_id,
            }
            for f in sorted(findings, key=lambda f: (_SEVERITY_ORDER.get(f.severity, 9), f.code))
        ],
        "runs": [
            {
                "id": r.id,
                "trigger": r.trigger,
                "started_at": _iso(r.started_at),
                "outcome": r.outcome,
                "needs_retry": r.needs_retry,
                "retry_after": _iso(r.retry_after),
            }
            for r in recent
        ],
        "schedule": None
        if schedule is None
        else {
            "next_due_at": _iso(schedule.next_due_at),
            "reason": schedule.reason,
            "last_run_at": _iso(schedule.last_run_at),
            "last_error": schedule.last_error,
        },
    }


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
