"""Suppliers as the tests need them: a licensed company with one account, one contact
and an invoicing profile in its own name."""

from __future__ import annotations

from portal.domain.supplier import BankAccount, Contact, InvoicingProfile, Supplier

__all__ = ["licensed_supplier"]


def licensed_supplier(
    uscc: str,
    name: str,
    account: str,
    phone: str,
    email: str,
    *,
    address: str = "上海市浦东新区示例路1号",
    cnaps_code: str | None = "102290000012",
) -> Supplier:
    """A supplier paid into ``account`` at ICBC Shanghai, with Manager Wang (finance) as
    its contact.

    >>> licensed_supplier("91310000MA1FL0000X", "甲公司", "6222", "138", "w@x.cn").name
    '甲公司'
    """
    return Supplier(
        uscc=uscc,
        name=name,
        address=address,
        bank_accounts=(
            BankAccount(
                bank_name="中国工商银行上海分行",
                account_number=account,
                holder_name=name,
                cnaps_code=cnaps_code,
                is_default=True,
            ),
        ),
        contacts=(Contact(name="王经理", role="财务", phone=phone, email=email),),
        invoicing_profile=InvoicingProfile(title=name, tax_number=uscc),
    )
