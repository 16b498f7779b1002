"""Turn what a person typed (a form, an API body, a spreadsheet row) into a
:class:`~portal.domain.supplier.Supplier`, or findings that say what is wrong.

Everything is normalised before it is judged; every problem becomes a finding
with a stable code; a record with an error finding is not built.

>>> supplier, findings = parse_supplier({
...     'uscc': '９１１１００００ ６０００３７３４１ｌ', 'name': '北京示例科技 有限公司',
...     'bank_name': '中国工商银行北京分行', 'bank_account': '6222 0212 3456 7891 234',
...     'account_holder': '北京示例科技有限公司', 'contact_phone': '138-1234-5678'})
>>> supplier.uscc, supplier.name, supplier.bank_accounts[0].account_number
('91110000600037341L', '北京示例科技有限公司', '6222021234567891234')
>>> findings
[]
>>> supplier, findings = parse_supplier({'uscc': '91110000600037341K', 'name': ''})
>>> supplier is None, sorted(f.code for f in findings)
(True, ['required.missing', 'uscc.invalid_checksum'])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from typing import TypeVar

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from portal.domain import (
    bank_account,
    cnaps,
    fields,
    foreign_tax,
    names,
    phone,
    tax_number,
    text,
    uscc,
)
from portal.domain.amounts import is_open_ended, parse_capital, parse_date
from portal.domain.errors import DomainValidationError
from portal.domain.findings import Finding, Severity, finding
from portal.domain.supplier import (
    BankAccount,
    Contact,
    InvoicingProfile,
    LifecycleState,
    Money,
    RegistryStatus,
    Supplier,
    TaxpayerQualification,
    TaxStatus,
)

Raw = Mapping[str, object]
T = TypeVar("T")

#: Every key ``parse_supplier`` reads (from the field catalogue); the import maps
#: spreadsheet headers onto these.
FIELDS: tuple[str, ...] = fields.import_keys()
REQUIRED = ("uscc", "name")  # a foreign supplier gives foreign_tax_id for uscc
#: Keys whose value is one of a fixed vocabulary (the template offers them as a list).
VOCABULARIES: dict[str, type[StrEnum]] = {
    "registry_status": RegistryStatus,
    "taxpayer_qualification": TaxpayerQualification,
    "tax_status": TaxStatus,
    "lifecycle_state": LifecycleState,
}


class _Collector:
    """Runs one check per field, turning validation errors into findings."""

    def __init__(self, raw: Raw) -> None:
        self.raw = raw
        self.findings: list[Finding] = []

    def text(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        value = str(value).strip() if not isinstance(value, str) else value.strip()
        if not value:
            return None
        try:
            return text.clean(value, key)
        except DomainValidationError as exc:
            self.add(exc.code, key, str(exc), detail_zh=exc.message_zh)
            return None

    def add(
        self,
        code: str,
        key: str,
        detail: str,
        severity: Severity | None = None,
        detail_zh: str | None = None,
    ) -> None:
        self.findings.append(
            finding(code, key, detail=detail, severity=severity, detail_zh=detail_zh)
        )

    def check(self, key: str, parser: Callable[[str], T], value: str | None = None) -> T | None:
        value = value if value is not None else self.text(key)
        if value is None:
            return None
        try:
            return parser(value)
        except DomainValidationError as exc:
            self.add(exc.code, key, str(exc), detail_zh=exc.message_zh)
        except ValidationError as exc:
            self.add("id_number.invalid", key, str(exc) or "check digit or date is wrong")
        return None

    def raw_date(self, key: str) -> date | None:
        value = self.raw.get(key)
        if isinstance(value, date):
            return parse_date(value)
        return self.check(key, parse_date)

    def choice(self, key: str, enum: type[T], default: T) -> T:
        value = self.text(key)
        if value is None:
            return default
        for member in enum:  # type: ignore[attr-defined]
            if value in (member.value, member.name.lower()):
                return member  # type: ignore[no-any-return]
        en, zh = _words(key)
        self.add(
            "value.invalid",
            key,
            f"{value} is not one of the known values of {en}",
            detail_zh=f"「{value}」不是{zh}的可选值",
        )
        return default


def _words(key: str) -> tuple[str, str]:
    """An import key as words (English, Chinese): findings name fields, never keys."""
    try:
        spec = fields.by_import_key(key)
    except KeyError:
        return key, key
    return spec.en, spec.zh


def _uscc(c: _Collector) -> tuple[str | None, str | None]:
    """The credit code, or the legacy tax number someone typed in its place."""
    value = c.text("uscc")
    if value is None:
        return None, None
    if len(uscc.compact(value)) == 15 and tax_number.is_valid(value):
        legacy = tax_number.validate(value)
        c.add(
            "uscc.legacy_tax_number",
            "uscc",
            f"{legacy}; give the 18-character credit code",
            severity=Severity.ERROR,
        )
        return None, legacy
    return c.check("uscc", uscc.validate, value), None


def _identity(c: _Collector) -> tuple[str | None, str | None, foreign_tax.ForeignTaxId | None]:
    """The credit code (or the legacy number typed for it), or the foreign tax number: a
    supplier has exactly one of the two."""
    raw_foreign = c.text("foreign_tax_id")
    has_uscc = c.raw.get("uscc") not in (None, "") and str(c.raw.get("uscc")).strip()
    if raw_foreign is None:
        if not has_uscc:
            c.add(
                "required.missing",
                "uscc",
                "credit code (or, for a supplier outside mainland China, its foreign tax number)",
                detail_zh="统一社会信用代码（境外供应商填写境外税号）",
            )
            return None, None, None
        return *_uscc(c), None
    if has_uscc:
        c.add(
            "identity.both",
            "foreign_tax_id",
            "give either the credit code or the foreign tax number, not both",
            severity=Severity.ERROR,
            detail_zh="统一社会信用代码与境外税号只填其一",
        )
        return None, None, None
    return None, None, c.check("foreign_tax_id", foreign_tax.parse, raw_foreign)


def _bank_account(c: _Collector, name: str | None) -> BankAccount | None:
    if text.is_masked(str(c.raw.get("bank_account") or "")):
        return None  # withheld (our own export masks it): nothing to store or change
    number = c.check("bank_account", bank_account.validate)
    bank = c.text("bank_name")
    holder = c.text("account_holder")
    code = c.check("cnaps_code", cnaps.validate)
    if number is None and not (bank or holder or code):
        return None
    if number is None:
        if c.raw.get("bank_account") in (None, ""):
            c.add("required.missing", "bank_account", "bank account number")
        return None
    if not bank:
        c.add("required.missing", "bank_name", "bank full name (开户行全称)")
        return None
    holder = names.normalise(holder) if holder else name
    if holder and name and holder != name:
        if names.is_short_form(name, holder):
            c.add(
                "name.truncated",
                "name",
                f"{holder} (the account holder; {name} is its short form)",
                detail_zh=f"{holder}（银行户名；{name} 为其简称）",
            )
        else:
            c.add("bank_account.holder_mismatch", "account_holder", f"{holder} ≠ {name}")
    return BankAccount(
        bank_name=bank,
        account_number=number,
        holder_name=holder or "",
        cnaps_code=code,
        currency=c.text("bank_currency") or "CNY",
        purpose=c.text("bank_purpose"),
        is_default=True,
    )


def _contact(c: _Collector) -> Contact | None:
    contact_name = c.text("contact_name")
    number = c.check("contact_phone", phone.validate)
    email = c.text("contact_email")
    if email and ("@" not in email or "." not in email.rsplit("@", 1)[-1]):
        c.add("email.invalid", "contact_email", email)
        email = None
    if not (contact_name or number or email):
        return None
    return Contact(name=contact_name or "", role=c.text("contact_role"), phone=number, email=email)


def _invoicing(c: _Collector) -> InvoicingProfile | None:
    title = c.text("invoice_title")
    number = c.text("invoice_tax_number")
    if not (title or number):
        return None
    if number:
        number = c.check("invoice_tax_number", uscc.validate, number)
    account = c.check("invoice_account", bank_account.validate)
    invoice_phone = c.text("invoice_phone")
    return InvoicingProfile(
        title=names.normalise(title) if title else "",
        tax_number=number or "",
        address=c.text("invoice_address"),
        phone=invoice_phone,
        bank_name=c.text("invoice_bank_name"),
        account_number=account,
    )


def parse_supplier(raw: Raw) -> tuple[Supplier | None, list[Finding]]:
    """Normalise and judge one supplier; return it only when no finding is an error."""
    draft, findings = parse_supplier_draft(raw)
    if any(f.severity is Severity.ERROR for f in findings):
        return None, findings
    return draft, findings


def parse_supplier_draft(raw: Raw) -> tuple[Supplier | None, list[Finding]]:
    """Like :func:`parse_supplier`, but the supplier is built from the values that passed
    whenever the credit code and the name did, errors elsewhere notwithstanding: enough
    to screen a rejected row for duplicates in the same pass. Never store a draft.

    >>> draft, findings = parse_supplier_draft({'uscc': '91110000600037341L',
    ...     'name': '北京示例科技有限公司', 'contact_phone': '12'})
    >>> draft.uscc, draft.contacts, [f.code for f in findings]
    ('91110000600037341L', (), ['phone.invalid'])
    """
    c = _Collector(raw)
    if raw.get("name") in (None, "") or not str(raw.get("name")).strip():
        en, zh = _words("name")
        c.add("required.missing", "name", en, detail_zh=zh)
    credit_code, legacy, foreign = _identity(c)
    raw_name = c.text("name")
    name = names.normalise(raw_name) if raw_name else None
    id_number = c.check("legal_rep_id_number", ric.validate)
    capital_text = c.text("registered_capital")
    capital: Money | None = c.check("registered_capital", parse_capital, capital_text)
    term_to_text = c.text("term_to")
    term_to = None
    if term_to_text and not is_open_ended(term_to_text):
        term_to = c.check("term_to", parse_date, term_to_text)
    account = _bank_account(c, name)
    contact = _contact(c)
    invoicing = _invoicing(c)
    aliases_text = c.text("aliases") or ""
    aliases = tuple(
        names.normalise(a) for a in aliases_text.replace("；", ";").split(";") if a.strip()
    )
    entity_type = c.text("entity_type")
    legal_representative = c.text("legal_representative")
    address = c.text("address")
    business_scope = c.text("business_scope")
    registration_authority = c.text("registration_authority")
    established_on = c.raw_date("established_on")
    term_from = c.raw_date("term_from")
    statuses = (
        c.choice("registry_status", RegistryStatus, RegistryStatus.UNKNOWN),
        c.choice("taxpayer_qualification", TaxpayerQualification, TaxpayerQualification.UNKNOWN),
        c.choice("tax_status", TaxStatus, TaxStatus.UNKNOWN),
        c.choice("lifecycle_state", LifecycleState, LifecycleState.PROSPECTIVE),
    )
    if not (credit_code or foreign) or not name:
        return None, c.findings
    return (
        Supplier(
            uscc=credit_code,
            name=name,
            legal_rep_id_number=id_number,
            registered_capital=capital,
            established_on=established_on,
            term_from=term_from,
            term_to=term_to,
            registry_status=statuses[0],
            taxpayer_qualification=statuses[1],
            tax_status=statuses[2],
            lifecycle_state=statuses[3],
            aliases=aliases,
            legacy_tax_number=legacy,
            foreign_tax_id=foreign,
            bank_accounts=(account,) if account else (),
            contacts=(contact,) if contact else (),
            invoicing_profile=invoicing,
            entity_type=entity_type,
            legal_representative=legal_representative,
            address=address,
            business_scope=business_scope,
            registration_authority=registration_authority,
        ),
        c.findings,
    )
