"""Verifying a foreign supplier: its tax number against VIES, its name against VIES's.

A foreign supplier has no credit code, so no Chinese registry or tax record: what can
be checked is its tax number. An EU VAT number is asked of VIES (through
:class:`~tax_bureau.ports.VatNumberChecker`); other schemes have no public register we
can ask, so their format and check digits (already checked on input) are all there is.

The answer becomes field states and findings like the registry's:

========== =========================== ===================================================
VIES       ``foreign_tax_id`` state    finding
========== =========================== ===================================================
valid      verified                    ``vat.name_mismatch`` (error) if VIES names another
                                       company; the name is *verified* when VIES names this
                                       one, *unknown* when VIES keeps the name to itself
invalid    mismatch                    ``vat.invalid`` (error)
unknown    unknown                     ``vat.unavailable`` (info): retried later, never a
                                       pass and never a fail
========== =========================== ===================================================

>>> from datetime import date
>>> from portal.domain.foreign_tax import parse
>>> from tax_bureau.model import VatCheck, VatState
>>> fr = parse("FR40303265045")
>>> ok = VatCheck("FR40303265045", VatState.VALID, "FR", "SARL EXEMPLE FICTIF")
>>> result = verify_foreign("Sarl Exemple Fictif", fr, ok, today=date(2026, 12, 3))
>>> {k: s.state.value for k, s in result.fields.items()}, result.codes
({'foreign_tax_id': 'verified', 'name': 'verified'}, ())
>>> down = VatCheck("FR40303265045", VatState.UNKNOWN, "FR", error="MS_UNAVAILABLE")
>>> verify_foreign("Sarl Exemple Fictif", fr, down, today=date(2026, 12, 3)).needs_retry
True
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from portal.domain.findings import Finding, Severity, finding, register
from portal.domain.foreign_tax import ForeignTaxId
from tax_bureau.model import VatCheck, VatState
from verification.model import Collector, State, VerificationResult

__all__ = ["AGAINST", "FOREIGN_KEY_FIELDS", "names_agree", "verify_foreign"]

#: What a VIES answer is recorded against (``tax_bureau:vies``: 税务（欧盟 VIES）).
AGAINST = "tax_bureau:vies"
SOURCE = "tax_bureau"
#: Fields that must be verified before a foreign supplier is ``validated``.
FOREIGN_KEY_FIELDS = ("foreign_tax_id", "name")

_E, _I = Severity.ERROR, Severity.INFO
for _code, _severity, _en, _zh in (
    ("vat.unavailable", _I,
     "VIES could not answer; the check will be retried later: {detail}",
     "欧盟 VIES 暂时无法答复，稍后将自动重新核验：{detail}"),
    ("vat.name_mismatch", _E,
     "The name differs from the one VIES holds for this VAT number: {detail}",
     "名称与欧盟 VIES 登记的名称不一致：{detail}"),
    ("foreign.no_register", _I,
     "No public register can be asked for this number; its format and check digits are "
     "correct: {detail}",
     "该税号没有可查询的公开登记，已核对格式与校验位：{detail}"),
):  # fmt: skip
    register(_code, _severity, _en, _zh)

_LEGAL_FORM_NOISE = re.compile(r"[^\w]+")


def _comparable(name: str) -> str:
    """Case, accents, punctuation and spacing aside (VIES writes names in capitals)."""
    folded = unicodedata.normalize("NFKD", name).casefold()
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return _LEGAL_FORM_NOISE.sub("", plain)


def names_agree(typed: str, registered: str) -> bool:
    """Whether two names are the same name, written alike or not.

    >>> names_agree("Beispiel GmbH", "BEISPIEL GMBH")
    True
    >>> names_agree("Société Générale", "SOCIETE GENERALE")
    True
    >>> names_agree("Beispiel GmbH", "Anders AG")
    False
    """
    return bool(_comparable(typed)) and _comparable(typed) == _comparable(registered)


def verify_foreign(
    name: str, tax_id: ForeignTaxId, check: VatCheck | None, *, today: date
) -> VerificationResult:
    """Field states and findings of a foreign supplier from a VIES answer (``check`` None:
    the scheme has no register we can ask)."""
    out = Collector(today)
    if check is None:
        out.state("foreign_tax_id", State.UNKNOWN, None, "format", None)
        out.findings.append(
            finding(
                "foreign.no_register",
                "foreign_tax_id",
                detail=tax_id.words_en,
                detail_zh=tax_id.words_zh,
                source=SOURCE,
            )
        )
        return _result(out)
    at, rid = check.checked_at, check.request_identifier
    evidence = {"provider": "vies", "country": check.country_code}
    if check.state is VatState.UNKNOWN:
        out.state("foreign_tax_id", State.UNKNOWN, at, AGAINST, rid)
        out.state("name", State.UNKNOWN, at, AGAINST, rid)
        out.findings.append(_found("vat.unavailable", None, check.error or "NO_ANSWER", check))
        return _result(out)
    if check.state is VatState.INVALID:
        out.state("foreign_tax_id", State.MISMATCH, at, AGAINST, rid)
        detail = f"{tax_id.number} ({check.error or 'INVALID'})"
        out.findings.append(_found("vat.invalid", "foreign_tax_id", detail, check, evidence))
        return _result(out)
    out.state("foreign_tax_id", State.VERIFIED, at, AGAINST, rid)
    if not check.name:
        out.state("name", State.UNKNOWN, at, AGAINST, rid)  # the member state keeps it private
    elif names_agree(name, check.name):
        out.state("name", State.VERIFIED, at, AGAINST, rid)
    else:
        out.state("name", State.MISMATCH, at, AGAINST, rid)
        detail = f"{name} ≠ {check.name}"
        evidence |= {"registered_name": check.name}
        out.findings.append(_found("vat.name_mismatch", "name", detail, check, evidence))
    return _result(out)


def _found(
    code: str,
    field_name: str | None,
    detail: str,
    check: VatCheck,
    evidence: dict[str, str] | None = None,
) -> Finding:
    return finding(
        code,
        field_name,
        detail=detail,
        source=SOURCE,
        evidence=evidence or {"provider": "vies"},
        observed_at=check.checked_at,
        request_id=check.request_identifier,
    )


def _result(out: Collector) -> VerificationResult:
    return VerificationResult(tuple(out.findings), dict(out.fields), out.today)
