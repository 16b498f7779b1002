"""Duplicate prevention on the database: screening, keys, decisions and merges.

Screening a batch costs a fixed handful of indexed queries, whatever the size
of the base: posting lists of the candidates' blocking keys (each read up to
a cap), the credit codes, organisation codes, legacy numbers and blind
indexes they carry. Only the few suppliers found that way are loaded and
compared (:func:`portal.resolution.compare`). All functions run in the
caller's connection and transaction.

Keys must follow the supplier rows: call :func:`index_suppliers` in the
transaction that inserts or renames suppliers (``portal dedup sweep`` also
files any supplier it finds without keys).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, tuple_, update

from portal.db.bulk import insert_rows
from portal.db.dedup_tables import DedupKeyRow, DuplicateDecisionRow, DuplicatePairRow
from portal.db.sealing import Sealer
from portal.db.tables import (
    BankAccountRow,
    ContactRow,
    ContractRow,
    InvoiceRow,
    InvoicingProfileRow,
    JobStateRow,
    StoreSupplierRow,
    SupplierRow,
    table_of,
)
from portal.dedup.posting_cache import PostingCache
from portal.domain import names
from portal.domain import tax_number as legacy_number
from portal.domain.findings import Finding
from portal.domain.supplier import Supplier
from portal.resolution import (
    KEY_CAP,
    Decision,
    Match,
    MergeRefusedError,
    Probe,
    SupplierNotFoundError,
    all_name_keys,
    comparable_core,
    compare,
    names_may_match,
    normalise_address,
    normalise_person,
    rep_address_key,
    screen_within,
    select_candidates,
    to_finding,
)

SUPPLIER = table_of(SupplierRow)
BANK = table_of(BankAccountRow)
CONTACT = table_of(ContactRow)
INVOICING = table_of(InvoicingProfileRow)
CONTRACT = table_of(ContractRow)
INVOICE = table_of(InvoiceRow)
STORE_SUPPLIER = table_of(StoreSupplierRow)
KEY = table_of(DedupKeyRow)
PAIR = table_of(DuplicatePairRow)
DECISION = table_of(DuplicateDecisionRow)
ARCHIVED = "archived"
CHUNK = 500
_POSTING_CHUNK = 100


def _chunks(values: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


# -- probes -----------------------------------------------------------------------


def probe_of(sealer: Sealer, supplier: Supplier, ref: str) -> Probe:
    """The probe of a candidate supplier (blind indexes computed under every live key)."""
    org_code = supplier.uscc[8:17] if len(supplier.uscc) == 18 else None
    if org_code is None and supplier.legacy_tax_number:
        org_code = legacy_number.organisation_code(supplier.legacy_tax_number)
    accounts = [a.account_number for a in supplier.bank_accounts if a.account_number]
    profile = supplier.invoicing_profile
    if profile is not None and profile.account_number:
        accounts.append(profile.account_number)
    phones = [c.phone for c in supplier.contacts if c.phone]
    all_names = tuple(dict.fromkeys(names.normalise(n) for n in (supplier.name, *supplier.aliases)))
    return Probe(
        ref=ref,
        names=all_names,
        uscc=supplier.uscc or None,
        org_code=org_code,
        legacy_tax_number=supplier.legacy_tax_number,
        bank_accounts=frozenset(i for a in accounts for i in sealer.candidates("bank_account", a)),
        phones=frozenset(i for p in phones for i in sealer.candidates("phone", p)),
        rep_id=sealer.index("id_number", supplier.legal_rep_id_number),
        representative=normalise_person(supplier.legal_representative),
        address=normalise_address(supplier.address),
        name_keys=frozenset(all_name_keys(all_names)),
    )


def keys_of_row(
    name: str, aliases: Sequence[str], rep: str | None, address: str | None
) -> set[str]:
    """Every blocking key a stored supplier is filed under."""
    keys = all_name_keys([name, *aliases])
    rep_key = rep_address_key(rep, address)
    if rep_key:
        keys.add(rep_key)
    return keys


def load_probes(
    conn: Connection, ids: Collection[str], *, with_keys: bool = False
) -> dict[str, Probe]:
    """Probes of stored, not archived suppliers (names, numbers and blind indexes); their
    name keys only ``with_keys`` (needed to look them up, not to compare them)."""
    rows: list[Any] = []
    accounts: dict[str, set[str]] = {}
    phones: dict[str, set[str]] = {}
    for chunk in _chunks(ids):
        rows += conn.execute(
            select(
                SUPPLIER.c.id,
                SUPPLIER.c.uscc,
                SUPPLIER.c.org_code,
                SUPPLIER.c.legacy_tax_number,
                SUPPLIER.c.name,
                SUPPLIER.c.aliases,
                SUPPLIER.c.legal_rep_id_number_bidx,
                SUPPLIER.c.legal_representative,
                SUPPLIER.c.address,
            ).where(SUPPLIER.c.id.in_(chunk), SUPPLIER.c.lifecycle_state != ARCHIVED)
        ).all()
        for sid, index in conn.execute(
            select(BANK.c.supplier_id, BANK.c.account_number_bidx).where(
                BANK.c.supplier_id.in_(chunk), BANK.c.retired.is_(False)
            )
        ):
            accounts.setdefault(sid, set()).add(index)
        for sid, index in conn.execute(
            select(INVOICING.c.supplier_id, INVOICING.c.account_number_bidx).where(
                INVOICING.c.supplier_id.in_(chunk), INVOICING.c.account_number_bidx.is_not(None)
            )
        ):
            accounts.setdefault(sid, set()).add(index)
        for sid, index in conn.execute(
            select(CONTACT.c.supplier_id, CONTACT.c.phone_bidx).where(
                CONTACT.c.supplier_id.in_(chunk), CONTACT.c.phone_bidx.is_not(None)
            )
        ):
            phones.setdefault(sid, set()).add(index)
    return {
        r.id: Probe(
            ref=r.id,
            names=(r.name, *json.loads(r.aliases)),
            uscc=r.uscc,
            org_code=r.org_code,
            legacy_tax_number=r.legacy_tax_number,
            bank_accounts=frozenset(accounts.get(r.id, ())),
            phones=frozenset(phones.get(r.id, ())),
            rep_id=r.legal_rep_id_number_bidx,
            representative=normalise_person(r.legal_representative),
            address=normalise_address(r.address),
            stored=True,
            name_keys=frozenset(all_name_keys([r.name, *json.loads(r.aliases)]))
            if with_keys
            else frozenset(),
        )
        for r in rows
    }


# -- blocking lookups ---------------------------------------------------------------


def filed_under(
    conn: Connection,
    keys: Collection[str],
    *,
    cap: int = KEY_CAP,
    cache: PostingCache | None = None,
) -> dict[str, list[tuple[str, str]]]:
    """(supplier id, cores) filed under each key, at most ``cap + 1`` per key.

    One statement per hundred keys, each key read through the primary-key index up
    to its cap. Written as text: building a hundred-part union with the expression
    language costs more than the database needs to answer it. With a ``cache``,
    bigrams it holds are not read again.
    """
    cached: dict[str, list[tuple[str, str]]] = {}
    if cache is not None:
        cached, keys = cache.get(keys)
    found: dict[str, list[tuple[str, str]]] = {}
    limit = int(cap) + 1
    for chunk in _chunks(keys, _POSTING_CHUNK):
        statement = text(
            " UNION ALL ".join(
                # only the table name and integers are inlined; keys are bound
                f'SELECT * FROM (SELECT "key", supplier_id, cores FROM {KEY.name} '  # noqa: S608
                f'WHERE "key" = :k{i} LIMIT {limit}) AS p{i}'
                for i in range(len(chunk))
            )
        )
        rows = conn.execute(statement, {f"k{i}": key for i, key in enumerate(chunk)})
        for key, sid, cores in rows:
            found.setdefault(key, []).append((sid, cores))
    if cache is not None:
        cache.put(found, list(keys))
        found.update(cached)
    return found


def _owners(
    conn: Connection, column: Any, id_column: Any, values: Collection[str], *extra: Any
) -> dict[str, set[str]]:
    """value -> ids of rows whose ``column`` holds it."""
    owners: dict[str, set[str]] = {}
    for chunk in _chunks(values):
        for value, sid in conn.execute(select(column, id_column).where(column.in_(chunk), *extra)):
            owners.setdefault(value, set()).add(sid)
    return owners


def _blocked(
    conn: Connection, probes: Sequence[Probe], cache: PostingCache | None = None
) -> list[set[str]]:
    """For each probe, the stored suppliers worth comparing with it: those sharing an
    exact attribute, and those found by name whose names can reach the threshold."""
    name_keys = {k for p in probes for k in p.name_keys}
    rep_keys = [rep_address_key(p.representative, p.address) for p in probes]
    filed = filed_under(conn, name_keys | {k for k in rep_keys if k}, cache=cache)
    posted = {key: [sid for sid, _ in rows] for key, rows in filed.items()}
    cores_of = {sid: cores for rows in filed.values() for sid, cores in rows}
    by_value: list[tuple[Any, Any, Callable[[Probe], Iterable[str | None]]]] = [
        (SUPPLIER.c.uscc, SUPPLIER.c.id, lambda p: [p.uscc]),
        (SUPPLIER.c.org_code, SUPPLIER.c.id, lambda p: [p.org_code]),
        (SUPPLIER.c.legacy_tax_number, SUPPLIER.c.id, lambda p: [p.legacy_tax_number]),
        (SUPPLIER.c.legal_rep_id_number_bidx, SUPPLIER.c.id, lambda p: [p.rep_id]),
        (BANK.c.account_number_bidx, BANK.c.supplier_id, lambda p: p.bank_accounts),
        (INVOICING.c.account_number_bidx, INVOICING.c.supplier_id, lambda p: p.bank_accounts),
        (CONTACT.c.phone_bidx, CONTACT.c.supplier_id, lambda p: p.phones),
    ]
    blocked: list[set[str]] = [set() for _ in probes]
    for column, id_column, values_of in by_value:
        wanted = {v for p in probes for v in values_of(p) if v}
        owners = _owners(conn, column, id_column, wanted) if wanted else {}
        if not owners:  # the usual case for new suppliers: nothing to hand out
            continue
        for i, probe in enumerate(probes):
            for value in values_of(probe):
                if value and value in owners:
                    blocked[i] |= owners[value]
    for i, (probe, rep_key) in enumerate(zip(probes, rep_keys, strict=True)):
        if rep_key:
            blocked[i].update(posted.get(rep_key, [])[:KEY_CAP])
        for sid in select_candidates(probe.name_keys, posted):
            if sid not in blocked[i] and _names_may_match(probe, cores_of.get(sid, "")):
                blocked[i].add(sid)
        blocked[i].discard(probe.ref)
    return blocked


def _names_may_match(probe: Probe, cores: str) -> bool:
    """Whether a name candidate is worth loading; keys filed before the cores were kept
    on them ("") cannot tell, so those are loaded."""
    return not cores or names_may_match(probe.cores, cores.split("\n"))


def find_matches(
    conn: Connection, probes: Sequence[Probe], cache: PostingCache | None = None
) -> list[list[Match]]:
    """Matches of each probe against stored suppliers, without pairs already decided."""
    blocked = _blocked(conn, probes, cache)
    stored = load_probes(conn, set().union(*blocked)) if probes else {}
    results = [
        [m for ref in sorted(refs) if ref in stored for m in compare(probe, stored[ref])]
        for probe, refs in zip(probes, blocked, strict=True)
    ]
    decided = decided_pairs(conn, {m.pair for ms in results for m in ms if m.probe[:1] != "#"})
    return [[m for m in ms if m.pair not in decided] for ms in results]


# -- screening ------------------------------------------------------------------------


def screen_batch(
    conn: Connection,
    sealer: Sealer,
    candidates: Sequence[Supplier],
    *,
    within_batch: bool = True,
    cache: PostingCache | None = None,
) -> list[list[Finding]]:
    """Findings for each candidate, in input order: against the stored suppliers and,
    with ``within_batch``, against the other candidates (evidence ``batch_index``).

    A candidate with an ``id`` (a change to a stored supplier) is not compared
    with itself, and pairs decided "not the same" stay quiet.
    """
    probes = [probe_of(sealer, c, c.id or f"#{i}") for i, c in enumerate(candidates)]
    matches = find_matches(conn, probes, cache)
    if within_batch:
        for found, inside in zip(matches, screen_within(probes), strict=True):
            found.extend(inside)
    return [[to_finding(m) for m in _strongest(found)] for found in matches]


def screen_one(conn: Connection, sealer: Sealer, candidate: Supplier) -> list[Finding]:
    """Findings for one candidate against the stored suppliers."""
    return screen_batch(conn, sealer, [candidate], within_batch=False)[0]


def _strongest(matches: Iterable[Match]) -> list[Match]:
    """One match per (other, code), the best score first."""
    best: dict[tuple[str, str], Match] = {}
    for m in matches:
        key = (m.other, m.code)
        if key not in best or m.score > best[key].score:
            best[key] = m
    return sorted(best.values(), key=lambda m: (-m.score, m.code, m.other))


# -- keys -----------------------------------------------------------------------------


def key_rows(
    supplier_id: str, name: str, aliases: Sequence[str], rep: str | None, address: str | None
) -> list[dict[str, str]]:
    """The ``dedup_key`` rows of one supplier."""
    cores = "\n".join(dict.fromkeys(comparable_core(n) for n in (name, *aliases)))
    return [
        {"key": k, "supplier_id": supplier_id, "cores": cores}
        for k in sorted(keys_of_row(name, aliases, rep, address))
    ]


def index_suppliers(conn: Connection, supplier_ids: Collection[str]) -> int:
    """(Re)file suppliers under their blocking keys; archived ones are taken out. Returns
    the number of keys written."""
    rows: list[dict[str, str]] = []
    for chunk in _chunks(supplier_ids):
        conn.execute(delete(KEY).where(KEY.c.supplier_id.in_(chunk)))
        for r in conn.execute(
            select(
                SUPPLIER.c.id,
                SUPPLIER.c.name,
                SUPPLIER.c.aliases,
                SUPPLIER.c.legal_representative,
                SUPPLIER.c.address,
            ).where(SUPPLIER.c.id.in_(chunk), SUPPLIER.c.lifecycle_state != ARCHIVED)
        ):
            rows += key_rows(r.id, r.name, json.loads(r.aliases), r.legal_representative, r.address)
    if rows:
        conn.execute(insert(KEY), rows)
    return len(rows)


def file_new(conn: Connection, suppliers: Iterable[tuple[str, Supplier]]) -> list[dict[str, str]]:
    """File suppliers just inserted in this transaction (id, value) under their keys,
    from the values in hand rather than reading them back. Returns the rows written."""
    rows = [
        row
        for sid, s in suppliers
        for row in key_rows(sid, s.name, s.aliases, s.legal_representative, s.address)
    ]
    insert_rows(conn, KEY, rows)
    return rows


def unindexed(conn: Connection, supplier_ids: Collection[str]) -> set[str]:
    """Which of these (not archived) suppliers have no blocking key yet."""
    missing: set[str] = set()
    for chunk in _chunks(supplier_ids):
        live = set(
            conn.scalars(
                select(SUPPLIER.c.id).where(
                    SUPPLIER.c.id.in_(chunk), SUPPLIER.c.lifecycle_state != ARCHIVED
                )
            )
        )
        filed = set(conn.scalars(select(KEY.c.supplier_id).where(KEY.c.supplier_id.in_(chunk))))
        missing |= live - filed
    return missing


# -- pairs and decisions --------------------------------------------------------------


def decided_pairs(conn: Connection, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (ordered) pairs already have a decision."""
    wanted = sorted(set(pairs))
    found: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = conn.execute(
            select(DECISION.c.a_id, DECISION.c.b_id).where(
                tuple_(DECISION.c.a_id, DECISION.c.b_id).in_(chunk)
            )
        )
        found.update((a, b) for a, b in rows)
    return found


