"""Verification of a supplier against the registry, the tax bureau and the licence OCR.

:func:`verify_supplier` is pure: it takes what the supplier typed, what the
sources said (or that they could not answer) and today's date, and returns
findings with stable codes plus a state per field (verified / mismatch /
unknown, with when and against what). A source that could not answer makes
its fields *unknown* with one info finding (``registry.unavailable``,
``tax.unavailable``); it never produces a mismatch.

:class:`VerificationService` asks the ports and calls :func:`verify_supplier`;
it also auto-fills a supplier form from a credit code.

Licence thresholds: a business term ending within 90 days is
``licence.expiring`` at info, within 60 at warning, within 30 at error;
past its end it is ``licence.expired``.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from portal.domain import names, uscc
from portal.domain.findings import Finding, Severity, finding
from providers.dates import today_in_china, utc_now
from registry.codes import register_codes
from registry.errors import CompanyNotFoundError, InvalidQueryError, RegistryError
from registry.model import EnterpriseRecord, RegistryStatus, same_person
from registry.ports import BusinessRegistry
from tax_bureau.errors import TaxBureauError, TaxpayerNotFoundError
from tax_bureau.model import InvoicingDetails, TaxpayerStatus, TaxStatus, mask_tail
from tax_bureau.ports import TaxBureau

_T = TypeVar("_T")

EXPIRY_THRESHOLDS: tuple[tuple[int, Severity], ...] = (
    (30, Severity.ERROR),
    (60, Severity.WARNING),
    (90, Severity.INFO),
)


@dataclass(frozen=True)
class InvoicingProfile:
    """Invoicing details as the supplier typed them (empty string: not given)."""

    title: str = ""
    tax_number: str = ""
    address: str = ""
    phone: str = ""
    bank_name: str = ""
    bank_account: str = ""


@dataclass(frozen=True)
class SupplierClaims:
    """What the supplier typed."""

    name: str
    uscc: str
    legal_representative: str | None = None
    business_term_end: date | None = None
    business_term_open_ended: bool = False
    invoicing: InvoicingProfile | None = None
    bank_account_holders: tuple[str, ...] = ()


@dataclass(frozen=True)
class OcrClaims:
    """What the licence OCR read (None: not read)."""

    name: str | None = None
    uscc: str | None = None
    legal_representative: str | None = None


@dataclass(frozen=True)
class SourceUnavailable:
    """A source could not answer (down, timed out, out of quota): unknown, retry later."""

    source: str  # "registry" or "tax_bureau"
    reason: str
    observed_at: datetime | None = None
    retry_after: timedelta | None = None


RegistryUnavailable = SourceUnavailable


@dataclass(frozen=True)
class TaxFacts:
    """What the tax source said; each part may be missing (None) or unavailable."""

    status: TaxpayerStatus | SourceUnavailable | None = None
    invoicing: InvoicingDetails | SourceUnavailable | None = None


class State(StrEnum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FieldState:
    """The state of one field: verified / mismatch / unknown, when, against what."""

    state: State
    checked_at: datetime | None = None
    against: str | None = None  # "registry:qichacha", "tax_bureau:demo", ...
    request_id: str | None = None


@dataclass(frozen=True)
class VerificationResult:
    """Findings and per-field states of one verification."""

    findings: tuple[Finding, ...]
    fields: Mapping[str, FieldState]
    verified_on: date
    retry_after: timedelta | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    @property
    def needs_retry(self) -> bool:
        """Whether a source did not answer and the check should run again later."""
        return any(f.code in ("registry.unavailable", "tax.unavailable") for f in self.findings)

    def as_dict(self) -> dict[str, object]:
        return {
            "findings": [f.as_dict() for f in self.findings],
            "fields": {
                name: {
                    "state": s.state.value,
                    "checked_at": s.checked_at.isoformat() if s.checked_at else None,
                    "against": s.against,
                    "request_id": s.request_id,
                }
                for name, s in self.fields.items()
            },
            "verified_on": self.verified_on.isoformat(),
            "needs_retry": self.needs_retry,
        }


@dataclass
class _Collector:
    today: date
    findings: list[Finding] = field(default_factory=list)
    fields: dict[str, FieldState] = field(default_factory=dict)

    def state(
        self, name: str, state: State, at: datetime | None, against: str | None, rid: str | None
    ) -> None:
        self.fields[name] = FieldState(state, at, against, rid)


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


def _same(element: str, typed: str, official: str) -> bool | None:
    """Compare one invoicing element; None when the official value cannot tell."""
    if not official:
        return None
    if element == "title" or element == "bank_name":
        return names.normalise(typed) == names.normalise(official)
    if element == "tax_number":
        return uscc.compact(typed) == uscc.compact(official)
    if element == "phone":
        return _digits(typed) == _digits(official)
    if element == "bank_account":
        tail = mask_tail(official)
        if tail is not None:
            return _digits(typed).endswith(tail) if tail else None
        return _digits(typed) == _digits(official)
    return _plain(typed) == _plain(official)


def verify_supplier(
    typed: SupplierClaims,
    *,
    registry_record: EnterpriseRecord | SourceUnavailable | None,
    tax: TaxFacts | SourceUnavailable | None = None,
    ocr: OcrClaims | None = None,
    today: date,
) -> VerificationResult:
    """Compare the claims with the sources (``registry_record`` None: not registered)."""
    register_codes()
    out = _Collector(today)
    retry: list[timedelta] = []
    if isinstance(registry_record, SourceUnavailable):
        _registry_unknown(out, typed, registry_record)
        retry.append(registry_record.retry_after or timedelta(hours=1))
    elif registry_record is None:
        out.state("uscc", State.MISMATCH, None, "registry", None)
        code = uscc.compact(typed.uscc)
        out.findings.append(finding("registry.not_found", "uscc", detail=code, source="registry"))
    else:
        _against_registry(out, typed, registry_record, ocr)
    if isinstance(tax, SourceUnavailable):
        tax = TaxFacts(tax, tax)
    if tax is not None:
        retry.extend(_against_tax(out, typed, tax))
    return VerificationResult(
        tuple(out.findings), dict(out.fields), today, min(retry) if retry else None
    )


def _registry_unknown(out: _Collector, typed: SupplierClaims, down: SourceUnavailable) -> None:
    for name in ("name", "uscc", "legal_representative", "registration_status", "licence_validity"):
        out.state(name, State.UNKNOWN, down.observed_at, "registry", None)
    for i, _ in enumerate(typed.bank_account_holders):
        out.state(f"bank_accounts[{i}].holder", State.UNKNOWN, down.observed_at, "registry", None)
    retry_after = str(int((down.retry_after or timedelta()).total_seconds()))
    out.findings.append(
        finding(
            "registry.unavailable",
            None,
            detail=down.reason,
            source="registry",
            observed_at=down.observed_at,
            evidence={"retry_after_seconds": retry_after},
        )
    )


class _RegistryCheck:
    """Compares claims with one registry record, writing into a collector."""

    def __init__(self, out: _Collector, rec: EnterpriseRecord) -> None:
        self.out, self.rec = out, rec
        self.against = f"registry:{rec.provider}"

    def check(self, name: str, ok: bool | None) -> None:
        state = State.UNKNOWN if ok is None else State.VERIFIED if ok else State.MISMATCH
        self.out.state(name, state, self.rec.fetched_at, self.against, self.rec.request_id)

    def add(
        self,
        code: str,
        field_name: str,
        detail: str,
        evidence: Mapping[str, str],
        severity: Severity | None = None,
    ) -> None:
        self.out.findings.append(
            finding(
                code,
                field_name,
                detail=detail,
                source="registry",
                severity=severity,
                observed_at=self.rec.fetched_at,
                request_id=self.rec.request_id,
                evidence={"provider": self.rec.provider, **evidence},
            )
        )

    def name(self, typed_name: str, source: str, record_state: bool) -> None:
        rec, typed = self.rec, names.normalise(typed_name)
        if record_state:
            self.check("name", typed == rec.name)
        if typed == rec.name:
            return
        if names.is_truncation(typed, rec.name):
            self.add("name.truncated", "name", rec.name, {source: typed, "registered": rec.name})
        elif typed in rec.former_names:
            detail = f"{typed} is a former name of {rec.name}"
            self.add("name.mismatch", "name", detail, {source: typed, "former_name": typed})
        else:
            detail = f"{source} {typed}, registered {rec.name}"
            self.add("name.mismatch", "name", detail, {source: typed, "registered": rec.name})

    def legal_rep(self, person: str, source: str, record_state: bool) -> None:
        registered = self.rec.legal_representative
        ok = same_person(person, registered)
        if record_state:
            self.check("legal_representative", ok)
        if not ok:
            detail = f"{source} {person}, registered {registered}"
            self.add(
                "legal_rep.mismatch",
                "legal_representative",
                detail,
                {source: person, "registered": registered},
            )

    def status(self) -> None:
        status = self.rec.status
        if status is RegistryStatus.UNKNOWN:
            self.check("registration_status", None)
            return
        bad = status.is_inactive or status.needs_review
        self.check("registration_status", not bad)
        if bad:
            severity = Severity.ERROR if status.is_inactive else Severity.WARNING
            self.add(
                "status.inactive",
                "registration_status",
                self.rec.status_text or status.value,
                {"status": status.value},
                severity,
            )

    def term(self, typed: SupplierClaims) -> None:
        term_to = self.rec.term_to
        if typed.business_term_end is not None or typed.business_term_open_ended:
            claimed = None if typed.business_term_open_ended else typed.business_term_end
            self.check("business_term_end", claimed == term_to)
            if claimed != term_to:
                detail = f"typed {_shown(claimed)}, registered {_shown(term_to)}"
                self.add(
                    "term.mismatch",
                    "business_term_end",
                    detail,
                    {"typed": _shown(claimed), "registered": _shown(term_to)},
                )
        if term_to is None:
            self.check("licence_validity", True)
            return
        days = (term_to - self.out.today).days
        self.check("licence_validity", days >= 0)
        if days < 0:
            self.add(
                "licence.expired",
                "business_term_end",
                f"ended on {term_to.isoformat()}",
                {"term_to": term_to.isoformat()},
            )
            return
        for threshold, severity in EXPIRY_THRESHOLDS:
            if days <= threshold:
                detail = f"ends on {term_to.isoformat()}, in {days} days"
                evidence = {
                    "term_to": term_to.isoformat(),
                    "days_left": str(days),
                    "threshold_days": str(threshold),
                }
                self.add("licence.expiring", "business_term_end", detail, evidence, severity)
                return

    def holders(self, holders: tuple[str, ...]) -> None:
        for i, holder in enumerate(holders):
            ok = names.normalise(holder) == self.rec.name
            self.check(f"bank_accounts[{i}].holder", ok)
            if not ok:
                self.add(
                    "bank_account.holder_mismatch",
                    f"bank_accounts[{i}].holder",
                    f"{holder} vs {self.rec.name}",
                    {"typed": holder, "registered": self.rec.name},
                )


def _shown(day: date | None) -> str:
    return day.isoformat() if day else "长期"


def _against_registry(
    out: _Collector, typed: SupplierClaims, rec: EnterpriseRecord, ocr: OcrClaims | None
) -> None:
    check = _RegistryCheck(out, rec)
    check.check("uscc", uscc.compact(typed.uscc) == rec.uscc)
    check.name(typed.name, "typed", record_state=True)
    if typed.legal_representative is not None:
        check.legal_rep(typed.legal_representative, "typed", record_state=True)
    if ocr is not None:
        # The licence is evidence, not an authority: it is compared with the registry too.
        if ocr.name:
            check.name(ocr.name, "ocr", record_state=False)
        if ocr.legal_representative:
            check.legal_rep(ocr.legal_representative, "ocr", record_state=False)
    check.status()
    check.term(typed)
    check.holders(typed.bank_account_holders)


def _against_tax(out: _Collector, typed: SupplierClaims, tax: TaxFacts) -> list[timedelta]:
    retry: list[timedelta] = []
    down = [part for part in (tax.status, tax.invoicing) if isinstance(part, SourceUnavailable)]
    if down:
        out.findings.append(
            finding(
                "tax.unavailable",
                None,
                detail=down[0].reason,
                source="tax_bureau",
                observed_at=down[0].observed_at,
            )
        )
        retry.append(down[0].retry_after or timedelta(hours=1))
    _tax_status(out, tax.status)
    if typed.invoicing is not None:
        _invoicing(out, typed.invoicing, tax.invoicing)
    return retry


def _tax_status(out: _Collector, status: TaxpayerStatus | SourceUnavailable | None) -> None:
    if status is None:
        return
    if isinstance(status, SourceUnavailable):
        out.state("tax_status", State.UNKNOWN, status.observed_at, "tax_bureau", None)
        return
    against = f"tax_bureau:{status.provider}"
    if status.status is TaxStatus.UNKNOWN:
        out.state("tax_status", State.UNKNOWN, status.fetched_at, against, status.request_id)
        return
    abnormal = status.status is TaxStatus.ABNORMAL
    state = State.MISMATCH if abnormal else State.VERIFIED
    out.state("tax_status", state, status.fetched_at, against, status.request_id)
    if abnormal:
        since = status.abnormal_since.isoformat() if status.abnormal_since else "unknown date"
        detail = f"{status.abnormal_office or ''} {since}".strip()
        out.findings.append(
            finding(
                "tax.abnormal",
                "tax_status",
                detail=detail,
                source="tax_bureau",
                observed_at=status.fetched_at,
                request_id=status.request_id,
                evidence={"provider": status.provider, "since": since},
            )
        )


def _invoicing(
    out: _Collector,
    claimed: InvoicingProfile,
    official: InvoicingDetails | SourceUnavailable | None,
) -> None:
    for element, value in _elements(claimed).items():
        name = f"invoicing.{element}"
        if not value:
            continue
        if official is None or isinstance(official, SourceUnavailable):
            at = official.observed_at if official is not None else None
            out.state(name, State.UNKNOWN, at, "tax_bureau", None)
            continue
        against, on_record = f"tax_bureau:{official.provider}", official.elements()[element]
        same = _same(element, value, on_record)
        state = State.UNKNOWN if same is None else State.VERIFIED if same else State.MISMATCH
        out.state(name, state, official.fetched_at, against, official.request_id)
        if same is False:
            out.findings.append(
                finding(
                    "invoicing.mismatch",
                    name,
                    detail=f"{element}: typed {value}, on record {on_record}",
                    source="tax_bureau",
                    observed_at=official.fetched_at,
                    request_id=official.request_id,
                    evidence={
                        "provider": official.provider,
                        "element": element,
                        "typed": value,
                        "registered": on_record,
                    },
                )
            )


def _elements(profile: InvoicingProfile) -> dict[str, str]:
    return {
        "title": profile.title,
        "tax_number": profile.tax_number,
        "address": profile.address,
        "phone": profile.phone,
        "bank_name": profile.bank_name,
        "bank_account": profile.bank_account,
    }


@dataclass(frozen=True)
class AutofilledValue:
    """A form value filled from an authority, marked with where and when it came from."""

    value: str
    source: str  # "registry" or "tax_bureau"
    provider: str
    request_id: str | None
    fetched_at: datetime | None


class VerificationService:
    """Asks the registry and the tax bureau, then compares (see :func:`verify_supplier`).

    Pass the resilient wrappers in production: a provider that is down then
    yields *unknown, retry later* here, never a mismatch.
    """

    def __init__(
        self,
        registry: BusinessRegistry,
        tax: TaxBureau,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._registry = registry
        self._tax = tax
        self._clock = clock

    async def _record(self, code: str) -> EnterpriseRecord | SourceUnavailable | None:
        try:
            return await self._registry.lookup(code)
        except (CompanyNotFoundError, InvalidQueryError):
            return None  # an unregistrable code is as good as not registered
        except RegistryError as exc:
            return SourceUnavailable("registry", str(exc), self._clock(), exc.retry_after)

    async def _tax_part(
        self, operation: Callable[[], Awaitable[_T]]
    ) -> _T | SourceUnavailable | None:
        try:
            return await operation()
        except TaxpayerNotFoundError:
            return None
        except TaxBureauError as exc:
            if exc.kind == "input":
                return None
            return SourceUnavailable("tax_bureau", str(exc), self._clock(), exc.retry_after)

    async def verify(
        self, claims: SupplierClaims, ocr: OcrClaims | None = None
    ) -> VerificationResult:
        """Verify a supplier's claims now."""
        tax_number = (claims.invoicing.tax_number if claims.invoicing else "") or claims.uscc
        record, status, invoicing = await asyncio.gather(
            self._record(claims.uscc),
            self._tax_part(lambda: self._tax.taxpayer_status(tax_number)),
            self._tax_part(lambda: self._tax.invoicing_details(tax_number)),
        )
        return verify_supplier(
            claims,
            registry_record=record,
            tax=TaxFacts(status, invoicing),
            ocr=ocr,
            today=today_in_china(self._clock()),
        )

    async def autofill(self, uscc_code: str) -> dict[str, AutofilledValue]:
        """Fields for a supplier form from a credit code, each marked with its source.

        Raises ``CompanyNotFoundError`` or ``ProviderUnavailableError`` when the
        registry cannot give the company; tax fields are left out when the tax
        source cannot answer.
        """
        record = await self._registry.lookup(uscc_code)
        filled: dict[str, AutofilledValue] = {}

        def put(name: str, value: str, source: str, provider: str, rid: str | None,
                at: datetime | None) -> None:  # fmt: skip
            if value:
                filled[name] = AutofilledValue(value, source, provider, rid, at)

        reg = ("registry", record.provider, record.request_id, record.fetched_at)
        put("name", record.name, *reg)
        put("uscc", record.uscc, *reg)
        put("legal_representative", record.legal_representative, *reg)
        put("address", record.address, *reg)
        put("registration_status", record.status.value, *reg)
        put("business_term_end", _shown(record.term_to), *reg)
        invoicing = await self._tax_part(lambda: self._tax.invoicing_details(record.uscc))
        if isinstance(invoicing, InvoicingDetails):
            tax = ("tax_bureau", invoicing.provider, invoicing.request_id, invoicing.fetched_at)
            for element, value in invoicing.elements().items():
                put(f"invoicing.{element}", value, *tax)
        status = await self._tax_part(lambda: self._tax.taxpayer_status(record.uscc))
        if isinstance(status, TaxpayerStatus) and status.qualification.value != "unknown":
            tax = ("tax_bureau", status.provider, status.request_id, status.fetched_at)
            put("taxpayer_qualification", status.qualification.value, *tax)
        return filled


__all__ = [
    "EXPIRY_THRESHOLDS",
    "AutofilledValue",
    "FieldState",
    "InvoicingProfile",
    "OcrClaims",
    "RegistryUnavailable",
    "SourceUnavailable",
    "State",
    "SupplierClaims",
    "TaxFacts",
    "VerificationResult",
    "VerificationService",
    "verify_supplier",
]
