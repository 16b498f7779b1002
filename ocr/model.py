"""What a licence reading is: one :class:`FieldReading` per printed field.

>>> from decimal import Decimal
>>> reading = FieldReading(Money(Decimal("1000000"), "CNY"), 0.97, FieldStatus.READ)
>>> reading.as_dict()["value"], reading.as_dict()["status"]
({'amount': '1000000', 'currency': 'CNY'}, 'read')
>>> FieldReading.missing().as_dict()["status"]
'missing'
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from portal.domain.amounts import Money as Money  # the one Money of every licence value

T = TypeVar("T")


class FieldStatus(enum.StrEnum):
    READ = "read"  # read as printed, and it passed every check that applies
    REPAIRED = "repaired"  # a check character pinned down a single correction
    UNCERTAIN = "uncertain"  # a value was read, but a check casts doubt on it (see ``reason``)
    UNREADABLE = "unreadable"  # the label is there but the value could not be read safely
    MISSING = "missing"  # the label was not found (or the field is not printed)


class Layout(enum.StrEnum):
    LANDSCAPE = "landscape"  # 正本
    PORTRAIT = "portrait"  # 副本


@dataclass(frozen=True)
class Reason:
    """Why a value is in doubt: a stable ``code`` (one of :class:`ocr.checks.Why`), what it
    is about (``about``: the label, stamp or district concerned) and the reader's ``text``.

    The portal words a reason by its code; ``text`` is the reader's own English, kept for
    the JSON result, logs-free debugging and anything that does not know the code yet.
    """

    code: str
    text: str
    about: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "about": list(self.about), "text": self.text}


@dataclass(frozen=True)
class FieldReading(Generic[T]):
    """One field: its value, how sure we are (0..1), and how it was obtained."""

    value: T | None
    confidence: float
    status: FieldStatus
    source: str = ""  # the engine (or "qr") the value came from
    reasons: tuple[Reason, ...] = ()  # why the value is uncertain, for the person who confirms it

    @classmethod
    def missing(cls) -> FieldReading[Any]:
        return cls(None, 0.0, FieldStatus.MISSING)

    @classmethod
    def unreadable(cls, source: str = "") -> FieldReading[Any]:
        return cls(None, 0.0, FieldStatus.UNREADABLE, source)

    def doubted(self, reason: Reason, value: T | None = None) -> FieldReading[T]:
        """This reading marked ``uncertain`` (with ``value`` instead, when given)."""
        if self.status in (FieldStatus.MISSING, FieldStatus.UNREADABLE):
            return self
        kept = self.value if value is None else value
        why = (*self.reasons, reason)
        return FieldReading(kept, self.confidence, FieldStatus.UNCERTAIN, self.source, why)

    @property
    def reason(self) -> str:
        """The reasons in the reader's words, joined by ``; `` (empty: no doubt)."""
        return "; ".join(r.text for r in self.reasons)

    @property
    def is_confident(self) -> bool:
        return self.status in (FieldStatus.READ, FieldStatus.REPAIRED)

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": _jsonable(self.value),
            "confidence": round(self.confidence, 3),
            "status": self.status.value,
            "source": self.source,
            "reason": self.reason,
            "reasons": [r.as_dict() for r in self.reasons],
        }


def _jsonable(value: object) -> object:
    if isinstance(value, Money):
        return value.as_dict()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _missing() -> FieldReading[Any]:
    return FieldReading.missing()


@dataclass(frozen=True)
class LicenceReading:
    """Everything read from one business licence (营业执照).

    ``term_to`` is ``None`` with status ``read`` when the term is 长期 (open-ended).
    """

    layout: Layout
    name: FieldReading[str] = field(default_factory=_missing)
    uscc: FieldReading[str] = field(default_factory=_missing)
    entity_type: FieldReading[str] = field(default_factory=_missing)
    legal_representative: FieldReading[str] = field(default_factory=_missing)
    registered_capital: FieldReading[Money] = field(default_factory=_missing)
    established_on: FieldReading[date] = field(default_factory=_missing)
    term_from: FieldReading[date] = field(default_factory=_missing)
    term_to: FieldReading[date] = field(default_factory=_missing)
    address: FieldReading[str] = field(default_factory=_missing)
    business_scope: FieldReading[str] = field(default_factory=_missing)
    registration_authority: FieldReading[str] = field(default_factory=_missing)
    issued_on: FieldReading[date] = field(default_factory=_missing)
    qr_payload: str | None = None
    #: the credit code the QR code carries (``uniscid=``), when it passes its check characters
    qr_uscc: str | None = None
    warnings: tuple[str, ...] = ()
    #: the 注册号 of an old-style licence (before the 2016 five-in-one reform): such a
    #: licence prints no credit code and has been replaced by a current one
    registration_number: str | None = None

    @property
    def qr_agrees(self) -> bool | None:
        """Whether the QR code's credit code is the printed one (None: nothing to compare).

        A disagreement is a finding for a person: the printed code stays the value (marked
        ``uncertain``) and the QR's code is kept beside it in ``qr_uscc``.
        """
        if self.qr_uscc is None or self.uscc.value is None:
            return None
        return self.qr_uscc == self.uscc.value

    def field_readings(self) -> dict[str, FieldReading[Any]]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), FieldReading)
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"layout", "qr_payload", "qr_uscc", "qr_agrees", "warnings",
        "registration_number", "fields": {key: {...}}}``."""
        return {
            "layout": self.layout.value,
            "qr_payload": self.qr_payload,
            "qr_uscc": self.qr_uscc,
            "qr_agrees": self.qr_agrees,
            "warnings": list(self.warnings),
            "registration_number": self.registration_number,
            "fields": {k: r.as_dict() for k, r in self.field_readings().items()},
        }


FIELD_KEYS = (
    "name", "uscc", "entity_type", "legal_representative", "registered_capital",
    "established_on", "term_from", "term_to", "address", "business_scope",
    "registration_authority", "issued_on",
)  # fmt: skip
