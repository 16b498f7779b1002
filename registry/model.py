"""The normalised enterprise record every registry provider is mapped to.

Providers spell the same facts differently (PascalCase strings, epoch
milliseconds, 存续 or 存续（在营、开业、在册）); adapters translate them into these
frozen dataclasses so that the rest of the portal sees one vocabulary.

Status words and capital wording are read with the portal's own vocabulary
(:class:`~portal.domain.status.RegistryStatus`, :func:`~portal.domain.amounts.read_capital`):

>>> RegistryStatus.from_text('存续（在营、开业、在册）'), read_capital('500万美元', 'USD')
(<RegistryStatus.ACTIVE: '存续'>, Money(amount=Decimal('5000000'), currency='USD'))
>>> parse_query(' 9131 0115 ma1h7gxx4a ').value  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
registry.errors.InvalidQueryError: not a valid credit code: check character should be N, not A ...
>>> parse_query('上海 示例 科技 (集团) 有限公司').cache_key
'name:上海示例科技（集团）有限公司'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from portal.domain import names, uscc
from portal.domain.amounts import Money, read_capital
from portal.domain.status import RegistryStatus
from registry.errors import InvalidQueryError


@dataclass(frozen=True)
class EnterpriseRecord:
    """A company as the registry knows it, normalised, with where and when it was read."""

    name: str
    uscc: str
    legal_representative: str
    status: RegistryStatus
    registered_capital: Money | None = None
    established_on: date | None = None
    term_from: date | None = None
    term_to: date | None = None  # None: open-ended (长期)
    address: str = ""
    business_scope: str = ""
    registration_authority: str = ""
    former_names: tuple[str, ...] = ()
    entity_type: str = ""
    status_text: str = ""
    provider: str = ""
    request_id: str | None = None
    fetched_at: datetime | None = None

    @property
    def open_ended(self) -> bool:
        """Whether the business term has no end (营业期限 长期)."""
        return self.term_to is None

    def facts(self) -> dict[str, object]:
        """The record without provenance (provider, request id, time, raw status text)."""
        return {
            "name": self.name,
            "uscc": self.uscc,
            "legal_representative": self.legal_representative,
            "status": self.status,
            "registered_capital": self.registered_capital,
            "established_on": self.established_on,
            "term_from": self.term_from,
            "term_to": self.term_to,
            "address": self.address,
            "business_scope": self.business_scope,
            "registration_authority": self.registration_authority,
            "former_names": self.former_names,
            "entity_type": self.entity_type,
        }


class ThreeElementOutcome(StrEnum):
    """Answer of a three-element check (credit code + name + legal representative)."""

    MATCH = "match"
    UNKNOWN_CODE = "unknown_code"
    NAME_MISMATCH = "name_mismatch"
    LEGAL_REP_MISMATCH = "legal_rep_mismatch"
    FORMER_NAME = "former_name"  # name is a former name, the other two match
    MISMATCH = "mismatch"  # provider does not say which element differs


@dataclass(frozen=True)
class ThreeElementResult:
    """Whether a credit code, name and legal representative belong together."""

    outcome: ThreeElementOutcome
    provider: str = ""
    request_id: str | None = None
    checked_at: datetime | None = None

    @property
    def matches(self) -> bool:
        """True only when the provider confirmed all three elements."""
        return self.outcome is ThreeElementOutcome.MATCH


def same_person(a: str, b: str) -> bool:
    """Compare two personal names ignoring width, spaces and the middle dot style."""

    def canon(text: str) -> str:
        text = unicodedata.normalize("NFKC", text)
        return re.sub(r"[\s·•・.]", "", text).casefold()

    return canon(a) == canon(b)


def three_elements(
    record: EnterpriseRecord | None, uscc_code: str, name: str, legal_rep: str
) -> ThreeElementOutcome:
    """Compare the three elements with a known record, with QCC 856 semantics."""
    if record is None or uscc.compact(uscc_code) != record.uscc:
        return ThreeElementOutcome.UNKNOWN_CODE
    if names.normalise(name) != record.name:
        if names.normalise(name) in record.former_names:
            return ThreeElementOutcome.FORMER_NAME
        return ThreeElementOutcome.NAME_MISMATCH
    if not same_person(legal_rep, record.legal_representative):
        return ThreeElementOutcome.LEGAL_REP_MISMATCH
    return ThreeElementOutcome.MATCH


@dataclass(frozen=True)
class Query:
    """A lookup query, recognised as a credit code or a company name."""

    kind: str  # "uscc" or "name"
    value: str
    cache_key: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cache_key", f"{self.kind}:{self.value}")


def parse_query(text: str) -> Query:
    """Recognise a credit code (validated, so a typo is not paid for) or a name."""
    code = uscc.compact(text or "")
    if not code:
        raise InvalidQueryError("the query is empty")
    if len(code) == 18 and code[:2].isdigit() and code.isalnum():
        try:
            return Query("uscc", uscc.validate(code))
        except ValueError as exc:
            raise InvalidQueryError(f"not a valid credit code: {exc}") from exc
    name = names.normalise(text)
    if len(name) < 2:
        raise InvalidQueryError("a company name needs at least two characters")
    return Query("name", name)


__all__ = [
    "EnterpriseRecord",
    "Money",
    "Query",
    "RegistryStatus",
    "ThreeElementOutcome",
    "ThreeElementResult",
    "parse_query",
    "read_capital",
    "same_person",
    "three_elements",
]