def remember_pairs(conn: Connection, matches: Iterable[Match], *, now: datetime) -> int:
    """Keep matches between stored suppliers as open duplicates (idempotent). Returns the
    number of new rows."""
    rows: dict[tuple[str, str, str], Match] = {}
    for m in matches:
        if m.probe.startswith("#") or m.other.startswith("#"):
            continue
        key = (*m.pair, m.code)
        if key not in rows or m.score > rows[key].score:
            rows[key] = m
    if not rows:
        return 0
    existing: set[tuple[str, str, str]] = set()
    for chunk in _chunks({a for a, _, _ in rows}):
        existing.update(
            (r.a_id, r.b_id, r.code)
            for r in conn.execute(
                select(PAIR.c.a_id, PAIR.c.b_id, PAIR.c.code).where(PAIR.c.a_id.in_(chunk))
            )
        )
    new = [
        {
            "a_id": a,
            "b_id": b,
            "code": code,
            "matched": m.attribute.value,
            "score": m.score,
            "evidence": json.dumps(to_finding(m).as_dict()["evidence"], ensure_ascii=False),
            "found_at": now,
        }
        for (a, b, code), m in sorted(rows.items())
        if (a, b, code) not in existing
    ]
    if new:
        conn.execute(insert(PAIR), new)
    return len(new)


