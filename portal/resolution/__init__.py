"""Entity resolution for suppliers: blocking keys, scoring and findings. No I/O.

The database side (postings, probes of stored rows, decisions, sweeps) lives
in :mod:`portal.dedup`; this package decides, given two records,
whether they look like one company and why.
"""

from portal.resolution.blocking import KEY_CAP, attribute_keys, screen_within, select_candidates
from portal.resolution.errors import (
    DedupError,
    DismissRefusedError,
    MergeRefusedError,
    SupplierNotFoundError,
)
from portal.resolution.findings import to_finding
from portal.resolution.keys import (
    all_name_keys,
    comparable_core,
    name_keys,
    normalise_address,
    normalise_person,
    rep_address_key,
)
from portal.resolution.model import FINDING_CODE, Attribute, Decision, Match, Probe
from portal.resolution.posting_cache import PostingCache
from portal.resolution.scoring import (
    NAME_THRESHOLD,
    compare,
    name_similarity,
    names_may_match,
    place_of,
)

__all__ = [
    "FINDING_CODE",
    "KEY_CAP",
    "NAME_THRESHOLD",
    "Attribute",
    "Decision",
    "DedupError",
    "DismissRefusedError",
    "Match",
    "MergeRefusedError",
    "PostingCache",
    "Probe",
    "SupplierNotFoundError",
    "all_name_keys",
    "attribute_keys",
    "comparable_core",
    "compare",
    "name_keys",
    "name_similarity",
    "names_may_match",
    "normalise_address",
    "normalise_person",
    "place_of",
    "rep_address_key",
    "screen_within",
    "select_candidates",
    "to_finding",
]
