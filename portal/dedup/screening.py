"""Screening candidates against the stored suppliers, on the database.

Screening a batch costs a fixed handful of indexed queries, whatever the size
of the base: posting lists of the candidates' blocking keys (each read up to
a cap), the credit codes, organisation codes, legacy numbers and blind
indexes they carry. Only the few suppliers found that way are loaded and
compared (:func:`portal.resolution.compare`). All functions run in the
caller's connection and transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from portal.db.keyed import member_of
from portal.db.sealing import Sealer
from portal.dedup.keys import filed_under
from portal.dedup.pairs import decided_pairs
from portal.dedup.tables import ARCHIVED, BANK, CONTACT, INVOICING, SUPPLIER, chunks
from portal.domain import names
from portal.domain import tax_number as legacy_number
from portal.domain.findings import Finding
from portal.domain.supplier import Supplier
from portal.resolution import (
    KEY_CAP,
    Match,
    Probe,
    all_name_keys,
    compare,
    names_may_match,
    normalise_address,
    normalise_person,
    rep_address_key,
    screen_within,
    select_candidates,
    to_finding,
)
from portal.resolution.posting_cache import PostingCache

__all__ = [
    "find_matches",
    "load_probes",
    "probe_of",
    "screen_batch",
    "screen_batch_matches",
    "screen_one",
]


def probe_of(sealer: Sealer, supplier: Supplier, ref: str) -> Probe:
    """The probe of a candidate supplier (blind indexes computed under every live key)."""
    org_code = supplier.uscc[8:17] if supplier.uscc and len(supplier.uscc) == 18 else None
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
        foreign_tax_id=supplier.foreign_tax_id.key if supplier.foreign_tax_id else None,
        org_code=org_code,
        legacy_tax_number=supplier.legacy_tax_number,
        bank_accounts=frozenset(i for a in accounts for i in sealer.candidates("bank_account", a)),
        phones=frozenset(i for p in phones for i in sealer.candidates("phone", p)),
        rep_id=sealer.index("id_number", supplier.legal_rep_id_number),
        representative=normalise_person(supplier.legal_representative),
        address=normalise_address(supplier.address),
        name_keys=frozenset(all_name_keys(all_names)),
    )


def load_probes(
    conn: Connection, ids: Collection[str], *, with_keys: bool = False
) -> dict[str, Probe]:
    """Probes of stored, not archived suppliers (names, numbers and blind indexes); their
    name keys only ``with_keys`` (needed to look them up, not to compare them)."""
    rows: list[Any] = []
    accounts: dict[str, set[str]] = {}
    phones: dict[str, set[str]] = {}
    for chunk in chunks(ids):
        rows += conn.execute(
            select(
                SUPPLIER.c.id,
                SUPPLIER.c.uscc,
                SUPPLIER.c.foreign_tax_id,
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
            foreign_tax_id=r.foreign_tax_id,
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


def _owners(
    conn: Connection, column: Any, id_column: Any, values: Collection[str], *extra: Any
) -> dict[str, set[str]]:
    """value -> ids of rows whose ``column`` holds it."""
    owners: dict[str, set[str]] = {}
    for chunk in chunks(values):
        found = select(column, id_column).where(member_of(conn, column, chunk), *extra)
        for value, sid in conn.execute(found):
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
        (SUPPLIER.c.foreign_tax_id, SUPPLIER.c.id, lambda p: [p.foreign_tax_id]),
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
    matched = screen_batch_matches(conn, sealer, candidates, within_batch=within_batch, cache=cache)
    return [[to_finding(m) for m in found] for found in matched]


def screen_batch_matches(
    conn: Connection,
    sealer: Sealer,
    candidates: Sequence[Supplier],
    *,
    within_batch: bool = True,
    cache: PostingCache | None = None,
) -> list[list[Match]]:
    """The matches behind :func:`screen_batch` (refs ``#<index>`` for candidates without
    an id), for a caller that files them as open pairs once the candidates are stored."""
    probes = [probe_of(sealer, c, c.id or f"#{i}") for i, c in enumerate(candidates)]
    matches = find_matches(conn, probes, cache)
    if within_batch:
        for found, inside in zip(matches, screen_within(probes), strict=True):
            found.extend(inside)
    return [_strongest(found) for found in matches]


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