@dataclass(frozen=True)
class OpenPair:
    """An undecided likely duplicate, with every reason found for it."""

    a_id: str
    b_id: str
    a_name: str
    b_name: str
    codes: tuple[str, ...]
    score: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "a_id": self.a_id,
            "b_id": self.b_id,
            "a_name": self.a_name,
            "b_name": self.b_name,
            "codes": list(self.codes),
            "score": self.score,
        }


def open_pairs(
    conn: Connection, *, supplier_id: str | None = None, limit: int = 100
) -> list[OpenPair]:
    """Open duplicates, strongest first."""
    query = select(PAIR.c.a_id, PAIR.c.b_id, PAIR.c.code, PAIR.c.score)
    if supplier_id:
        query = query.where((PAIR.c.a_id == supplier_id) | (PAIR.c.b_id == supplier_id))
    grouped: dict[tuple[str, str], tuple[list[str], float]] = {}
    for a, b, code, score in conn.execute(query):
        codes, best = grouped.setdefault((a, b), ([], 0.0))
        codes.append(code)
        grouped[(a, b)] = (codes, max(best, score))
    ranked = sorted(grouped.items(), key=lambda kv: (-kv[1][1], kv[0]))[:limit]
    ids = {i for pair, _ in ranked for i in pair}
    names_by_id: dict[str, str] = {}
    for chunk in _chunks(ids):
        rows = conn.execute(select(SUPPLIER.c.id, SUPPLIER.c.name).where(SUPPLIER.c.id.in_(chunk)))
        names_by_id.update((r.id, r.name) for r in rows)
    return [
        OpenPair(a, b, names_by_id.get(a, ""), names_by_id.get(b, ""), tuple(sorted(c)), s)
        for (a, b), (c, s) in ranked
    ]


