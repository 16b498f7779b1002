"""Registering new suppliers: the one write path for forms, the API and imports.

A batch is probed for duplicates in a few indexed queries (credit codes, then
the entity-resolution screen of ``portal.dedup``: similar names, shared
bank accounts and phones, legal representative and address, within the batch
too), then written in one transaction with its blocking keys, the likely
duplicates it found between stored suppliers as open pairs (the data-health page
shows them without waiting for a sweep), and a due entry in the verification
schedule, so the monitoring job checks every new supplier
against the registry and tax bureau without anyone asking. Should
the batch fail at the database (a concurrent writer took a credit code), each
supplier is retried in a transaction of its own, so one bad row never costs
the others and never leaves half a supplier behind. Each supplier created gets a
``supplier.created`` event of the change feed in that same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from portal.db.supplier_store import RowBatch, SupplierStore
from portal.dedup import file_new, index_suppliers, remember_pairs, screen_batch_matches
from portal.domain.findings import Finding, Severity, finding
from portal.domain.supplier import Supplier
from portal.feed import EventType, PendingEvent, record_events
from portal.payments.filed import propose_filed_accounts
from portal.resolution import Match, PostingCache, to_finding
from portal.verification.schedule import schedule_new


class OutcomeStatus(StrEnum):
    """What happened to one candidate supplier."""

    CREATED = "created"
    WOULD_CREATE = "would_create"
    EXISTS = "exists"
    REJECTED = "rejected"


@dataclass
class Outcome:
    """The result for one candidate, in input order."""

    position: int
    status: OutcomeStatus
    supplier_id: str | None = None
    findings: list[Finding] = field(default_factory=list)


def _has_error(findings: Sequence[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


#: Called in the transaction that stores a batch, with the ids created (the import
#: writes its audit entry naming each one there).
OnCreated = Callable[[Connection, list[str]], None]


def register_suppliers(
    engine: Engine,
    store: SupplierStore,
    candidates: Sequence[tuple[int, Supplier, list[Finding]]],
    *,
    now: datetime,
    dry_run: bool = False,
    cache: PostingCache | None = None,
    on_created: OnCreated | None = None,
) -> list[Outcome]:
    """Create the candidates that pass validation and the duplicate probes.

    A ``cache`` (one per import) keeps the posting lists of name bigrams between
    batches and learns the suppliers this call files.
    """
    outcomes = [Outcome(pos, OutcomeStatus.REJECTED, None, list(f)) for pos, _, f in candidates]
    store = store.for_batch()  # the blind indexes probed are the ones stored
    with engine.connect() as conn:
        existing = _existing(conn, store, [s for _, s, _ in candidates])
        fresh = [i for i, (_, s, _) in enumerate(candidates) if _identity(s) not in existing]
        screened = screen_batch_matches(
            conn, store.sealer, [candidates[i][1] for i in fresh], cache=cache
        )
    for i, found in zip(fresh, screened, strict=True):
        outcomes[i].findings.extend(to_finding(m) for m in found)
    batch, members, filed = RowBatch(), [], []
    for outcome, (_, supplier, _) in zip(outcomes, candidates, strict=True):
        if _identity(supplier) in existing:
            outcome.status = OutcomeStatus.EXISTS
            outcome.supplier_id = existing[_identity(supplier)]
            outcome.findings.append(_duplicate(supplier, outcome.supplier_id))
            continue
        if _has_error(outcome.findings):
            continue
        if dry_run:
            outcome.status = OutcomeStatus.WOULD_CREATE
            continue
        outcome.supplier_id = store.add_to_batch(batch, supplier, now)
        members.append(outcome)
        filed.append(supplier)
    if not batch:
        return outcomes
    try:
        with engine.begin() as conn:
            store.insert_batch(conn, batch)
            propose_filed_accounts(conn, batch.bank_accounts, now)
            created = [row["id"] for row in batch.suppliers]
            keys = file_new(conn, zip(created, filed, strict=True))
            schedule_new(conn, created, now=now, reason="creation")
            remember_pairs(conn, _stored_pairs(screened, fresh, outcomes), now=now)
            if on_created is not None:
                on_created(conn, created)
            _announce(conn, store, created, now, audited=on_created is not None, known=batch.stored)
        for outcome in members:
            outcome.status = OutcomeStatus.CREATED
        if cache is not None:
            cache.add(keys)
    except IntegrityError:
        _retry_one_by_one(
            engine, store, batch, list(zip(members, filed, strict=True)), now, cache, on_created
        )
        with engine.begin() as conn:
            remember_pairs(conn, _stored_pairs(screened, fresh, outcomes), now=now)
    return outcomes


def _identity(supplier: Supplier) -> str:
    """The number that makes a supplier the same supplier: its credit code, or its
    foreign tax id's key (``eu_vat:DE…``, which no credit code can equal)."""
    if supplier.uscc is not None or supplier.foreign_tax_id is None:
        return supplier.uscc or ""
    return supplier.foreign_tax_id.key


