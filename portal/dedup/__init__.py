"""Duplicate prevention on the database (the rules are in :mod:`portal.resolution`).

- :mod:`~portal.dedup.screening`: candidates against the stored suppliers;
- :mod:`~portal.dedup.keys`: filing suppliers under their blocking keys;
- :mod:`~portal.dedup.pairs`: likely duplicates kept for a decision;
- :mod:`~portal.dedup.decisions`: "not the same company" (use case) and decision records;
- :mod:`~portal.dedup.merge`: folding an approved merge into the surviving supplier;
- :mod:`~portal.dedup.sweep`: every supplier against the others, resumable;
- :mod:`~portal.dedup.bulk_blocking`: the sweep's candidate pairs, in DuckDB.
"""

from portal.dedup.decisions import (
    DISMISSERS,
    PairDecision,
    decide_not_the_same,
    may_dismiss,
    record_decision,
    shares_bank_account,
)
from portal.dedup.keys import (
    file_new,
    filed_under,
    index_suppliers,
    key_rows,
    keys_of_row,
    unindexed,
)
from portal.dedup.merge import MergeResult, merge_suppliers
from portal.dedup.pairs import (
    OpenPair,
    count_open_pairs,
    decided_pairs,
    open_pairs,
    remember_pairs,
)
from portal.dedup.screening import (
    find_matches,
    load_probes,
    probe_of,
    screen_batch,
    screen_batch_matches,
    screen_one,
)
from portal.dedup.sweep import SWEEP_JOB, SweepProgress, sweep, sweep_per_record, sweep_state

__all__ = [
    "DISMISSERS",
    "SWEEP_JOB",
    "MergeResult",
    "OpenPair",
    "PairDecision",
    "SweepProgress",
    "count_open_pairs",
    "decide_not_the_same",
    "decided_pairs",
    "file_new",
    "filed_under",
    "find_matches",
    "index_suppliers",
    "key_rows",
    "keys_of_row",
    "load_probes",
    "may_dismiss",
    "merge_suppliers",
    "open_pairs",
    "probe_of",
    "record_decision",
    "remember_pairs",
    "screen_batch",
    "screen_batch_matches",
    "screen_one",
    "shares_bank_account",
    "sweep",
    "sweep_per_record",
    "sweep_state",
    "unindexed",
]
