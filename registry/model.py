"""The normalised enterprise record every registry provider is mapped to.

Providers spell the same facts differently (PascalCase strings, epoch
milliseconds, 存续 or 存续（在营、开业、在册）); adapters translate them into these
frozen dataclasses so that the rest of the portal sees one vocabulary.

>>> RegistryStatus.from_text('存续（在营、开业、在册）'), RegistryStatus.from_text('吊销，未注销')
(<RegistryStatus.ACTIVE: '存续'>, <RegistryStatus.REVOKED: '吊销'>)
>>> RegistryStatus.from_text('吊销，已注销').is_inactive
True
>>> Money.parse('100万元人民币'), Money.parse('500万美元')
(Money(amount=Decimal('1000000'), currency='CNY'), Money(amount=Decimal('5000000'), currency='USD'))
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
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from portal.domain import names, uscc
from registry.errors import InvalidQueryError


class RegistryStatus(StrEnum):
    """Registration status (登记状态) in one vocabulary for every provider."""

    ACTIVE = "存续"
    REVOKED = "吊销"
    DEREGISTERED = "注销"
    MOVED_OUT = "迁出"
    CANCELLED = "撤销"
    SUSPENDED = "停业"
    LIQUIDATING = "清算"
    UNKNOWN = "unknown"

    @classmethod
    def from_text(cls, text: str | None) -> RegistryStatus:
        """Classify a provider's status wording (see reference §8); never raises."""
        value = unicodedata.normalize("NFKC", text or "").strip()
        if not value:
            return cls.UNKNOWN
        if "已注销" in value or ("注销" in value and "未注销" not in value and "吊销" not in value):
            return cls.DEREGISTERED
        if "吊销" in value or "责令关闭" in value:
            return cls.REVOKED
        if "撤销" in value:
            return cls.CANCELLED
        if "迁出" in value:
            return cls.MOVED_OUT
        if "停业" in value or "歇业" in value:
            return cls.SUSPENDED
        if "清算" in value or "破产" in value:
            return cls.LIQUIDATING
        if any(
            word in value for word in ("存续", "在业", "在营", "开业", "正常", "仍注册", "迁入")
        ):
            return cls.ACTIVE
        return cls.UNKNOWN

    @property
    def is_inactive(self) -> bool:
        """Whether the company can no longer trade (and should not be paid)."""
        return self in _INACTIVE

    @property
    def needs_review(self) -> bool:
        """Suspended or in liquidation: not terminated, but a buyer should look."""
        return self in (RegistryStatus.SUSPENDED, RegistryStatus.LIQUIDATING)


_INACTIVE = frozenset(
    {
        RegistryStatus.REVOKED,
        RegistryStatus.DEREGISTERED,
        RegistryStatus.MOVED_OUT,
        RegistryStatus.CANCELLED,
    }
)

_CURRENCIES: tuple[tuple[str, str], ...] = (
    ("人民币", "CNY"), ("美元", "USD"), ("港币", "HKD"), ("港元", "HKD"), ("欧元", "EUR"),
    ("日元", "JPY"), ("英镑", "GBP"), ("新台币", "TWD"), ("澳门元", "MOP"), ("新加坡元", "SGD"),
    ("瑞士法郎", "CHF"), ("加拿大元", "CAD"), ("澳大利亚元", "AUD"), ("韩元", "KRW"),
)  # fmt: skip
_UNITS = {"": Decimal(1), "元": Decimal(1), "千": Decimal(1000), "万": Decimal(10_000)}
_UNITS["亿"] = Decimal(100_000_000)
_AMOUNT = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万|亿|千)?")


@dataclass(frozen=True)
class Money:
    """An amount in whole currency units (yuan, dollars), with its ISO currency."""

    amount: Decimal
    currency: str = "CNY"

    @classmethod
    def parse(cls, text: str | None, currency_hint: str | None = None) -> Money | None:
        """Parse registry capital wording (``185000 万元``, ``500万美元``); None if absent."""
        value = unicodedata.normalize("NFKC", text or "").replace(" ", "")
        match = _AMOUNT.search(value)
        if not match:
            return None
        try:
            number = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:
            return None
        amount = number * _UNITS[match.group(2) or ""]
        if amount == amount.to_integral_value():
            amount = Decimal(int(amount))
        return cls(amount, _currency(value, currency_hint))

    @classmethod
    def from_parts(cls, amount: str | None, unit: str | None, currency: str | None) -> Money | None:
        """Build from structured parts (QCC ``RegisteredCapital``/``Unit``/``CCY``)."""
        if not amount:
            return None
        return cls.parse(f"{amount}{unit or ''}", currency)


def _currency(text: str, hint: str | None) -> str:
    for word, code in _CURRENCIES:
        if word in text:
            return code
    if hint:
        hint = hint.strip()
        if re.fullmatch(r"[A-Za-z]{3}", hint):
            return hint.upper()
        for word, code in _CURRENCIES:
            if word in hint:
                return code
    return "CNY"


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
    "same_person",
    "three_elements",
]
