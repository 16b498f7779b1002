"""Verifying a stored supplier now, and keeping what was found.

:func:`verify_supplier_now` loads the supplier, asks the registry and the tax
bureau through :class:`~verification.service.VerificationService`, and in one
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
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, update

from portal.audit.log import AuditContext, AuditLog
from portal.core import Services
from portal.db.supplier_store import SUPPLIER, SupplierStore
from portal.domain.status import TaxStatus
from portal.domain.supplier import Supplier
from portal.verification.alerts import raise_alerts
from portal.verification.records import (
    SupplierNotFoundError,
    open_findings,
    replace_findings,
    replace_states,
    run_row,
)
from portal.verification.registry_events import follow_registry_events
from portal.verification.schedule import request_verification, reschedule
from portal.verification.view import vies_summary
from portal.verification.wiring import (
    VerificationNotConfiguredError,
    VerificationPorts,
    VerificationSettings,
    VerificationWiring,
)
from providers.dates import today_in_china
from verification.foreign import verify_foreign
from verification.model import Answers, State, TaxFacts, VerificationResult
from verification.rules import verify_supplier
from verification.service import VerificationService
from verification.supplier import KEY_FIELDS, claims_of, is_validated, stays_validated

SYSTEM = AuditContext(actor="system:verification", channel="system:verification")
_UNAVAILABLE = {
    "registry.unavailable": "registry",
    "tax.unavailable": "tax_bureau",
    "vat.unavailable": "tax_bureau",
}

__all__ = [
    "KEY_FIELDS",
    "SYSTEM",
    "SupplierNotFoundError",
    "SupplierVerification",
    "VerificationDeps",
    "averify_after_write",
    "claims_of",
    "is_validated",
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
    if supplier.uscc is None and supplier.foreign_tax_id is not None:
        result, answers = await _ask_vies(deps, supplier, now)
    else:
        claims = claims_of(supplier)
        service = VerificationService(deps.ports.registry, deps.ports.tax, clock=lambda: now)
        answers = await service.ask(claims)
        result = verify_supplier(
            claims, registry_record=answers.registry, tax=answers.tax, today=today_in_china(now)
        )

    def keep() -> SupplierVerification:
        with engine.begin() as conn:
            return _persist(conn, deps, supplier, result, answers, now, trigger, ctx, claim_token)

    return await asyncio.to_thread(keep)


async def _ask_vies(
    deps: VerificationDeps, supplier: Supplier, now: datetime
) -> tuple[VerificationResult, Answers]:
    """A foreign supplier: its EU VAT number asked of VIES (no Chinese source knows it).
    What VIES answered (name, address) goes into the run's summary for the panel."""
    tax_id = supplier.foreign_tax_id
    assert tax_id is not None  # the caller's branch
    check = None
    if tax_id.scheme == "eu_vat":
        if deps.ports.vat is None:
            raise VerificationNotConfiguredError("no VIES checker is configured")
        check = await deps.ports.vat.check(tax_id.number)
    result = verify_foreign(supplier.name, tax_id, check, today=today_in_china(now))
    return result, Answers(None, TaxFacts(), vat=check)


def _persist(
    conn: Connection,
    deps: VerificationDeps,
    supplier: Supplier,
    result: VerificationResult,
    answers: Answers,
    now: datetime,
    trigger: str,
    ctx: AuditContext,
    claim_token: str | None,
) -> SupplierVerification:
    sid, run_id = supplier.id or "", str(uuid.uuid4())
    down = {source for code, source in _UNAVAILABLE.items() if code in result.codes}
    carried = open_findings(conn, sid, exclude_codes=set(_UNAVAILABLE), sources=down)
    states = {name: s.state for name, s in result.fields.items()}
    validated = is_validated(states, [*result.findings, *(f for _, f in carried)])
    if result.needs_retry and not validated:
        # unreachable is not "failed": an earlier validated result holds until an answer
        validated = stays_validated(
            supplier.validated, states, [*result.findings, *(f for _, f in carried)]
        )
    values: dict[str, object] = {"validated": validated}
    if answers.record is not None:
        values["registry_status"] = answers.record.status
    tax = answers.tax_status
    if tax is not None and tax.status in (TaxStatus.NORMAL, TaxStatus.ABNORMAL):
        values["tax_status"] = tax.status  # an unknown or deregistered answer keeps the last
    fresh = conn.execute(
        update(SUPPLIER)
        .where(SUPPLIER.c.id == sid, SUPPLIER.c.version == supplier.version)
        .values(**values)
    )
    if fresh.rowcount != 1:
        # The supplier changed while the sources were asked: verify the new data instead.
        run_row(conn, run_id, supplier, trigger, now, "stale", True, now, {})
        reschedule(conn, sid, now, reason="change", token=claim_token)
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
    if answers.vat is not None:
        summary["vies"] = vies_summary(answers.vat)
    run_row(
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
    replace_findings(
        conn, sid, run_id, result.findings, keep=[row_id for row_id, _ in carried], now=now
    )
    replace_states(conn, sid, run_id, result)
    due = retry_at if result.needs_retry else now + timedelta(days=deps.settings.cadence_days)
    reschedule(
        conn,
        sid,
        due,
        reason="retry" if result.needs_retry else "schedule",
        token=claim_token,
        ran_at=now,
    )
    alerts = raise_alerts(
        conn, deps.settings, supplier, result, answers.record, answers.tax_status, now=now
    )
    events = follow_registry_events(
        conn, deps.audit, ctx, supplier, result, answers, now=now,
        public_url=deps.settings.public_url,
    )  # fmt: skip
    deps.audit.record(
        conn,
        ctx,
        "verification.completed",
        subject_type="supplier",
        subject_id=sid,
        before=json.dumps({"validated": supplier.validated}),
        after=json.dumps(
            {**summary, "run_id": run_id, "trigger": trigger, "registry_events": events},
            ensure_ascii=False,
        ),
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
            request_verification(conn, supplier_ids, now=now, reason=reason)

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