def _existing(conn: Connection, store: SupplierStore, suppliers: list[Supplier]) -> dict[str, str]:
    """Identity -> id of the stored suppliers these candidates would repeat."""
    usccs = [s.uscc for s in suppliers if s.uscc]
    keys = [s.foreign_tax_id.key for s in suppliers if s.foreign_tax_id and not s.uscc]
    return store.existing_usccs(conn, usccs) | store.existing_foreign_ids(conn, keys)


def _duplicate(supplier: Supplier, existing_id: str | None, *, meanwhile: bool = False) -> Finding:
    """The finding that a candidate repeats a stored supplier's identity."""
    how = "was stored meanwhile" if meanwhile else f"is supplier {existing_id}"
    evidence = {"existing_id": existing_id} if existing_id else {}
    if supplier.uscc is None and supplier.foreign_tax_id is not None:
        detail = f"{supplier.foreign_tax_id.number} {how}"
        return finding(
            "duplicate.foreign_tax_id", "foreign_tax_id", detail=detail, evidence=evidence
        )
    return finding("duplicate.uscc", "uscc", detail=f"{supplier.uscc} {how}", evidence=evidence)


def _announce(
    conn: Connection,
    store: SupplierStore,
    created: list[str],
    now: datetime,
    *,
    audited: bool,
    known: Sequence[Supplier] = (),
) -> None:
    """A ``supplier.created`` event per new supplier, last in the transaction (the feed
    head stays locked to the commit). ``audited``: the caller's ``on_created`` wrote the
    act's audit entry here, whose hash goes with the events. ``known``: the new
    suppliers as stored (their state is not read back)."""
    events = [PendingEvent(EventType.CREATED, sid) for sid in created]
    stored = {s.id: s for s in known if s.id is not None}
    record_events(conn, store, events, now=now, audited=audited, known=stored)


def _stored_pairs(
    screened: Sequence[Sequence[Match]], fresh: Sequence[int], outcomes: Sequence[Outcome]
) -> Iterator[Match]:
    """The screen's matches with the batch refs (``#k``) of created candidates replaced by
    their new ids; matches with a candidate that was not created are left out."""
    ids = {
        f"#{k}": outcomes[i].supplier_id
        for k, i in enumerate(fresh)
        if outcomes[i].supplier_id and outcomes[i].status is not OutcomeStatus.EXISTS
    }
    for k, found in enumerate(screened):
        probe = ids.get(f"#{k}")
        for m in found if probe else ():
            other = ids.get(m.other) if m.other.startswith("#") else m.other
            if probe and other:
                yield replace(m, probe=probe, other=other)


def _retry_one_by_one(
    engine: Engine,
    store: SupplierStore,
    batch: RowBatch,
    members: list[tuple[Outcome, Supplier]],
    now: datetime,
    cache: PostingCache | None,
    on_created: OnCreated | None,
) -> None:
    """Insert each supplier of a failed batch in its own transaction."""
    for (outcome, supplier), row in zip(members, batch.suppliers, strict=True):
        sid = row["id"]
        single = RowBatch(
            suppliers=[row],
            bank_accounts=[r for r in batch.bank_accounts if r["supplier_id"] == sid],
            contacts=[r for r in batch.contacts if r["supplier_id"] == sid],
            invoicing=[r for r in batch.invoicing if r["supplier_id"] == sid],
        )
        try:
            with engine.begin() as conn:
                store.insert_batch(conn, single)
                propose_filed_accounts(conn, single.bank_accounts, now)
                index_suppliers(conn, [sid])
                schedule_new(conn, [sid], now=now, reason="creation")
                if on_created is not None:
                    on_created(conn, [sid])
                _announce(conn, store, [sid], now, audited=on_created is not None)
            outcome.status = OutcomeStatus.CREATED
            if cache is not None:
                cache.forget()
        except IntegrityError:
            outcome.status = OutcomeStatus.EXISTS
            outcome.supplier_id = None
            outcome.findings.append(_duplicate(supplier, None, meanwhile=True))
