"""The cross-source rules: compare what the supplier typed with the registry, tax and OCR.

:func:`verify_supplier` is pure: it takes what the supplier typed, what the
sources said (or that they could not answer) and today's date, and returns
findings with stable codes plus a state per field (verified / mismatch /
unknown, with when and against what). A source that could not answer makes
its fields *unknown* with one info finding (``registry.unavailable``,
``tax.unavailable``); it never produces a mismatch.

Licence thresholds: a business term ending within 90 days is
``licence.expiring`` at info, within 60 at warning, within 30 at error;
past its end it is ``licence.expired``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from portal.domain import names, uscc
from portal.domain.findings import Severity, finding
from portal.domain.status import RegistryStatus
from registry.codes import register_codes
from registry.model import EnterpriseRecord, same_person
from verification.model import (
    Collector,
    OcrClaims,
    SourceUnavailable,
    State,
    SupplierClaims,
    TaxFacts,
    VerificationResult,
)
from verification.tax import against_tax

EXPIRY_THRESHOLDS: tuple[tuple[int, Severity], ...] = (
    (30, Severity.ERROR),
    (60, Severity.WARNING),
    (90, Severity.INFO),
)


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
    out = Collector(today)
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
        retry.extend(against_tax(out, typed, tax))
    return VerificationResult(
        tuple(out.findings), dict(out.fields), today, min(retry) if retry else None
    )


def _registry_unknown(out: Collector, typed: SupplierClaims, down: SourceUnavailable) -> None:
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

    def __init__(self, out: Collector, rec: EnterpriseRecord) -> None:
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
                detail = f"typed {shown(claimed)}, registered {shown(term_to)}"
                self.add(
                    "term.mismatch",
                    "business_term_end",
                    detail,
                    {"typed": shown(claimed), "registered": shown(term_to)},
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


def shown(day: date | None) -> str:
    return day.isoformat() if day else "长期"


def _against_registry(
    out: Collector, typed: SupplierClaims, rec: EnterpriseRecord, ocr: OcrClaims | None
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


__all__ = ["EXPIRY_THRESHOLDS", "shown", "verify_supplier"]