def count_open_pairs(conn: Connection) -> int:
    """How many pairs wait for a decision."""
    pairs = select(PAIR.c.a_id, PAIR.c.b_id).distinct().subquery()
    return int(conn.scalar(select(func.count()).select_from(pairs)) or 0)


def decide(
    conn: Connection,
    first_id: str,
    second_id: str,
    decision: Decision,
    *,
    decided_by: str,
    now: datetime,
    note: str | None = None,
) -> None:
    """Remember a decision about two suppliers; the pair is not raised again."""
    if first_id == second_id:
        raise MergeRefusedError("a supplier cannot be a duplicate of itself")
    a, b = _pair(first_id, second_id)
    found = set(conn.scalars(select(SUPPLIER.c.id).where(SUPPLIER.c.id.in_([a, b]))))
    if missing := {a, b} - found:
        raise SupplierNotFoundError(", ".join(sorted(missing)))
    conn.execute(delete(DECISION).where(DECISION.c.a_id == a, DECISION.c.b_id == b))
    conn.execute(
        insert(DECISION).values(
            a_id=a,
            b_id=b,
            decision=decision.value,
            decided_by=decided_by,
            decided_at=now,
            note=note,
        )
    )
    conn.execute(delete(PAIR).where(PAIR.c.a_id == a, PAIR.c.b_id == b))


