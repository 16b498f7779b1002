"""What entity resolution compares and what it concludes, as plain values.

A :class:`Probe` is a supplier reduced to the attributes that identify it:
numbers, names, and blind indexes of the sensitive values (never the values
themselves). Probes are built from a new candidate (by the service, which can
blind-index) or from stored rows; the comparison is the same for both.

A :class:`Match` says that two probes look like the same company, on which
attribute, and how sure we are (``score`` between 0 and 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from portal.resolution.keys import comparable_core


class Attribute(StrEnum):
    """Which attribute two records share."""

    USCC = "uscc"
    FOREIGN_TAX_ID = "foreign_tax_id"
    ORG_CODE = "org_code"
    NAME = "name"
    FORMER_NAME = "former_name"
    BANK_ACCOUNT = "bank_account"
    PHONE = "phone"
    LEGAL_REP_ADDRESS = "legal_rep_address"


#: The finding code raised for each attribute.
FINDING_CODE: dict[Attribute, str] = {
    Attribute.USCC: "duplicate.uscc",
    Attribute.FOREIGN_TAX_ID: "duplicate.foreign_tax_id",
    Attribute.ORG_CODE: "duplicate.uscc",
    Attribute.NAME: "duplicate.similar_name",
    Attribute.FORMER_NAME: "duplicate.similar_name",
    Attribute.BANK_ACCOUNT: "duplicate.bank_account",
    Attribute.PHONE: "duplicate.phone",
    Attribute.LEGAL_REP_ADDRESS: "duplicate.legal_rep_address",
}


class Decision(StrEnum):
    """What a person decided about a pair of suppliers."""

    NOT_THE_SAME = "not_the_same"
    MERGED = "merged"


@dataclass(frozen=True)
class Probe:
    """A supplier's identifying attributes, normalised and blind-indexed.

    ``ref`` is the stored supplier id, or ``#<position>`` for a candidate of a
    batch that has no id yet.
    """

    ref: str
    names: tuple[str, ...]  # registered name first, then former names
    uscc: str | None = None
    foreign_tax_id: str | None = None  # ``<scheme>:<number>``: a foreign supplier's identity
    org_code: str | None = None
    legacy_tax_number: str | None = None
    bank_accounts: frozenset[str] = frozenset()  # blind indexes
    phones: frozenset[str] = frozenset()  # blind indexes
    rep_id: str | None = None  # blind index of the legal representative's ID number
    representative: str | None = None  # normalised person name
    address: str | None = None  # normalised address
    stored: bool = False
    name_keys: frozenset[str] = field(default=frozenset(), compare=False)
    #: comparable cores of ``names`` (computed when not given)
    cores: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if not self.cores and self.names:
            object.__setattr__(self, "cores", tuple(comparable_core(n) for n in self.names))

    @property
    def name(self) -> str:
        """The registered name."""
        return self.names[0] if self.names else ""


@dataclass(frozen=True)
class Match:
    """One reason to believe ``probe`` and ``other`` are the same company."""

    probe: str
    other: str
    other_name: str
    attribute: Attribute
    score: float
    detail: str = ""

    @property
    def code(self) -> str:
        """The finding code."""
        return FINDING_CODE[self.attribute]

    @property
    def pair(self) -> tuple[str, str]:
        """The two refs, smaller first (a pair is unordered)."""
        return (self.probe, self.other) if self.probe < self.other else (self.other, self.probe)
