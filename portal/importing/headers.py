"""Spreadsheet headers, in Chinese or English, mapped onto supplier fields.

Matching ignores case, spaces, brackets and a trailing ``*`` (the mark for a
required column in Chinese templates). The synonyms are documented in
``docs/import.md``; unknown columns are reported, not guessed.

>>> canonical_header('供应商名称*')
'name'
>>> canonical_header(' Tax ID ')
'uscc'
>>> canonical_header('备注') is None
True
"""

from __future__ import annotations

import re
import unicodedata

SYNONYMS: dict[str, tuple[str, ...]] = {
    "uscc": (
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "纳税人识别号",
        "税号",
        "uscc",
        "creditcode",
        "unifiedsocialcreditcode",
        "taxid",
        "taxnumber",
    ),
    "name": (
        "供应商名称",
        "单位名称",
        "公司名称",
        "企业名称",
        "名称",
        "供应商",
        "name",
        "suppliername",
        "companyname",
    ),
    "aliases": ("曾用名", "别名", "aliases", "formernames"),
    "entity_type": ("企业类型", "类型", "主体类型", "entitytype", "type"),
    "legal_representative": ("法定代表人", "法人", "负责人", "legalrepresentative", "legalrep"),
    "legal_rep_id_number": (
        "法定代表人身份证号",
        "法人身份证号",
        "身份证号",
        "idnumber",
        "legalrepidnumber",
    ),
    "registered_capital": ("注册资本", "出资额", "registeredcapital", "capital"),
    "established_on": ("成立日期", "注册日期", "establishedon", "established"),
    "term_from": ("营业期限自", "经营期限自", "termfrom"),
    "term_to": ("营业期限至", "经营期限至", "termto"),
    "address": ("住所", "注册地址", "地址", "经营场所", "address"),
    "business_scope": ("经营范围", "businessscope", "scope"),
    "registration_authority": ("登记机关", "registrationauthority"),
    "registry_status": ("登记状态", "经营状态", "registrystatus"),
    "taxpayer_qualification": ("纳税人资格", "纳税人类型", "taxpayerqualification"),
    "tax_status": ("税务状态", "taxstatus"),
    "lifecycle_state": ("状态", "供应商状态", "lifecyclestate", "state"),
    "bank_name": ("开户行", "开户行全称", "开户银行", "银行名称", "bankname", "bank"),
    "cnaps_code": ("联行号", "开户行行号", "行号", "cnaps", "cnapscode"),
    "bank_account": ("银行账号", "账号", "收款账号", "bankaccount", "accountnumber", "account"),
    "account_holder": ("户名", "账户名称", "开户名", "accountholder", "holder", "holdername"),
    "bank_currency": ("币种", "currency"),
    "bank_purpose": ("用途", "账户用途", "purpose"),
    "contact_name": ("联系人", "联系人姓名", "contact", "contactname"),
    "contact_role": ("联系人职务", "职务", "contactrole", "role"),
    "contact_phone": ("联系电话", "电话", "手机", "手机号", "phone", "mobile", "contactphone"),
    "contact_email": ("邮箱", "电子邮箱", "email", "e-mail", "contactemail"),
    "invoice_title": ("发票抬头", "开票名称", "invoicetitle"),
    "invoice_tax_number": ("开票税号", "invoicetaxnumber"),
    "invoice_address": ("开票地址", "invoiceaddress"),
    "invoice_phone": ("开票电话", "invoicephone"),
    "invoice_bank_name": ("开票开户行", "invoicebankname"),
    "invoice_account": ("开票账号", "invoiceaccount"),
}

_LOOKUP = {syn: key for key, syns in SYNONYMS.items() for syn in syns}


def _fold(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).lower()
    return re.sub(r"[\s*()（）:：_\-]", "", text)


def canonical_header(header: object) -> str | None:
    """The supplier field a header names, or None."""
    if header is None:
        return None
    folded = _fold(str(header))
    return _LOOKUP.get(folded) or _LOOKUP.get(folded.replace("e-mail", "email"))