def decide_not_the_same(
    conn: Connection,
    first_id: str,
    second_id: str,
    *,
    decided_by: str,
    now: datetime,
    note: str | None = None,
) -> None:
    """ "Not the same company": remembered, so the pair stays quiet from now on."""
    decide(
        conn, first_id, second_id, Decision.NOT_THE_SAME, decided_by=decided_by, now=now, note=note
    )


# -- merge ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeResult:
    """What a merge moved, for the audit log."""

    survivor_id: str
    absorbed_id: str
    moved: dict[str, int]
    aliases_before: tuple[str, ...]
    aliases_after: tuple[str, ...]


def merge_suppliers(
    conn: Connection,
    survivor_id: str,
    absorbed_id: str,
    *,
    now: datetime,
    decided_by: str = "merge",
) -> MergeResult:
    """Fold ``absorbed`` into ``survivor`` in the caller's transaction.

    Bank accounts, contacts, contracts, invoices and store links move to the
    survivor (an account the survivor already has moves retired, so history
    stays complete); the invoicing profile moves when the survivor has none;
    documents stay with the registration they prove. The absorbed names become
    aliases of the survivor, the absorbed supplier is archived and the pair is
    remembered as merged.
    """
    if survivor_id == absorbed_id:
        raise MergeRefusedError("a supplier cannot be merged into itself")
    rows = {
        r.id: r
        for r in conn.execute(
            select(SUPPLIER.c.id, SUPPLIER.c.name, SUPPLIER.c.aliases, SUPPLIER.c.lifecycle_state)
            .where(SUPPLIER.c.id.in_([survivor_id, absorbed_id]))
            .with_for_update()
        )
    }
    if missing := {survivor_id, absorbed_id} - set(rows):
        raise SupplierNotFoundError(", ".join(sorted(missing)))
    survivor, absorbed = rows[survivor_id], rows[absorbed_id]
    for row, role in ((survivor, "surviving"), (absorbed, "absorbed")):
        if row.lifecycle_state == ARCHIVED:
            raise MergeRefusedError(f"the {role} supplier {row.id} is archived already")
    moved: dict[str, int] = {}
    held = set(
        conn.scalars(select(BANK.c.account_number_bidx).where(BANK.c.supplier_id == survivor_id))
    )
    moved["bank_accounts_retired"] = conn.execute(
        update(BANK)
        .where(BANK.c.supplier_id == absorbed_id, BANK.c.account_number_bidx.in_(held))
        .values(supplier_id=survivor_id, retired=True, is_default=False)
    ).rowcount
    moved["bank_accounts"] = (
        conn.execute(
            update(BANK)
            .where(BANK.c.supplier_id == absorbed_id)
            .values(supplier_id=survivor_id, is_default=False)
        ).rowcount
        + moved["bank_accounts_retired"]
    )
    for name, table in (("contacts", CONTACT), ("contracts", CONTRACT), ("invoices", INVOICE)):
        moved[name] = conn.execute(
            update(table).where(table.c.supplier_id == absorbed_id).values(supplier_id=survivor_id)
        ).rowcount
    has_profile = conn.execute(
        select(INVOICING.c.id).where(INVOICING.c.supplier_id == survivor_id)
    ).first()
    moved["invoicing_profile"] = (
        0
        if has_profile
        else conn.execute(
            update(INVOICING)
            .where(INVOICING.c.supplier_id == absorbed_id)
            .values(supplier_id=survivor_id)
        ).rowcount
    )
    moved["stores"] = _move_stores(conn, survivor_id, absorbed_id)
    before = tuple(json.loads(survivor.aliases))
    after = tuple(
        a
        for a in dict.fromkeys((*before, absorbed.name, *json.loads(absorbed.aliases)))
        if a != survivor.name
    )
    conn.execute(
        update(SUPPLIER)
        .where(SUPPLIER.c.id == survivor_id)
        .values(
            aliases=json.dumps(list(after), ensure_ascii=False),
            version=SUPPLIER.c.version + 1,
            updated_at=now,
        )
    )
    conn.execute(
        update(SUPPLIER)
        .where(SUPPLIER.c.id == absorbed_id)
        .values(lifecycle_state=ARCHIVED, version=SUPPLIER.c.version + 1, updated_at=now)
    )
    conn.execute(delete(PAIR).where((PAIR.c.a_id == absorbed_id) | (PAIR.c.b_id == absorbed_id)))
    decide(conn, survivor_id, absorbed_id, Decision.MERGED, decided_by=decided_by, now=now)
    index_suppliers(conn, [survivor_id, absorbed_id])
    return MergeResult(survivor_id, absorbed_id, moved, before, after)


