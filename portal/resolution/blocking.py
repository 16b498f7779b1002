"""Blocking: which few records a probe is compared with.

Stored suppliers are found through index lookups on their keys (see
:mod:`portal.resolution.keys`); each key's posting list is read up to a cap,
and a key whose list reaches the cap is too common to tell companies apart
(科技, 贸易) and is ignored. A record becomes a candidate when it shares the
probe's core, or enough of the probe's usable bigrams.

>>> postings = {'c:示例科技': ['s1'], 'b:示例': ['s1', 's2'], 'b:例科': ['s1'],
...             'b:科技': ['s%d' % i for i in range(500)]}
>>> select_candidates({'c:示例科技', 'b:示例', 'b:例科', 'b:科技'}, postings, cap=200)
['s1', 's2']
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from portal.resolution.keys import BIGRAM, CORE
from portal.resolution.model import Match, Probe
from portal.resolution.scoring import compare, names_may_match

#: Posting lists longer than this mark a key as too common to block on.
KEY_CAP = 200
#: At most this many name candidates are scored per probe.
CANDIDATE_LIMIT = 40
#: Share of the probe's usable bigrams a candidate must share.
MIN_SHARED = 0.4


def select_candidates(
    probe_keys: Collection[str],
    postings: Mapping[str, Sequence[str]],
    *,
    cap: int = KEY_CAP,
    limit: int = CANDIDATE_LIMIT,
) -> list[str]:
    """Refs worth scoring, most shared keys first."""
    shared: Counter[str] = Counter()
    core_hits: set[str] = set()
    usable_bigrams = 0
    for key in probe_keys:
        refs = postings.get(key, ())
        if len(refs) > cap:
            continue
        if key.startswith(CORE):
            core_hits.update(refs)
        elif key.startswith(BIGRAM):
            usable_bigrams += 1
            shared.update(refs)
    needed = max(1, math.ceil(MIN_SHARED * usable_bigrams))
    picked = {ref for ref, n in shared.items() if n >= needed} | core_hits
    if not picked:
        return []
    return sorted(picked, key=lambda ref: (ref not in core_hits, -shared[ref], ref))[:limit]


def attribute_keys(probe: Probe) -> set[str]:
    """Exact-match keys of a probe (numbers and blind indexes), for in-batch blocking."""
    keys = {f"u:{probe.uscc}"} if probe.uscc else set()
    if probe.foreign_tax_id:
        keys.add(f"f:{probe.foreign_tax_id}")
    if probe.org_code:
        keys.add(f"o:{probe.org_code}")
    keys.update(f"a:{index}" for index in probe.bank_accounts)
    keys.update(f"p:{index}" for index in probe.phones)
    if probe.address and (probe.rep_id or probe.representative):
        keys.add(f"r:{probe.representative}|{probe.address}")
        if probe.rep_id:
            keys.add(f"i:{probe.rep_id}|{probe.address}")
    return keys


def screen_within(probes: Sequence[Probe], *, cap: int = KEY_CAP) -> list[list[Match]]:
    """Matches of each probe against the other probes of the same batch.

    Records that share an exact attribute are always compared; records found
    through their names only when the names can reach the threshold
    (:func:`~portal.resolution.scoring.names_may_match`), which is where most
    of the comparisons went and none of the matches.
    """
    postings: dict[str, list[str]] = {}
    exact: dict[str, list[int]] = {}
    by_ref = {p.ref: i for i, p in enumerate(probes)}
    attributes = [attribute_keys(probe) for probe in probes]
    for i, (probe, keys) in enumerate(zip(probes, attributes, strict=True)):
        for key in probe.name_keys:
            postings.setdefault(key, []).append(probe.ref)
        for key in keys:
            exact.setdefault(key, []).append(i)
    results: list[list[Match]] = [[] for _ in probes]
    for i, (probe, keys) in enumerate(zip(probes, attributes, strict=True)):
        others: set[int] = set()
        for key in keys:
            others.update(exact[key])
        for ref in select_candidates(probe.name_keys, postings, cap=cap):
            j = by_ref[ref]
            if j not in others and names_may_match(probe.cores, probes[j].cores):
                others.add(j)
        for j in sorted(others - {i}):
            results[i].extend(compare(probe, probes[j]))
    return results
