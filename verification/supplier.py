"""A stored supplier as the verification sees it, and when it counts as validated.

>>> from portal.domain.supplier import BankAccount, Supplier
>>> account = BankAccount('工行', '6222021234567891234', '北京示例科技有限公司')
>>> s = Supplier(uscc='91110000600037341L', name='北京示例科技有限公司', bank_accounts=(account,))
>>> claims_of(s).bank_account_holders
('北京示例科技有限公司',)
>>> is_validated({name: State.VERIFIED for name in KEY_FIELDS}, [])  # no account holder
False
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from portal.domain.findings import Finding, Severity
from portal.domain.supplier import Supplier
from verification.foreign import FOREIGN_KEY_FIELDS
from verification.model import InvoicingProfile, State, SupplierClaims

#: Fields that must all be verified before a supplier is ``validated`` (plus every
#: bank-account holder, and at least one account).
KEY_FIELDS = (
    "name",
    "uscc",
    "legal_representative",
    "registration_status",
    "tax_status",
    "invoicing.title",
    "invoicing.tax_number",
)


def claims_of(supplier: Supplier) -> SupplierClaims:
    """What the supplier typed, as the verification compares it."""
    profile = supplier.invoicing_profile
    invoicing = None
    if profile is not None:
        invoicing = InvoicingProfile(
            title=profile.title,
            tax_number=profile.tax_number,
            address=profile.address or "",
            phone=profile.phone or "",
            bank_name=profile.bank_name or "",
            bank_account=profile.account_number or "",
        )
    return SupplierClaims(
        name=supplier.name,
        uscc=supplier.uscc or "",
        legal_representative=supplier.legal_representative,
        business_term_end=supplier.term_to,
        business_term_open_ended=supplier.term_to is None and supplier.term_from is not None,
        invoicing=invoicing,
        bank_account_holders=tuple(a.holder_name for a in supplier.bank_accounts if not a.retired),
    )


def is_validated(states: Mapping[str, State], findings: Sequence[Finding]) -> bool:
    """Every key field and every account holder verified, and no error finding open (a
    foreign supplier: its tax number and name, as VIES answered)."""
    if "foreign_tax_id" in states:
        return all(states.get(name) is State.VERIFIED for name in FOREIGN_KEY_FIELDS) and not any(
            f.severity is Severity.ERROR for f in findings
        )
    holders = [name for name in states if name.startswith("bank_accounts[")]
    wanted = [*KEY_FIELDS, *holders]
    return (
        bool(holders)
        and all(states.get(name) is State.VERIFIED for name in wanted)
        and not any(f.severity is Severity.ERROR for f in findings)
    )


def stays_validated(
    was_validated: bool, states: Mapping[str, State], findings: Sequence[Finding]
) -> bool:
    """A supplier validated before stays validated while a source is merely unreachable:
    its fields read *unknown* (待核验), and only an answer that says otherwise (a mismatch, an
    error finding) takes ``validated`` away.

    >>> unknown = {name: State.UNKNOWN for name in KEY_FIELDS}
    >>> stays_validated(True, unknown, []), stays_validated(False, unknown, [])
    (True, False)
    >>> stays_validated(True, {**unknown, "name": State.MISMATCH}, [])
    False
    """
    return (
        was_validated
        and State.MISMATCH not in states.values()
        and not any(f.severity is Severity.ERROR for f in findings)
    )


__all__ = ["KEY_FIELDS", "claims_of", "is_validated", "stays_validated"]