def _move_stores(conn: Connection, survivor_id: str, absorbed_id: str) -> int:
    served = set(
        conn.scalars(
            select(STORE_SUPPLIER.c.store_id).where(STORE_SUPPLIER.c.supplier_id == survivor_id)
        )
    )
    stores = set(
        conn.scalars(
            select(STORE_SUPPLIER.c.store_id).where(STORE_SUPPLIER.c.supplier_id == absorbed_id)
        )
    )
    if stores - served:
        conn.execute(
            insert(STORE_SUPPLIER),
            [{"store_id": s, "supplier_id": survivor_id} for s in sorted(stores - served)],
        )
    conn.execute(delete(STORE_SUPPLIER).where(STORE_SUPPLIER.c.supplier_id == absorbed_id))
    return len(stores)


# -- sweep ----------------------------------------------------------------------------

JOB = table_of(JobStateRow)
SWEEP_JOB = "dedup_sweep"


@dataclass
class SweepProgress:
    """Where a sweep stands; ``cursor`` is the last supplier id screened."""

    cursor: str = ""
    screened: int = 0
    new_pairs: int = 0
    batches: int = 0
    finished: bool = False


def sweep(
    engine: Engine,
    *,
    batch_size: int = 1000,
    resume: bool = False,
    max_batches: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_batch: Callable[[SweepProgress], None] | None = None,
) -> SweepProgress:
    """Screen every stored supplier against the others, a batch per transaction.

    Each batch files suppliers that have no blocking keys yet, screens the
    batch, keeps new pairs as open duplicates and moves the cursor, all in
    one transaction: killed at any point, ``resume=True`` goes on after the
    last committed batch and ends with the same pairs as an uninterrupted run.
    A fresh sweep (``resume=False``) first forgets undecided pairs, so pairs
    that no longer match disappear.
    """
    progress = _start_sweep(engine, resume=resume, now=clock())
    while not progress.finished and (max_batches is None or progress.batches < max_batches):
        with engine.begin() as conn:
            ids = list(
                conn.scalars(
                    select(SUPPLIER.c.id)
                    .where(SUPPLIER.c.id > progress.cursor, SUPPLIER.c.lifecycle_state != ARCHIVED)
                    .order_by(SUPPLIER.c.id)
                    .limit(batch_size)
                )
            )
            if ids:
                index_suppliers(conn, unindexed(conn, ids))
                stored = load_probes(conn, ids, with_keys=True)
                probes = [stored[i] for i in ids if i in stored]
                found = [m for ms in find_matches(conn, probes) for m in ms]
                progress.new_pairs += remember_pairs(conn, found, now=clock())
                progress.cursor = ids[-1]
                progress.screened += len(ids)
                progress.batches += 1
            progress.finished = len(ids) < batch_size
            conn.execute(
                update(JOB)
                .where(JOB.c.name == SWEEP_JOB)
                .values(
                    cursor=progress.cursor,
                    done=progress.screened,
                    state="done" if progress.finished else "running",
                    updated_at=clock(),
                )
            )
        if on_batch is not None:
            on_batch(progress)
    return progress


def _start_sweep(engine: Engine, *, resume: bool, now: datetime) -> SweepProgress:
    with engine.begin() as conn:
        row = conn.execute(select(JOB).where(JOB.c.name == SWEEP_JOB)).first()
        if resume and row is not None and row.state == "running":
            return SweepProgress(cursor=row.cursor, screened=row.done)
        conn.execute(delete(JOB).where(JOB.c.name == SWEEP_JOB))
        conn.execute(delete(PAIR))
        conn.execute(
            insert(JOB).values(name=SWEEP_JOB, cursor="", done=0, state="running", updated_at=now)
        )
    return SweepProgress()


def sweep_state(conn: Connection) -> dict[str, object] | None:
    """The sweep's job row as a dict, or None when no sweep ever ran."""
    row = conn.execute(select(JOB).where(JOB.c.name == SWEEP_JOB)).first()
    if row is None:
        return None
    return {
        "cursor": row.cursor,
        "screened": row.done,
        "state": row.state,
        "updated_at": row.updated_at.isoformat(),
    }
